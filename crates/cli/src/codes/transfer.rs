//! `codes import` (preview every entry, then confirm) and `codes export` (secrets, after a
//! warning).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use keydesk_otp::export::{self, AegisScryptParams};
use keydesk_otp::import::{self, ImportError, ImportFormat, ImportOptions, ImportPreview, PreviewAction};
use keydesk_otp::{qr, Account, SecretString};
use serde::Serialize;

use super::output::{label, report_save_warning, short_id, AccountJson};
use super::unlock::VaultArgs;
use crate::key::confirm;
use crate::output::print_json;
use crate::terminal::{read_new_secret, read_secret};

/// Environment variable with the password of an encrypted backup being imported.
pub const IMPORT_PASSWORD_ENV: &str = "KEYDESK_IMPORT_PASSWORD";
/// Environment variable with the password for an encrypted (Aegis) export.
pub const EXPORT_PASSWORD_ENV: &str = "KEYDESK_EXPORT_PASSWORD";

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Aegis,
    #[value(name = "2fas")]
    TwoFas,
    Ente,
    Bitwarden,
    Andotp,
    Freeotp,
    /// One otpauth:// (or otpauth-migration://, steam://) URI a line.
    Uris,
}

impl From<FormatArg> for ImportFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Aegis => Self::Aegis,
            FormatArg::TwoFas => Self::TwoFas,
            FormatArg::Ente => Self::Ente,
            FormatArg::Bitwarden => Self::Bitwarden,
            FormatArg::Andotp => Self::AndOtp,
            FormatArg::Freeotp => Self::FreeOtpPlus,
            FormatArg::Uris => Self::OtpauthList,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Its format (detected from the content when omitted).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Import without asking after the preview (scripts).
    #[arg(long)]
    pub yes: bool,
    /// Only show the preview.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
}

#[derive(Debug, Serialize)]
struct EntryJson<'a> {
    label: &'a str,
    action: &'static str,
    duplicate_of: Option<&'a str>,
    reason: Option<&'a str>,
    account: Option<AccountJson>,
}

fn entry_json(entry: &import::PreviewEntry) -> EntryJson<'_> {
    let (action, duplicate_of, reason) = match &entry.action {
        PreviewAction::New => ("new", None, None),
        PreviewAction::Duplicate { of } => ("duplicate", Some(of.as_str()), None),
        PreviewAction::Skipped { reason } => ("skipped", None, Some(reason.as_str())),
    };
    EntryJson { label: &entry.label, action, duplicate_of, reason, account: entry.account.as_ref().map(AccountJson::plain) }
}

fn print_preview(preview: &ImportPreview, path: &Path) {
    let (new, duplicates, skipped) = preview.counts();
    println!("{} ({}): {} entries", path.display(), preview.format.name(), preview.entries.len());
    for entry in &preview.entries {
        match &entry.action {
            PreviewAction::New => println!("  New        {}", entry.label),
            PreviewAction::Duplicate { of } => println!("  Duplicate  {}  (same codes as {})", entry.label, short_id(of.as_str())),
            PreviewAction::Skipped { reason } => println!("  Skipped    {}  ({reason})", entry.label),
        }
    }
    if preview.not_otp_items > 0 {
        println!("  ({} items in the file are not one-time-password accounts)", preview.not_otp_items);
    }
    println!("{new} new, {duplicates} duplicates, {skipped} skipped.");
}

pub fn import(args: &VaultArgs, import: &ImportArgs) -> anyhow::Result<()> {
    let mut vault = args.open()?;
    let existing: Vec<Account> = vault.accounts().into_iter().cloned().collect();
    let format = import.format.map(ImportFormat::from);
    let mut options = ImportOptions::default();
    if std::env::var_os(IMPORT_PASSWORD_ENV).is_some() {
        options.password = Some(import_password()?);
    }
    let preview = match import::preview_file(&import.file, format, &options, &existing) {
        Err(ImportError::PasswordRequired(_)) if options.password.is_none() => {
            options.password = Some(import_password()?);
            import::preview_file(&import.file, format, &options, &existing)
        }
        other => other,
    }
    .with_context(|| format!("importing {}", import.file.display()))?;

    let (new, _, _) = preview.counts();
    let entries: Vec<EntryJson<'_>> = preview.entries.iter().map(entry_json).collect();
    let finish = |imported: Vec<String>| -> anyhow::Result<()> {
        if args.json {
            print_json(&serde_json::json!({
                "file": import.file, "format": preview.format.name(), "entries": entries,
                "not_otp_items": preview.not_otp_items, "imported": imported,
            }))?;
        }
        Ok(())
    };
    if args.json {
        // The preview goes to stderr while asking; the JSON document is printed once, at the end.
        if !import.yes && !import.dry_run && new > 0 {
            eprintln!("{new} new accounts will be imported ({} entries in the file).", preview.entries.len());
        }
    } else {
        print_preview(&preview, &import.file);
    }
    if import.dry_run || new == 0 {
        if !args.json && new == 0 {
            println!("Nothing to import.");
        }
        return finish(Vec::new());
    }
    confirm(&format!("Import {new} accounts?"), import.yes)?;
    let ids = vault.apply_import(&preview)?;
    report_save_warning(&mut vault);
    if !args.json {
        println!("Imported {} accounts.", ids.len());
    }
    finish(ids.iter().map(|id| id.as_str().to_owned()).collect())
}

fn import_password() -> anyhow::Result<SecretString> {
    let password = read_secret(IMPORT_PASSWORD_ENV, "Password of the backup")?;
    Ok(SecretString::new(password.as_str().to_owned()))
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// otpauth:// URIs, one a line (plain text).
    Uris,
    /// An Aegis vault encrypted with a password (Aegis imports it).
    Aegis,
    /// Google Authenticator migration QR codes (PNG images with --output; URIs otherwise).
    GoogleQr,
    /// One otpauth QR code per account, as PNG images (--output names the first; the others
    /// are numbered beside it).
    Qr,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Write to this file (created with owner-only permissions) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only accounts whose issuer, name, tags or note contain this text.
    #[arg(long)]
    pub search: Option<String>,
}

/// Accounts per Google migration QR code (Google Authenticator's own batches hold 10).
const GOOGLE_PER_QR: usize = 10;

pub fn export(args: &VaultArgs, export: &ExportArgs) -> anyhow::Result<()> {
    let vault = args.open()?;
    let accounts: Vec<Account> = vault.search(export.search.as_deref().unwrap_or("")).into_iter().cloned().collect();
    if accounts.is_empty() {
        anyhow::bail!("no account to export");
    }
    eprintln!(
        "Warning: this export contains the SECRETS of {} accounts: anyone who reads it can generate their codes.",
        accounts.len()
    );
    match export.format {
        ExportFormat::Uris => write_secret_output(export.output.as_deref(), export::uri_list(&accounts).as_bytes()),
        ExportFormat::Aegis => {
            let password = read_new_secret(EXPORT_PASSWORD_ENV, "Password for the Aegis export")?;
            let password = SecretString::new(password.as_str().to_owned());
            let text = export::aegis_encrypted(&accounts, &password, AegisScryptParams::default())?;
            write_secret_output(export.output.as_deref(), text.as_bytes())
        }
        ExportFormat::Qr => {
            let Some(path) = &export.output else {
                anyhow::bail!("--format qr writes PNG images: give --output FILE.png");
            };
            let payloads = export::qr_payloads(&accounts);
            let count = payloads.len();
            for (index, (id, uri)) in payloads.iter().enumerate() {
                let file = numbered(path, index, count);
                write_secret_output(Some(&file), &qr::encode_png(uri.expose(), 8)?)?;
                let name = vault.account(id).map(|a| label(&a.issuer, &a.name)).unwrap_or_else(|| id.to_string());
                eprintln!("QR code of {name}: {}", file.display());
            }
            Ok(())
        }
        ExportFormat::GoogleQr => {
            let batches = export::google_migration_payloads(&accounts, GOOGLE_PER_QR)?;
            for (id, reason) in &batches.skipped {
                let name = vault.account(id).map(|a| label(&a.issuer, &a.name)).unwrap_or_else(|| id.to_string());
                eprintln!("Not exported to Google Authenticator: {name}: {reason}");
            }
            match &export.output {
                None => {
                    let mut text = zeroize::Zeroizing::new(String::new());
                    for uri in &batches.uris {
                        text.push_str(uri.expose());
                        text.push('\n');
                    }
                    write_secret_output(None, text.as_bytes())
                }
                Some(path) => {
                    let count = batches.uris.len();
                    for (index, uri) in batches.uris.iter().enumerate() {
                        let file = numbered(path, index, count);
                        write_secret_output(Some(&file), &qr::encode_png(uri.expose(), 8)?)?;
                        eprintln!("QR code {} of {count}: {}", index + 1, file.display());
                    }
                    Ok(())
                }
            }
        }
    }
}

/// `codes.png` for a single code; `codes-1.png`, `codes-2.png`, ... for several.
fn numbered(path: &Path, index: usize, count: usize) -> PathBuf {
    if count <= 1 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let extension = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "png".into());
    path.with_file_name(format!("{stem}-{}.{extension}", index + 1))
}

/// Writes secrets to `path` (a new file readable by the owner only) or stdout.
fn write_secret_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    let Some(path) = path else {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {} (an existing file is never overwritten)", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}
