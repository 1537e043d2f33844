//! `keydesk reset`: a guided factory reset. Keys accept a reset only within seconds of being
//! powered up, so KeyDesk asks the user to replug (or re-tap), waits to see the key leave and
//! come back, and only then sends authenticatorReset (CTAP 2.1 §6.6), which the key confirms
//! with a touch. Two confirmations come first, since everything on the key is lost.
//!
//! "This computer" (`--device platform:this-computer`) has nothing to replug: after the two
//! confirmations, which say that the passkeys stored on this computer are deleted, it is opened
//! (its power-up, which opens its reset window) and reset at once.

use crate::devices::choose;
use crate::key::{confirm, open, Target};
use crate::terminal::Terminal;
use keydesk_ctap_client::manage::RESET_WARNING;
use keydesk_platform_authenticator::is_this_computer;
use keydesk_transport::discovery::scan;
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

/// What resetting this computer deletes, said before its confirmations.
pub const THIS_COMPUTER_RESET_WARNING: &str = "Resetting this computer deletes every passkey stored on this computer and its PIN. \
Accounts that use these passkeys can no longer be signed in to from this computer; passkeys on your security keys are not touched.";

pub fn run(args: &Args) -> anyhow::Result<()> {
    let id = choose(args.target.device.as_deref())?;
    if is_this_computer(&id) {
        return reset_this_computer(&id, args.yes);
    }
    let guide = open(&id)?.reset_guide()?;
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
    let mut client = open(&id)?;
    client.reset(&mut Terminal::new())?;
    println!("The key was reset: it has no passkeys, no PIN and no fingerprints now.");
    Ok(())
}

/// This computer grants the reset without a touch; it is opened only after the confirmations,
/// so a slow answer cannot miss its reset window and nothing is held open while asking.
fn reset_this_computer(id: &DeviceId, yes: bool) -> anyhow::Result<()> {
    eprintln!("{THIS_COMPUTER_RESET_WARNING}");
    confirm("Delete the passkeys stored on this computer?", yes)?;
    confirm("Really delete every passkey stored on this computer and its PIN?", yes)?;
    open(id)?.reset(&mut Terminal::new())?;
    println!("This computer was reset: the passkeys stored on it and its PIN are deleted.");
    Ok(())
}
