//! What every key-management subcommand shares: choosing and opening the key, JSON or words,
//! and confirming destructive actions.

use crate::devices::choose;
use keydesk_ctap_client::Client;
use keydesk_platform_authenticator::open_any;
use keydesk_transport::{Device, DeviceId};
use std::io::{BufRead, IsTerminal, Write};

/// `--device` and `--json`, flattened into every key subcommand.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The key to use (an ID from `keydesk devices`, e.g. `platform:this-computer` for this
    /// computer's own passkeys); optional when only one security key is connected.
    #[arg(long, global = true)]
    pub device: Option<String>,
    /// Print JSON instead of sentences.
    #[arg(long, global = true)]
    pub json: bool,
}

impl Target {
    /// Opens the chosen key (a security key or this computer) as a CTAP client.
    pub fn open(&self) -> anyhow::Result<Client<Box<dyn Device>>> {
        open(&choose(self.device.as_deref())?)
    }
}

/// Opens any authenticator `keydesk devices` lists, this computer included, as a CTAP client:
/// the one way every command that takes a device opens it.
pub fn open(id: &DeviceId) -> anyhow::Result<Client<Box<dyn Device>>> {
    Ok(Client::new(open_any(id)?))
}

/// Asks before something that cannot be undone; `--yes` answers for scripts.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question} Refusing without a terminal to confirm on: add --yes to confirm.");
    }
    eprint!("{question} Type \"yes\" to continue: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        anyhow::bail!("cancelled; nothing was changed")
    }
}
