//! `keydesk codes check-clock`: asks a time server (SNTP, RFC 4330) what time it is and explains
//! what this computer's clock error does to time-based codes. Codes are never shifted.

use anyhow::Context;
use keydesk_otp::codes::{check_clock_drift, DriftSeverity};
use keydesk_otp::sntp;
use std::net::{ToSocketAddrs, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, clap::Args)]
pub struct CheckClockArgs {
    /// The time server (HOST or HOST:PORT).
    #[arg(long, default_value = "pool.ntp.org")]
    server: String,
    /// Print JSON instead of sentences.
    #[arg(long)]
    json: bool,
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

pub fn check_clock(args: &CheckClockArgs) -> anyhow::Result<()> {
    let target = if args.server.contains(':') { args.server.clone() } else { format!("{}:123", args.server) };
    let address = target
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve the time server {target}"))?
        .next()
        .with_context(|| format!("{target} has no address"))?;
    let socket = UdpSocket::bind(if address.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    socket.set_read_timeout(Some(Duration::from_secs(5)))?;
    let sent = unix_now();
    socket.send_to(&sntp::request(), address)?;
    let mut reply = [0u8; 512];
    let (length, _) = socket
        .recv_from(&mut reply)
        .with_context(|| format!("the time server {target} did not answer within 5 s"))?;
    let received = unix_now();
    let server_time = sntp::transmit_time(reply.get(..length).unwrap_or_default())?;
    // The server stamped its answer about half a round trip before it arrived (RFC 4330 §5).
    let trusted = server_time + (received - sent) / 2.0;
    let drift = check_clock_drift(received.round() as i64, trusted.round() as i64, 30);
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
