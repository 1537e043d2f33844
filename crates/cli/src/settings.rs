//! `keydesk settings`: the key's FIDO policy (authenticatorConfig, CTAP 2.1 §6.11).
//!
//! `keydesk settings --json` prints keydesk_ctap_client::manage::Settings:
//! `{"configurable": true, "always_uv": false, "min_pin_length": 4, "min_pin_length_settable": true,
//!   "max_rp_ids_for_min_pin_length": 2, "force_pin_change": false, "enterprise_attestation": null}`
//! (`null`: the key does not offer that setting).

use crate::key::{confirm, Target};
use crate::output::print_json;
use crate::terminal::Terminal;
use keydesk_ctap_client::manage::MinPinLengthChange;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Show the settings (the default).
    Show,
    /// Always require the PIN or a fingerprint, even where a site does not ask for it.
    AlwaysUv { state: OnOff },
    /// Raise the minimum PIN length (it can never be lowered again, except by a reset).
    MinPinLength {
        length: u32,
        /// A site allowed to read the minimum length (repeatable).
        #[arg(long = "rp-id")]
        rp_ids: Vec<String>,
    },
    /// Require a new PIN before the key can be used again.
    ForcePinChange,
    /// Allow enterprise attestation (only for keys managed by an organisation).
    EnterpriseAttestation {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut client = args.target.open()?;
    let mut ui = Terminal::new();
    match args.action.as_ref().unwrap_or(&Action::Show) {
        Action::Show => {
            let settings = client.settings()?;
            if args.target.json {
                return print_json(&settings);
            }
            let offered = |value: Option<bool>| match value {
                Some(true) => "on",
                Some(false) => "off",
                None => "not offered by this key",
            };
            println!("Always require PIN or fingerprint: {}", offered(settings.always_uv));
            println!("Minimum PIN length: {}{}", settings.min_pin_length, if settings.min_pin_length_settable { "" } else { " (fixed)" });
            println!("PIN change required: {}", if settings.force_pin_change { "yes" } else { "no" });
            println!("Enterprise attestation: {}", offered(settings.enterprise_attestation));
            if !settings.configurable {
                println!("This key's settings cannot be changed (it does not offer authenticatorConfig).");
            }
            Ok(())
        }
        Action::AlwaysUv { state } => {
            client.set_always_uv(matches!(state, OnOff::On), &mut ui)?;
            println!("Setting changed.");
            Ok(())
        }
        Action::MinPinLength { length, rp_ids } => {
            let change = MinPinLengthChange { new_min_length: Some(*length), rp_ids: rp_ids.clone(), force_change_pin: false };
            client.set_min_pin_length(&change, &mut ui)?;
            println!("Minimum PIN length set to {length}.");
            Ok(())
        }
        Action::ForcePinChange => {
            client.force_pin_change(&mut ui)?;
            println!("The key will require a new PIN before its next use.");
            Ok(())
        }
        Action::EnterpriseAttestation { yes } => {
            confirm("Enterprise attestation lets an organisation identify this exact key. It cannot be turned off except by a reset.", *yes)?;
            client.enable_enterprise_attestation(&mut ui)?;
            println!("Enterprise attestation enabled.");
            Ok(())
        }
    }
}
