//! `keydesk server email bind ADDRESS` then `keydesk server email confirm`: an email address
//! bound to the account, confirmed by the code the server mails to it. A bound address then
//! serves step-up (`--step-up email`, the code from KEYDESK_EMAIL_CODE or a prompt).

use super::logon::{read_code, with_step_up, Method, EMAIL_CODE_ENV};
use crate::key::Target;
use crate::output::print_json;
use keydesk_account::Account;

#[derive(Debug, clap::Subcommand)]
pub enum EmailAction {
    /// Send a code to ADDRESS; then run `keydesk server email confirm` with it.
    Bind {
        /// The email address to bind (the server allows one address for at most five users).
        address: String,
        /// How to verify when the server asks (default: the first it offers).
        #[arg(long, value_enum)]
        step_up: Option<Method>,
    },
    /// Bind the address with the code it received (KEYDESK_EMAIL_CODE or a prompt).
    Confirm,
}

pub fn run(account: &mut Account, action: &EmailAction, target: &Target) -> anyhow::Result<()> {
    let profile = account.profile().name.clone();
    match action {
        EmailAction::Bind { address, step_up } => {
            let ((), method) = with_step_up(account, *step_up, target, |account| account.start_email_binding(address))?;
            let address = address.trim();
            if target.json {
                return print_json(&serde_json::json!({"profile": profile, "sent_to": address, "step_up": method}));
            }
            println!("A code was sent to {address}. Bind the address with `keydesk server email confirm --profile {profile}` (the code from KEYDESK_EMAIL_CODE or typed when asked).");
            Ok(())
        }
        EmailAction::Confirm => {
            let email = account.confirm_email(&read_code(EMAIL_CODE_ENV, "Code from the email")?)?;
            if target.json {
                return print_json(&serde_json::json!({"profile": profile, "email": email}));
            }
            println!("{email} is bound to {profile}: it can now confirm sensitive changes (--step-up email).");
            Ok(())
        }
    }
}
