//! Ente Auth exports.
//!
//! Plain: otpauth URIs one a line (with a `codeDisplay` JSON parameter carrying `pinned`,
//! `tags`, `note`). Encrypted: `{version, kdfParams {memLimit (bytes), opsLimit, salt},
//! encryptedData, encryptionNonce}` (base64): key = Argon2id(password, salt, opsLimit,
//! memLimit, parallelism 1, 32 bytes); `encryptionNonce` is the libsodium secretstream header
//! and `encryptedData` the stream's single final message, whose plaintext is the plain export.

use base64::Engine;
use serde_json::Value;

use super::raw::int;
use super::{malformed, ImportError, ImportOptions, ParsedImport};
use crate::{crypto, secretstream};

const FORMAT: &str = "Ente Auth";

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?.trim_start_matches('\u{feff}');
    if !text.trim_start().starts_with('{') {
        return super::list::parse(bytes, options);
    }
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError::NotJson(e.to_string()))?;
    let kdf = root.get("kdfParams").ok_or_else(|| malformed(FORMAT, "no kdfParams"))?;
    let b64 = |v: &Value, key: &str| -> Result<Vec<u8>, ImportError> {
        let s = v.get(key).and_then(Value::as_str).ok_or_else(|| malformed(FORMAT, format!("missing {key}")))?;
        base64::engine::general_purpose::STANDARD.decode(s.trim()).map_err(|_| malformed(FORMAT, format!("{key} is not base64")))
    };
    let number = |key: &str| -> Result<u64, ImportError> {
        let n = int(kdf, key).map_err(|e| malformed(FORMAT, e))?.ok_or_else(|| malformed(FORMAT, format!("missing {key}")))?;
        u64::try_from(n).map_err(|_| malformed(FORMAT, format!("{key} is negative")))
    };
    let mem_limit = number("memLimit")?;
    let ops_limit = number("opsLimit")?;
    let salt = b64(kdf, "salt")?;
    let header = b64(&root, "encryptionNonce")?;
    let data = b64(&root, "encryptedData")?;
    let password = options.password.as_ref().ok_or(ImportError::PasswordRequired(FORMAT))?;
    let key = crypto::argon2id_key(password.expose().as_bytes(), &salt, ops_limit, mem_limit, 1, &options.limits.kdf)?;
    let mut stream = secretstream::State::new(key.as_ref(), &header).map_err(|e| malformed(FORMAT, e.to_string()))?;
    let (plain, _tag) = stream.pull(&data, &[]).map_err(|e| match e {
        secretstream::SecretStreamError::Authentication => ImportError::WrongPassword(FORMAT),
        other => malformed(FORMAT, other.to_string()),
    })?;
    super::list::parse(&plain, options)
}
