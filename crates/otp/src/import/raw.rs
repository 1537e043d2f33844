//! The common shape importers fill from each format's fields, converted with validation.

use serde_json::Value;
use zeroize::Zeroizing;

use crate::model::{Account, HashAlgorithm, OtpKind};
use crate::secret::{SecretBytes, SecretString};

/// How the secret is written in the file.
#[derive(Debug)]
pub(crate) enum RawSecret {
    Base32(Zeroizing<String>),
    Hex(Zeroizing<String>),
    Bytes(SecretBytes),
}

impl Default for RawSecret {
    fn default() -> Self {
        Self::Bytes(SecretBytes::default())
    }
}

/// One entry as read from a file, before validation.
#[derive(Debug, Default)]
pub(crate) struct RawEntry {
    /// totp, hotp, steam, yandex, motp (case-insensitive).
    pub kind: String,
    pub issuer: String,
    pub name: String,
    pub secret: RawSecret,
    pub algorithm: Option<String>,
    pub digits: Option<i64>,
    pub period: Option<i64>,
    pub counter: Option<i64>,
    pub pin: Option<SecretString>,
    pub note: String,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub order: Option<i64>,
    /// 2FAS writes 0 for "unset" digits and period; elsewhere 0 is an error.
    pub zero_means_default: bool,
}

impl RawEntry {
    /// `issuer:name` for error messages.
    pub fn label(&self) -> String {
        match (self.issuer.is_empty(), self.name.is_empty()) {
            (false, false) => format!("{}:{}", self.issuer, self.name),
            (false, true) => self.issuer.clone(),
            _ => self.name.clone(),
        }
    }

    /// Validates and converts; the error says what is wrong with the entry.
    pub fn into_account(self) -> Result<Account, String> {
        let secret = match &self.secret {
            RawSecret::Base32(text) => SecretBytes::from_slice(&crate::base32::decode(text).map_err(|e| format!("secret: {e}"))?),
            RawSecret::Hex(text) => SecretBytes::new(hex::decode(text.trim()).map_err(|_| "secret: not hexadecimal".to_owned())?),
            RawSecret::Bytes(bytes) => bytes.clone(),
        };
        let algorithm = match &self.algorithm {
            None => HashAlgorithm::Sha1,
            Some(a) if a.trim().is_empty() => HashAlgorithm::Sha1,
            Some(a) => HashAlgorithm::parse(a).ok_or_else(|| format!("unsupported algorithm {a:?}"))?,
        };
        let digits = match self.digits {
            None => 6,
            Some(0) if self.zero_means_default => 6,
            Some(d) => u8::try_from(d).map_err(|_| format!("{d} digits is outside the accepted range 1..=10"))?,
        };
        let period = match self.period {
            None => 30,
            Some(0) if self.zero_means_default => 30,
            Some(p) => u32::try_from(p).map_err(|_| format!("a period of {p} seconds is not allowed"))?,
        };
        let counter = match self.counter {
            None => 0,
            Some(c) => u64::try_from(c).map_err(|_| format!("negative HOTP counter {c}"))?,
        };
        let pin = || self.pin.clone().ok_or_else(|| format!("{} entries need a PIN", self.kind));
        let (kind, algorithm, digits) = match self.kind.to_ascii_lowercase().as_str() {
            "" | "totp" => (OtpKind::Totp { period }, algorithm, digits),
            "hotp" => (OtpKind::Hotp { counter }, algorithm, digits),
            "steam" => (OtpKind::Steam, HashAlgorithm::Sha1, 5),
            "yandex" | "yaotp" => (OtpKind::Yandex { pin: pin()? }, HashAlgorithm::Sha256, 8),
            "motp" => (OtpKind::Motp { pin: pin()? }, HashAlgorithm::Sha1, 6),
            other => return Err(format!("unsupported OTP type {other:?}")),
        };
        let mut account = Account::new(&self.issuer, &self.name, kind, algorithm, digits, secret).map_err(|e| e.to_string())?;
        account.note = self.note;
        account.tags = self.tags;
        account.pinned = self.pinned;
        account.order = self.order.and_then(|o| u32::try_from(o).ok()).unwrap_or(0);
        account.validate().map_err(|e| e.to_string())?;
        Ok(account)
    }
}

/// A string field, or empty.
pub(crate) fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().trim().to_owned()
}

/// An integer field given as a number or a numeric string; `Err` names a bad value.
pub(crate) fn int(value: &Value, key: &str) -> Result<Option<i64>, String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| format!("{key} = {n} is not a whole number in range")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| format!("{key} = {s:?} is not a number")),
        Some(other) => Err(format!("{key} has an unexpected value {other}")),
    }
}

/// A boolean field (missing is false).
pub(crate) fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}
