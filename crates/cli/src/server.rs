//! `keydesk server`: accounts on a KeyDesk relying-party server, through keydesk-account
//! (profiles, logon, passkeys, virtual MFA, email address).
//! Profiles live in `<config dir>/keydesk/servers.json`; the session token in the OS keyring.
//! Passwords and codes come from a prompt or an environment variable (KEYDESK_PASSWORD,
//! KEYDESK_CODE, KEYDESK_EMAIL_CODE), never from argv. Authenticators are chosen with
//! `--device ID` (from `keydesk devices`), as in the other key commands.
//!
//! JSON shapes (`--json`):
//! * `server add`: `{"added": PROFILE}` with PROFILE `{"name", "url", "username"}`.
//! * `server list`: `{"servers": [{"name", "url", "username", "logged_on": true | false | null}]}`
//!   (`null`: the OS keyring could not be asked).
//! * `server remove`: `{"removed": PROFILE}`.
//! * `server logon`: `{"profile", "user", "stage": "active", "method": "password" |
//!   "password+totp" | "password+passkey" | "passkey"}`.
//! * `server logout`: `{"profile", "logged_out": true}`.
//! * `server status`: `{"profile", "url", "user", "totp_bound", "passkeys", "email", "created_at"}`.
//! * `server enroll`: `{"profile", "passkey": PASSKEY}` with PASSKEY `{"id", "name", "created_at",
//!   "last_used_at": UNIX | null, "counter_regressions"}` (times in Unix seconds).
//! * `server passkeys list`: `{"profile", "passkeys": [PASSKEY], "max": 5}`.
//! * `server passkeys rename`: `{"renamed": ID, "name": NEW}`.
//! * `server passkeys delete`: `{"deleted": ID, "step_up": "totp" | "passkey" | "email" | "password" | null}`.
//! * `server mfa bind`: `{"profile", "bound": true | false, "added_to_codes": true | false,
//!   "otpauth_uri": URI | null, "step_up": ...}` (the URI only with `--print-uri`; it holds the secret).
//! * `server mfa confirm`: `{"profile", "bound": true}`.
//! * `server email bind ADDRESS`: `{"profile", "sent_to": ADDRESS, "step_up": ...}`.
//! * `server email confirm`: `{"profile", "email": ADDRESS}`.
//! * any failure: `{"error": {"kind", "message"}}` on stdout (and the message on stderr), exit 1.

#[path = "server_email.rs"]
mod email;
#[path = "server_logon.rs"]
mod logon;
#[path = "server_mfa.rs"]
mod mfa;
#[path = "server_passkeys.rs"]
mod passkeys;

use crate::key::Target;
use crate::output::print_json;
use keydesk_account::{Account, AccountError, KeyringTokenStore, Profile, ProfileStore, TokenStore};

/// `keydesk server [--profile NAME] ACTION`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// The server profile to use (optional when only one exists).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,
    #[command(flatten)]
    target: Target,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Add a server profile: a name, the server's URL and your user name on it.
    Add {
        /// The profile's name (what --profile takes).
        name: String,
        /// The server's URL, e.g. https://login.example.com (http only on localhost).
        #[arg(long)]
        url: String,
        /// Your user name on that server.
        #[arg(long = "user")]
        username: String,
    },
    /// List the server profiles and whether a session is kept for each.
    List,
    /// Remove a server profile (and forget its session).
    Remove {
        /// The profile's name.
        name: String,
    },
    /// Log on: the password (KEYDESK_PASSWORD or a prompt), then the second factor if one is
    /// bound; or a passkey alone with --passkey.
    Logon(logon::LogonArgs),
    /// End the session on the server and forget it here.
    Logout,
    /// Show the account: user, virtual MFA, number of passkeys, email.
    Status,
    /// Create a passkey on an authenticator (--device) and register it under a name.
    Enroll(passkeys::EnrollArgs),
    /// The account's passkeys on the server: list, rename, delete.
    #[command(subcommand)]
    Passkeys(passkeys::PasskeysAction),
    /// The server's virtual MFA (TOTP): bind it into KeyDesk codes, or confirm a binding.
    #[command(subcommand)]
    Mfa(mfa::MfaAction),
    /// An email address for step-up codes: bind it, then confirm with the code mailed to it.
    #[command(subcommand)]
    Email(email::EmailAction),
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let result = dispatch(args);
    if let (Err(error), true) = (&result, args.target.json) {
        let kind = error.downcast_ref::<AccountError>().map_or("failed", AccountError::kind);
        print_json(&serde_json::json!({"error": {"kind": kind, "message": format!("{error:#}")}}))?;
    }
    result
}

fn dispatch(args: &Args) -> anyhow::Result<()> {
    let store = ProfileStore::new(ProfileStore::default_path()?);
    let json = args.target.json;
    match &args.action {
        Action::Add { name, url, username } => {
            let profile = Profile::new(name, url, username)?;
            store.add(profile.clone())?;
            if json {
                return print_json(&serde_json::json!({"added": profile}));
            }
            println!("Added {} ({} as {}). Log on with `keydesk server logon --profile {}`.", profile.name, profile.url, profile.username, profile.name);
            Ok(())
        }
        Action::List => list(&store, json),
        Action::Remove { name } => {
            let removed = store.remove(name)?;
            if let Err(error) = KeyringTokenStore::new().delete(&removed.name) {
                eprintln!("Note: the session kept for {} could not be removed from the OS keyring: {error}", removed.name);
            }
            if json {
                return print_json(&serde_json::json!({"removed": removed}));
            }
            println!("Removed {}.", removed.name);
            Ok(())
        }
        Action::Logon(logon) => logon::logon(&mut open(&store, args)?, logon, &args.target),
        Action::Logout => {
            let mut account = open(&store, args)?;
            account.logout()?;
            let name = &account.profile().name;
            if json {
                return print_json(&serde_json::json!({"profile": name, "logged_out": true}));
            }
            println!("Logged out of {name}.");
            Ok(())
        }
        Action::Status => {
            let mut account = open(&store, args)?;
            let info = account.info()?;
            let profile = account.profile();
            if json {
                return print_json(&serde_json::json!({
                    "profile": profile.name, "url": profile.url, "user": info.user,
                    "totp_bound": info.totp_bound, "passkeys": info.passkeys,
                    "email": info.email, "created_at": info.created_at,
                }));
            }
            println!("{} at {}", info.user, profile.url);
            println!("Virtual MFA: {}", if info.totp_bound { "bound" } else { "not bound" });
            println!("Passkeys: {}", info.passkeys);
            println!("Email: {}", info.email.as_deref().unwrap_or("none"));
            Ok(())
        }
        Action::Enroll(enroll) => passkeys::enroll(&mut open(&store, args)?, enroll, &args.target),
        Action::Passkeys(action) => passkeys::run(&mut open(&store, args)?, action, &args.target),
        Action::Mfa(action) => mfa::run(&mut open(&store, args)?, action, &args.target),
        Action::Email(action) => email::run(&mut open(&store, args)?, action, &args.target),
    }
}

/// The chosen profile's account, with its session from the OS keyring.
fn open(store: &ProfileStore, args: &Args) -> anyhow::Result<Account> {
    let profile = store.choose(args.profile.as_deref())?;
    Ok(Account::open(profile, Box::new(KeyringTokenStore::new()))?)
}

fn list(store: &ProfileStore, json: bool) -> anyhow::Result<()> {
    let tokens = KeyringTokenStore::new();
    let servers: Vec<(Profile, Option<bool>)> =
        store.list()?.into_iter().map(|p| { let kept = tokens.load(&p.name).ok().map(|t| t.is_some()); (p, kept) }).collect();
    if json {
        let servers: Vec<_> = servers
            .iter()
            .map(|(p, kept)| serde_json::json!({"name": p.name, "url": p.url, "username": p.username, "logged_on": kept}))
            .collect();
        return print_json(&serde_json::json!({"servers": servers}));
    }
    if servers.is_empty() {
        println!("No server profiles. Add one with `keydesk server add NAME --url URL --user USER`.");
    }
    for (profile, kept) in &servers {
        let state = match kept {
            Some(true) => "session kept",
            Some(false) => "logged out",
            None => "OS keyring unavailable",
        };
        println!("{}  {} as {}  ({state})", profile.name, profile.url, profile.username);
    }
    Ok(())
}
