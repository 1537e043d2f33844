//! `keydesk passkeys` lists without the PIN after the first time, through the CTAP 2.2
//! persistent read-only token kept in a REAL Secret Service (gnome-keyring on a private D-Bus),
//! with the virtual key on the real pcscd's vpcd reader. The token survives the key being lifted
//! off the reader and put back, and is refused (and forgotten) once the PIN changes.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Interaction, MakeCredentialArgs, Pin, PinRequest};
use keydesk_testkit::{Pcscd, SecretService};
use keydesk_transport::discovery::{self, scan};
use keydesk_transport::DeviceId;
use keydesk_virtual_key::{Authenticator, Config, KeyRng};
use keydesk_vpcd::{CardServer, VirtualKeyCard};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READER: &str = "Virtual PCD 00 00";
const PIN: &str = "4821";

struct Answers(&'static str);

impl Interaction for Answers {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        Some(Pin::new(self.0))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

fn client() -> Client<Box<dyn keydesk_transport::Device>> {
    Client::new(discovery::open(&DeviceId(format!("nfc:{READER}"))).expect("open the NFC key"))
}

fn wait_listed(listed: bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while scan().devices.iter().any(|d| d.id.0.ends_with(READER)) != listed {
        assert!(Instant::now() < deadline, "the key was not {} in time", if listed { "listed" } else { "gone" });
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `keydesk passkeys --json` on the test's D-Bus session; the PIN only when given.
fn list(session: &SecretService, pin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
    command.args(["passkeys", "--json"]).env_remove("KEYDESK_PIN");
    session.env(&mut command);
    if let Some(pin) = pin {
        command.env("KEYDESK_PIN", pin);
    }
    command.stdin(Stdio::null()).output().expect("run keydesk")
}

fn rp_ids(output: &Output) -> Vec<String> {
    assert!(output.status.success(), "keydesk failed: {}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    json["sites"].as_array().expect("sites").iter().map(|s| s["rp_id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn listing_needs_the_pin_once_until_the_pin_changes() {
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
    let mut session = SecretService::start().expect("D-Bus session");
    session.start_keyring(true).expect("gnome-keyring");
    let key = Authenticator::new(Config::default(), KeyRng::os(), Duration::ZERO);
    let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
    let server = CardServer::start(pcscd.vpcd_address(), card).expect("card server");
    wait_listed(true);
    {
        let mut client = client();
        client.set_pin(&Pin::new(PIN)).expect("set PIN");
        let mut args = MakeCredentialArgs::new([1; 32], RpEntity::new("example.com"), UserEntity::new(b"alice".to_vec()));
        args.resident_key = true;
        client.make_credential(&args, &mut Answers(PIN)).expect("a passkey to list");
    }

    // Without a saved token and without a PIN, listing is refused.
    let first = list(&session, None);
    assert!(!first.status.success(), "listing without the PIN must fail the first time");

    // With the PIN once: listed, and read-only access kept in the keyring.
    let with_pin = list(&session, Some(PIN));
    assert_eq!(rp_ids(&with_pin), ["example.com"]);
    assert!(String::from_utf8_lossy(&with_pin.stderr).contains("kept in the OS keyring"));

    // Then no PIN is needed, also after the key was lifted off the reader and put back.
    assert_eq!(rp_ids(&list(&session, None)), ["example.com"]);
    server.remove();
    keydesk_vpcd::wait_for_card(keydesk_vpcd::VPCD_READER, false, Duration::from_secs(5)).expect("pcscd sees the reader empty");
    server.insert();
    wait_listed(true);
    assert_eq!(rp_ids(&list(&session, None)), ["example.com"]);

    // A PIN change revokes the token: the saved access is refused and forgotten.
    client().change_pin(&Pin::new("9753"), &mut Answers(PIN)).expect("change PIN");
    let revoked = list(&session, None);
    assert!(!revoked.status.success(), "a revoked token must not list");
    assert!(String::from_utf8_lossy(&revoked.stderr).contains("no longer accepts the saved read-only access"));
    assert_eq!(rp_ids(&list(&session, Some("9753"))), ["example.com"]);
}
