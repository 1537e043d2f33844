//! `keydesk fingerprints`: enrolled fingerprints; enroll with per-sample guidance; rename; delete.
//!
//! `keydesk fingerprints --json` prints `[{"template_id": "hex", "name": "right thumb" | null}]`.

use crate::key::{confirm, Target};
use crate::output::print_json;
use crate::terminal::Terminal;
use keydesk_ctap_client::manage::from_hex;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List enrolled fingerprints (the default).
    List,
    /// Enroll a new fingerprint, guided sample by sample.
    Enroll {
        /// A name for it, e.g. "right thumb".
        #[arg(long)]
        name: Option<String>,
    },
    /// Rename a fingerprint.
    Rename { template_id: String, name: String },
    /// Delete a fingerprint.
    Delete {
        template_id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut client = args.target.open()?;
    let mut ui = Terminal::new();
    match args.action.as_ref().unwrap_or(&Action::List) {
        Action::List => {
            let fingerprints = client.list_fingerprints(&mut ui)?;
            if args.target.json {
                return print_json(&fingerprints);
            }
            if fingerprints.is_empty() {
                println!("No fingerprints are enrolled. Add one with `keydesk fingerprints enroll`.");
            }
            for fingerprint in &fingerprints {
                println!("{}  {}", fingerprint.template_id, fingerprint.name.as_deref().unwrap_or("(unnamed)"));
            }
            Ok(())
        }
        Action::Enroll { name } => {
            eprintln!("Touch the fingerprint sensor repeatedly, lifting your finger in between.");
            let fingerprint = client.enroll_fingerprint(name.as_deref(), None, &mut ui)?;
            if args.target.json {
                return print_json(&fingerprint);
            }
            println!("Fingerprint enrolled: {}", fingerprint.template_id);
            Ok(())
        }
        Action::Rename { template_id, name } => {
            client.rename_fingerprint(&from_hex(template_id)?, name, &mut ui)?;
            println!("Fingerprint renamed.");
            Ok(())
        }
        Action::Delete { template_id, yes } => {
            let id = from_hex(template_id)?;
            confirm("Delete this fingerprint from the key?", *yes)?;
            client.delete_fingerprint(&id, &mut ui)?;
            println!("Fingerprint deleted.");
            Ok(())
        }
    }
}
