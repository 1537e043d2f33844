//! `keydesk`: security keys, passkeys and one-time codes from a terminal.
//!
//! Every subcommand prints plain sentences by default and a documented JSON document with
//! `--json`. Secrets (PINs, passwords) come from a prompt or an environment variable, never argv.

mod blobs;
mod codes;
mod devices;
mod fingerprints;
mod info;
mod key;
mod output;
mod passkeys;
mod pin;
mod reset;
mod server;
mod settings;
mod terminal;
mod virtual_key;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "keydesk", version, about = "Security keys, passkeys and one-time codes")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List connected security keys (USB, NFC) and what keeps others from showing.
    Devices(devices::Args),
    /// Show what a security key supports: versions, options, extensions, PIN state, capacity.
    Info(info::Args),
    /// The key's PIN: status, set, change.
    Pin(pin::Args),
    /// Passkeys stored on the key: list by site, delete, rename the user.
    Passkeys(passkeys::Args),
    /// Fingerprints: list, enroll, rename, delete.
    Fingerprints(fingerprints::Args),
    /// The key's FIDO settings: always-UV, minimum PIN length, force PIN change, enterprise attestation.
    Settings(settings::Args),
    /// Large blobs stored with passkeys: info, read, write, delete.
    Blobs(blobs::Args),
    /// Factory-reset a key (guided: replug, confirm, touch), or delete the passkeys stored on this computer.
    Reset(reset::Args),
    /// One-time codes (TOTP, HOTP, Steam): list, show, add, import, export, edit, delete.
    Codes(codes::Args),
    /// Your accounts on KeyDesk servers: profiles, logon, passkeys, virtual MFA, email.
    Server(server::Args),
    /// Run KeyDesk's simulated security key (for trying KeyDesk without hardware).
    #[command(subcommand, name = "virtual-key")]
    VirtualKey(virtual_key::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devices(args) => devices::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Pin(args) => pin::run(&args),
        Command::Passkeys(args) => passkeys::run(&args),
        Command::Fingerprints(args) => fingerprints::run(&args),
        Command::Settings(args) => settings::run(&args),
        Command::Blobs(args) => blobs::run(&args),
        Command::Reset(args) => reset::run(&args),
        Command::VirtualKey(command) => virtual_key::run(command),
        Command::Codes(args) => codes::run(&args),
        Command::Server(args) => server::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keydesk: {error:#}");
            ExitCode::FAILURE
        }
    }
}
