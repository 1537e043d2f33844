//! `keydesk blobs`: a passkey's large blob (CTAP 2.1 §6.10), read, written and deleted.
//!
//! `keydesk blobs --json` prints keydesk_ctap_client::manage::LargeBlobArrayInfo:
//! `{"entries": 2, "size": 210, "max_size": 4096, "valid": true}`.

use crate::key::{confirm, Target};
use crate::output::print_json;
use crate::terminal::Terminal;
use keydesk_ctap_client::manage::from_base64url;
use std::io::{Read, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// How full the key's large-blob storage is (the default).
    Info,
    /// Write a passkey's blob to a file (or stdout).
    Read {
        credential_id: String,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Store a file (or stdin) as a passkey's blob, replacing the old one.
    Write {
        credential_id: String,
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// Delete a passkey's blob.
    Delete {
        credential_id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut client = args.target.open()?;
    let mut ui = Terminal::new();
    match args.action.as_ref().unwrap_or(&Action::Info) {
        Action::Info => {
            let info = client.large_blob_info()?;
            if args.target.json {
                return print_json(&info);
            }
            println!("{} blobs, {} of {} bytes used.", info.entries, info.size, info.max_size);
            if !info.valid {
                println!("The stored data failed its checksum; the key treats it as empty.");
            }
            Ok(())
        }
        Action::Read { credential_id, output } => {
            let blob = client.read_large_blob(&from_base64url(credential_id)?, &mut ui)?;
            let Some(blob) = blob else {
                anyhow::bail!("this passkey has no large blob");
            };
            match output {
                Some(path) => std::fs::write(path, blob.as_slice())?,
                None => std::io::stdout().write_all(&blob)?,
            }
            Ok(())
        }
        Action::Write { credential_id, input } => {
            let data = match input {
                Some(path) => std::fs::read(path)?,
                None => {
                    let mut data = Vec::new();
                    std::io::stdin().read_to_end(&mut data)?;
                    data
                }
            };
            client.write_large_blob(&from_base64url(credential_id)?, &data, &mut ui)?;
            println!("Blob written ({} bytes).", data.len());
            Ok(())
        }
        Action::Delete { credential_id, yes } => {
            let id = from_base64url(credential_id)?;
            confirm("Delete this passkey's large blob?", *yes)?;
            if client.delete_large_blob(&id, &mut ui)? {
                println!("Blob deleted.");
            } else {
                println!("This passkey had no blob; nothing changed.");
            }
            Ok(())
        }
    }
}
