//! FreeOTP+ JSON backups: `{tokenOrder[], tokens[{algo, counter, digits, issuerExt, issuerInt,
//! label, period, secret (list of signed bytes), type TOTP|HOTP}]}`. FreeOTP+'s URI-list export
//! is read by the otpauth list importer.

use serde_json::Value;

use super::raw::{int, text, RawEntry, RawSecret};
use super::{check_count, malformed, ImportError, ImportOptions, ParsedImport};
use crate::model::limits;
use crate::secret::SecretBytes;

const FORMAT: &str = "FreeOTP+";

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let root = super::parse_json(bytes)?;
    let tokens = root.get("tokens").and_then(Value::as_array).ok_or_else(|| malformed(FORMAT, "no tokens list"))?;
    check_count(tokens.len(), &options.limits)?;
    let mut out = ParsedImport::default();
    for (i, token) in tokens.iter().enumerate() {
        let raw = read_token(token);
        let label = raw.as_ref().map(RawEntry::label).unwrap_or_else(|_| text(token, "label"));
        out.push(i, raw.and_then(RawEntry::into_account), &label);
    }
    Ok(out)
}

fn read_token(token: &Value) -> Result<RawEntry, String> {
    let list = token.get("secret").and_then(Value::as_array).ok_or("secret is not a list of bytes")?;
    if list.len() > limits::MAX_SECRET_BYTES {
        return Err(format!("the secret is {} bytes long; at most {} are accepted", list.len(), limits::MAX_SECRET_BYTES));
    }
    let mut secret = Vec::with_capacity(list.len());
    for value in list {
        let byte = value.as_i64().filter(|b| (-128..=255).contains(b)).ok_or("secret holds a value that is not a byte")?;
        secret.push(byte as u8);
    }
    let issuer = match text(token, "issuerExt") {
        i if i.is_empty() => text(token, "issuerInt"),
        i => i,
    };
    Ok(RawEntry {
        kind: text(token, "type"),
        issuer,
        name: text(token, "label"),
        secret: RawSecret::Bytes(SecretBytes::new(secret)),
        algorithm: token.get("algo").and_then(Value::as_str).map(str::to_owned),
        digits: int(token, "digits")?,
        period: int(token, "period")?,
        counter: int(token, "counter")?,
        ..RawEntry::default()
    })
}
