//! `keydesk codes check-clock`: asks a time server (SNTP, RFC 4330) what time it is and explains
//! what this computer's clock error does to time-based codes. Codes are never shifted.

use std::time::Duration;

use keydesk_codes::clock::DEFAULT_SERVER;
use keydesk_otp::codes::DriftSeverity;

#[derive(Debug, clap::Args)]
pub struct CheckClockArgs {
    /// The time server (HOST or HOST:PORT).
    #[arg(long, default_value = DEFAULT_SERVER)]
    server: String,
    /// Print JSON instead of sentences.
    #[arg(long)]
    json: bool,
}

pub fn check_clock(args: &CheckClockArgs) -> anyhow::Result<()> {
    let drift = keydesk_codes::clock::check(&args.server, Duration::from_secs(5))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&drift)?);
    } else {
        println!("{}", drift.explanation);
    }
    if drift.severity == DriftSeverity::CodesWrong {
        anyhow::bail!("the clock is too far off for time-based codes");
    }
    Ok(())
}
