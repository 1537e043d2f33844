//! `keydesk server enroll` and `keydesk server passkeys list|rename|delete`: the account's
//! passkeys on the server (not the ones stored on a key: that is `keydesk passkeys`).

use super::logon::{with_step_up, Method};
use crate::key::{confirm, Target};
use crate::output::print_json;
use crate::terminal::Terminal;
use keydesk_account::{Account, Passkey};

#[derive(Debug, clap::Args)]
pub struct EnrollArgs {
    /// The passkey's name on the account (unique; at most 64 characters).
    #[arg(long)]
    name: String,
}

#[derive(Debug, clap::Subcommand)]
pub enum PasskeysAction {
    /// List the account's passkeys: name, ID, created, last used.
    List,
    /// Rename a passkey.
    Rename {
        /// The passkey's ID (as listed).
        id: String,
        /// Its new name.
        name: String,
    },
    /// Delete a passkey from the account (asks for a fresh verification when needed).
    Delete {
        /// The passkey's ID (as listed).
        id: String,
        /// How to verify when the server asks (default: the first it offers).
        #[arg(long, value_enum)]
        step_up: Option<Method>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

pub fn enroll(account: &mut Account, args: &EnrollArgs, target: &Target) -> anyhow::Result<()> {
    let mut key = target.open()?;
    eprintln!("Creating a passkey for {} on {}.", account.profile().url, key.descriptor().id);
    let passkey = account.enroll_passkey(&args.name, &mut key, &mut Terminal::new())?;
    if target.json {
        return print_json(&serde_json::json!({"profile": account.profile().name, "passkey": passkey}));
    }
    println!("Enrolled the passkey \"{}\" (ID {}).", passkey.name, passkey.id);
    Ok(())
}

fn when(unix: Option<i64>) -> String {
    match unix {
        // Dates without a time-zone database: UTC, to the minute (civil-from-days, H. Hinnant).
        Some(t) => {
            let (days, seconds) = (t.div_euclid(86_400), t.rem_euclid(86_400));
            let z = days + 719_468;
            let era = z.div_euclid(146_097);
            let doe = z - era * 146_097;
            let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
            let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            let mp = (5 * doy + 2) / 153;
            let day = doy - (153 * mp + 2) / 5 + 1;
            let month = if mp < 10 { mp + 3 } else { mp - 9 };
            let year = yoe + era * 400 + i64::from(month <= 2);
            format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", seconds / 3600, seconds % 3600 / 60)
        }
        None => "never".to_owned(),
    }
}

fn print_passkey(passkey: &Passkey) {
    println!("{}  id {}", passkey.name, passkey.id);
    println!("    created {}, last used {}", when(Some(passkey.created_at)), when(passkey.last_used_at));
    if passkey.counter_regressions > 0 {
        println!("    warning: {} sign-ins with a signature counter that went backwards (a copied key?)", passkey.counter_regressions);
    }
}

pub fn run(account: &mut Account, action: &PasskeysAction, target: &Target) -> anyhow::Result<()> {
    match action {
        PasskeysAction::List => {
            let list = account.passkeys()?;
            if target.json {
                return print_json(&serde_json::json!({"profile": account.profile().name, "passkeys": list.passkeys, "max": list.max}));
            }
            if list.passkeys.is_empty() {
                println!("No passkeys on this account yet: add one with `keydesk server enroll --name NAME`.");
            }
            list.passkeys.iter().for_each(print_passkey);
            println!("{} of {} passkeys.", list.passkeys.len(), list.max);
            Ok(())
        }
        PasskeysAction::Rename { id, name } => {
            account.rename_passkey(id, name)?;
            if target.json {
                return print_json(&serde_json::json!({"renamed": id, "name": name.trim()}));
            }
            println!("Renamed to \"{}\".", name.trim());
            Ok(())
        }
        PasskeysAction::Delete { id, step_up, yes } => {
            confirm(&format!("Delete the passkey {id} from your account at {}? It can no longer sign in.", account.profile().url), *yes)?;
            let ((), method) = with_step_up(account, *step_up, target, |account| account.delete_passkey(id))?;
            if target.json {
                return print_json(&serde_json::json!({"deleted": id, "step_up": method}));
            }
            println!("Deleted the passkey {id}.");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn dates_are_utc_civil_dates() {
        assert_eq!(when(Some(0)), "1970-01-01 00:00 UTC");
        assert_eq!(when(Some(1_800_000_000)), "2027-01-15 08:00 UTC");
        assert_eq!(when(Some(951_782_400)), "2000-02-29 00:00 UTC");
        assert_eq!(when(None), "never");
    }
}
