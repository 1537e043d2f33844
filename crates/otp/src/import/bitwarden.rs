//! Bitwarden unencrypted JSON exports: `items[]` whose `login.totp` holds an otpauth URI, a bare
//! base32 secret or `steam://SECRET`. Items without TOTP are counted, not listed.

use serde_json::Value;

use super::raw::{flag, text};
use super::{check_count, malformed, ImportError, ImportOptions, ParsedImport};

const FORMAT: &str = "Bitwarden";

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let root = super::parse_json(FORMAT, bytes)?;
    if flag(&root, "encrypted") {
        return Err(ImportError::UnsupportedEncryption {
            format: FORMAT,
            reason: "password-protected or account-encrypted exports cannot be read; export \"JSON\" (unencrypted) instead".into(),
        });
    }
    let items = root.get("items").and_then(Value::as_array).ok_or_else(|| malformed(FORMAT, "no items list"))?;
    check_count(items.len(), &options.limits)?;
    let folders: Vec<(String, String)> = root
        .get("folders")
        .and_then(Value::as_array)
        .map(|f| f.iter().map(|f| (text(f, "id"), text(f, "name"))).collect())
        .unwrap_or_default();
    let mut out = ParsedImport::default();
    for item in items {
        let login = item.get("login").cloned().unwrap_or(Value::Null);
        let totp = text(&login, "totp");
        if totp.is_empty() {
            out.not_otp_items += 1;
            continue;
        }
        let item_name = text(item, "name");
        let username = text(&login, "username");
        let result = crate::uri::parse_uri_or_secret(&totp).map_err(|e| e.to_string()).and_then(|parsed| {
            let mut account = parsed.account;
            if account.issuer.is_empty() || account.issuer == "Steam" && account.name.is_empty() {
                account.issuer = item_name.clone();
            }
            if account.name.is_empty() {
                account.name = username.clone();
            }
            account.note = text(item, "notes");
            account.pinned = flag(item, "favorite");
            let folder = text(item, "folderId");
            account.tags = folders.iter().filter(|(id, _)| !folder.is_empty() && *id == folder).map(|(_, n)| n.clone()).collect();
            account.validate().map_err(|e| e.to_string())?;
            Ok(account)
        });
        let position = out.items.len();
        out.push(position, result, &item_name);
    }
    Ok(out)
}
