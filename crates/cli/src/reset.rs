//! `keydesk reset`: a guided factory reset. Keys accept a reset only within seconds of being
//! powered up, so KeyDesk asks the user to replug (or re-tap), waits to see the key leave and
//! come back, and only then sends authenticatorReset (CTAP 2.1 §6.6), which the key confirms
//! with a touch. Two confirmations come first, since everything on the key is lost.

use crate::devices::choose;
use crate::key::{confirm, Target};
use crate::terminal::Terminal;
use keydesk_ctap_client::manage::RESET_WARNING;
use keydesk_ctap_client::Client;
use keydesk_transport::discovery::{self, scan};
use keydesk_transport::DeviceId;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Skip both confirmations (the replug and the touch are still needed).
    #[arg(long)]
    yes: bool,
    /// How long to wait for the key to be removed and come back, in seconds.
    #[arg(long, default_value_t = 60)]
    replug_timeout: u64,
    #[command(flatten)]
    target: Target,
}

fn present(id: &DeviceId) -> bool {
    scan().devices.iter().any(|d| &d.id == id)
}

fn wait_until(mut condition: impl FnMut() -> bool, deadline: Instant, what: &str) -> anyhow::Result<()> {
    while !condition() {
        if Instant::now() > deadline {
            anyhow::bail!("{what} did not happen in time; nothing was reset. Run `keydesk reset` again");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let id = choose(args.target.device.as_deref())?;
    let guide = Client::new(discovery::open(&id)?).reset_guide()?;
    eprintln!("{RESET_WARNING}");
    confirm("Reset this key?", args.yes)?;
    confirm("Really erase everything on it?", args.yes)?;

    let mut steps = guide.steps.iter();
    if let Some(replug) = steps.next() {
        eprintln!("{replug}");
    }
    let deadline = Instant::now() + Duration::from_secs(args.replug_timeout);
    wait_until(|| !present(&id), deadline, "Removing the key")?;
    eprintln!("Now connect it again.");
    wait_until(|| present(&id), deadline, "Reconnecting the key")?;
    for step in steps.skip(1) {
        eprintln!("{step}");
    }
    let mut client = Client::new(discovery::open(&id)?);
    client.reset(&mut Terminal::new())?;
    println!("The key was reset: it has no passkeys, no PIN and no fingerprints now.");
    Ok(())
}
