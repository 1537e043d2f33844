//! How accounts, codes and slots are printed: secret-free JSON objects for scripts, one line
//! per account for people.

use keydesk_otp::vault::{CodeView, SlotInfo, SlotKind, Vault};
use keydesk_otp::{Account, AccountSummary, Code};
use serde::Serialize;

use crate::output::print_json;

/// An account with its current code (never its secret).
#[derive(Debug, Serialize)]
pub struct AccountJson {
    #[serde(flatten)]
    pub summary: AccountSummary,
    /// The code to type; `null` for HOTP in the list (showing it advances the counter).
    pub code: Option<String>,
    pub seconds_remaining: Option<u32>,
    /// Why no code could be computed.
    pub error: Option<String>,
}

impl AccountJson {
    pub fn new(account: &Account, view: &CodeView) -> Self {
        let (code, seconds_remaining, error) = match view {
            CodeView::Ready(code) => (Some(code.text.clone()), code.seconds_remaining, None),
            CodeView::HotpOnRequest { .. } => (None, None, None),
            CodeView::Error(e) => (None, None, Some(e.to_string())),
        };
        Self { summary: account.summary(), code, seconds_remaining, error }
    }

    pub fn with_code(account: &Account, code: &Code) -> Self {
        let mut summary = account.summary();
        if code.counter.is_some() {
            summary.counter = code.counter;
        }
        Self { summary, code: Some(code.text.clone()), seconds_remaining: code.seconds_remaining, error: None }
    }

    pub fn plain(account: &Account) -> Self {
        Self { summary: account.summary(), code: None, seconds_remaining: None, error: None }
    }

    /// One line for people: `123 456  (17 s)  Issuer: name  [tags]`.
    pub fn line(&self) -> String {
        let s = &self.summary;
        let code = match (&self.code, &self.error, s.counter) {
            (Some(code), _, _) => group(code),
            (None, Some(_), _) => "(error)".to_owned(),
            (None, None, Some(_)) => "(HOTP: show)".to_owned(),
            (None, None, None) => String::new(),
        };
        let time = match self.seconds_remaining {
            Some(left) => format!("{left:>3} s"),
            None => match s.counter {
                Some(counter) => format!("#{counter}"),
                None => String::new(),
            },
        };
        let pin = if s.pinned { "* " } else { "  " };
        let tags = if s.tags.is_empty() { String::new() } else { format!("  [{}]", s.tags.join(", ")) };
        let error = self.error.as_ref().map(|e| format!("  ({e})")).unwrap_or_default();
        format!("{pin}{code:<13} {time:<6} {}  {}{tags}{error}", label(&s.issuer, &s.name), short_id(s.id.as_str()))
    }
}

/// Digits in groups of three (as authenticator apps show them); other codes unchanged.
fn group(code: &str) -> String {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{} {}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

pub fn label(issuer: &str, name: &str) -> String {
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer}: {name}"),
        (false, true) => issuer.to_owned(),
        (true, false) => name.to_owned(),
        (true, true) => "(unnamed)".to_owned(),
    }
}

pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Prints one account (after a change or `show`).
pub fn print_account(account: &AccountJson, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(account);
    }
    println!("{}", account.line());
    Ok(())
}

#[derive(Debug, Serialize)]
struct SlotJson<'a> {
    id: &'a str,
    label: &'a str,
    kind: &'a str,
}

/// Prints the vault's unlock slots (their public parameters are not shown).
pub fn print_slots(slots: &[SlotInfo], json: bool) -> anyhow::Result<()> {
    let rows: Vec<SlotJson<'_>> = slots
        .iter()
        .map(|s| SlotJson {
            id: &s.id,
            label: &s.label,
            kind: match &s.kind {
                SlotKind::Password => "password",
                SlotKind::Raw { raw_kind, .. } => raw_kind,
                _ => "other",
            },
        })
        .collect();
    if json {
        return print_json(&serde_json::json!({ "slots": rows }));
    }
    println!("Unlock slots:");
    for row in rows {
        println!("  {}  {:<18} {}", row.id, row.kind, row.label);
    }
    Ok(())
}

/// A save that was committed but may not survive a power loss (failed directory fsync) or left
/// old backups behind is reported, never hidden.
pub fn report_save_warning(vault: &mut Vault) {
    if let Some(warning) = vault.take_save_warning() {
        eprintln!("Warning: {warning}");
    }
}
