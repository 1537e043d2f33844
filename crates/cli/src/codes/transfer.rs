//! `codes import` (preview every entry, then confirm) and `codes export` (secrets, after a
//! warning).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use keydesk_codes::transfer::{self, PreviewView};
use keydesk_codes::{CodesError, SecretString};
use keydesk_otp::export::AegisScryptParams;
use keydesk_otp::import::{ImportError, ImportFormat, ImportPreview, PreviewAction};

use super::output::{report_save_warning, short_id};
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
    let mut codes = args.open()?;
    let format = import.format.map(ImportFormat::from);
    let mut password = match std::env::var_os(IMPORT_PASSWORD_ENV) {
        Some(_) => Some(import_password()?),
        None => None,
    };
    let preview = match codes.preview_import_file(&import.file, format, password.clone()) {
        Err(CodesError::Import(ImportError::PasswordRequired(_))) if password.is_none() => {
            password = Some(import_password()?);
            codes.preview_import_file(&import.file, format, password)
        }
        other => other,
    }
    .with_context(|| format!("importing {}", import.file.display()))?;

    let view = PreviewView::new(&preview);
    let finish = |imported: Vec<String>| -> anyhow::Result<()> {
        if args.json {
            print_json(&serde_json::json!({
                "file": import.file, "format": view.format, "entries": view.entries,
                "not_otp_items": view.not_otp_items, "imported": imported,
            }))?;
        }
        Ok(())
    };
    let new = view.new;
    if args.json {
        // The preview goes to stderr while asking; the JSON document is printed once, at the end.
        if !import.yes && !import.dry_run && new > 0 {
            eprintln!("{new} new accounts will be imported ({} entries in the file).", view.entries.len());
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
    let ids = codes.apply_import(&preview)?;
    report_save_warning(&mut codes);
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

pub fn export(args: &VaultArgs, export: &ExportArgs) -> anyhow::Result<()> {
    let codes = args.open()?;
    let accounts = codes.accounts_for_export(export.search.as_deref().unwrap_or(""))?;
    eprintln!(
        "Warning: this export contains the SECRETS of {} accounts: anyone who reads it can generate their codes.",
        accounts.len()
    );
    match export.format {
        ExportFormat::Uris => write_secret_output(export.output.as_deref(), transfer::uri_list(&accounts).as_bytes()),
        ExportFormat::Aegis => {
            let password = read_new_secret(EXPORT_PASSWORD_ENV, "Password for the Aegis export")?;
            let password = SecretString::new(password.as_str().to_owned());
            let text = transfer::aegis(&accounts, &password, AegisScryptParams::default())?;
            write_secret_output(export.output.as_deref(), text.as_bytes())
        }
        ExportFormat::Qr => {
            let Some(path) = &export.output else {
                anyhow::bail!("--format qr writes PNG images: give --output FILE.png");
            };
            let images = transfer::account_qr_images(&accounts)?;
            for (index, image) in images.iter().enumerate() {
                let file = transfer::numbered(path, index, images.len());
                transfer::write_secret_file(&file, &image.png)?;
                eprintln!("QR code of {}: {}", image.label, file.display());
            }
            Ok(())
        }
        ExportFormat::GoogleQr => {
            let google = transfer::google_migration(&accounts)?;
            for (name, reason) in &google.skipped {
                eprintln!("Not exported to Google Authenticator: {name}: {reason}");
            }
            match &export.output {
                None => {
                    let mut text = zeroize::Zeroizing::new(String::new());
                    for uri in &google.uris {
                        text.push_str(uri.expose());
                        text.push('\n');
                    }
                    write_secret_output(None, text.as_bytes())
                }
                Some(path) => {
                    let images = transfer::google_qr_images(&google)?;
                    for (index, image) in images.iter().enumerate() {
                        let file = transfer::numbered(path, index, images.len());
                        transfer::write_secret_file(&file, &image.png)?;
                        eprintln!("QR code {} of {}: {}", index + 1, images.len(), file.display());
                    }
                    Ok(())
                }
            }
        }
    }
}

/// Writes secrets to `path` (a new file readable by the owner only) or stdout.
fn write_secret_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(path) => Ok(transfer::write_secret_file(path, bytes)?),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            Ok(out.flush()?)
        }
    }
}
