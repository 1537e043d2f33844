//! `keydesk pin`: the PIN's state, setting it and changing it. PINs come from a hidden prompt or
//! KEYDESK_PIN / KEYDESK_NEW_PIN, never from the command line.
//!
//! `keydesk pin --json` prints keydesk_ctap_client::manage::PinStatus:
//! `{"pin_supported": true, "pin_set": true, "pin_retries": 8, "power_cycle_required": false,
//!   "uv_supported": false, "uv_retries": null, "force_pin_change": false,
//!   "min_pin_length": 4, "max_pin_length": null}`

use crate::key::Target;
use crate::output::print_json;
use crate::terminal::{read_new_secret, Terminal, NEW_PIN_ENV};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Show whether a PIN is set and how many tries are left (the default).
    Status,
    /// Set the first PIN of a key that has none.
    Set,
    /// Change the PIN (asks for the current one first).
    Change,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut client = args.target.open()?;
    match args.action.as_ref().unwrap_or(&Action::Status) {
        Action::Status => {
            let status = client.pin_status()?;
            if args.target.json {
                return print_json(&status);
            }
            if !status.pin_supported {
                println!("This key does not support a PIN.");
            } else if !status.pin_set {
                println!("No PIN is set. Set one with `keydesk pin set` (at least {} characters).", status.min_pin_length);
            } else {
                println!("A PIN is set: {} tries left before it is blocked.", status.pin_retries.unwrap_or(0));
            }
            if status.power_cycle_required {
                println!("Three wrong PINs in a row: remove and reinsert the key (or tap it again) before trying again.");
            }
            if status.force_pin_change {
                println!("The key requires a new PIN before it can be used: run `keydesk pin change`.");
            }
            if let Some(retries) = status.uv_retries {
                println!("Fingerprint tries left: {retries}.");
            }
            Ok(())
        }
        Action::Set => {
            let new_pin = read_new_secret(NEW_PIN_ENV, "New PIN")?;
            client.set_pin(&new_pin)?;
            println!("PIN set.");
            Ok(())
        }
        Action::Change => {
            let new_pin = read_new_secret(NEW_PIN_ENV, "New PIN")?;
            client.change_pin(&new_pin, &mut Terminal::new())?;
            println!("PIN changed.");
            Ok(())
        }
    }
}
