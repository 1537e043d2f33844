//! How accounts, codes and slots are printed: the library's secret-free rows as JSON for
//! scripts, one line per account for people.

use keydesk_codes::open::Slot;
use keydesk_codes::{label, CodeRow, Codes};

use crate::output::print_json;

/// One line for people: `123 456  (17 s)  Issuer: name  [tags]`.
pub fn line(row: &CodeRow) -> String {
    let s = &row.summary;
    let code = match (&row.code, &row.error, s.counter) {
        (Some(code), _, _) => group(code),
        (None, Some(_), _) => "(error)".to_owned(),
        (None, None, Some(_)) => "(HOTP: show)".to_owned(),
        (None, None, None) => String::new(),
    };
    let time = match row.seconds_remaining {
        Some(left) => format!("{left:>3} s"),
        None => match s.counter {
            Some(counter) => format!("#{counter}"),
            None => String::new(),
        },
    };
    let pin = if s.pinned { "* " } else { "  " };
    let tags = if s.tags.is_empty() { String::new() } else { format!("  [{}]", s.tags.join(", ")) };
    let error = row.error.as_ref().map(|e| format!("  ({e})")).unwrap_or_default();
    format!("{pin}{code:<13} {time:<6} {}  {}{tags}{error}", label(&s.issuer, &s.name), short_id(s.id.as_str()))
}

/// Digits in groups of three (as authenticator apps show them); other codes unchanged.
fn group(code: &str) -> String {
    match (code.get(..3), code.get(3..)) {
        (Some(head), Some(tail)) if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) => format!("{head} {tail}"),
        _ => code.to_owned(),
    }
}

pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Prints one account (after a change or `show`).
pub fn print_account(row: &CodeRow, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(row);
    }
    println!("{}", line(row));
    Ok(())
}

/// Prints the vault's unlock slots (their public parameters are not shown).
pub fn print_slots(slots: &[Slot], json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(&serde_json::json!({ "slots": slots }));
    }
    println!("Unlock slots:");
    for slot in slots {
        println!("  {}  {:<18} {}", slot.id, slot.kind, slot.label);
    }
    Ok(())
}

/// A save that was committed but may not survive a power loss (failed directory fsync) or left
/// old backups behind is reported, never hidden.
pub fn report_save_warning(codes: &mut Codes) {
    if let Some(warning) = codes.take_save_warning() {
        eprintln!("Warning: {warning}");
    }
}
