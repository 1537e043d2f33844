//! One URI a line: otpauth://, steam://, motp:// and Google's otpauth-migration:// (all parts
//! of a multi-QR export must be present). Blank lines and `#` comments are ignored; any other
//! line that is not a usable URI becomes a skipped entry with the reason.

use super::{check_count, ImportError, ImportOptions, ParsedImport};
use crate::migration::BatchCollector;
use crate::model::Account;

pub(crate) fn parse(bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?;
    let mut out = ParsedImport::default();
    let mut collector = BatchCollector::new();
    let mut has_migration = false;
    let mut position = 0;
    for line in text.lines().map(|l| l.trim().trim_start_matches('\u{feff}')) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.len() > 18 && line.get(..18).is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration:")) {
            has_migration = true;
            if let Err(e) = collector.add_uri(line) {
                out.push(position, Err(format!("Google Authenticator migration code: {e}")), "migration QR code");
                position += 1;
            }
            continue;
        }
        let result = crate::uri::parse(line).map(|p| with_ente_display(p.account)).map_err(|e| e.to_string());
        out.push(position, result, "");
        position += 1;
        check_count(position, &options.limits)?;
    }
    if has_migration {
        for entry in collector.finish()? {
            let fallback = entry.name.clone();
            out.push(position, entry.to_account(), &fallback);
            position += 1;
        }
        check_count(position, &options.limits)?;
    }
    Ok(out)
}

/// Ente's `codeDisplay` parameter (JSON) carries pinned, tags and note.
fn with_ente_display(mut account: Account) -> Account {
    let display = account.extra_params.iter().find(|(k, _)| k == "codeDisplay").map(|(_, v)| v.clone());
    if let Some(value) = display.and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok()) {
        account.pinned |= value.get("pinned").and_then(serde_json::Value::as_bool).unwrap_or(false);
        if let Some(tags) = value.get("tags").and_then(serde_json::Value::as_array) {
            account.tags.extend(tags.iter().filter_map(serde_json::Value::as_str).map(str::to_owned));
        }
        if let Some(note) = value.get("note").and_then(serde_json::Value::as_str) {
            account.note = note.to_owned();
        }
        // Keep only what still validates (a hostile codeDisplay cannot make the entry invalid).
        if account.validate().is_err() {
            account.tags.clear();
            account.note.clear();
        }
    }
    account
}
