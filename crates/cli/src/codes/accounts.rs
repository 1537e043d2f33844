//! Listing codes and managing accounts: list, show, add, edit, rename, tag, pin, delete, undo.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use keydesk_otp::import::{preview_qr_payloads, ImportPreview, PreviewAction};
use keydesk_otp::model::{AccountId, HashAlgorithm, OtpKind};
use keydesk_otp::vault::Vault;
use keydesk_otp::{qr, Account};
use serde::Serialize;
use zeroize::Zeroizing;

use super::output::{label, print_account, report_save_warning, AccountJson};
use super::unlock::VaultArgs;
use crate::key::confirm;
use crate::output::print_json;

/// Largest otpauth text read from stdin (a migration export of many accounts fits).
const MAX_URI_INPUT: u64 = 1024 * 1024;

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
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
    let vault = args.open()?;
    let time = now();
    let matching: std::collections::HashSet<&AccountId> = vault.search(list.search.as_deref().unwrap_or("")).into_iter().map(|a| &a.id).collect();
    let rows: Vec<AccountJson> = vault
        .codes(time)
        .iter()
        .filter(|(a, _)| matching.contains(&a.id))
        .filter(|(a, _)| list.tag.as_ref().is_none_or(|tag| a.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))))
        .map(|(a, view)| AccountJson::new(a, view))
        .collect();
    if args.json {
        return print_json(&serde_json::json!({ "vault": vault.path(), "time": time, "accounts": rows }));
    }
    if rows.is_empty() {
        if vault.accounts().is_empty() {
            println!("No accounts yet: add one with `keydesk codes add` or `keydesk codes import FILE`.");
        } else {
            println!("No account matches.");
        }
    }
    for row in &rows {
        println!("{}", row.line());
    }
    Ok(())
}

/// Finds one account by ID, unique ID prefix, "issuer:name", name or issuer.
pub fn resolve(vault: &Vault, wanted: &str) -> anyhow::Result<AccountId> {
    let wanted = wanted.trim();
    let accounts = vault.accounts();
    if let Some(exact) = accounts.iter().find(|a| a.id.as_str() == wanted) {
        return Ok(exact.id.clone());
    }
    let lower = wanted.to_lowercase();
    let rules: [&dyn Fn(&Account) -> bool; 3] = [
        &|a| wanted.len() >= 4 && a.id.as_str().starts_with(&lower),
        &|a| format!("{}:{}", a.issuer, a.name).to_lowercase() == lower || label(&a.issuer, &a.name).to_lowercase() == lower,
        &|a| a.name.to_lowercase() == lower || a.issuer.to_lowercase() == lower,
    ];
    for rule in rules {
        let found: Vec<&&Account> = accounts.iter().filter(|a| rule(a)).collect();
        match found.as_slice() {
            [] => continue,
            [one] => return Ok(one.id.clone()),
            several => {
                let names: Vec<String> = several.iter().map(|a| format!("{} ({})", label(&a.issuer, &a.name), a.id)).collect();
                anyhow::bail!("\"{wanted}\" matches several accounts; use an ID: {}", names.join(", "))
            }
        }
    }
    anyhow::bail!("no account \"{wanted}\": see `keydesk codes list`")
}

pub fn show(args: &VaultArgs, wanted: &str) -> anyhow::Result<()> {
    let mut vault = args.open()?;
    let id = resolve(&vault, wanted)?;
    let code = match vault.account(&id).map(|a| &a.kind) {
        // The advanced counter is on disk before the code is printed.
        Some(OtpKind::Hotp { .. }) => vault.next_hotp_code(&id)?,
        _ => vault.code(&id, now())?,
    };
    report_save_warning(&mut vault);
    let account = vault.account(&id).ok_or_else(|| anyhow::anyhow!("account {id} vanished"))?;
    print_account(&AccountJson::with_code(account, &code), args.json)
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

#[derive(Debug, Serialize)]
struct AddedJson {
    added: Vec<AccountJson>,
    duplicates: Vec<serde_json::Value>,
    skipped: Vec<serde_json::Value>,
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
        payloads.extend(super::screen::qr_payloads()?);
    } else if add.qr.is_empty() {
        let text = read_uri_input()?;
        payloads.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Zeroizing::new(l.to_owned())));
    }
    if payloads.is_empty() {
        anyhow::bail!("no otpauth URI given: pipe it on stdin (`keydesk codes add < uri.txt`) or type it at the prompt");
    }
    let mut vault = args.open()?;
    let existing: Vec<Account> = vault.accounts().into_iter().cloned().collect();
    let mut preview: ImportPreview = preview_qr_payloads(&payloads, &existing)?;
    if add.issuer.is_some() || add.name.is_some() {
        if preview.entries.len() != 1 {
            anyhow::bail!("--issuer and --name apply to a single account, but {} were read", preview.entries.len());
        }
        for entry in &mut preview.entries {
            if let Some(account) = entry.account.as_mut() {
                if let Some(issuer) = &add.issuer {
                    account.issuer = issuer.trim().to_owned();
                }
                if let Some(name) = &add.name {
                    account.name = name.trim().to_owned();
                }
                // The original URI no longer describes the account.
                account.original_uri = None;
            }
        }
    }
    let ids = vault.apply_import(&preview)?;
    report_save_warning(&mut vault);
    let added: Vec<AccountJson> = ids.iter().filter_map(|id| vault.account(id)).map(AccountJson::plain).collect();
    let mut duplicates = Vec::new();
    let mut skipped = Vec::new();
    for entry in &preview.entries {
        match &entry.action {
            PreviewAction::New => {}
            PreviewAction::Duplicate { of } => duplicates.push(serde_json::json!({"label": entry.label, "of": of})),
            PreviewAction::Skipped { reason } => skipped.push(serde_json::json!({"label": entry.label, "reason": reason})),
        }
    }
    let report = AddedJson { added, duplicates, skipped };
    if args.json {
        print_json(&report)?;
    } else {
        for account in &report.added {
            println!("Added {}", account.line().trim_start());
        }
        for entry in &preview.entries {
            match &entry.action {
                PreviewAction::Duplicate { of } => println!("Not added: {} gives the same codes as account {of}.", entry.label),
                PreviewAction::Skipped { reason } => println!("Not added: {}: {reason}.", entry.label),
                PreviewAction::New => {}
            }
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
    let algorithm = match &edit.algorithm {
        Some(text) => Some(HashAlgorithm::parse(text).ok_or_else(|| anyhow::anyhow!("unknown algorithm {text}: use SHA1, SHA256 or SHA512"))?),
        None => None,
    };
    let mut vault = args.open()?;
    let id = resolve(&vault, &edit.account)?;
    let kind = vault.account(&id).map(|a| a.kind.clone());
    if edit.period.is_some() && !matches!(kind, Some(OtpKind::Totp { .. })) {
        anyhow::bail!("--period applies to TOTP accounts only");
    }
    if edit.counter.is_some() && !matches!(kind, Some(OtpKind::Hotp { .. })) {
        anyhow::bail!("--counter applies to HOTP accounts only");
    }
    vault.edit(&id, |a| {
        if let Some(issuer) = &edit.issuer {
            a.issuer = issuer.trim().to_owned();
        }
        if let Some(name) = &edit.name {
            a.name = name.trim().to_owned();
        }
        if let Some(note) = &edit.note {
            a.note = note.clone();
        }
        if let Some(digits) = edit.digits {
            a.digits = digits;
        }
        if let Some(algorithm) = algorithm {
            a.algorithm = algorithm;
        }
        match &mut a.kind {
            OtpKind::Totp { period } => *period = edit.period.unwrap_or(*period),
            OtpKind::Hotp { counter } => *counter = edit.counter.unwrap_or(*counter),
            _ => {}
        }
    })?;
    print_changed(&mut vault, &id, args.json)
}

fn print_changed(vault: &mut Vault, id: &AccountId, json: bool) -> anyhow::Result<()> {
    report_save_warning(vault);
    let account = vault.account(id).ok_or_else(|| anyhow::anyhow!("account {id} vanished"))?;
    print_account(&AccountJson::plain(account), json)
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
    let mut vault = args.open()?;
    let id = resolve(&vault, &rename.account)?;
    let account = vault.account(&id).ok_or_else(|| anyhow::anyhow!("account {id} vanished"))?;
    let issuer = rename.issuer.clone().unwrap_or_else(|| account.issuer.clone());
    let name = rename.name.clone().unwrap_or_else(|| account.name.clone());
    vault.rename(&id, &issuer, &name)?;
    print_changed(&mut vault, &id, args.json)
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
    let mut vault = args.open()?;
    let id = resolve(&vault, &tag.account)?;
    let mut tags = if tag.clear { Vec::new() } else { vault.account(&id).map(|a| a.tags.clone()).unwrap_or_default() };
    for wanted in tag.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.remove {
            tags.retain(|t| !t.eq_ignore_ascii_case(wanted));
        } else if !tags.iter().any(|t| t.eq_ignore_ascii_case(wanted)) {
            tags.push(wanted.to_owned());
        }
    }
    vault.set_tags(&id, tags)?;
    print_changed(&mut vault, &id, args.json)
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
    let mut vault = args.open()?;
    let id = resolve(&vault, &pin.account)?;
    vault.set_pinned(&id, !pin.off)?;
    print_changed(&mut vault, &id, args.json)
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
    let mut vault = args.open()?;
    let id = resolve(&vault, &delete.account)?;
    let account = vault.account(&id).ok_or_else(|| anyhow::anyhow!("account {id} vanished"))?;
    let shown = AccountJson::plain(account);
    confirm(&format!("Delete {} ({id})?", label(&account.issuer, &account.name)), delete.yes)?;
    vault.delete(&id, now())?;
    report_save_warning(&mut vault);
    if args.json {
        return print_json(&serde_json::json!({ "deleted": shown }));
    }
    println!("Deleted {}. Restore it with `keydesk codes undo`.", label(&shown.summary.issuer, &shown.summary.name));
    Ok(())
}

pub fn undo(args: &VaultArgs, wanted: Option<&str>) -> anyhow::Result<()> {
    let mut vault = args.open()?;
    let id = match wanted {
        Some(id) => AccountId::from_string(id.trim().to_owned()),
        None => vault
            .trash()
            .iter()
            .enumerate()
            .max_by_key(|(position, d)| (d.deleted_at, *position))
            .map(|(_, d)| d.account.id.clone())
            .ok_or_else(|| anyhow::anyhow!("nothing to undo: no account was deleted"))?,
    };
    vault.undo_delete(&id)?;
    if !args.json {
        print!("Restored ");
    }
    print_changed(&mut vault, &id, args.json)
}
