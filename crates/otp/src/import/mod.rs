//! Importers with a preview: every entry of a file is shown with what will happen to it
//! (new, duplicate of an existing account, or skipped with the reason) before anything is
//! written. Nothing is dropped silently.
//!
//! Formats: Google Authenticator migration URIs, Aegis (plain and scrypt/AES-GCM encrypted),
//! 2FAS (plain and PBKDF2/AES-GCM encrypted), Ente Auth (plain lines and Argon2id/secretstream
//! encrypted), Bitwarden JSON, andOTP JSON, FreeOTP+ JSON and URI lists, plain otpauth lists.
//!
//! Hostile files are bounded: file size ([`ImportLimits::max_file_bytes`]), entry count, KDF
//! parameters ([`crate::crypto::KdfLimits`]), and each entry's digits/period/secret through
//! [`Account::validate`].

mod aegis;
mod andotp;
mod bitwarden;
mod csv;
mod ente;
mod freeotp;
mod list;
mod raw;
mod twofas;

#[cfg(test)]
pub(crate) mod tests;

use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::crypto::{KdfError, KdfLimits};
use crate::model::{Account, AccountId};
use crate::secret::SecretString;


/// Import file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImportFormat {
    /// Aegis vault JSON, plain or encrypted.
    Aegis,
    /// 2FAS `.2fas` backup, plain or encrypted.
    TwoFas,
    /// Ente Auth export: otpauth lines, or the encrypted JSON.
    Ente,
    /// Bitwarden unencrypted JSON or CSV export.
    Bitwarden,
    /// andOTP plain JSON backup.
    AndOtp,
    /// FreeOTP+ JSON backup.
    FreeOtpPlus,
    /// One URI a line: otpauth://, steam://, motp://, otpauth-migration:// (Google), as written
    /// by WinAuth, FreeOTP+, Ente (plain) and many others.
    OtpauthList,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            Self::Aegis => "Aegis",
            Self::TwoFas => "2FAS",
            Self::Ente => "Ente Auth",
            Self::Bitwarden => "Bitwarden",
            Self::AndOtp => "andOTP",
            Self::FreeOtpPlus => "FreeOTP+",
            Self::OtpauthList => "otpauth URI list",
        }
    }
}

/// Bounds for one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Most entries accepted from one file.
    pub max_entries: usize,
    pub kdf: KdfLimits,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self { max_file_bytes: 32 * 1024 * 1024, max_entries: 100_000, kdf: KdfLimits::default() }
    }
}

/// What the importer needs besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The export's password, for encrypted formats.
    pub password: Option<SecretString>,
    pub limits: ImportLimits,
}

/// Why a whole file cannot be imported (per-entry problems become preview entries instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the file is {size} bytes; imports are limited to {max} bytes")]
    FileTooLarge { size: u64, max: u64 },
    #[error("the file is not valid JSON: {0}")]
    NotJson(String),
    #[error("the file is not valid UTF-8 text")]
    NotText,
    #[error("the file is not in any supported format")]
    UnrecognizedFormat,
    #[error("the {format} file is malformed: {reason}")]
    Malformed { format: &'static str, reason: String },
    #[error("this {0} export is encrypted: a password is needed")]
    PasswordRequired(&'static str),
    #[error("wrong password for this {0} export (or the file is corrupted)")]
    WrongPassword(&'static str),
    #[error("unsupported {format} encryption: {reason}")]
    UnsupportedEncryption { format: &'static str, reason: String },
    #[error(transparent)]
    Kdf(#[from] KdfError),
    #[error("the file has {count} entries; imports are limited to {max}")]
    TooManyEntries { count: usize, max: usize },
    #[error(transparent)]
    Migration(#[from] crate::migration::CollectError),
}

pub(crate) fn malformed(format: &'static str, reason: impl Into<String>) -> ImportError {
    ImportError::Malformed { format, reason: reason.into() }
}

/// One entry read from a file: a usable account, or why it is not one.
#[derive(Debug, Clone)]
pub struct ImportedItem {
    /// What the file calls it (`issuer:name`, or `entry N` when nothing better exists).
    pub label: String,
    pub result: Result<Account, String>,
}

/// Everything read from a file, before comparing with existing accounts.
#[derive(Debug, Clone, Default)]
pub struct ParsedImport {
    pub items: Vec<ImportedItem>,
    /// Items the file holds that are not OTP accounts (Bitwarden logins without TOTP).
    pub not_otp_items: usize,
}

impl ParsedImport {
    pub(crate) fn push(&mut self, position: usize, result: Result<Account, String>, fallback_label: &str) {
        let label = match &result {
            Ok(a) if !a.label().is_empty() => a.label(),
            _ if !fallback_label.is_empty() => fallback_label.to_owned(),
            _ => format!("entry {}", position + 1),
        };
        self.items.push(ImportedItem { label, result });
    }
}

/// What will happen to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewAction {
    /// Added as a new account.
    New,
    /// Not added: it produces the same codes as this account (existing, or earlier in the file).
    Duplicate { of: AccountId },
    /// Not added, with the reason.
    Skipped { reason: String },
}

/// One line of the preview.
#[derive(Debug, Clone)]
pub struct PreviewEntry {
    pub label: String,
    /// The account, when the entry could be read.
    pub account: Option<Account>,
    pub action: PreviewAction,
}

/// The preview shown before an import is confirmed.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    pub format: ImportFormat,
    pub entries: Vec<PreviewEntry>,
    /// Items in the file that are not OTP accounts, counted so nothing vanishes unexplained.
    pub not_otp_items: usize,
}

impl ImportPreview {
    /// The accounts a confirmed import adds.
    pub fn accounts_to_add(&self) -> impl Iterator<Item = &Account> {
        self.entries
            .iter()
            .filter(|e| e.action == PreviewAction::New)
            .filter_map(|e| e.account.as_ref())
    }

    /// (new, duplicates, skipped).
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for e in &self.entries {
            match e.action {
                PreviewAction::New => counts.0 += 1,
                PreviewAction::Duplicate { .. } => counts.1 += 1,
                PreviewAction::Skipped { .. } => counts.2 += 1,
            }
        }
        counts
    }
}

/// Compares parsed entries with `existing` accounts (and with each other).
pub fn preview(format: ImportFormat, parsed: ParsedImport, existing: &[Account]) -> ImportPreview {
    let mut accepted: Vec<Account> = Vec::new();
    let mut entries = Vec::with_capacity(parsed.items.len());
    // Index by secret for linear-time duplicate detection on large imports.
    let mut by_secret: std::collections::HashMap<Vec<u8>, Vec<usize>> = std::collections::HashMap::new();
    let all_existing: Vec<&Account> = existing.iter().collect();
    for (i, a) in all_existing.iter().enumerate() {
        by_secret.entry(a.secret.expose().to_vec()).or_default().push(i);
    }
    let mut new_index: std::collections::HashMap<Vec<u8>, Vec<usize>> = std::collections::HashMap::new();
    for item in parsed.items {
        let entry = match item.result {
            Err(reason) => PreviewEntry { label: item.label, account: None, action: PreviewAction::Skipped { reason } },
            Ok(account) => {
                let key = account.secret.expose().to_vec();
                let duplicate_of = by_secret
                    .get(&key)
                    .and_then(|ids| ids.iter().map(|&i| all_existing[i]).find(|e| e.same_generator(&account)))
                    .or_else(|| new_index.get(&key).and_then(|ids| ids.iter().map(|&i| &accepted[i]).find(|e| e.same_generator(&account))))
                    .map(|a| a.id.clone());
                let action = match duplicate_of {
                    Some(of) => PreviewAction::Duplicate { of },
                    None => {
                        new_index.entry(key).or_default().push(accepted.len());
                        accepted.push(account.clone());
                        PreviewAction::New
                    }
                };
                PreviewEntry { label: item.label, account: Some(account), action }
            }
        };
        entries.push(entry);
    }
    ImportPreview { format, entries, not_otp_items: parsed.not_otp_items }
}

/// Reads a file, refusing it before reading when it is larger than the limit.
pub fn read_file(path: &Path, limits: &ImportLimits) -> Result<Zeroizing<Vec<u8>>, ImportError> {
    let io = |source| ImportError::Io { path: path.display().to_string(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limits.max_file_bytes {
        return Err(ImportError::FileTooLarge { size, max: limits.max_file_bytes });
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(size as usize));
    // The file may grow while read: read at most one byte past the limit.
    file.take(limits.max_file_bytes + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(ImportError::FileTooLarge { size: bytes.len() as u64, max: limits.max_file_bytes });
    }
    Ok(bytes)
}

/// Guesses the format from the content.
pub fn detect_format(bytes: &[u8]) -> Option<ImportFormat> {
    let text = std::str::from_utf8(bytes).ok()?.trim_start_matches('\u{feff}').trim();
    if text.starts_with('{') || text.starts_with('[') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let has = |k: &str| value.get(k).is_some();
        return if has("header") && has("db") {
            Some(ImportFormat::Aegis)
        } else if has("schemaVersion") && (has("services") || has("servicesEncrypted")) {
            Some(ImportFormat::TwoFas)
        } else if has("kdfParams") && has("encryptedData") {
            Some(ImportFormat::Ente)
        } else if has("items") && (has("encrypted") || has("folders")) {
            Some(ImportFormat::Bitwarden)
        } else if has("tokens") {
            Some(ImportFormat::FreeOtpPlus)
        } else if value.as_array().is_some_and(|a| a.iter().all(|e| e.get("secret").is_some())) {
            Some(ImportFormat::AndOtp)
        } else {
            None
        };
    }
    let lower = text.to_ascii_lowercase();
    if lower.lines().next().is_some_and(|header| header.contains("login_totp")) {
        return Some(ImportFormat::Bitwarden);
    }
    if lower.contains("otpauth://") || lower.contains("otpauth-migration://") || lower.contains("steam://") || lower.contains("motp://") {
        return Some(ImportFormat::OtpauthList);
    }
    None
}

pub(crate) fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotText)?;
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| ImportError::NotJson(e.to_string()))
}

pub(crate) fn check_count(count: usize, limits: &ImportLimits) -> Result<(), ImportError> {
    if count > limits.max_entries {
        Err(ImportError::TooManyEntries { count, max: limits.max_entries })
    } else {
        Ok(())
    }
}

/// Reads every entry of `bytes` in `format`.
pub fn parse(format: ImportFormat, bytes: &[u8], options: &ImportOptions) -> Result<ParsedImport, ImportError> {
    if bytes.len() as u64 > options.limits.max_file_bytes {
        return Err(ImportError::FileTooLarge { size: bytes.len() as u64, max: options.limits.max_file_bytes });
    }
    match format {
        ImportFormat::Aegis => aegis::parse(bytes, options),
        ImportFormat::TwoFas => twofas::parse(bytes, options),
        ImportFormat::Ente => ente::parse(bytes, options),
        ImportFormat::Bitwarden => bitwarden::parse(bytes, options),
        ImportFormat::AndOtp => andotp::parse(bytes, options),
        ImportFormat::FreeOtpPlus => freeotp::parse(bytes, options),
        ImportFormat::OtpauthList => list::parse(bytes, options),
    }
}

/// Reads `path` (format detected when `format` is `None`) and previews it against `existing`.
pub fn preview_file(
    path: &Path,
    format: Option<ImportFormat>,
    options: &ImportOptions,
    existing: &[Account],
) -> Result<ImportPreview, ImportError> {
    let bytes = read_file(path, &options.limits)?;
    let format = match format {
        Some(f) => f,
        None => detect_format(&bytes).ok_or(ImportError::UnrecognizedFormat)?,
    };
    let parsed = parse(format, &bytes, options)?;
    Ok(preview(format, parsed, existing))
}

/// Previews the payloads of scanned QR codes (otpauth URIs and Google migration codes; every
/// part of a multi-QR migration export must be among them).
pub fn preview_qr_payloads<S: AsRef<str>>(payloads: &[S], existing: &[Account]) -> Result<ImportPreview, ImportError> {
    let mut text = Zeroizing::new(String::new());
    for payload in payloads {
        // One payload per line: a payload's own line breaks would split it.
        text.push_str(&payload.as_ref().replace(['\r', '\n'], " "));
        text.push('\n');
    }
    let parsed = list::parse(text.as_bytes(), &ImportOptions::default())?;
    Ok(preview(ImportFormat::OtpauthList, parsed, existing))
}

/// Previews the entries of a completed Google Authenticator multi-QR export.
pub fn preview_migration(entries: &[crate::migration::MigrationEntry], existing: &[Account]) -> ImportPreview {
    let mut parsed = ParsedImport::default();
    for (i, e) in entries.iter().enumerate() {
        let fallback = if e.name.is_empty() { e.issuer.clone() } else { e.name.clone() };
        parsed.push(i, e.to_account(), &fallback);
    }
    preview(ImportFormat::OtpauthList, parsed, existing)
}
