//! The terminal's side of every interaction: prompts and notices on stderr (stdout stays clean
//! for `--json`), secrets from a hidden prompt or an environment variable, never from argv.

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{EnrollProgress, Interaction, Pin, PinReason, PinRequest};
use std::io::{BufRead, IsTerminal, Write};

/// Environment variable holding the key's current PIN for non-interactive use.
pub const PIN_ENV: &str = "KEYDESK_PIN";
/// Environment variable holding the new PIN for `keydesk pin set` / `change`.
pub const NEW_PIN_ENV: &str = "KEYDESK_NEW_PIN";

/// Answers the key's requests from the person at the terminal.
#[derive(Debug, Default)]
pub struct Terminal {
    /// Set once the key refused the PIN from [`PIN_ENV`]: it is never sent again, because every
    /// wrong PIN burns one of the key's retries.
    env_pin_rejected: bool,
}

impl Terminal {
    pub fn new() -> Self {
        Self::default()
    }
}

fn retries_words(retries: Option<u32>) -> String {
    match retries {
        Some(1) => " 1 try left before the PIN is blocked.".into(),
        Some(n) => format!(" {n} tries left before the PIN is blocked."),
        None => String::new(),
    }
}

/// Reads a secret: from `variable` when set, else from a hidden prompt on a terminal.
pub fn read_secret(variable: &str, prompt: &str) -> anyhow::Result<Pin> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(Pin::new(value));
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{prompt}: no terminal to ask on; set {variable} instead");
    }
    Ok(Pin::new(rpassword::prompt_password(format!("{prompt}: "))?))
}

impl Interaction for Terminal {
    fn touch_needed(&mut self) {
        eprintln!("Touch your security key now (or tap it on the reader again).");
    }

    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        let retries = retries_words(request.retries_left);
        match request.reason {
            PinReason::WrongPin => eprintln!("Wrong PIN.{retries}"),
            PinReason::UvFallback => eprintln!("Fingerprint check failed; use the PIN instead.{retries}"),
            _ => {}
        }
        if let Ok(value) = std::env::var(PIN_ENV) {
            // A further request for another permission may reuse it; after a rejection never.
            if self.env_pin_rejected || request.reason != PinReason::Required {
                self.env_pin_rejected = true;
                eprintln!("The PIN in {PIN_ENV} was not accepted; KeyDesk does not send it again.");
                return None;
            }
            return Some(Pin::new(value));
        }
        if !std::io::stdin().is_terminal() {
            eprintln!("The key needs its PIN {}: set {PIN_ENV} or run in a terminal.", request.purpose.in_words());
            return None;
        }
        let prompt = format!("PIN {}{}: ", request.purpose.in_words(), if request.reason == PinReason::Required { retries } else { String::new() });
        rpassword::prompt_password(prompt).ok().filter(|pin| !pin.is_empty()).map(Pin::new)
    }

    fn uv_needed(&mut self) {
        eprintln!("Touch the fingerprint sensor.");
    }

    fn uv_failed(&mut self, retries_left: Option<u32>) {
        match retries_left {
            Some(n) => eprintln!("Fingerprint not recognised ({n} tries left)."),
            None => eprintln!("Fingerprint not recognised."),
        }
    }

    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
        if !std::io::stdin().is_terminal() {
            eprintln!("Several accounts match; run in a terminal to choose one.");
            return None;
        }
        eprintln!("Several accounts are stored for this site:");
        for (index, user) in users.iter().enumerate() {
            let name = user.name.as_deref().or(user.display_name.as_deref()).unwrap_or("(no name stored)");
            eprintln!("  {}. {name}", index + 1);
        }
        eprint!("Account number: ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        let number: usize = line.trim().parse().ok()?;
        number.checked_sub(1).filter(|i| *i < users.len())
    }

    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        eprintln!("{} {} more good samples needed.", progress.last_sample.explain(), progress.remaining_samples);
    }
}

/// Reads a new secret: from `variable` when set, else asked twice on the terminal to rule out
/// typos (a mistyped new PIN would lock the user out).
pub fn read_new_secret(variable: &str, prompt: &str) -> anyhow::Result<Pin> {
    if std::env::var_os(variable).is_some() || !std::io::stdin().is_terminal() {
        return read_secret(variable, prompt);
    }
    let first = rpassword::prompt_password(format!("{prompt}: "))?;
    let second = rpassword::prompt_password(format!("{prompt} again: "))?;
    if first != second {
        anyhow::bail!("the two entries differ; nothing was changed");
    }
    Ok(Pin::new(first))
}
