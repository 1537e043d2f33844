//! `keydesk reset` as a user runs it, through the real pcscd with the virtual key on the vpcd
//! reader: it waits for the key to leave the reader and come back (the power-up that opens the
//! key's reset window), then resets it. Refused without confirmation, and outside the window.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_ctap_client::{Client, Pin};
use keydesk_testkit::Pcscd;
use keydesk_transport::discovery::{self, scan};
use keydesk_transport::DeviceId;
use keydesk_virtual_key::{Authenticator, Config, KeyRng};
use keydesk_vpcd::{CardServer, VirtualKeyCard};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READER: &str = "Virtual PCD 00 00";

fn wait_listed(listed: bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while scan().devices.iter().any(|d| d.id.0.ends_with(READER)) != listed {
        assert!(Instant::now() < deadline, "the key was not {} in time", if listed { "listed" } else { "gone" });
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn pin_is_set() -> bool {
    let mut client = Client::new(discovery::open(&DeviceId(format!("nfc:{READER}"))).expect("open"));
    client.pin_status().expect("PIN status").pin_set
}

#[test]
fn reset_waits_for_the_key_to_come_back_then_resets_it() {
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
    let key = Authenticator::new(Config { reset_window: Duration::from_secs(5), ..Config::default() }, KeyRng::os(), Duration::ZERO);
    let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
    let server = CardServer::start(pcscd.vpcd_address(), card).expect("card server");
    wait_listed(true);
    Client::new(discovery::open(&DeviceId(format!("nfc:{READER}"))).expect("open"))
        .set_pin(&Pin::new("4821"))
        .expect("set PIN");

    // Without a terminal and without --yes, nothing is reset.
    let refused = Command::new(env!("CARGO_BIN_EXE_keydesk")).arg("reset").stdin(Stdio::null()).output().expect("keydesk");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert!(pin_is_set());

    // The guided reset: the user lifts the key off the reader and puts it back.
    let mut reset = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(["reset", "--yes", "--replug-timeout", "30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keydesk reset");
    std::thread::sleep(Duration::from_millis(500));
    server.remove();
    std::thread::sleep(Duration::from_millis(1500));
    server.insert();
    let output = {
        let deadline = Instant::now() + Duration::from_secs(40);
        while reset.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "keydesk reset did not finish");
            std::thread::sleep(Duration::from_millis(50));
        }
        reset.wait_with_output().expect("output")
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "reset failed: {stderr}");
    assert!(stderr.contains("Lift the key off the reader"), "the replug step is explained: {stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("was reset"));
    assert!(!pin_is_set(), "the reset removed the PIN");
}
