//! End to end through the operating system: the virtual key is a contactless card on the vpcd
//! reader inside the real pcscd, `keydesk server` (a separate process, as a user runs it) finds
//! it with `--device`, enrolls a passkey on it into the real keydesk-server over HTTP, logs on
//! with it alone and as the second factor, and deletes it after a passkey step-up.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod server_support;

use keydesk_ctap_client::{Client, Pin};
use keydesk_testkit::Pcscd;
use keydesk_transport::discovery::{self, scan};
use keydesk_transport::DeviceId;
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};
use keydesk_vpcd::{CardServer, VirtualKeyCard};
use server_support::*;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEVICE: &str = "nfc:Virtual PCD 00 00";
const PIN: &str = "4821";

fn wait_listed() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !scan().devices.iter().any(|d| d.id.0 == DEVICE) {
        assert!(Instant::now() < deadline, "the virtual key did not appear on the pcscd reader");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn enroll_and_log_on_with_the_virtual_key_through_pcscd() {
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
    let key = Authenticator::new(Config { presence: PresencePolicy::ApproveAll, ..Config::default() }, KeyRng::os(), Duration::ZERO);
    let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
    let _card_server = CardServer::start(pcscd.vpcd_address(), card).expect("card server");
    wait_listed();
    Client::new(discovery::open(&DeviceId(DEVICE.into())).expect("open")).set_pin(&Pin::new(PIN)).expect("set PIN");

    let server = LocalServer::start_now();
    server.create_user("jo");
    let desktop = Desktop::start();
    let env = [("KEYDESK_PASSWORD", PASSWORD), ("KEYDESK_PIN", PIN)];
    desktop.json(&["server", "add", "lab", "--url", &server.origin, "--user", "jo"], &[]);
    assert_eq!(desktop.json(&["server", "logon"], &env)["method"], "password");

    let enrolled = desktop.json(&["server", "enroll", "--name", "nfc key", "--device", DEVICE], &env);
    let id = enrolled["passkey"]["id"].as_str().expect("passkey ID").to_owned();
    assert_eq!(enrolled["passkey"]["name"], "nfc key");
    assert!(enrolled["passkey"]["last_used_at"].is_null());
    // The key holds it: a second enrollment of the same key is refused by excludeCredentials.
    assert_eq!(desktop.error_kind(&["server", "enroll", "--name", "again", "--device", DEVICE], &env), "already_registered");

    // Passkey only, after a logout.
    desktop.json(&["server", "logout"], &[]);
    server.clock.advance(60);
    let logon = desktop.json(&["server", "logon", "--passkey", "--device", DEVICE], &[("KEYDESK_PIN", PIN)]);
    assert_eq!(logon, serde_json::json!({"profile": "lab", "user": "jo@corp.example", "stage": "active", "method": "passkey"}));
    let listed = desktop.json(&["server", "passkeys", "list"], &[]);
    assert_eq!(listed["passkeys"][0]["last_used_at"].as_i64(), Some(server.now()), "last use recorded: {listed}");

    // Password, then the passkey as the second factor.
    desktop.json(&["server", "logout"], &[]);
    let logon = desktop.json(&["server", "logon", "--device", DEVICE], &env);
    assert_eq!(logon["method"], "password+passkey");

    // Rename; then, the logon's verification having lapsed, delete after a passkey step-up.
    desktop.json(&["server", "passkeys", "rename", &id, "office key"], &[]);
    server.clock.advance(301);
    let deleted = desktop.json(&["server", "passkeys", "delete", &id, "--yes", "--device", DEVICE], &env);
    assert_eq!(deleted, serde_json::json!({"deleted": id, "step_up": "passkey"}));
    assert_eq!(desktop.json(&["server", "passkeys", "list"], &[])["passkeys"], serde_json::json!([]));
}
