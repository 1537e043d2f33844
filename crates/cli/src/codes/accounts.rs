//! Listing codes and managing accounts: list, show, add, edit, rename, tag, pin, delete, undo,
//! as terminal commands over `keydesk_codes::Codes`.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use keydesk_codes::{label, AccountEdit, AccountId, CodesError, LabelOverride, ListFilter, TagChange};
use keydesk_otp::qr;
use zeroize::Zeroizing;

use super::output::{line, print_account, report_save_warning};
use super::unlock::VaultArgs;
use crate::key::confirm;
use crate::output::print_json;

/// Largest otpauth text read from stdin (a migration export of many accounts fits).
const MAX_URI_INPUT: u64 = 1024 * 1024;

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The CLI's wording for an account that cannot be found: where to look.
fn resolve(codes: &keydesk_codes::Codes, wanted: &str) -> anyhow::Result<AccountId> {
    codes.resolve(wanted).map_err(|error| match error {
        CodesError::NoSuchAccount(_) => anyhow::anyhow!("{error}: see `keydesk codes list`"),
        other => other.into(),
    })
}

#[derive(Debug, Default, clap::Args)]
pub struct ListArgs {
    /// Only accounts whose issuer, name, tags or note contain this text.
    pub search: Option<String>,
    /// Only accounts with this tag.
    #[arg(long)]
    pub tag: Option<String>,
}

pub fn list(args: &VaultArgs, list: &ListArgs) -> anyhow::Result<()> {
    let codes = args.open()?;
    let time = now();
    let filter = ListFilter { search: list.search.clone().unwrap_or_default(), tag: list.tag.clone() };
    let rows = codes.list(time, &filter);
    if args.json {
        return print_json(&serde_json::json!({ "vault": codes.vault().path(), "time": time, "accounts": rows }));
    }
    if rows.is_empty() {
        if codes.vault().accounts().is_empty() {
            println!("No accounts yet: add one with `keydesk codes add` or `keydesk codes import FILE`.");
        } else {
            println!("No account matches.");
        }
    }
    for row in &rows {
        println!("{}", line(row));
    }
    Ok(())
}

pub fn show(args: &VaultArgs, wanted: &str) -> anyhow::Result<()> {
    let mut codes = args.open()?;
    let id = resolve(&codes, wanted)?;
    // HOTP: the advanced counter is on disk before the code is printed.
    let row = codes.show(&id, now())?;
    report_save_warning(&mut codes);
    print_account(&row, args.json)
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Read the accounts from QR codes in these PNG or JPEG images instead of stdin (give every
    /// image of a multi-QR Google Authenticator export: all parts are collected first).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub qr: Vec<PathBuf>,
    /// Read the accounts from a QR code shown on the screen (a sign-up page's QR code).
    #[arg(long, conflicts_with = "qr")]
    pub screen: bool,
    /// Set the issuer (when the URI has none or a wrong one).
    #[arg(long)]
    pub issuer: Option<String>,
    /// Set the account name.
    #[arg(long)]
    pub name: Option<String>,
}

/// The otpauth text: piped on stdin, or typed at a hidden prompt (it holds the secret).
fn read_uri_input() -> anyhow::Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        return Ok(Zeroizing::new(rpassword::prompt_password("otpauth URI (hidden): ")?));
    }
    let mut text = Zeroizing::new(String::new());
    std::io::stdin().take(MAX_URI_INPUT + 1).read_to_string(&mut text).context("reading the URI from stdin")?;
    if text.len() as u64 > MAX_URI_INPUT {
        anyhow::bail!("the input is over {MAX_URI_INPUT} bytes; use `keydesk codes import FILE` for large lists");
    }
    Ok(text)
}

pub fn add(args: &VaultArgs, add: &AddArgs) -> anyhow::Result<()> {
    let mut payloads: Vec<Zeroizing<String>> = Vec::new();
    for path in &add.qr {
        let bytes = Zeroizing::new(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?);
        let found = qr::decode_image(&bytes).with_context(|| format!("reading a QR code in {}", path.display()))?;
        if found.is_empty() {
            anyhow::bail!("no QR code found in {}", path.display());
        }
        payloads.extend(found);
    }
    if add.screen {
        payloads.extend(keydesk_codes::screen::qr_payloads().context("looking for a QR code on the screen")?);
    } else if add.qr.is_empty() {
        let text = read_uri_input()?;
        payloads.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Zeroizing::new(l.to_owned())));
    }
    if payloads.is_empty() {
        anyhow::bail!("no otpauth URI given: pipe it on stdin (`keydesk codes add < uri.txt`) or type it at the prompt");
    }
    let mut codes = args.open()?;
    let labels = LabelOverride { issuer: add.issuer.clone(), name: add.name.clone() };
    let report = codes.add_payloads(&payloads, &labels)?;
    report_save_warning(&mut codes);
    if args.json {
        print_json(&report)?;
    } else {
        for row in &report.added {
            println!("Added {}", line(row).trim_start());
        }
        for entry in &report.duplicates {
            let of = entry.of.as_ref().map(AccountId::as_str).unwrap_or_default();
            println!("Not added: {} gives the same codes as account {of}.", entry.label);
        }
        for entry in &report.skipped {
            println!("Not added: {}: {}.", entry.label, entry.reason.as_deref().unwrap_or_default());
        }
    }
    if report.added.is_empty() {
        anyhow::bail!("no account was added");
    }
    Ok(())
}

#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The account (ID, prefix, or name).
    pub account: String,
    #[arg(long)]
    pub issuer: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
    /// Number of digits (TOTP/HOTP).
    #[arg(long)]
    pub digits: Option<u8>,
    /// TOTP period in seconds.
    #[arg(long)]
    pub period: Option<u32>,
    /// HOTP counter of the next code.
    #[arg(long)]
    pub counter: Option<u64>,
    /// SHA1, SHA256 or SHA512.
    #[arg(long)]
    pub algorithm: Option<String>,
}

pub fn edit(args: &VaultArgs, edit: &EditArgs) -> anyhow::Result<()> {
    let mut codes = args.open()?;
    let id = resolve(&codes, &edit.account)?;
    let change = AccountEdit {
        issuer: edit.issuer.clone(),
        name: edit.name.clone(),
        note: edit.note.clone(),
        digits: edit.digits,
        period: edit.period,
        counter: edit.counter,
        algorithm: edit.algorithm.clone(),
    };
    let row = codes.edit(&id, &change)?;
    report_save_warning(&mut codes);
    print_account(&row, args.json)
}

#[derive(Debug, clap::Args)]
pub struct RenameArgs {
    /// The account (ID, prefix, or name).
    pub account: String,
    /// New issuer (unchanged when omitted).
    #[arg(long)]
    pub issuer: Option<String>,
    /// New account name (unchanged when omitted).
    #[arg(long)]
    pub name: Option<String>,
}

pub fn rename(args: &VaultArgs, rename: &RenameArgs) -> anyhow::Result<()> {
    if rename.issuer.is_none() && rename.name.is_none() {
        anyhow::bail!("give --issuer and/or --name");
    }
    let mut codes = args.open()?;
    let id = resolve(&codes, &rename.account)?;
    let row = codes.rename(&id, rename.issuer.as_deref(), rename.name.as_deref())?;
    report_save_warning(&mut codes);
    print_account(&row, args.json)
}

#[derive(Debug, clap::Args)]
pub struct TagArgs {
    /// The account (ID, prefix, or name).
    pub account: String,
    /// Tags to add.
    pub tags: Vec<String>,
    /// Remove these tags instead of adding them.
    #[arg(long)]
    pub remove: bool,
    /// Remove every tag first.
    #[arg(long)]
    pub clear: bool,
}

pub fn tag(args: &VaultArgs, tag: &TagArgs) -> anyhow::Result<()> {
    let mut codes = args.open()?;
    let id = resolve(&codes, &tag.account)?;
    let change = match (tag.remove, tag.clear) {
        (true, _) => TagChange::Remove,
        (false, true) => TagChange::Set,
        (false, false) => TagChange::Add,
    };
    if tag.remove && tag.clear {
        codes.tag(&id, TagChange::Set, &[])?;
    }
    let row = codes.tag(&id, change, &tag.tags)?;
    report_save_warning(&mut codes);
    print_account(&row, args.json)
}

#[derive(Debug, clap::Args)]
pub struct PinArgs {
    /// The account (ID, prefix, or name).
    pub account: String,
    /// Unpin instead.
    #[arg(long)]
    pub off: bool,
}

pub fn pin(args: &VaultArgs, pin: &PinArgs) -> anyhow::Result<()> {
    let mut codes = args.open()?;
    let id = resolve(&codes, &pin.account)?;
    let row = codes.pin(&id, !pin.off)?;
    report_save_warning(&mut codes);
    print_account(&row, args.json)
}

#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// The account (ID, prefix, or name).
    pub account: String,
    /// Confirm without asking (scripts).
    #[arg(long)]
    pub yes: bool,
}

pub fn delete(args: &VaultArgs, delete: &DeleteArgs) -> anyhow::Result<()> {
    let mut codes = args.open()?;
    let id = resolve(&codes, &delete.account)?;
    let shown = codes.account(&id)?;
    confirm(&format!("Delete {} ({id})?", label(&shown.summary.issuer, &shown.summary.name)), delete.yes)?;
    codes.delete(&id, now())?;
    report_save_warning(&mut codes);
    if args.json {
        return print_json(&serde_json::json!({ "deleted": shown }));
    }
    println!("Deleted {}. Restore it with `keydesk codes undo`.", label(&shown.summary.issuer, &shown.summary.name));
    Ok(())
}

pub fn undo(args: &VaultArgs, wanted: Option<&str>) -> anyhow::Result<()> {
    let mut codes = args.open()?;
    let id = wanted.map(|id| AccountId::from_string(id.trim().to_owned()));
    let row = codes.undo(id.as_ref())?;
    report_save_warning(&mut codes);
    if !args.json {
        print!("Restored ");
    }
    print_account(&row, args.json)
}
