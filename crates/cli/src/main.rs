//! `keydesk`: security keys, passkeys and one-time codes from a terminal.
//!
//! Every subcommand prints plain sentences by default and a documented JSON document with
//! `--json`. Secrets (PINs, passwords) come from a prompt or an environment variable, never argv.

mod devices;
mod info;
mod output;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Devices(args) => devices::run(&args),
        Command::Info(args) => info::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keydesk: {error:#}");
            ExitCode::FAILURE
        }
    }
}
