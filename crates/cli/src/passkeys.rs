//! `keydesk passkeys`: the passkeys stored on a key, grouped by site; delete; rename the user.
//!
//! `keydesk passkeys --json` prints keydesk_ctap_client::manage::PasskeyList:
//! `{"capacity": {"existing": 1, "remaining": 24}, "sites": [{"rp_id": "example.com",
//!   "rp_name": "Example", "passkeys": [{"credential_id": "base64url", "user_id": "base64url",
//!   "user_name": "alice@example.com", "display_name": "Alice", "cred_protect": "uv_optional",
//!   "large_blob_key": false}]}]}`

use crate::key::{confirm, Target};
use crate::output::print_json;
use crate::terminal::Terminal;
use keydesk_ctap_client::manage::from_base64url;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List passkeys by site with the remaining capacity (the default).
    List,
    /// Delete a passkey (the site can then no longer be signed in to with it).
    Delete {
        /// The credential ID (base64url, as listed).
        credential_id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Change the user name and/or display name stored with a passkey.
    Rename {
        /// The credential ID (base64url, as listed).
        credential_id: String,
        /// New user (account) name.
        #[arg(long)]
        name: Option<String>,
        /// New display name.
        #[arg(long)]
        display_name: Option<String>,
    },
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut client = args.target.open()?;
    let mut ui = Terminal::new();
    match args.action.as_ref().unwrap_or(&Action::List) {
        Action::List => {
            let list = client.list_passkeys(&mut ui)?;
            if args.target.json {
                return print_json(&list);
            }
            for site in &list.sites {
                let name = site.rp_name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
                println!("{}{name}", site.rp_id);
                for passkey in &site.passkeys {
                    let user = passkey.user_name.as_deref().or(passkey.display_name.as_deref()).unwrap_or("(no name)");
                    println!("  {user}  id {}", passkey.credential_id);
                }
            }
            if list.sites.is_empty() {
                println!("No passkeys are stored on this key.");
            }
            println!("{} stored, room for {} more.", list.capacity.existing, list.capacity.remaining);
            Ok(())
        }
        Action::Delete { credential_id, yes } => {
            let id = from_base64url(credential_id)?;
            confirm("Delete this passkey from the key? The site will no longer accept it.", *yes)?;
            client.delete_passkey(&id, &mut ui)?;
            println!("Passkey deleted.");
            Ok(())
        }
        Action::Rename { credential_id, name, display_name } => {
            if name.is_none() && display_name.is_none() {
                anyhow::bail!("nothing to change: give --name and/or --display-name");
            }
            let id = from_base64url(credential_id)?;
            client.update_passkey_user(&id, name.as_deref(), display_name.as_deref(), &mut ui)?;
            println!("Passkey updated.");
            Ok(())
        }
    }
}
