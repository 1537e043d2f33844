//! `keydesk server logon`, and the fresh verification (step-up) other commands need: the
//! secrets they read (password, TOTP code, email code) and the authenticator they use.

use crate::key::Target;
use crate::output::print_json;
use crate::terminal::{read_secret, Terminal};
use keydesk_account::{Account, AccountError, LogonStage, VerificationMethod};
use std::io::{BufRead, IsTerminal, Write};
use zeroize::Zeroizing;

/// Environment variable holding the account password for non-interactive use.
pub const PASSWORD_ENV: &str = "KEYDESK_PASSWORD";
/// Environment variable holding a code from the virtual MFA device.
pub const CODE_ENV: &str = "KEYDESK_CODE";
/// Environment variable holding a code received by email.
pub const EMAIL_CODE_ENV: &str = "KEYDESK_EMAIL_CODE";

/// A way to verify, as `--second-factor` and `--step-up` take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// A code from the bound virtual MFA device (KEYDESK_CODE or a prompt).
    Totp,
    /// A passkey on the authenticator chosen with --device.
    Passkey,
    /// A code sent to the bound email address (KEYDESK_EMAIL_CODE or a prompt).
    Email,
    /// The password (only when nothing stronger is bound).
    Password,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Passkey => "passkey",
            Self::Email => "email",
            Self::Password => "password",
        }
    }

    fn offered(self, methods: &[VerificationMethod]) -> bool {
        let wanted = match self {
            Self::Totp => VerificationMethod::Totp,
            Self::Passkey => VerificationMethod::Passkey,
            Self::Email => VerificationMethod::Email,
            Self::Password => VerificationMethod::Password,
        };
        methods.contains(&wanted)
    }

    /// The requested method, or the first the server offers that KeyDesk can use.
    fn choose(requested: Option<Self>, methods: &[VerificationMethod]) -> anyhow::Result<Self> {
        if let Some(method) = requested {
            return Ok(method);
        }
        [Self::Totp, Self::Passkey, Self::Email, Self::Password]
            .into_iter()
            .find(|m| m.offered(methods))
            .ok_or_else(|| anyhow::anyhow!("the server offers no verification method KeyDesk knows ({methods:?})"))
    }
}

#[derive(Debug, clap::Args)]
pub struct LogonArgs {
    /// Log on with a passkey alone (when the server allows it), on the --device authenticator.
    #[arg(long, conflicts_with = "second_factor")]
    passkey: bool,
    /// The second factor after the password (default: a TOTP code when bound, else a passkey).
    #[arg(long, value_enum)]
    second_factor: Option<Method>,
}

/// Reads a one-time code: from `variable` when set, else from the terminal.
pub fn read_code(variable: &str, prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(Zeroizing::new(value));
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{prompt}: no terminal to ask on; set {variable} instead");
    }
    eprint!("{prompt}: ");
    std::io::stderr().flush()?;
    let mut line = Zeroizing::new(String::new());
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(Zeroizing::new(line.trim().to_owned()))
}

fn password(account: &Account) -> anyhow::Result<keydesk_ctap_client::Pin> {
    let profile = account.profile();
    read_secret(PASSWORD_ENV, &format!("Password of {} at {}", profile.username, profile.url))
}

pub fn logon(account: &mut Account, args: &LogonArgs, target: &Target) -> anyhow::Result<()> {
    let (outcome, method) = if args.passkey {
        let mut key = target.open()?;
        eprintln!("Logging on to {} with a passkey.", account.profile().url);
        (account.logon_passkey(&mut key, &mut Terminal::new())?, "passkey")
    } else {
        let outcome = account.logon_password(password(account)?.as_str())?;
        let method = match &outcome.stage {
            LogonStage::SecondFactorNeeded { methods } => match Method::choose(args.second_factor, methods)? {
                Method::Totp => {
                    let code = read_code(CODE_ENV, "Code from your authenticator app")?;
                    account.second_factor_totp(&code)?;
                    "password+totp"
                }
                Method::Passkey => {
                    let mut key = target.open()?;
                    account.second_factor_passkey(&mut key, &mut Terminal::new())?;
                    "password+passkey"
                }
                other => anyhow::bail!("{} cannot be a logon's second factor: use totp or passkey", other.name()),
            },
            _ => "password",
        };
        (outcome, method)
    };
    let profile = &account.profile().name;
    if target.json {
        return print_json(&serde_json::json!({"profile": profile, "user": outcome.user, "stage": "active", "method": method}));
    }
    println!("Logged on to {profile} as {} ({}).", outcome.user, method.replace('+', " and "));
    Ok(())
}

/// Runs `operation`; when the server asks for a fresh verification, verifies with the chosen
/// (or first offered) method and runs it once more. Returns the method used, if any.
pub fn with_step_up<T>(
    account: &mut Account,
    requested: Option<Method>,
    target: &Target,
    mut operation: impl FnMut(&mut Account) -> Result<T, AccountError>,
) -> anyhow::Result<(T, Option<&'static str>)> {
    match operation(account) {
        Err(AccountError::StepUpRequired { methods }) => {
            let method = Method::choose(requested, &methods)?;
            eprintln!("The server asks for a fresh verification: using {}.", method.name());
            match method {
                Method::Totp => account.step_up_totp(&read_code(CODE_ENV, "Code from your authenticator app")?)?,
                Method::Passkey => account.step_up_passkey(&mut target.open()?, &mut Terminal::new())?,
                Method::Email => {
                    let address = account.step_up_email_start()?;
                    eprintln!("A code was sent to {address}.");
                    account.step_up_email_finish(&read_code(EMAIL_CODE_ENV, "Code from the email")?)?;
                }
                Method::Password => account.step_up_password(password(account)?.as_str())?,
            }
            Ok((operation(account)?, Some(method.name())))
        }
        other => Ok((other?, None)),
    }
}
