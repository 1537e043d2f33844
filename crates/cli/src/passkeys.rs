//! `keydesk passkeys`: the passkeys stored on a key, grouped by site; delete; rename the user.
//! Keys with the CTAP 2.2 persistent read-only token (getInfo option perCredMgmtRO) are listed
//! without the PIN after the first time: the token is kept in the OS keyring.
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
use keydesk_ctap_client::manage::PasskeyList;
use keydesk_ctap_client::{Client, Error, PersistentToken};
use keydesk_transport::{Device, DeviceId};

/// Keyring service of the read-only passkey-listing tokens, one entry per device ID.
const TOKEN_SERVICE: &str = "keydesk-passkeys";

fn saved_token(device: &DeviceId) -> Option<PersistentToken> {
    let bytes = keyring::Entry::new(TOKEN_SERVICE, &device.0).ok()?.get_secret().ok()?;
    PersistentToken::from_bytes(&zeroize::Zeroizing::new(bytes)).ok()
}

fn forget_token(device: &DeviceId) {
    if let Ok(entry) = keyring::Entry::new(TOKEN_SERVICE, &device.0) {
        let _ = entry.delete_credential();
    }
}

/// Lists with the saved read-only token when the key accepts it, else with the PIN; then keeps
/// a new read-only token in the OS keyring when `remember` and the key offers one.
fn list(client: &mut Client<Box<dyn Device>>, ui: &mut Terminal, remember: bool) -> anyhow::Result<PasskeyList> {
    let device = client.descriptor().id.clone();
    let read_only = client.option("perCredMgmtRO")? == Some(true);
    if !remember {
        forget_token(&device);
    } else if let (true, Some(token)) = (read_only, saved_token(&device)) {
        match client.list_passkeys_read_only(&token) {
            Ok(list) => return Ok(list),
            Err(Error::PersistentTokenRejected) => {
                forget_token(&device);
                eprintln!("The key no longer accepts the saved read-only access (its PIN changed); asking for the PIN.");
            }
            Err(other) => return Err(other.into()),
        }
    }
    let list = client.list_passkeys(ui)?;
    if remember && read_only {
        let token = client.persistent_token(ui)?;
        let saved = keyring::Entry::new(TOKEN_SERVICE, &device.0).and_then(|entry| entry.set_secret(&token.to_bytes()));
        match saved {
            Ok(()) => eprintln!("Read-only access kept in the OS keyring: listing needs no PIN until the PIN changes (--no-remember to stop)."),
            Err(error) => eprintln!("Note: the OS keyring is unavailable ({error}); the PIN will be asked next time too."),
        }
    }
    Ok(list)
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// List passkeys by site with the remaining capacity (the default). Where the key offers
    /// the CTAP 2.2 persistent read-only token, it is kept in the OS keyring after the first
    /// listing, and later listings need no PIN until the PIN changes.
    List {
        /// Do not keep read-only access in the OS keyring (and remove any kept before).
        #[arg(long)]
        no_remember: bool,
    },
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
    match args.action.as_ref().unwrap_or(&Action::List { no_remember: false }) {
        Action::List { no_remember } => {
            let list = list(&mut client, &mut ui, !*no_remember)?;
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
