//! [`Codes`]: an unlocked vault and every account operation the front-ends offer (list with
//! codes, show, add, edit, tag, pin, order, delete, undo). Locking is dropping it.

use std::collections::HashSet;

use keydesk_otp::import::{preview_qr_payloads, ImportPreview, PreviewAction};
use keydesk_otp::model::{AccountId, HashAlgorithm, OtpKind};
use keydesk_otp::vault::{CodeView, Vault};
use keydesk_otp::{Account, AccountSummary, Code};
use serde::{Deserialize, Serialize};

use crate::error::CodesError;

/// An unlocked vault. Every change is saved at once (atomic write, versioned backups).
#[derive(Debug)]
pub struct Codes {
    vault: Vault,
}

/// An account with its current code, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeRow {
    #[serde(flatten)]
    pub summary: AccountSummary,
    /// The code to type; `None` for HOTP in the list (showing it advances the counter).
    pub code: Option<String>,
    /// Seconds until a time-based code changes.
    pub seconds_remaining: Option<u32>,
    /// Why no code could be computed.
    pub error: Option<String>,
}

impl CodeRow {
    /// The list row of `account` for `view`.
    pub fn new(account: &Account, view: &CodeView) -> Self {
        let (code, seconds_remaining, error) = match view {
            CodeView::Ready(code) => (Some(code.text.clone()), code.seconds_remaining, None),
            CodeView::HotpOnRequest { .. } => (None, None, None),
            CodeView::Error(e) => (None, None, Some(e.to_string())),
        };
        Self { summary: account.summary(), code, seconds_remaining, error }
    }

    /// `account` with a code just computed (for HOTP: the counter the code used).
    pub fn with_code(account: &Account, code: &Code) -> Self {
        let mut summary = account.summary();
        if code.counter.is_some() {
            summary.counter = code.counter;
        }
        Self { summary, code: Some(code.text.clone()), seconds_remaining: code.seconds_remaining, error: None }
    }

    /// `account` without a code (after an edit).
    pub fn plain(account: &Account) -> Self {
        Self { summary: account.summary(), code: None, seconds_remaining: None, error: None }
    }
}

/// Which accounts a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ListFilter {
    /// Text in the issuer, name, tags or note (case-insensitive); empty: all.
    pub search: String,
    /// Only accounts with this tag (case-insensitive).
    pub tag: Option<String>,
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct AccountEdit {
    pub issuer: Option<String>,
    pub name: Option<String>,
    pub note: Option<String>,
    /// Digits of TOTP/HOTP codes.
    pub digits: Option<u8>,
    /// TOTP period in seconds (TOTP only).
    pub period: Option<u32>,
    /// HOTP counter of the next code (HOTP only).
    pub counter: Option<u64>,
    /// SHA1, SHA256 or SHA512.
    pub algorithm: Option<String>,
}

/// The issuer and/or name to give a single account being added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LabelOverride {
    pub issuer: Option<String>,
    pub name: Option<String>,
}

/// An entry that was read but not added, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotAdded {
    pub label: String,
    /// The existing account that gives the same codes (duplicates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub of: Option<AccountId>,
    /// Why it could not be read (skipped entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What an add did: nothing is dropped without saying so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddReport {
    pub added: Vec<CodeRow>,
    pub duplicates: Vec<NotAdded>,
    pub skipped: Vec<NotAdded>,
}

/// A tag change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagChange {
    Add,
    Remove,
    /// Replace every tag with the given ones.
    Set,
}

/// "issuer: name", the issuer or the name alone, or "(unnamed)".
pub fn label(issuer: &str, name: &str) -> String {
    match (issuer.is_empty(), name.is_empty()) {
        (false, false) => format!("{issuer}: {name}"),
        (false, true) => issuer.to_owned(),
        (true, false) => name.to_owned(),
        (true, true) => "(unnamed)".to_owned(),
    }
}

impl Codes {
    /// Wraps an unlocked vault.
    pub fn new(vault: Vault) -> Self {
        Self { vault }
    }

    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    pub fn vault_mut(&mut self) -> &mut Vault {
        &mut self.vault
    }

    pub fn into_vault(self) -> Vault {
        self.vault
    }

    /// A save that was committed but may not survive a power loss (failed directory fsync) or
    /// left old backups behind: front-ends show it, never hide it.
    pub fn take_save_warning(&mut self) -> Option<String> {
        self.vault.take_save_warning()
    }

    /// The accounts matching `filter`, in display order (pinned first), with their codes at
    /// `unix_time`. HOTP rows carry no code: showing one advances the counter ([`Codes::show`]).
    pub fn list(&self, unix_time: u64, filter: &ListFilter) -> Vec<CodeRow> {
        let matching: HashSet<&AccountId> = self.vault.search(&filter.search).into_iter().map(|a| &a.id).collect();
        self.vault
            .codes(unix_time)
            .iter()
            .filter(|(a, _)| matching.contains(&a.id))
            .filter(|(a, _)| filter.tag.as_ref().is_none_or(|tag| a.tags.iter().any(|t| t.eq_ignore_ascii_case(tag.trim()))))
            .map(|(a, view)| CodeRow::new(a, view))
            .collect()
    }

    /// The pinned accounts in display order with their codes at `unix_time` (HOTP counters are
    /// not advanced): what the tray shows.
    pub fn pinned(&self, unix_time: u64) -> Vec<crate::pinned::PinnedCode> {
        crate::pinned::pinned_codes(self.vault.accounts(), unix_time)
    }

    /// Every tag in use, sorted case-insensitively, each once.
    pub fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = Vec::new();
        for tag in self.vault.accounts().iter().flat_map(|a| a.tags.iter()) {
            if !tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                tags.push(tag.clone());
            }
        }
        tags.sort_by_key(|t| t.to_lowercase());
        tags
    }

    /// Finds one account by ID, unique ID prefix (4+ characters), "issuer:name", name or issuer.
    pub fn resolve(&self, wanted: &str) -> Result<AccountId, CodesError> {
        let wanted = wanted.trim();
        let accounts = self.vault.accounts();
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
                    return Err(CodesError::AmbiguousAccount { wanted: wanted.to_owned(), candidates: names.join(", ") });
                }
            }
        }
        Err(CodesError::NoSuchAccount(wanted.to_owned()))
    }

    fn get(&self, id: &AccountId) -> Result<&Account, CodesError> {
        self.vault.account(id).ok_or_else(|| CodesError::NoSuchAccount(id.to_string()))
    }

    /// The account's secret-free row without a code.
    pub fn account(&self, id: &AccountId) -> Result<CodeRow, CodesError> {
        Ok(CodeRow::plain(self.get(id)?))
    }

    /// The account's code now. HOTP: the counter is advanced and saved before the code is
    /// returned, so a code is never shown twice.
    pub fn show(&mut self, id: &AccountId, unix_time: u64) -> Result<CodeRow, CodesError> {
        let code = match self.get(id)?.kind {
            OtpKind::Hotp { .. } => self.vault.next_hotp_code(id)?,
            _ => self.vault.code(id, unix_time)?,
        };
        Ok(CodeRow::with_code(self.get(id)?, &code))
    }

    /// What adding these QR/otpauth payloads would do, entry by entry (nothing is written).
    pub fn preview_payloads<S: AsRef<str>>(&self, payloads: &[S]) -> Result<ImportPreview, CodesError> {
        if payloads.is_empty() {
            return Err(CodesError::NoInput);
        }
        let existing: Vec<Account> = self.vault.accounts().into_iter().cloned().collect();
        Ok(preview_qr_payloads(payloads, &existing)?)
    }

    /// Adds the accounts in otpauth URIs / QR payloads (every part of a Google multi-QR export
    /// must be among them). `labels` renames a single account. The report says why each entry
    /// that was not added was not (`added` is empty when every entry was a duplicate or
    /// unreadable).
    pub fn add_payloads<S: AsRef<str>>(&mut self, payloads: &[S], labels: &LabelOverride) -> Result<AddReport, CodesError> {
        let mut preview = self.preview_payloads(payloads)?;
        if labels.issuer.is_some() || labels.name.is_some() {
            if preview.entries.len() != 1 {
                return Err(CodesError::InvalidEdit(format!(
                    "an issuer or name applies to a single account, but {} were read",
                    preview.entries.len()
                )));
            }
            for account in preview.entries.iter_mut().filter_map(|e| e.account.as_mut()) {
                if let Some(issuer) = &labels.issuer {
                    account.issuer = issuer.trim().to_owned();
                }
                if let Some(name) = &labels.name {
                    account.name = name.trim().to_owned();
                }
                // The original URI no longer describes the account.
                account.original_uri = None;
            }
        }
        let ids = self.vault.apply_import(&preview)?;
        let added: Vec<CodeRow> = ids.iter().filter_map(|id| self.vault.account(id)).map(CodeRow::plain).collect();
        let (duplicates, skipped) = not_added(&preview);
        Ok(AddReport { added, duplicates, skipped })
    }

    /// Applies `edit`, validating it against the account's kind first.
    pub fn edit(&mut self, id: &AccountId, edit: &AccountEdit) -> Result<CodeRow, CodesError> {
        let algorithm = match &edit.algorithm {
            Some(text) => Some(
                HashAlgorithm::parse(text)
                    .ok_or_else(|| CodesError::InvalidEdit(format!("unknown algorithm {text}: use SHA1, SHA256 or SHA512")))?,
            ),
            None => None,
        };
        let kind = &self.get(id)?.kind;
        if edit.period.is_some() && !matches!(kind, OtpKind::Totp { .. }) {
            return Err(CodesError::InvalidEdit("a period applies to TOTP accounts only".into()));
        }
        if edit.counter.is_some() && !matches!(kind, OtpKind::Hotp { .. }) {
            return Err(CodesError::InvalidEdit("a counter applies to HOTP accounts only".into()));
        }
        self.vault.edit(id, |a| {
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
        self.account(id)
    }

    /// Renames (issuer and/or name; `None` keeps the current value).
    pub fn rename(&mut self, id: &AccountId, issuer: Option<&str>, name: Option<&str>) -> Result<CodeRow, CodesError> {
        let account = self.get(id)?;
        let issuer = issuer.map(|s| s.trim().to_owned()).unwrap_or_else(|| account.issuer.clone());
        let name = name.map(|s| s.trim().to_owned()).unwrap_or_else(|| account.name.clone());
        self.vault.rename(id, &issuer, &name)?;
        self.account(id)
    }

    /// Adds, removes or replaces tags (case-insensitive, blank tags ignored, no duplicates).
    pub fn tag(&mut self, id: &AccountId, change: TagChange, tags: &[String]) -> Result<CodeRow, CodesError> {
        let mut current = if change == TagChange::Set { Vec::new() } else { self.get(id)?.tags.clone() };
        for wanted in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            if change == TagChange::Remove {
                current.retain(|t| !t.eq_ignore_ascii_case(wanted));
            } else if !current.iter().any(|t| t.eq_ignore_ascii_case(wanted)) {
                current.push(wanted.to_owned());
            }
        }
        self.vault.set_tags(id, current)?;
        self.account(id)
    }

    /// Pins the account to the top of the list, or unpins it.
    pub fn pin(&mut self, id: &AccountId, pinned: bool) -> Result<CodeRow, CodesError> {
        self.vault.set_pinned(id, pinned)?;
        self.account(id)
    }

    /// Sets the manual order: `ids` first in this order, the others after.
    pub fn reorder(&mut self, ids: &[AccountId]) -> Result<(), CodesError> {
        Ok(self.vault.reorder(ids)?)
    }

    /// Moves the account to the trash ([`Codes::undo`] restores it); returns what was deleted.
    pub fn delete(&mut self, id: &AccountId, unix_time: u64) -> Result<CodeRow, CodesError> {
        let deleted = self.account(id)?;
        self.vault.delete(id, unix_time)?;
        Ok(deleted)
    }

    /// Restores `id` from the trash, or the most recently deleted account when `None`.
    pub fn undo(&mut self, id: Option<&AccountId>) -> Result<CodeRow, CodesError> {
        let id = match id {
            Some(id) => id.clone(),
            None => self
                .vault
                .trash()
                .iter()
                .enumerate()
                .max_by_key(|(position, d)| (d.deleted_at, *position))
                .map(|(_, d)| d.account.id.clone())
                .ok_or(CodesError::NothingToUndo)?,
        };
        self.vault.undo_delete(&id)?;
        self.account(&id)
    }

    /// Empties the trash of accounts deleted before `cutoff_unix` (after the undo window).
    pub fn purge_trash(&mut self, cutoff_unix: u64) -> Result<usize, CodesError> {
        Ok(self.vault.purge_trash(cutoff_unix)?)
    }
}

/// The duplicates and the skipped entries of a preview.
pub(crate) fn not_added(preview: &ImportPreview) -> (Vec<NotAdded>, Vec<NotAdded>) {
    let mut duplicates = Vec::new();
    let mut skipped = Vec::new();
    for entry in &preview.entries {
        match &entry.action {
            PreviewAction::New => {}
            PreviewAction::Duplicate { of } => duplicates.push(NotAdded { label: entry.label.clone(), of: Some(of.clone()), reason: None }),
            PreviewAction::Skipped { reason } => skipped.push(NotAdded { label: entry.label.clone(), of: None, reason: Some(reason.clone()) }),
        }
    }
    (duplicates, skipped)
}
