//! The account model and the validation every value passes before use.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::{SecretBytes, SecretString};

/// Bounds applied to every account, whatever its source.
pub mod limits {
    /// Fewest digits accepted for TOTP/HOTP codes.
    pub const MIN_DIGITS: u8 = 1;
    /// Most digits: a 31-bit truncated HMAC value has at most 10 decimal digits (RFC 4226 §5.3).
    pub const MAX_DIGITS: u8 = 10;
    /// Longest TOTP period accepted (one week).
    pub const MAX_PERIOD: u32 = 7 * 24 * 3600;
    /// Largest secret accepted, in bytes.
    pub const MAX_SECRET_BYTES: usize = 1024;
    /// Longest issuer or name, in bytes.
    pub const MAX_LABEL_BYTES: usize = 1024;
    /// Longest note, in bytes.
    pub const MAX_NOTE_BYTES: usize = 64 * 1024;
    /// Most tags on one account, and the longest tag.
    pub const MAX_TAGS: usize = 64;
    pub const MAX_TAG_BYTES: usize = 256;
    /// Longest PIN (Yandex, mOTP).
    pub const MAX_PIN_CHARS: usize = 64;
    /// Longest original URI kept for re-export.
    pub const MAX_URI_BYTES: usize = 16 * 1024;
    /// Yandex secrets carry at least a 16-byte key.
    pub const YANDEX_MIN_SECRET_BYTES: usize = 16;
}

/// A stable account identifier (32 lowercase hex characters).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    /// A fresh random identifier.
    pub fn random() -> Result<Self, crate::random::RandomError> {
        Ok(Self(hex::encode(crate::random::array::<16>()?)))
    }

    /// Wraps an identifier read back from storage or given by a caller.
    pub fn from_string(id: String) -> Self {
        Self(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountId({})", self.0)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The HMAC hash (RFC 6238 §1.2 allows SHA-1, SHA-256, SHA-512).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum HashAlgorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgorithm {
    /// The spelling used in otpauth URIs and most export formats.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Parses `SHA1`, `sha-256`, `HmacSHA512`, ... case-insensitively.
    pub fn parse(value: &str) -> Option<Self> {
        let v: String = value
            .trim()
            .to_ascii_uppercase()
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect();
        match v.trim_start_matches("HMAC") {
            "SHA1" => Some(Self::Sha1),
            "SHA256" => Some(Self::Sha256),
            "SHA512" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// What kind of one-time password an account produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum OtpKind {
    /// RFC 6238 TOTP with a period in seconds.
    Totp { period: u32 },
    /// RFC 4226 HOTP with the counter of the next code to show.
    Hotp { counter: u64 },
    /// Steam Guard: HMAC-SHA1, 30 s, 5 characters.
    Steam,
    /// Yandex Key (yaotp): SHA-256, 30 s, 8 letters, with a PIN.
    Yandex { pin: SecretString },
    /// Mobile-OTP: MD5 over time/10, hex secret and PIN; 6 hex digits.
    Motp { pin: SecretString },
}

impl OtpKind {
    /// Short lowercase name, as Aegis spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Totp { .. } => "totp",
            Self::Hotp { .. } => "hotp",
            Self::Steam => "steam",
            Self::Yandex { .. } => "yandex",
            Self::Motp { .. } => "motp",
        }
    }

    /// The time step in seconds, for time-based kinds.
    pub fn period(&self) -> Option<u32> {
        match self {
            Self::Totp { period } => Some(*period),
            Self::Hotp { .. } => None,
            Self::Steam | Self::Yandex { .. } => Some(30),
            Self::Motp { .. } => Some(10),
        }
    }
}

/// One MFA account. `Debug` redacts the secret, PINs and the original URI.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub issuer: String,
    pub name: String,
    pub kind: OtpKind,
    pub algorithm: HashAlgorithm,
    pub digits: u8,
    #[serde(with = "secret_base32")]
    pub secret: SecretBytes,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub order: u32,
    #[serde(default)]
    pub note: String,
    /// The otpauth URI this account came from (it holds the secret), re-exported verbatim
    /// while it still matches.
    #[serde(default)]
    pub original_uri: Option<SecretString>,
    /// URI parameters we do not interpret (`image`, `codeDisplay`, ...), kept in order.
    #[serde(default)]
    pub extra_params: Vec<(String, String)>,
}

/// Why an account value is unacceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    #[error("the secret is empty")]
    EmptySecret,
    #[error("the secret is {0} bytes long; at most {max} are accepted", max = limits::MAX_SECRET_BYTES)]
    SecretTooLong(usize),
    #[error("a Yandex secret needs at least 16 bytes, this one has {0}")]
    YandexSecretTooShort(usize),
    #[error("{0} digits is outside the accepted range {min}..={max}", min = limits::MIN_DIGITS, max = limits::MAX_DIGITS)]
    DigitsOutOfRange(u8),
    #[error("{kind} codes have exactly {expected} digits, not {actual}")]
    WrongDigitsForKind { kind: &'static str, expected: u8, actual: u8 },
    #[error("{kind} codes always use {expected}, not {actual}")]
    WrongAlgorithmForKind { kind: &'static str, expected: &'static str, actual: &'static str },
    #[error("a period of 0 seconds is not allowed")]
    ZeroPeriod,
    #[error("a period of {0} seconds is longer than the accepted maximum of {max} seconds", max = limits::MAX_PERIOD)]
    PeriodTooLong(u32),
    #[error("the PIN is empty")]
    EmptyPin,
    #[error("the PIN is longer than {max} characters", max = limits::MAX_PIN_CHARS)]
    PinTooLong,
    #[error("the {field} is longer than {max} bytes")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("more than {max} tags", max = limits::MAX_TAGS)]
    TooManyTags,
    #[error("the {field} contains control characters")]
    ControlCharacters { field: &'static str },
}

impl Account {
    /// Builds a validated account with a fresh id and empty metadata.
    pub fn new(
        issuer: &str,
        name: &str,
        kind: OtpKind,
        algorithm: HashAlgorithm,
        digits: u8,
        secret: SecretBytes,
    ) -> Result<Self, AccountError> {
        let account = Self {
            id: AccountId::random()?,
            issuer: issuer.trim().to_owned(),
            name: name.trim().to_owned(),
            kind,
            algorithm,
            digits,
            secret,
            tags: Vec::new(),
            pinned: false,
            order: 0,
            note: String::new(),
            original_uri: None,
            extra_params: Vec::new(),
        };
        account.validate()?;
        Ok(account)
    }

    /// A new TOTP account with the common defaults (SHA-1, 6 digits, 30 s).
    pub fn totp(issuer: &str, name: &str, secret: SecretBytes) -> Result<Self, AccountError> {
        Self::new(issuer, name, OtpKind::Totp { period: 30 }, HashAlgorithm::Sha1, 6, secret)
    }

    /// `issuer:name`, or whichever of the two is present.
    pub fn label(&self) -> String {
        match (self.issuer.is_empty(), self.name.is_empty()) {
            (false, false) => format!("{}:{}", self.issuer, self.name),
            (false, true) => self.issuer.clone(),
            _ => self.name.clone(),
        }
    }

    /// Checks every value; code generation and storage call this first.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let secret_len = self.secret.len();
        if secret_len == 0 {
            return Err(ValidationError::EmptySecret);
        }
        if secret_len > limits::MAX_SECRET_BYTES {
            return Err(ValidationError::SecretTooLong(secret_len));
        }
        match &self.kind {
            OtpKind::Totp { period } => {
                validate_period(*period)?;
                validate_digits(self.digits)?;
            }
            OtpKind::Hotp { .. } => validate_digits(self.digits)?,
            OtpKind::Steam => {
                fixed(self, "Steam", 5, HashAlgorithm::Sha1)?;
            }
            OtpKind::Yandex { pin } => {
                fixed(self, "Yandex", 8, HashAlgorithm::Sha256)?;
                if secret_len < limits::YANDEX_MIN_SECRET_BYTES {
                    return Err(ValidationError::YandexSecretTooShort(secret_len));
                }
                validate_pin(pin)?;
            }
            OtpKind::Motp { pin } => {
                if self.digits != 6 {
                    return Err(ValidationError::WrongDigitsForKind {
                        kind: "mOTP",
                        expected: 6,
                        actual: self.digits,
                    });
                }
                validate_pin(pin)?;
            }
        }
        text_field("issuer", &self.issuer, limits::MAX_LABEL_BYTES)?;
        text_field("name", &self.name, limits::MAX_LABEL_BYTES)?;
        if self.note.len() > limits::MAX_NOTE_BYTES {
            return Err(ValidationError::FieldTooLong { field: "note", max: limits::MAX_NOTE_BYTES });
        }
        if self.tags.len() > limits::MAX_TAGS {
            return Err(ValidationError::TooManyTags);
        }
        for tag in &self.tags {
            text_field("tag", tag, limits::MAX_TAG_BYTES)?;
        }
        if self.original_uri.as_ref().is_some_and(|u| u.expose().len() > limits::MAX_URI_BYTES) {
            return Err(ValidationError::FieldTooLong { field: "original URI", max: limits::MAX_URI_BYTES });
        }
        Ok(())
    }

    /// True when two accounts produce the same codes (same kind, secret and parameters):
    /// the test importers use for duplicates.
    pub fn same_generator(&self, other: &Self) -> bool {
        let same_kind = match (&self.kind, &other.kind) {
            (OtpKind::Totp { period: a }, OtpKind::Totp { period: b }) => a == b,
            (OtpKind::Hotp { .. }, OtpKind::Hotp { .. }) => true,
            (OtpKind::Steam, OtpKind::Steam) => true,
            (OtpKind::Yandex { pin: a }, OtpKind::Yandex { pin: b }) => a == b,
            (OtpKind::Motp { pin: a }, OtpKind::Motp { pin: b }) => a == b,
            _ => false,
        };
        same_kind
            && self.algorithm == other.algorithm
            && self.digits == other.digits
            && self.secret == other.secret
    }
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("algorithm", &self.algorithm)
            .field("digits", &self.digits)
            .field("secret", &self.secret)
            .field("tags", &self.tags)
            .field("pinned", &self.pinned)
            .field("order", &self.order)
            .field("note", &self.note)
            .field("original_uri", &self.original_uri.as_ref().map(|_| "<redacted>"))
            .field("extra_params", &self.extra_params)
            .finish()
    }
}

/// What front-ends may show or print as JSON: everything but the secret and PINs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountSummary {
    pub id: AccountId,
    pub issuer: String,
    pub name: String,
    /// totp, hotp, steam, yandex, motp.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub algorithm: HashAlgorithm,
    pub digits: u8,
    /// Seconds per code, for time-based kinds.
    pub period: Option<u32>,
    /// Next HOTP counter.
    pub counter: Option<u64>,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub order: u32,
    pub note: String,
}

impl Account {
    /// The secret-free view of this account.
    pub fn summary(&self) -> AccountSummary {
        AccountSummary {
            id: self.id.clone(),
            issuer: self.issuer.clone(),
            name: self.name.clone(),
            kind: self.kind.type_name(),
            algorithm: self.algorithm,
            digits: self.digits,
            period: self.kind.period(),
            counter: match self.kind {
                OtpKind::Hotp { counter } => Some(counter),
                _ => None,
            },
            tags: self.tags.clone(),
            pinned: self.pinned,
            order: self.order,
            note: self.note.clone(),
        }
    }
}

/// Building an account can fail on validation or on the OS random generator (for the id).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Random(#[from] crate::random::RandomError),
}

fn validate_digits(digits: u8) -> Result<(), ValidationError> {
    if (limits::MIN_DIGITS..=limits::MAX_DIGITS).contains(&digits) {
        Ok(())
    } else {
        Err(ValidationError::DigitsOutOfRange(digits))
    }
}

/// Validates a period read from anywhere.
pub fn validate_period(period: u32) -> Result<(), ValidationError> {
    if period == 0 {
        Err(ValidationError::ZeroPeriod)
    } else if period > limits::MAX_PERIOD {
        Err(ValidationError::PeriodTooLong(period))
    } else {
        Ok(())
    }
}

fn fixed(
    account: &Account,
    kind: &'static str,
    digits: u8,
    algorithm: HashAlgorithm,
) -> Result<(), ValidationError> {
    if account.digits != digits {
        return Err(ValidationError::WrongDigitsForKind { kind, expected: digits, actual: account.digits });
    }
    if account.algorithm != algorithm {
        return Err(ValidationError::WrongAlgorithmForKind {
            kind,
            expected: algorithm.as_str(),
            actual: account.algorithm.as_str(),
        });
    }
    Ok(())
}

fn validate_pin(pin: &SecretString) -> Result<(), ValidationError> {
    if pin.is_empty() {
        Err(ValidationError::EmptyPin)
    } else if pin.expose().chars().count() > limits::MAX_PIN_CHARS {
        Err(ValidationError::PinTooLong)
    } else {
        Ok(())
    }
}

fn text_field(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.len() > max {
        return Err(ValidationError::FieldTooLong { field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(ValidationError::ControlCharacters { field });
    }
    Ok(())
}

/// Serde for secrets inside the (encrypted) vault: base32 text.
mod secret_base32 {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::secret::SecretBytes;

    pub fn serialize<S: Serializer>(secret: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&secret.to_base32())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        let text = zeroize::Zeroizing::new(String::deserialize(d)?);
        let bytes = crate::base32::decode(&text).map_err(serde::de::Error::custom)?;
        Ok(SecretBytes::from_slice(&bytes))
    }
}

impl Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(SecretString::new(String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Account {
        Account::totp("Example", "alice", SecretBytes::from_slice(b"12345678901234567890")).unwrap()
    }

    #[test]
    fn validation_bounds() {
        let mut a = base();
        a.digits = 0;
        assert_eq!(a.validate(), Err(ValidationError::DigitsOutOfRange(0)));
        a.digits = 11;
        assert_eq!(a.validate(), Err(ValidationError::DigitsOutOfRange(11)));
        a.digits = 10;
        assert_eq!(a.validate(), Ok(()));
        a.kind = OtpKind::Totp { period: 0 };
        assert_eq!(a.validate(), Err(ValidationError::ZeroPeriod));
        a.kind = OtpKind::Totp { period: u32::MAX };
        assert_eq!(a.validate(), Err(ValidationError::PeriodTooLong(u32::MAX)));
        a.kind = OtpKind::Totp { period: 30 };
        a.secret = SecretBytes::new(Vec::new());
        assert_eq!(a.validate(), Err(ValidationError::EmptySecret));
        a.secret = SecretBytes::new(vec![1; 2000]);
        assert_eq!(a.validate(), Err(ValidationError::SecretTooLong(2000)));
        a.secret = SecretBytes::new(vec![1; 20]);
        a.kind = OtpKind::Steam;
        assert!(matches!(a.validate(), Err(ValidationError::WrongDigitsForKind { .. })));
        a.digits = 5;
        assert_eq!(a.validate(), Ok(()));
        a.kind = OtpKind::Yandex { pin: SecretString::from("") };
        a.digits = 8;
        a.algorithm = HashAlgorithm::Sha256;
        assert_eq!(a.validate(), Err(ValidationError::EmptyPin));
        a.name = "bad\u{0}name".into();
        a.kind = OtpKind::Hotp { counter: 0 };
        assert_eq!(a.validate(), Err(ValidationError::ControlCharacters { field: "name" }));
    }

    #[test]
    fn serde_round_trip_keeps_secret() {
        let a = base();
        let json = serde_json::to_string(&a).unwrap();
        let back: Account = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
        assert!(!format!("{a:?}").contains("12345678901234567890"));
    }

    #[test]
    fn debug_and_summary_hide_secrets() {
        let mut a = base();
        a.kind = OtpKind::Yandex { pin: SecretString::from("98765") };
        a.original_uri = Some(SecretString::from("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ"));
        let debug = format!("{a:?}");
        assert!(!debug.contains("GEZDGNBVGY3TQOJQ") && !debug.contains("98765"), "{debug}");
        let json = serde_json::to_string(&a.summary()).unwrap();
        assert!(!json.contains("GEZDGNBVGY3TQOJQ") && !json.contains("98765"), "{json}");
        assert!(json.contains("\"type\":\"yandex\""));
    }

    #[test]
    fn algorithm_spellings() {
        assert_eq!(HashAlgorithm::parse("sha256"), Some(HashAlgorithm::Sha256));
        assert_eq!(HashAlgorithm::parse("HmacSHA512"), Some(HashAlgorithm::Sha512));
        assert_eq!(HashAlgorithm::parse("SHA-1"), Some(HashAlgorithm::Sha1));
        assert_eq!(HashAlgorithm::parse("MD5"), None);
    }
}
