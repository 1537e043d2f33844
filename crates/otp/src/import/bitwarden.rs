//! Bitwarden unencrypted exports, JSON or CSV. JSON: `items[]` whose `login.totp` holds an
//! otpauth URI, a bare base32 secret or `steam://SECRET`. CSV (RFC 4180, header row naming
//! `name`, `login_username`, `login_totp`, `notes`, `favorite`, `folder`): the same per row.
//! Items without TOTP are counted, not listed.

use serde_json::Value;

use super::raw::{flag, text};
use super::{check_count, malformed, ImportError, ImportOptions, ParsedImport};

const FORMAT: &str = "Bitwarden";

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let content = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?.trim_start_matches('\u{feff}');
    if !content.trim_start().starts_with('{') {
        return parse_csv(content, options);
    }
    let root = super::parse_json(bytes)?;
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
        let notes = text(item, "notes");
        let folder_id = text(item, "folderId");
        let folder = folders.iter().find(|(id, _)| !folder_id.is_empty() && *id == folder_id).map(|(_, n)| n.as_str());
        let result = item_to_account(&Item { name: &item_name, username: &username, totp: &totp, notes: &notes, favorite: flag(item, "favorite"), folder });
        let position = out.items.len();
        out.push(position, result, &item_name);
    }
    Ok(out)
}

/// One Bitwarden item, from JSON or CSV.
struct Item<'a> {
    name: &'a str,
    username: &'a str,
    totp: &'a str,
    notes: &'a str,
    favorite: bool,
    folder: Option<&'a str>,
}

fn item_to_account(item: &Item<'_>) -> Result<crate::model::Account, String> {
    let mut account = crate::uri::parse_uri_or_secret(item.totp).map_err(|e| e.to_string())?.account;
    if account.issuer.is_empty() || account.issuer == "Steam" && account.name.is_empty() {
        account.issuer = item.name.trim().to_owned();
    }
    if account.name.is_empty() {
        account.name = item.username.trim().to_owned();
    }
    account.note = item.notes.to_owned();
    account.pinned = item.favorite;
    account.tags = item.folder.filter(|f| !f.is_empty()).map(|f| vec![f.to_owned()]).unwrap_or_default();
    account.validate().map_err(|e| e.to_string())?;
    Ok(account)
}

fn parse_csv(text: &str, options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let rows = super::csv::parse(text, options.limits.max_entries + 1).map_err(|e| malformed(FORMAT, e))?;
    let (header, rows) = rows.split_first().ok_or_else(|| malformed(FORMAT, "empty CSV"))?;
    let column = |name: &str| header.iter().position(|h| h.trim() == name);
    let totp_column = column("login_totp").ok_or_else(|| malformed(FORMAT, "the CSV has no login_totp column"))?;
    let (name, username, notes, favorite, folder) =
        (column("name"), column("login_username"), column("notes"), column("favorite"), column("folder"));
    check_count(rows.len(), &options.limits)?;
    let cell = |row: &'_ [String], index: Option<usize>| -> String { index.and_then(|i| row.get(i)).cloned().unwrap_or_default() };
    let mut out = ParsedImport::default();
    for row in rows {
        let totp = cell(row, Some(totp_column));
        if totp.trim().is_empty() {
            out.not_otp_items += 1;
            continue;
        }
        let (item_name, user, note, fav, dir) = (cell(row, name), cell(row, username), cell(row, notes), cell(row, favorite), cell(row, folder));
        let item = Item { name: &item_name, username: &user, totp: totp.trim(), notes: &note, favorite: fav.trim() == "1", folder: Some(dir.trim()) };
        let position = out.items.len();
        out.push(position, item_to_account(&item), &item_name);
    }
    Ok(out)
}
