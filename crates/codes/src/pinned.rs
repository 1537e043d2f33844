//! The pinned accounts as a tray (or any always-visible place) shows them: the current code of
//! each time-based account, and a prompt instead of a code for HOTP, whose counter only moves
//! when the user asks for a code (RFC 4226 §7.2: every generated value advances the counter the
//! server must then resynchronise with, so merely displaying one must not generate it).
//!
//! Pure: accounts and the time go in, display values come out; the caller refreshes when
//! [`PinnedCode::seconds_remaining`] runs out.

use keydesk_otp::codes::generate_code;
use keydesk_otp::model::OtpKind;
use keydesk_otp::{Account, AccountId};

use crate::service::label;

/// What a pinned account shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinnedValue {
    /// The code to type now (TOTP, Steam, Yandex, mOTP).
    Code(String),
    /// HOTP: a code is generated (and the counter advanced) only when the user asks.
    PressToGenerate,
    /// No code can be computed (the account is invalid); the reason is for people.
    Unavailable(String),
}

/// One pinned account: its label and value, never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedCode {
    pub id: AccountId,
    /// "issuer: name".
    pub label: String,
    pub value: PinnedValue,
    /// Seconds until a time-based code changes (`None` for HOTP and errors).
    pub seconds_remaining: Option<u32>,
}

impl PinnedCode {
    /// The line a menu shows: "ACME: alice   123 456", "Home: bob   press to generate".
    pub fn menu_text(&self) -> String {
        let value = match &self.value {
            PinnedValue::Code(code) => group_digits(code),
            PinnedValue::PressToGenerate => "press to generate".to_owned(),
            PinnedValue::Unavailable(_) => "no code".to_owned(),
        };
        format!("{}   {value}", self.label)
    }
}

/// "123456" -> "123 456", "12345678" -> "1234 5678" (as authenticator apps group codes);
/// anything else (Steam's letters, odd lengths) unchanged.
fn group_digits(code: &str) -> String {
    let all_digits = code.bytes().all(|b| b.is_ascii_digit());
    match code.len() {
        6 | 8 if all_digits => {
            let (a, b) = code.split_at(code.len() / 2);
            format!("{a} {b}")
        }
        _ => code.to_owned(),
    }
}

/// The pinned accounts among `accounts` (kept in the given order) with their values at
/// `unix_time`. HOTP counters are read, never advanced.
pub fn pinned_codes<'a>(accounts: impl IntoIterator<Item = &'a Account>, unix_time: u64) -> Vec<PinnedCode> {
    accounts
        .into_iter()
        .filter(|account| account.pinned)
        .map(|account| {
            let (value, seconds_remaining) = match account.kind {
                OtpKind::Hotp { .. } => (PinnedValue::PressToGenerate, None),
                _ => match generate_code(account, unix_time) {
                    Ok(code) => (PinnedValue::Code(code.text), code.seconds_remaining),
                    Err(error) => (PinnedValue::Unavailable(error.to_string()), None),
                },
            };
            PinnedCode { id: account.id.clone(), label: label(&account.issuer, &account.name), value, seconds_remaining }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_like_authenticator_apps() {
        assert_eq!(group_digits("123456"), "123 456");
        assert_eq!(group_digits("12345678"), "1234 5678");
        assert_eq!(group_digits("2BC4X"), "2BC4X");
        assert_eq!(group_digits("1234567"), "1234567");
    }
}
