//! `keydesk virtual-key serve`: KeyDesk's software security key, for trying KeyDesk (and any
//! other FIDO client) without hardware. It is clearly simulated: its readers and IDs say so.

use anyhow::Context;
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};
use keydesk_vpcd::{CardServer, VirtualKeyCard, DEFAULT_VPCD_ADDRESS};
use std::io::BufRead;
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Serve the virtual key until interrupted (Ctrl-C).
    Serve(ServeArgs),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Presence {
    /// Every request for a touch is granted at once.
    Auto,
    /// Each request waits for you to press Enter here (the "touch").
    Enter,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Present the key as a contactless card on the vsmartcard vpcd reader at this address
    /// (pcscd must be running with the vpcd driver).
    #[arg(long, value_name = "HOST:PORT", default_missing_value = DEFAULT_VPCD_ADDRESS, num_args = 0..=1)]
    vpcd: Option<String>,
    /// The file holding the key's state (credentials, PIN); created when missing.
    #[arg(long)]
    state: PathBuf,
    /// How touches happen.
    #[arg(long, value_enum, default_value_t = Presence::Auto)]
    presence: Presence,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(&args),
    }
}

fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    let Some(address) = &args.vpcd else {
        anyhow::bail!("say how to serve the key: --vpcd [HOST:PORT] (default {DEFAULT_VPCD_ADDRESS})");
    };
    let address = address
        .to_socket_addrs()
        .with_context(|| format!("{address} is not a HOST:PORT address"))?
        .next()
        .with_context(|| format!("{address} resolves to no address"))?;
    let presence = match args.presence {
        Presence::Auto => PresencePolicy::ApproveAll,
        Presence::Enter => PresencePolicy::WaitForTouch,
    };
    let config = Config { presence, ..Config::default() };
    let key = Authenticator::open(config, KeyRng::os(), &args.state, Duration::ZERO)
        .with_context(|| format!("opening the virtual key's state {}", args.state.display()))?;
    let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
    let server = CardServer::start(address, Arc::clone(&card))?;
    eprintln!("Simulated security key served on the vpcd reader at {address} (state: {}).", args.state.display());
    match args.presence {
        Presence::Auto => eprintln!("Touches are granted automatically. Press Ctrl-C to stop."),
        Presence::Enter => eprintln!("Press Enter to touch the key. Press Ctrl-C to stop."),
    }
    let mut warned = false;
    loop {
        if let Presence::Enter = args.presence {
            let mut line = String::new();
            if std::io::stdin().lock().read_line(&mut line)? == 0 {
                // stdin closed: no more touches can come, keep serving.
                std::thread::sleep(Duration::from_secs(3600));
                continue;
            }
            card.lock().map_err(|_| anyhow::anyhow!("the card server stopped"))?.touch();
        } else {
            std::thread::sleep(Duration::from_millis(500));
            if !server.connected() && !warned {
                eprintln!("Waiting for vpcd at {address}: is pcscd running with the vpcd driver (package vsmartcard-vpcd)?");
                warned = true;
            }
            if server.connected() {
                warned = false;
            }
        }
    }
}
