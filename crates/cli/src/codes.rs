//! `keydesk codes`: the virtual MFA device from a terminal (TOTP, HOTP, Steam, Yandex, mOTP).
//!
//! Accounts live in an encrypted vault (`keydesk_otp::vault`) in the platform data directory,
//! or at `--vault PATH`. The first command creates it (the password is asked twice). Secrets
//! never appear on the command line or in the output: otpauth URIs come from stdin, a hidden
//! prompt or a QR image; passwords from a prompt or an environment variable; only an explicit
//! `codes export` writes secrets, after a warning.
//!
//! Unlocking, in order: `--security-key ID` (the FIDO2 hmac-secret slot), the password from
//! `KEYDESK_VAULT_PASSWORD`, the OS keyring slot, the password from a hidden prompt. A keyring
//! that is missing or locked is reported and the password is asked for: nothing is lost.
//!
//! The work is done by `keydesk-codes` (the library the desktop app calls too); this module is
//! the terminal's side: arguments, prompts, environment variables, printing.
//!
//! JSON shapes (`--json`):
//! * `codes list`: `{"vault": PATH, "time": UNIX, "accounts": [{"id", "issuer", "name",
//!   "type", "algorithm", "digits", "period", "counter", "tags", "pinned", "order", "note",
//!   "code": "123456" | null, "seconds_remaining": 17 | null, "error": null | "..."}]}`
//!   (HOTP accounts have `"code": null`: showing one advances the counter).
//! * `codes show`: one such account object with its code (HOTP: the counter used).
//! * `codes add`: `{"added": [ACCOUNT], "duplicates": [{"label", "of"}], "skipped": [{"label", "reason"}]}`.
//! * `codes import`: `{"format", "entries": [{"label", "action": "new" | "duplicate" |
//!   "skipped", "duplicate_of", "reason", "account"}], "not_otp_items", "imported": [ID]}`.
//! * editing commands print the changed account; `unlock-with` prints the vault's slots.

mod accounts;
mod clock;
mod output;
mod transfer;
mod unlock;

#[cfg(test)]
mod tests;

/// `keydesk codes [ACTION]`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    vault: unlock::VaultArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List current codes with the seconds left (pinned accounts first); the default.
    List(accounts::ListArgs),
    /// Show one account's code (HOTP: the counter is advanced and saved first).
    Show {
        /// Account ID (or a unique prefix), or its name, issuer or "issuer:name".
        account: String,
    },
    /// Add an account from an otpauth URI read from stdin or a hidden prompt, or from a QR image.
    Add(accounts::AddArgs),
    /// Import a backup from another app: every entry is previewed, then confirmed.
    Import(transfer::ImportArgs),
    /// Export accounts WITH THEIR SECRETS: otpauth URIs, an encrypted Aegis vault, Google QR codes.
    Export(transfer::ExportArgs),
    /// Change an account's code settings, issuer, name or note.
    Edit(accounts::EditArgs),
    /// Rename an account (issuer and/or name).
    Rename(accounts::RenameArgs),
    /// Add, remove or clear an account's tags.
    Tag(accounts::TagArgs),
    /// Pin an account to the top of the list (or unpin with --off).
    Pin(accounts::PinArgs),
    /// Delete an account (it goes to the trash: `keydesk codes undo` restores it).
    Delete(accounts::DeleteArgs),
    /// Restore the most recently deleted account (or the one named).
    Undo {
        /// Account ID of a deleted account (default: the last one deleted).
        account: Option<String>,
    },
    /// Extra ways to unlock the vault: the OS keyring, a FIDO2 security key.
    #[command(subcommand, name = "unlock-with")]
    UnlockWith(unlock::UnlockWith),
    /// Compare this computer's clock with a time server and explain the effect on codes.
    CheckClock(clock::CheckClockArgs),
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let list = accounts::ListArgs::default();
    match args.action.as_ref().unwrap_or(&Action::List(list)) {
        Action::List(list) => accounts::list(&args.vault, list),
        Action::Show { account } => accounts::show(&args.vault, account),
        Action::Add(add) => accounts::add(&args.vault, add),
        Action::Import(import) => transfer::import(&args.vault, import),
        Action::Export(export) => transfer::export(&args.vault, export),
        Action::Edit(edit) => accounts::edit(&args.vault, edit),
        Action::Rename(rename) => accounts::rename(&args.vault, rename),
        Action::Tag(tag) => accounts::tag(&args.vault, tag),
        Action::Pin(pin) => accounts::pin(&args.vault, pin),
        Action::Delete(delete) => accounts::delete(&args.vault, delete),
        Action::Undo { account } => accounts::undo(&args.vault, account.as_deref()),
        Action::UnlockWith(command) => unlock::unlock_with(&args.vault, command),
        Action::CheckClock(check) => clock::check_clock(check),
    }
}
