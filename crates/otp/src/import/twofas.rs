//! 2FAS backups (`.2fas`, schemaVersion 1..=4), plain and encrypted.
//!
//! `services[]` with `name`, `secret`, `otp {issuer, account, label, digits, period, algorithm,
//! counter, tokenType TOTP|HOTP|STEAM}`, `order {position}`, `groupId`; missing tokenType is
//! TOTP, missing or zero digits are 6. Encrypted: `servicesEncrypted` and `reference` are each
//! `base64(ciphertext || tag):base64(salt):base64(iv)`, key = PBKDF2-HMAC-SHA256(password,
//! salt, 10,000 iterations, 32 bytes), AES-256-GCM. `reference` decrypting proves the password.

use base64::Engine;
use serde_json::Value;
use zeroize::Zeroizing;

use super::raw::{int, text, RawEntry, RawSecret};
use super::{check_count, malformed, ImportError, ImportOptions, ParsedImport};
use crate::crypto;

const FORMAT: &str = "2FAS";
/// 2FAS's fixed PBKDF2 iteration count.
pub(crate) const PBKDF2_ITERATIONS: u64 = 10_000;

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let root = super::parse_json(bytes)?;
    let groups: Vec<(String, String)> = root
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().map(|g| (text(g, "id"), text(g, "name"))).collect())
        .unwrap_or_default();
    let encrypted = root.get("servicesEncrypted").and_then(Value::as_str).filter(|s| !s.is_empty());
    let services_value;
    let services = match encrypted {
        None => root.get("services").and_then(Value::as_array).ok_or_else(|| malformed(FORMAT, "no services list"))?,
        Some(blob) => {
            let password = options.password.as_ref().ok_or(ImportError::PasswordRequired(FORMAT))?;
            if let Some(reference) = root.get("reference").and_then(Value::as_str) {
                decrypt(reference, password.expose(), options)?;
            }
            let plain = decrypt(blob, password.expose(), options)?;
            services_value = super::parse_json(&plain)?;
            services_value.as_array().ok_or_else(|| malformed(FORMAT, "decrypted services are not a list"))?
        }
    };
    check_count(services.len(), &options.limits)?;
    let mut out = ParsedImport::default();
    for (i, service) in services.iter().enumerate() {
        let raw = read_service(service, &groups);
        let label = raw.as_ref().map(RawEntry::label).unwrap_or_else(|_| text(service, "name"));
        out.push(i, raw.and_then(RawEntry::into_account), &label);
    }
    Ok(out)
}

fn decrypt(field: &str, password: &str, options: &ImportOptions) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let parts: Vec<&str> = field.split(':').collect();
    let [ciphertext, salt, iv] = parts.as_slice() else {
        return Err(malformed(FORMAT, "encrypted field is not ciphertext:salt:iv"));
    };
    let b64 = |s: &str, what: &str| {
        base64::engine::general_purpose::STANDARD.decode(s.trim()).map_err(|_| malformed(FORMAT, format!("{what} is not base64")))
    };
    let (ciphertext, salt, iv) = (b64(ciphertext, "ciphertext")?, b64(salt, "salt")?, b64(iv, "iv")?);
    let key = crypto::pbkdf2_sha256_key(password.as_bytes(), &salt, PBKDF2_ITERATIONS, &options.limits.kdf)?;
    crypto::aes_gcm_decrypt(key.as_ref(), &iv, &ciphertext).map_err(|_| ImportError::WrongPassword(FORMAT))
}

fn read_service(service: &Value, groups: &[(String, String)]) -> Result<RawEntry, String> {
    let otp = service.get("otp").cloned().unwrap_or(Value::Null);
    let name = text(service, "name");
    let otp_issuer = text(&otp, "issuer");
    let account = match text(&otp, "account") {
        a if !a.is_empty() => a,
        _ => text(&otp, "label"),
    };
    let kind = match text(&otp, "tokenType") {
        t if t.is_empty() => "totp".to_owned(),
        t => t,
    };
    let group = text(service, "groupId");
    let tags = groups.iter().filter(|(id, _)| !group.is_empty() && *id == group).map(|(_, n)| n.clone()).collect();
    Ok(RawEntry {
        kind,
        issuer: if name.is_empty() { otp_issuer } else { name },
        name: account,
        secret: RawSecret::Base32(Zeroizing::new(text(service, "secret"))),
        algorithm: otp.get("algorithm").and_then(Value::as_str).map(str::to_owned),
        digits: int(&otp, "digits")?,
        period: int(&otp, "period")?,
        counter: int(&otp, "counter")?,
        pin: None,
        note: text(service, "notes"),
        tags,
        pinned: false,
        order: service.get("order").map(|o| int(o, "position")).transpose()?.flatten(),
        zero_means_default: true,
    })
}
