//! Asking a time server (SNTP, RFC 4330) what time it is, to explain what this computer's clock
//! error does to time-based codes. Codes are never shifted.

use std::net::{ToSocketAddrs, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keydesk_otp::codes::{check_clock_drift, ClockDrift};
use keydesk_otp::sntp;

use crate::error::CodesError;

/// The public NTP pool, the default server.
pub const DEFAULT_SERVER: &str = "pool.ntp.org";

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Compares this computer's clock with `server` (HOST or HOST:PORT; port 123 by default) for
/// 30-second codes, waiting at most `timeout` for the answer.
pub fn check(server: &str, timeout: Duration) -> Result<ClockDrift, CodesError> {
    let target = if server.contains(':') { server.to_owned() } else { format!("{server}:123") };
    let address = target
        .to_socket_addrs()
        .map_err(|e| CodesError::Clock(format!("cannot resolve the time server {target}: {e}")))?
        .next()
        .ok_or_else(|| CodesError::Clock(format!("{target} has no address")))?;
    let io = |e: std::io::Error| CodesError::Clock(format!("asking {target} the time: {e}"));
    let socket = UdpSocket::bind(if address.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }).map_err(io)?;
    socket.set_read_timeout(Some(timeout)).map_err(io)?;
    let sent = unix_now();
    socket.send_to(&sntp::request(), address).map_err(io)?;
    let mut reply = [0u8; 512];
    let (length, _) = socket
        .recv_from(&mut reply)
        .map_err(|_| CodesError::Clock(format!("the time server {target} did not answer within {} s", timeout.as_secs())))?;
    let received = unix_now();
    let server_time = sntp::transmit_time(reply.get(..length).unwrap_or_default())
        .map_err(|e| CodesError::Clock(format!("the time server {target} answered nonsense: {e}")))?;
    // The server stamped its answer about half a round trip before it arrived (RFC 4330 §5).
    let trusted = server_time + (received - sent) / 2.0;
    Ok(check_clock_drift(received.round() as i64, trusted.round() as i64, 30))
}
