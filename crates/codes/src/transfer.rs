//! Imports (every entry previewed, nothing written until confirmed) and exports (secrets leave
//! the vault only here, on an explicit request).

use std::io::Write;
use std::path::{Path, PathBuf};

use keydesk_otp::export::{self, AegisScryptParams};
use keydesk_otp::import::{self, ImportFormat, ImportOptions, ImportPreview, PreviewAction};
use keydesk_otp::model::AccountId;
use keydesk_otp::{qr, Account, SecretString};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::{io_error, CodesError};
use crate::service::{label, CodeRow, Codes};

/// Accounts per Google migration QR code (Google Authenticator's own batches hold 10).
pub const GOOGLE_PER_QR: usize = 10;
/// Pixels per QR module in exported PNGs.
const QR_SCALE: u32 = 8;

/// The import format called `name` ("aegis", "2fas", "ente", "bitwarden", "andotp",
/// "freeotp", "uris"), case-insensitive.
pub fn import_format(name: &str) -> Option<ImportFormat> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "aegis" => ImportFormat::Aegis,
        "2fas" => ImportFormat::TwoFas,
        "ente" => ImportFormat::Ente,
        "bitwarden" => ImportFormat::Bitwarden,
        "andotp" => ImportFormat::AndOtp,
        "freeotp" => ImportFormat::FreeOtpPlus,
        "uris" => ImportFormat::OtpauthList,
        _ => return None,
    })
}

/// One preview entry as front-ends show it (the account without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewEntryView {
    pub label: String,
    /// "new", "duplicate" or "skipped".
    pub action: &'static str,
    pub duplicate_of: Option<String>,
    pub reason: Option<String>,
    pub account: Option<CodeRow>,
}

/// A whole preview as front-ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewView {
    pub format: &'static str,
    pub entries: Vec<PreviewEntryView>,
    /// Items in the file that are not OTP accounts (counted, never silently dropped).
    pub not_otp_items: usize,
    pub new: usize,
    pub duplicates: usize,
    pub skipped: usize,
}

impl PreviewView {
    pub fn new(preview: &ImportPreview) -> Self {
        let entries = preview
            .entries
            .iter()
            .map(|entry| {
                let (action, duplicate_of, reason) = match &entry.action {
                    PreviewAction::New => ("new", None, None),
                    PreviewAction::Duplicate { of } => ("duplicate", Some(of.to_string()), None),
                    PreviewAction::Skipped { reason } => ("skipped", None, Some(reason.clone())),
                };
                PreviewEntryView { label: entry.label.clone(), action, duplicate_of, reason, account: entry.account.as_ref().map(CodeRow::plain) }
            })
            .collect();
        let (new, duplicates, skipped) = preview.counts();
        Self { format: preview.format.name(), entries, not_otp_items: preview.not_otp_items, new, duplicates, skipped }
    }
}

impl Codes {
    /// Reads a backup file (format detected when `None`) and previews every entry against the
    /// vault. An encrypted file without `password` fails with the kind
    /// `import_password_required`.
    pub fn preview_import_file(&self, path: &Path, format: Option<ImportFormat>, password: Option<SecretString>) -> Result<ImportPreview, CodesError> {
        let existing: Vec<Account> = self.vault().accounts().into_iter().cloned().collect();
        let options = ImportOptions { password, ..ImportOptions::default() };
        Ok(import::preview_file(path, format, &options, &existing)?)
    }

    /// Previews backup bytes (a file the user dropped or picked) like [`Codes::preview_import_file`].
    pub fn preview_import_bytes(&self, bytes: &[u8], format: Option<ImportFormat>, password: Option<SecretString>) -> Result<ImportPreview, CodesError> {
        let existing: Vec<Account> = self.vault().accounts().into_iter().cloned().collect();
        let options = ImportOptions { password, ..ImportOptions::default() };
        let limit = options.limits.max_file_bytes;
        if bytes.len() as u64 > limit {
            return Err(import::ImportError::FileTooLarge { size: bytes.len() as u64, max: limit }.into());
        }
        let format = match format {
            Some(format) => format,
            None => import::detect_format(bytes).ok_or(import::ImportError::UnrecognizedFormat)?,
        };
        let parsed = import::parse(format, bytes, &options)?;
        Ok(import::preview(format, parsed, &existing))
    }

    /// Adds the preview's new entries; returns their ids.
    pub fn apply_import(&mut self, preview: &ImportPreview) -> Result<Vec<AccountId>, CodesError> {
        Ok(self.vault_mut().apply_import(preview)?)
    }

    /// [`Codes::apply_import`] reporting progress: `progress(done, total, label)` is called
    /// before each new entry is checked and before the single save; when it returns `false`
    /// the import stops with [`CodesError::Cancelled`] and nothing is written (all or nothing).
    pub fn apply_import_with_progress(
        &mut self,
        preview: &ImportPreview,
        progress: &mut dyn FnMut(u32, u32, &str) -> bool,
    ) -> Result<Vec<AccountId>, CodesError> {
        let new: Vec<&import::PreviewEntry> = preview.entries.iter().filter(|e| e.action == PreviewAction::New).collect();
        let total = u32::try_from(new.len()).unwrap_or(u32::MAX).saturating_add(1);
        for (done, entry) in (0u32..).zip(&new) {
            if !progress(done, total, &entry.label) {
                return Err(CodesError::Cancelled);
            }
            if let Some(account) = &entry.account {
                account.validate().map_err(keydesk_otp::vault::VaultError::from)?;
            }
        }
        if !progress(total - 1, total, "Saving the vault") {
            return Err(CodesError::Cancelled);
        }
        let ids = self.apply_import(preview)?;
        progress(total, total, "Imported");
        Ok(ids)
    }

    /// The accounts (secrets included) matching `search`, for an export.
    pub fn accounts_for_export(&self, search: &str) -> Result<Vec<Account>, CodesError> {
        let accounts: Vec<Account> = self.vault().search(search).into_iter().cloned().collect();
        if accounts.is_empty() {
            return Err(CodesError::NothingToExport);
        }
        Ok(accounts)
    }

    /// The QR code (PNG) of one account's otpauth URI, for a display the user asked for.
    pub fn account_qr_png(&self, id: &AccountId) -> Result<Zeroizing<Vec<u8>>, CodesError> {
        let account = self.vault().account(id).ok_or_else(|| CodesError::NoSuchAccount(id.to_string()))?;
        let payloads = export::qr_payloads(std::slice::from_ref(account));
        let (_, uri) = payloads.first().ok_or_else(|| CodesError::NoSuchAccount(id.to_string()))?;
        Ok(qr::encode_png(uri.expose(), QR_SCALE)?)
    }
}

/// The QR payloads in a PNG or JPEG image; an image without a readable QR code is an error.
pub fn qr_payloads_in_image(bytes: &[u8]) -> Result<Vec<Zeroizing<String>>, CodesError> {
    let found = qr::decode_image(bytes)?;
    if found.is_empty() {
        return Err(qr::QrError::NoQrCode.into());
    }
    Ok(found)
}

/// A `data:image/png;base64,...` URL of a PNG (for showing an account's QR code on request).
pub fn png_data_url(png: &[u8]) -> Zeroizing<String> {
    use base64::Engine;
    let mut url = Zeroizing::new(String::from("data:image/png;base64,"));
    base64::engine::general_purpose::STANDARD.encode_string(png, &mut url);
    url
}

/// `preview` with only the new entries at the positions in `include` left to import; the other
/// new entries become skipped ("not selected"), so the import says what it left out.
pub fn select_entries(preview: &ImportPreview, include: &[usize]) -> ImportPreview {
    let mut selected = preview.clone();
    for (index, entry) in selected.entries.iter_mut().enumerate() {
        if entry.action == PreviewAction::New && !include.contains(&index) {
            entry.action = PreviewAction::Skipped { reason: "not selected".to_owned() };
        }
    }
    selected
}

/// One otpauth URI a line.
pub fn uri_list(accounts: &[Account]) -> Zeroizing<String> {
    export::uri_list(accounts)
}

/// An Aegis vault encrypted with `password` (Aegis imports it).
pub fn aegis(accounts: &[Account], password: &SecretString, params: AegisScryptParams) -> Result<Zeroizing<String>, CodesError> {
    Ok(export::aegis_encrypted(accounts, password, params)?)
}

/// An exported QR image; `Debug` does not show the pixels (they encode secrets).
pub struct QrImage {
    /// Whose code it is ("ACME: alice", or "part 1 of 2").
    pub label: String,
    pub png: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for QrImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QrImage").field("label", &self.label).field("png_bytes", &self.png.len()).finish()
    }
}

/// One otpauth QR image per account.
pub fn account_qr_images(accounts: &[Account]) -> Result<Vec<QrImage>, CodesError> {
    accounts
        .iter()
        .zip(export::qr_payloads(accounts))
        .map(|(account, (_, uri))| Ok(QrImage { label: label(&account.issuer, &account.name), png: qr::encode_png(uri.expose(), QR_SCALE)? }))
        .collect()
}

/// A Google Authenticator migration export.
#[derive(Debug)]
pub struct GoogleExport {
    /// `otpauth-migration://` payloads, one per QR code.
    pub uris: Vec<SecretString>,
    /// Accounts Google Authenticator cannot hold: (label, reason).
    pub skipped: Vec<(String, String)>,
}

/// Google Authenticator migration payloads, [`GOOGLE_PER_QR`] accounts each.
pub fn google_migration(accounts: &[Account]) -> Result<GoogleExport, CodesError> {
    let batches = export::google_migration_payloads(accounts, GOOGLE_PER_QR).map_err(|e| CodesError::Export(e.into()))?;
    let name_of = |id: &AccountId| accounts.iter().find(|a| &a.id == id).map(|a| label(&a.issuer, &a.name)).unwrap_or_else(|| id.to_string());
    let skipped = batches.skipped.iter().map(|(id, reason)| (name_of(id), reason.clone())).collect();
    Ok(GoogleExport { uris: batches.uris, skipped })
}

/// The migration payloads as QR images, "part N of M".
pub fn google_qr_images(export: &GoogleExport) -> Result<Vec<QrImage>, CodesError> {
    let count = export.uris.len();
    export
        .uris
        .iter()
        .enumerate()
        .map(|(index, uri)| Ok(QrImage { label: format!("part {} of {count}", index + 1), png: qr::encode_png(uri.expose(), QR_SCALE)? }))
        .collect()
}

/// `codes.png` for a single file; `codes-1.png`, `codes-2.png`, ... for several.
pub fn numbered(path: &Path, index: usize, count: usize) -> PathBuf {
    if count <= 1 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let extension = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "png".into());
    path.with_file_name(format!("{stem}-{}.{extension}", index + 1))
}

/// Writes secrets to a NEW file readable by the owner only (an existing file is never
/// overwritten), synced to disk.
pub fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), CodesError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::AlreadyExists => CodesError::FileExists(path.display().to_string()),
        _ => io_error("creating", path)(error),
    })?;
    file.write_all(bytes).map_err(io_error("writing", path))?;
    file.sync_all().map_err(io_error("syncing", path))
}
