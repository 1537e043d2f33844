//! andOTP backups: a JSON list of `{secret, issuer, label, digits, type TOTP|HOTP|STEAM|MOTP,
//! algorithm, period, counter, tags[], pin}`, plain or password-encrypted. Encrypted backups
//! (`.json.aes`) are `iterations (u32 BE) || salt (12) || iv (12) || ciphertext || tag`, key =
//! PBKDF2-HMAC-SHA1(password, salt, iterations, 32 bytes), AES-256-GCM.

use serde_json::Value;
use zeroize::Zeroizing;

use super::raw::{int, text, RawEntry, RawSecret};
use super::{check_count, malformed, ImportError, ImportOptions, ParsedImport};

const FORMAT: &str = "andOTP";

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let plain;
    let json = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') | Some(b'{') => bytes,
        _ => {
            plain = decrypt(bytes, options)?;
            &plain[..]
        }
    };
    let root = super::parse_json(json)?;
    let entries = root.as_array().ok_or_else(|| malformed(FORMAT, "the backup is not a list (encrypted andOTP backups are not supported)"))?;
    check_count(entries.len(), &options.limits)?;
    let mut out = ParsedImport::default();
    for (i, entry) in entries.iter().enumerate() {
        let raw = read_entry(entry);
        let label = raw.as_ref().map(RawEntry::label).unwrap_or_else(|_| text(entry, "label"));
        out.push(i, raw.and_then(RawEntry::into_account), &label);
    }
    Ok(out)
}

fn read_entry(entry: &Value) -> Result<RawEntry, String> {
    let issuer = text(entry, "issuer");
    let mut label = text(entry, "label");
    // Older andOTP versions stored "Issuer - name" or "Issuer:name" in the label.
    if let Some(rest) = label.strip_prefix(&format!("{issuer}:")).or_else(|| label.strip_prefix(&format!("{issuer} - "))) {
        if !issuer.is_empty() {
            label = rest.trim().to_owned();
        }
    }
    let kind = text(entry, "type");
    let secret = text(entry, "secret");
    Ok(RawEntry {
        secret: if kind.eq_ignore_ascii_case("motp") { RawSecret::Hex(Zeroizing::new(secret)) } else { RawSecret::Base32(Zeroizing::new(secret)) },
        kind,
        issuer,
        name: label,
        algorithm: entry.get("algorithm").and_then(Value::as_str).map(str::to_owned),
        digits: int(entry, "digits")?,
        period: int(entry, "period")?,
        counter: int(entry, "counter")?,
        pin: entry.get("pin").and_then(Value::as_str).map(crate::secret::SecretString::from),
        note: String::new(),
        tags: entry.get("tags").and_then(Value::as_array).map(|t| t.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default(),
        pinned: false,
        order: None,
        zero_means_default: false,
    })
}

fn decrypt(bytes: &[u8], options: &ImportOptions) -> Result<zeroize::Zeroizing<Vec<u8>>, ImportError> {
    let password = options.password.as_ref().ok_or(ImportError::PasswordRequired(FORMAT))?;
    let too_short = || malformed(FORMAT, "neither JSON nor an encrypted backup (too short)");
    let iterations = u32::from_be_bytes(bytes.get(..4).ok_or_else(too_short)?.try_into().map_err(|_| too_short())?);
    let salt = bytes.get(4..16).ok_or_else(too_short)?;
    let iv = bytes.get(16..28).ok_or_else(too_short)?;
    let sealed = bytes.get(28..).filter(|s| s.len() >= 16).ok_or_else(too_short)?;
    let key = crate::crypto::pbkdf2_sha1_key(password.expose().as_bytes(), salt, u64::from(iterations), &options.limits.kdf)?;
    crate::crypto::aes_gcm_decrypt(key.as_ref(), iv, sealed).map_err(|_| ImportError::WrongPassword(FORMAT))
}
