//! `keydesk server mfa bind|confirm`: the server's virtual MFA device (RFC 6238 TOTP) bound
//! into KeyDesk codes, or printed for another app.
//!
//! `bind` hands the otpauth URI to `keydesk codes add` on its standard input (the same program,
//! so the vault is found and unlocked exactly as that command does it: --vault, the keyring,
//! KEYDESK_VAULT_PASSWORD or a prompt), then confirms the binding with the current code
//! computed from the URI. With `--print-uri` it prints the URI instead and the binding waits for
//! `keydesk server mfa confirm` with a code from the app the URI was added to.

use super::logon::{read_code, with_step_up, Method, CODE_ENV};
use crate::key::Target;
use crate::output::print_json;
use keydesk_account::Account;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, clap::Subcommand)]
pub enum MfaAction {
    /// Bind the server's virtual MFA: its secret goes into KeyDesk codes and is confirmed.
    Bind {
        /// Print the otpauth URI (it contains the secret) instead of adding it to KeyDesk codes;
        /// then confirm with `keydesk server mfa confirm`.
        #[arg(long)]
        print_uri: bool,
        /// The KeyDesk codes vault to add the account to (default: the usual one).
        #[arg(long, value_name = "PATH")]
        vault: Option<PathBuf>,
        /// How to verify when the server asks (default: the first it offers).
        #[arg(long, value_enum)]
        step_up: Option<Method>,
    },
    /// Confirm a started binding with a code from the device (KEYDESK_CODE or a prompt).
    Confirm,
}

pub fn run(account: &mut Account, action: &MfaAction, target: &Target) -> anyhow::Result<()> {
    let profile = account.profile().name.clone();
    match action {
        MfaAction::Confirm => {
            account.confirm_mfa(&read_code(CODE_ENV, "Code from your authenticator app")?)?;
            if target.json {
                return print_json(&serde_json::json!({"profile": profile, "bound": true}));
            }
            println!("Virtual MFA bound to {profile}: logons now ask for its code.");
            Ok(())
        }
        MfaAction::Bind { print_uri, vault, step_up } => {
            let (offer, method) = with_step_up(account, *step_up, target, Account::start_mfa_binding)?;
            if *print_uri {
                if target.json {
                    return print_json(&serde_json::json!({
                        "profile": profile, "bound": false, "added_to_codes": false,
                        "otpauth_uri": offer.otpauth_uri.as_str(), "step_up": method,
                    }));
                }
                eprintln!("Keep this URI secret: it is the device's key. Add it to your authenticator app, then run `keydesk server mfa confirm`.");
                println!("{}", offer.otpauth_uri.as_str());
                return Ok(());
            }
            add_to_codes(&offer.otpauth_uri, vault.as_ref())?;
            let code = current_code(&offer.otpauth_uri)?;
            account.confirm_mfa(&code)?;
            if target.json {
                return print_json(&serde_json::json!({
                    "profile": profile, "bound": true, "added_to_codes": true, "otpauth_uri": null, "step_up": method,
                }));
            }
            println!("Virtual MFA bound to {profile} and added to KeyDesk codes (`keydesk codes` shows its code).");
            Ok(())
        }
    }
}

/// `keydesk codes add [--vault PATH]` with the URI on its standard input; its report goes to
/// stderr so that stdout stays this command's own (JSON) answer.
fn add_to_codes(uri: &str, vault: Option<&PathBuf>) -> anyhow::Result<()> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["codes", "add"]);
    if let Some(vault) = vault {
        command.arg("--vault").arg(vault);
    }
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(uri.as_bytes())?;
        stdin.write_all(b"\n")?;
    }
    let output = child.wait_with_output()?;
    eprint!("{}", String::from_utf8_lossy(&output.stdout));
    if !output.status.success() {
        anyhow::bail!("adding the account to KeyDesk codes failed (see above); the binding was not confirmed: retry, or use --print-uri");
    }
    Ok(())
}

/// The code the device shows now (RFC 6238), computed from the URI by keydesk-otp.
fn current_code(uri: &str) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let account = keydesk_otp::uri::parse(uri)?.account;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    Ok(zeroize::Zeroizing::new(keydesk_otp::generate_code(&account, now)?.text))
}
