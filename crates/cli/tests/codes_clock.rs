//! `keydesk codes check-clock` against an SNTP responder on loopback whose clock is set apart
//! from this computer's: the drift is measured over UDP and explained, never corrected.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use std::net::UdpSocket;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// Answers one SNTP request (RFC 4330) with this computer's time shifted by `offset` seconds.
fn time_server(offset: i64) -> (String, std::thread::JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let address = socket.local_addr().expect("address").to_string();
    let thread = std::thread::spawn(move || {
        let mut request = [0u8; 48];
        let (_, client) = socket.recv_from(&mut request).expect("request");
        assert_eq!(request[0] & 0b111, 3, "the client sends mode 3");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64 + offset;
        let ntp_seconds = u32::try_from(now + 2_208_988_800).unwrap();
        let mut reply = [0u8; 48];
        reply[0] = 0b00_100_100; // leap 0, version 4, mode 4 (server)
        reply[1] = 1; // stratum 1
        reply[40..44].copy_from_slice(&ntp_seconds.to_be_bytes());
        socket.send_to(&reply, client).expect("reply");
    });
    (address, thread)
}

fn check(offset: i64) -> (bool, serde_json::Value) {
    let (address, server) = time_server(offset);
    let output = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(["codes", "check-clock", "--json", "--server", &address])
        .output()
        .expect("keydesk");
    server.join().expect("time server");
    (output.status.success(), serde_json::from_slice(&output.stdout).expect("JSON"))
}

#[test]
fn a_clock_in_sync_is_reported_as_such() {
    let (ok, drift) = check(0);
    assert!(ok);
    assert_eq!(drift["severity"], "in_sync", "{drift}");
}

#[test]
fn a_clock_two_minutes_behind_is_explained_and_fails() {
    // The time server is 120 s ahead, so this computer is 120 s behind: four 30-second steps.
    let (ok, drift) = check(120);
    assert!(!ok, "codes would be wrong: the command must fail");
    assert_eq!(drift["severity"], "codes_wrong", "{drift}");
    let offset = drift["offset_seconds"].as_i64().unwrap();
    assert!((-121..=-119).contains(&offset), "{drift}");
    assert!(drift["explanation"].as_str().unwrap().contains("behind"), "{drift}");
}

#[test]
fn a_small_drift_is_a_warning() {
    let (ok, drift) = check(-12);
    assert!(ok);
    assert_eq!(drift["severity"], "minor", "{drift}");
}
