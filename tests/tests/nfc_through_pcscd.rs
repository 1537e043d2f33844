//! NFC end to end through the operating system: the virtual key is a contactless card on
//! vsmartcard's vpcd reader inside the real pcscd, and our host reaches it through libpcsclite
//! (the `pcsc` crate), our ISO 7816 framing and our CTAP client, exactly as it would reach a key
//! on a USB NFC reader. The tests start pcscd when it is not running and stop what they started.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_ctap::auth_data::AuthenticatorData;
use keydesk_ctap::cose::CoseKey;
use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Error, GetAssertionArgs, Interaction, MakeCredentialArgs, Pin, PinRequest};
use keydesk_testkit::Pcscd;
use keydesk_transport::discovery::{self, scan, HotPlugEvent, HotPlugWatch, Problem};
use keydesk_transport::{Device, DeviceId, TransportError, TransportKind};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};
use keydesk_vpcd::{Card, CardServer, VirtualKeyCard};
use p256::ecdsa::signature::Verifier;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READER: &str = "nfc:Virtual PCD 00 00";

/// pcscd, and the virtual key on the vpcd reader, for one test.
struct Bench {
    card: Arc<Mutex<VirtualKeyCard>>,
    server: Arc<CardServer>,
    _pcscd: Pcscd,
}

impl Bench {
    fn start(presence: PresencePolicy) -> Self {
        let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
        let config = Config { presence, reset_window: Duration::from_secs(2), ..Config::default() };
        let key = Authenticator::new(config, KeyRng::os(), Duration::ZERO);
        let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
        let server = Arc::new(CardServer::start(pcscd.vpcd_address(), Arc::clone(&card)).expect("card server"));
        let bench = Self { card, server, _pcscd: pcscd };
        bench.wait_until(true);
        bench
    }

    /// Waits until discovery (pcscd's view) does or does not list the virtual key.
    fn wait_until(&self, listed: bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while scan().devices.iter().any(|d| d.id.0 == READER) != listed {
            assert!(Instant::now() < deadline, "the virtual key was not {} in time: {:?}", if listed { "listed" } else { "removed" }, scan());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn client(&self) -> Client<Box<dyn Device>> {
        Client::new(discovery::open(&DeviceId(READER.into())).expect("open the NFC key"))
    }
}

/// A front end that answers PIN requests from a queue and records what it was told.
#[derive(Default)]
struct Ui {
    pins: VecDeque<&'static str>,
    pin_requests: Vec<PinRequest>,
    touches: usize,
    /// Runs when the key asks for a touch (e.g. lift the card, or touch it).
    on_touch: Option<Box<dyn FnMut()>>,
    cancel_after_touch: bool,
}

impl Interaction for Ui {
    fn touch_needed(&mut self) {
        self.touches += 1;
        if let Some(action) = self.on_touch.as_mut() {
            action();
        }
    }
    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        self.pin_requests.push(request.clone());
        self.pins.pop_front().map(Pin::new)
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
    fn cancel_requested(&mut self) -> bool {
        self.cancel_after_touch && self.touches > 0
    }
}

fn registration(user: &str) -> MakeCredentialArgs {
    let mut args = MakeCredentialArgs::new([0x11; 32], RpEntity::new("example.com"), UserEntity::new(user.as_bytes().to_vec()));
    args.user.name = Some(format!("{user}@example.com"));
    args.resident_key = true;
    args
}

#[test]
fn the_virtual_key_is_listed_as_a_simulated_nfc_key() {
    let _bench = Bench::start(PresencePolicy::ApproveAll);
    let inventory = scan();
    let key = inventory.devices.iter().find(|d| d.id.0 == READER).expect("listed");
    assert_eq!(key.transport, TransportKind::Nfc);
    assert!(key.simulated, "vpcd cards are marked simulated");
}

#[test]
fn pin_registration_assertion_and_listing_through_pcscd() {
    let bench = Bench::start(PresencePolicy::ApproveAll);
    let mut client = bench.client();
    let info = client.ctap2_info().expect("getInfo").clone();
    assert!(info.supports_version("FIDO_2_1"));
    assert_eq!(info.option("clientPin"), Some(false));

    client.set_pin(&Pin::new("4821")).expect("set PIN");
    assert_eq!(client.pin_status().expect("status").pin_retries, Some(8));

    // One PIN entry per permission: makeCredential, getAssertion, credential management.
    let mut ui = Ui { pins: VecDeque::from(["4821", "4821", "4821"]), ..Ui::default() };
    let created = client.make_credential(&registration("alice"), &mut ui).expect("makeCredential");
    let auth_data = created.authenticator_data().expect("authData");
    assert!(auth_data.flags.user_present() && auth_data.flags.user_verified());
    let credential = auth_data.attested_credential.expect("attested credential");
    let CoseKey::Es256(point) = &credential.public_key else { panic!("ES256 expected") };

    let client_data_hash = [0x22; 32];
    let assertion = client.get_assertion(&GetAssertionArgs::new("example.com", client_data_hash), &mut ui).expect("getAssertion");
    // Verify independently of our own code: p256 over authData || clientDataHash (WebAuthn §6.3.3).
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(&point.x);
    sec1.extend_from_slice(&point.y);
    let public_key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).expect("public key");
    let signature = p256::ecdsa::Signature::from_der(&assertion.response.signature).expect("DER signature");
    let mut signed = assertion.response.auth_data.clone();
    signed.extend_from_slice(&client_data_hash);
    public_key.verify(&signed, &signature).expect("assertion signature verifies");
    let asserted = AuthenticatorData::from_bytes(&assertion.response.auth_data).expect("authData");
    assert!(asserted.flags.user_verified(), "the PIN token made the assertion user-verified");

    let list = client.list_passkeys(&mut ui).expect("credential management");
    assert_eq!(list.sites.len(), 1);
    assert_eq!(list.sites[0].rp_id, "example.com");
    assert_eq!(list.sites[0].passkeys[0].user_name.as_deref(), Some("alice@example.com"));
    assert_eq!(list.capacity.existing, 1);
    assert_eq!(ui.pin_requests.len(), 3, "one PIN entry per permission");
}

#[test]
fn a_wrong_pin_reports_retries_and_is_never_retried_by_the_client() {
    let bench = Bench::start(PresencePolicy::ApproveAll);
    let mut client = bench.client();
    client.set_pin(&Pin::new("4821")).expect("set PIN");
    // One wrong PIN, then the user gives up: the client must not try anything on its own.
    let mut ui = Ui { pins: VecDeque::from(["0000"]), ..Ui::default() };
    let error = client.make_credential(&registration("bob"), &mut ui).expect_err("wrong PIN");
    assert!(matches!(error, Error::WrongPin { retries_left: 7 }), "{error:?}");
    assert_eq!(ui.pin_requests.len(), 2, "asked once, then told the PIN was wrong and asked again");
    assert_eq!(ui.pin_requests[1].retries_left, Some(7));
    assert_eq!(bench.card.lock().unwrap().key_mut().pin_retries(), 7, "exactly one retry was burnt");
}

#[test]
fn cancelling_while_the_key_waits_for_a_touch() {
    let bench = Bench::start(PresencePolicy::WaitForTouch);
    let mut client = bench.client();
    let mut ui = Ui { cancel_after_touch: true, ..Ui::default() };
    let error = client.make_credential(&registration("carol"), &mut ui).expect_err("cancelled");
    assert_eq!(ui.touches, 1, "the touch request reached the front end");
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert_eq!(bench.card.lock().unwrap().key_mut().discoverable_credential_count(), 0);
}

#[test]
fn a_touch_completes_a_waiting_registration() {
    let bench = Bench::start(PresencePolicy::WaitForTouch);
    let mut client = bench.client();
    let card = Arc::clone(&bench.card);
    let mut ui = Ui { on_touch: Some(Box::new(move || card.lock().unwrap().touch())), ..Ui::default() };
    client.make_credential(&registration("dave"), &mut ui).expect("registered after the touch");
    assert_eq!(ui.touches, 1);
}

#[test]
fn lifting_the_card_mid_operation_is_a_clear_disconnect() {
    let bench = Bench::start(PresencePolicy::WaitForTouch);
    let mut client = bench.client();
    let server = Arc::clone(&bench.server);
    let mut ui = Ui { on_touch: Some(Box::new(move || server.remove())), ..Ui::default() };
    let error = client.make_credential(&registration("erin"), &mut ui).expect_err("card gone");
    assert!(matches!(error, Error::Transport(TransportError::Disconnected)), "{error:?}");
    assert!(error.to_string().contains("reconnect"), "the message says what to do: {error}");
}

#[test]
fn reset_is_accepted_only_right_after_the_card_returns() {
    let bench = Bench::start(PresencePolicy::ApproveAll);
    let mut client = bench.client();
    client.set_pin(&Pin::new("4821")).expect("set PIN");
    // Outside the window (2 s in this test's key): refused, and the PIN survives.
    std::thread::sleep(Duration::from_millis(2500));
    let error = client.reset(&mut Ui::default()).expect_err("outside the window");
    assert!(matches!(error, Error::ResetOutsideWindow), "{error:?}");
    assert!(client.pin_status().unwrap().pin_set);

    // Lift the card and put it back: a fresh power-up opens the window.
    drop(client);
    bench.server.remove();
    keydesk_vpcd::wait_for_card(keydesk_vpcd::VPCD_READER, false, Duration::from_secs(5)).expect("pcscd sees the reader empty");
    bench.server.insert();
    bench.wait_until(true);
    let mut client = bench.client();
    client.reset(&mut Ui::default()).expect("reset within the window");
    assert!(!client.pin_status().unwrap().pin_set, "the reset removed the PIN");
}

#[test]
fn hot_plug_events_follow_the_card_on_and_off_the_reader() {
    let bench = Bench::start(PresencePolicy::ApproveAll);
    let (sender, events) = std::sync::mpsc::channel();
    let _watch = HotPlugWatch::start(Duration::from_millis(200), sender).expect("watch");
    let next = || events.recv_timeout(Duration::from_secs(10)).expect("a hot-plug event");
    assert!(matches!(next(), HotPlugEvent::Added(d) if d.id.0 == READER && d.simulated));
    bench.server.remove();
    assert_eq!(next(), HotPlugEvent::Removed(DeviceId(READER.into())));
    keydesk_vpcd::wait_for_card(keydesk_vpcd::VPCD_READER, false, Duration::from_secs(5)).expect("pcscd sees the reader empty");
    bench.server.insert();
    assert!(matches!(next(), HotPlugEvent::Added(d) if d.id.0 == READER));
}

/// A card without a FIDO applet (a bank or ID card, say): every SELECT is "file not found".
struct NotFidoCard;

impl Card for NotFidoCard {
    fn power_on(&mut self) {}
    fn power_off(&mut self) {}
    fn transmit(&mut self, _apdu: &[u8]) -> Vec<u8> {
        vec![0x6A, 0x82]
    }
}

#[test]
fn a_card_without_the_fido_applet_is_named_as_such() {
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
    let _server = CardServer::start(pcscd.vpcd_address(), Arc::new(Mutex::new(NotFidoCard))).expect("card server");
    let expected = Problem::ReaderWithoutFidoCard { reader: READER.trim_start_matches("nfc:").into() };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inventory = scan();
        assert!(inventory.devices.is_empty(), "a non-FIDO card is not listed as a key");
        if inventory.problems.contains(&expected) {
            assert!(expected.to_string().contains("is not a FIDO security key"));
            return;
        }
        assert!(Instant::now() < deadline, "the non-FIDO card was never reported: {inventory:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Counts the SELECTs it receives; answers as a FIDO2 applet.
#[derive(Default)]
struct CountingCard {
    selects: usize,
}

impl Card for CountingCard {
    fn power_on(&mut self) {}
    fn power_off(&mut self) {}
    fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        if apdu.get(1) == Some(&0xA4) {
            self.selects += 1;
        }
        let mut reply = b"FIDO_2_0".to_vec();
        reply.extend_from_slice(&[0x90, 0x00]);
        reply
    }
}

#[test]
fn repeated_scans_probe_a_card_only_once_while_it_stays() {
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
    let card = Arc::new(Mutex::new(CountingCard::default()));
    let _server = CardServer::start(pcscd.vpcd_address(), Arc::clone(&card)).expect("card server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !scan().devices.iter().any(|d| d.id.0 == READER) {
        assert!(Instant::now() < deadline, "the card was not listed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let after_first = card.lock().unwrap().selects;
    for _ in 0..5 {
        assert!(scan().devices.iter().any(|d| d.id.0 == READER), "still listed");
    }
    assert_eq!(card.lock().unwrap().selects, after_first, "no SELECT under another session while the card stays");
}
