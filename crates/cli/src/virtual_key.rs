//! `keydesk virtual-key serve`: KeyDesk's software security key, for trying KeyDesk (and any
//! other FIDO client) without hardware, as a contactless card (vpcd), a USB device (uhid) or a
//! Bluetooth LE peripheral (BlueZ).
//! It is clearly simulated: its reader names and IDs say so.

use anyhow::Context;
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};
use keydesk_vpcd::{CardServer, VirtualKeyCard, DEFAULT_VPCD_ADDRESS};
use keydesk_framing::hid::DeviceConfig;
use keydesk_uhid::{DeviceIdentity, UhidServer};
use keydesk_virtual_key::device::HidKey;
use std::io::BufRead;
use std::net::ToSocketAddrs;
use std::sync::atomic::AtomicBool;
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
    #[arg(long, value_name = "HOST:PORT", default_missing_value = DEFAULT_VPCD_ADDRESS, num_args = 0..=1, conflicts_with_all = ["uhid", "ble"])]
    vpcd: Option<String>,
    /// Present the key as a FIDO Bluetooth LE peripheral through BlueZ (bluetoothd must run) on
    /// the given adapter (default: BlueZ's default adapter). Hosts must pair with it: the link
    /// is encrypted, as FIDO requires.
    #[arg(long, value_name = "ADAPTER", num_args = 0..=1, default_missing_value = "", conflicts_with = "uhid")]
    ble: Option<String>,
    /// Present the key as a USB HID security key through Linux /dev/uhid (needs root or access
    /// to /dev/uhid and a kernel with the uhid module).
    #[arg(long)]
    uhid: bool,
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

fn open_key(args: &ServeArgs) -> anyhow::Result<Authenticator> {
    let presence = match args.presence {
        Presence::Auto => PresencePolicy::ApproveAll,
        Presence::Enter => PresencePolicy::WaitForTouch,
    };
    let config = Config { presence, ..Config::default() };
    Authenticator::open(config, KeyRng::os(), &args.state, Duration::ZERO)
        .with_context(|| format!("opening the virtual key's state {}", args.state.display()))
}

/// Touches from the terminal: one per line read, until stdin closes.
fn touches_from_stdin(mut touch: impl FnMut()) -> anyhow::Result<()> {
    for line in std::io::stdin().lock().lines() {
        line?;
        touch();
    }
    Ok(())
}

fn serve_uhid(args: &ServeArgs) -> anyhow::Result<()> {
    let key = open_key(args)?;
    let device = Arc::new(Mutex::new(HidKey::new(key, DeviceConfig::default())));
    // The error already says what to do (load uhid, get access to /dev/uhid).
    let server = UhidServer::create(&DeviceIdentity::default(), Arc::clone(&device))?;
    let (waker, clock) = (server.waker(), server.clock());
    eprintln!("Simulated USB security key created through /dev/uhid (state: {}).", args.state.display());
    if let Presence::Enter = args.presence {
        eprintln!("Press Enter to touch the key. Press Ctrl-C to stop.");
        std::thread::spawn(move || {
            touches_from_stdin(|| {
                if let Ok(mut device) = device.lock() {
                    device.touch(clock.now());
                }
                waker.wake();
            })
        });
    } else {
        eprintln!("Touches are granted automatically. Press Ctrl-C to stop.");
    }
    server.serve(&AtomicBool::new(false))?;
    Ok(())
}

fn serve_ble(args: &ServeArgs, adapter: &str) -> anyhow::Result<()> {
    let key = open_key(args)?;
    let config = keydesk_ble_peripheral::PeripheralConfig {
        adapter: Some(adapter.to_owned()).filter(|name| !name.is_empty()),
        local_name: "KeyDesk virtual key (simulated)".into(),
        ..keydesk_ble_peripheral::PeripheralConfig::default()
    };
    let peripheral = Arc::new(keydesk_ble_peripheral::BlePeripheral::start(key, config)?);
    eprintln!(
        "Simulated BLE security key advertised on {} ({}) (state: {}).",
        peripheral.adapter(),
        peripheral.address(),
        args.state.display()
    );
    match args.presence {
        Presence::Enter => {
            eprintln!("Press Enter to touch the key. Press Ctrl-C to stop.");
            let touched = Arc::clone(&peripheral);
            touches_from_stdin(|| touched.touch())?;
        }
        Presence::Auto => eprintln!("Touches are granted automatically. Press Ctrl-C to stop."),
    }
    loop {
        std::thread::park();
    }
}

fn serve(args: &ServeArgs) -> anyhow::Result<()> {
    if args.uhid {
        return serve_uhid(args);
    }
    if let Some(adapter) = &args.ble {
        return serve_ble(args, adapter);
    }
    let Some(address) = &args.vpcd else {
        anyhow::bail!("say how to serve the key: --vpcd [HOST:PORT] (default {DEFAULT_VPCD_ADDRESS}), --uhid or --ble [ADAPTER]");
    };
    let address = address
        .to_socket_addrs()
        .with_context(|| format!("{address} is not a HOST:PORT address"))?
        .next()
        .with_context(|| format!("{address} resolves to no address"))?;
    let key = open_key(args)?;
    let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
    let server = CardServer::start(address, Arc::clone(&card))?;
    eprintln!("Simulated security key served on the vpcd reader at {address} (state: {}).", args.state.display());
    match args.presence {
        Presence::Auto => eprintln!("Touches are granted automatically. Press Ctrl-C to stop."),
        Presence::Enter => eprintln!("Press Enter to touch the key. Press Ctrl-C to stop."),
    }
    if let Presence::Enter = args.presence {
        let touched = Arc::clone(&card);
        std::thread::spawn(move || {
            touches_from_stdin(|| {
                if let Ok(mut card) = touched.lock() {
                    card.touch();
                }
            })
        });
    }
    let mut warned = false;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        if !server.connected() && !warned {
            eprintln!("Waiting for vpcd at {address}: is pcscd running with the vpcd driver (package vsmartcard-vpcd)?");
        }
        warned = !server.connected();
    }
}
