//! Aegis vault JSON (plain and password-encrypted).
//!
//! `{version: 1, header: {slots, params: {nonce, tag}}, db}`: plain when `slots` and `params`
//! are null (`db` is then the content object), otherwise `db` is base64 AES-256-GCM ciphertext
//! under a master key that each slot wraps. Password slots (type 1) derive a key with scrypt
//! (`n`, `r`, `p`, hex `salt`) and unwrap the master key with AES-GCM (`key_params`).
//! Content: `{version: 1..=3, entries, groups}`.

use base64::Engine;
use serde_json::Value;
use zeroize::Zeroizing;

use super::raw::{flag, int, text, RawEntry, RawSecret};
use super::{check_count, malformed, ImportError, ImportOptions, ParsedImport};
use crate::crypto;

const FORMAT: &str = "Aegis";

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let root = super::parse_json(bytes)?;
    if int(&root, "version").ok().flatten() != Some(1) {
        return Err(malformed(FORMAT, format!("unsupported vault version {}", root.get("version").unwrap_or(&Value::Null))));
    }
    let header = root.get("header").ok_or_else(|| malformed(FORMAT, "no header"))?;
    let db = root.get("db").ok_or_else(|| malformed(FORMAT, "no db"))?;
    let slots = header.get("slots").unwrap_or(&Value::Null);
    if slots.is_null() {
        if !db.is_object() {
            return Err(malformed(FORMAT, "plain vault whose db is not an object"));
        }
        return parse_content(db, options);
    }
    let password = options.password.as_ref().ok_or(ImportError::PasswordRequired(FORMAT))?;
    let master_key = unlock(slots, password.expose(), options)?;
    let params = header.get("params").ok_or_else(|| malformed(FORMAT, "encrypted vault without params"))?;
    let nonce = hex_field(params, "nonce")?;
    let tag = hex_field(params, "tag")?;
    let mut ciphertext = base64::engine::general_purpose::STANDARD
        .decode(db.as_str().ok_or_else(|| malformed(FORMAT, "encrypted db is not a string"))?)
        .map_err(|_| malformed(FORMAT, "encrypted db is not base64"))?;
    ciphertext.extend_from_slice(&tag);
    let plain = crypto::aes_gcm_decrypt(master_key.as_ref(), &nonce, &ciphertext)
        .map_err(|_| malformed(FORMAT, "the vault content does not decrypt under the unlocked master key (corrupted)"))?;
    let content = super::parse_json(&plain)?;
    parse_content(&content, options)
}

fn hex_field(value: &Value, key: &'static str) -> Result<Vec<u8>, ImportError> {
    let text = value.get(key).and_then(Value::as_str).ok_or_else(|| malformed(FORMAT, format!("missing {key}")))?;
    hex::decode(text).map_err(|_| malformed(FORMAT, format!("{key} is not hex")))
}

/// Older Aegis versions used the whole backing array of Java's `Charset.encode` result as the
/// password bytes: the UTF-8 bytes followed by zeros up to the encoder's buffer capacity
/// (`(int)(utf16_units * 1.1f)`, UTF-8's average bytes per char, grown to `2n + 1` until the
/// output fits). Only matters for passwords over 64 bytes (shorter HMAC keys are zero-padded
/// anyway) in slots not marked `repaired`.
fn legacy_password_bytes(password: &str) -> Zeroizing<Vec<u8>> {
    let utf16_units = password.encode_utf16().count();
    let needed = password.len();
    let mut capacity = (utf16_units as f32 * 1.1f32) as usize;
    while capacity < needed {
        capacity = 2 * capacity + 1;
    }
    let mut bytes = Zeroizing::new(password.as_bytes().to_vec());
    bytes.resize(capacity, 0);
    bytes
}

fn unlock(slots: &Value, password: &str, options: &ImportOptions) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let slots = slots.as_array().ok_or_else(|| malformed(FORMAT, "slots is not a list"))?;
    let mut tried = 0;
    for slot in slots.iter().filter(|s| int(s, "type").ok().flatten() == Some(1)) {
        tried += 1;
        let salt = hex_field(slot, "salt")?;
        let n = int(slot, "n").map_err(|e| malformed(FORMAT, e))?.unwrap_or(0);
        let r = int(slot, "r").map_err(|e| malformed(FORMAT, e))?.unwrap_or(0);
        let p = int(slot, "p").map_err(|e| malformed(FORMAT, e))?.unwrap_or(0);
        let (n, r, p) = (u64::try_from(n).unwrap_or(0), u64::try_from(r).unwrap_or(0), u64::try_from(p).unwrap_or(0));
        let key_params = slot.get("key_params").ok_or_else(|| malformed(FORMAT, "slot without key_params"))?;
        let nonce = hex_field(key_params, "nonce")?;
        let mut wrapped = hex_field(slot, "key")?;
        wrapped.extend_from_slice(&hex_field(key_params, "tag")?);

        let mut candidates = vec![Zeroizing::new(password.as_bytes().to_vec())];
        if slot.get("repaired").and_then(Value::as_bool) != Some(true) && password.len() > 64 {
            candidates.push(legacy_password_bytes(password));
        }
        for candidate in candidates {
            let key = crypto::scrypt_key(&candidate, &salt, n, r, p, &options.limits.kdf)?;
            if let Ok(master) = crypto::aes_gcm_decrypt(key.as_ref(), &nonce, &wrapped) {
                if master.len() == 32 {
                    return Ok(master);
                }
            }
        }
    }
    if tried == 0 {
        return Err(ImportError::UnsupportedEncryption {
            format: FORMAT,
            reason: "the vault has no password slot (only biometric or raw-key slots)".into(),
        });
    }
    Err(ImportError::WrongPassword(FORMAT))
}

fn parse_content(db: &Value, options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let version = int(db, "version").map_err(|e| malformed(FORMAT, e))?.unwrap_or(0);
    if !(1..=3).contains(&version) {
        return Err(malformed(FORMAT, format!("unsupported content version {version}")));
    }
    let entries = db.get("entries").and_then(Value::as_array).ok_or_else(|| malformed(FORMAT, "no entries list"))?;
    check_count(entries.len(), &options.limits)?;
    let groups: Vec<(String, String)> = db
        .get("groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().map(|g| (text(g, "uuid"), text(g, "name"))).collect())
        .unwrap_or_default();
    let mut out = ParsedImport::default();
    for (i, entry) in entries.iter().enumerate() {
        let raw = read_entry(entry, &groups);
        let label = raw.as_ref().map(RawEntry::label).unwrap_or_else(|_| {
            RawEntry { issuer: text(entry, "issuer"), name: text(entry, "name"), ..RawEntry::default() }.label()
        });
        out.push(i, raw.and_then(RawEntry::into_account), &label);
    }
    Ok(out)
}

fn read_entry(entry: &Value, groups: &[(String, String)]) -> Result<RawEntry, String> {
    let info = entry.get("info").ok_or("entry has no info")?;
    let kind = text(entry, "type");
    let secret_text = Zeroizing::new(text(info, "secret"));
    let mut tags: Vec<String> = entry
        .get("groups")
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .map(|id| groups.iter().find(|(uuid, _)| uuid == id).map_or_else(|| id.to_owned(), |(_, name)| name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let legacy_group = text(entry, "group");
    if !legacy_group.is_empty() {
        tags.push(legacy_group);
    }
    let pin = info.get("pin").and_then(Value::as_str).map(crate::secret::SecretString::from);
    Ok(RawEntry {
        kind: kind.clone(),
        issuer: text(entry, "issuer"),
        name: text(entry, "name"),
        secret: RawSecret::Base32(secret_text),
        // mOTP entries say "MD5"; that is implied by the type, not an HMAC choice.
        algorithm: if kind.eq_ignore_ascii_case("motp") { None } else { info.get("algo").and_then(Value::as_str).map(str::to_owned) },
        digits: int(info, "digits")?,
        period: int(info, "period")?,
        counter: int(info, "counter")?,
        pin,
        note: text(entry, "note"),
        tags,
        pinned: flag(entry, "favorite"),
        order: None,
        zero_means_default: false,
    })
}

#[cfg(test)]
pub(crate) fn tests_support_legacy(password: &str) -> Zeroizing<Vec<u8>> {
    legacy_password_bytes(password)
}
