//! The virtual key driven through each framing in memory: the host side of keydesk-framing
//! talks to the device adapters, so framing, keepalive and cancel paths run for real.
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use std::time::Duration;

use common::{status_of, Host};
use keydesk_ctap::commands::{GetInfoRequest, GetInfoResponse, MakeCredentialResponse};
use keydesk_ctap::entities::CredentialDescriptor;
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_framing::ble::{BleCommand, BleDeviceConfig, BleEvent, BleHost, ControlPointLen};
use keydesk_framing::hid::{DeviceConfig, HidCommand, HidHost, HostEvent as HidEvent, ReportLen};
use keydesk_framing::iso7816::{ApduHost, ApduHostConfig, Applet, CardConfig, HostEvent as CardEvent};
use keydesk_framing::KeepaliveStatus;
use keydesk_u2f::{AuthenticateControl, AuthenticateRequest, RegisterRequest, RegisterResponse, StatusWord};
use keydesk_virtual_key::{Authenticator, BleKey, CardKey, Config, HidKey, KeyRng, PresencePolicy};

fn key(presence: PresencePolicy) -> Authenticator {
    Authenticator::new(Config { presence, ..Config::default() }, KeyRng::seeded(11), Duration::ZERO)
}

/// A makeCredential whose request spans several packets / APDUs.
fn big_make_credential() -> Vec<u8> {
    let host = Host::new(Config::default());
    let mut request = host.mc_request("example.com", b"alice", true);
    request.exclude_list = Some((0..12u8).map(|i| CredentialDescriptor::public_key(vec![i; 64])).collect());
    request.encode()
}

// ------------------------------------------------------------------ CTAPHID

struct HidPair {
    host: HidHost,
    key: HidKey,
    now: Duration,
}

impl HidPair {
    fn new(presence: PresencePolicy) -> Self {
        let mut pair = Self { host: HidHost::new(ReportLen::DEFAULT), key: HidKey::new(key(presence), DeviceConfig::default()), now: Duration::ZERO };
        pair.host.begin_init([1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(matches!(pair.drive().first(), Some(HidEvent::Initialized(_))));
        pair
    }

    /// Moves reports both ways until quiet; returns the host's events.
    fn drive(&mut self) -> Vec<HidEvent> {
        let mut events = Vec::new();
        loop {
            let mut moved = false;
            while let Some(report) = self.host.poll_transmit() {
                self.key.handle_report(&report, self.now).unwrap();
                moved = true;
            }
            while let Some(report) = self.key.poll_transmit() {
                self.host.handle_report(&report).unwrap();
                moved = true;
            }
            while let Some(event) = self.host.poll_event() {
                events.push(event);
            }
            if !moved {
                return events;
            }
        }
    }

    fn response(events: &[HidEvent]) -> Option<Vec<u8>> {
        events.iter().find_map(|e| match e {
            HidEvent::Response { payload, .. } => Some(payload.clone()),
            _ => None,
        })
    }
}

#[test]
fn ctaphid_get_info_and_a_multi_packet_make_credential() {
    let mut pair = HidPair::new(PresencePolicy::ApproveAll);
    pair.host.send(HidCommand::Cbor, &GetInfoRequest.encode()).unwrap();
    let info = GetInfoResponse::decode(&HidPair::response(&pair.drive()).unwrap()).unwrap();
    assert_eq!(info.max_msg_size, Some(7609));
    pair.host.send(HidCommand::Cbor, &big_make_credential()).unwrap();
    let response = HidPair::response(&pair.drive()).unwrap();
    assert!(MakeCredentialResponse::decode(&response).is_ok());
}

#[test]
fn ctaphid_keepalives_while_waiting_then_touch_or_cancel() {
    let mut pair = HidPair::new(PresencePolicy::WaitForTouch);
    let request = Host::new(Config::default()).mc_request("example.com", b"alice", false).encode();
    pair.host.send(HidCommand::Cbor, &request).unwrap();
    let events = pair.drive();
    assert!(events.contains(&HidEvent::Keepalive(KeepaliveStatus::UpNeeded)), "{events:?}");
    // Periodic keepalives keep coming while the user thinks.
    pair.now += Duration::from_millis(150);
    let due = pair.key.next_timeout().unwrap();
    assert!(due <= pair.now);
    pair.key.handle_timeout(pair.now);
    assert!(pair.drive().contains(&HidEvent::Keepalive(KeepaliveStatus::UpNeeded)));
    pair.key.touch(pair.now);
    let response = HidPair::response(&pair.drive()).unwrap();
    assert_eq!(status_of(&response), StatusCode::Ok);

    pair.host.send(HidCommand::Cbor, &request).unwrap();
    pair.drive();
    pair.host.cancel().unwrap();
    let response = HidPair::response(&pair.drive()).unwrap();
    assert_eq!(status_of(&response), StatusCode::KeepaliveCancel);
    assert!(!pair.key.key().is_waiting_for_presence());
}

#[test]
fn ctaphid_u2f_register_polls_until_touched_then_authenticates() {
    let mut pair = HidPair::new(PresencePolicy::WaitForTouch);
    let register = RegisterRequest { challenge: [1; 32], application: [2; 32] };
    let apdu = register.to_command().encode(keydesk_u2f::ApduEncoding::Extended).unwrap();
    pair.host.send(HidCommand::Msg, &apdu).unwrap();
    let first = HidPair::response(&pair.drive()).unwrap();
    assert_eq!(first, StatusWord::ConditionsNotSatisfied.to_bytes().to_vec(), "6985: touch needed");
    pair.key.touch(pair.now);
    pair.host.send(HidCommand::Msg, &apdu).unwrap();
    let registered = RegisterResponse::decode_response_apdu(&HidPair::response(&pair.drive()).unwrap()).unwrap();

    let check = AuthenticateRequest {
        control: AuthenticateControl::CheckOnly,
        challenge: [3; 32],
        application: [2; 32],
        key_handle: registered.key_handle.clone(),
    };
    pair.host.send(HidCommand::Msg, &check.to_command().unwrap().encode(keydesk_u2f::ApduEncoding::Extended).unwrap()).unwrap();
    assert_eq!(HidPair::response(&pair.drive()).unwrap(), vec![0x69, 0x85], "check-only: the handle is ours");
    // Sign with presence (the touch is latched for the next U2F request).
    pair.key.touch(pair.now);
    let sign = AuthenticateRequest { control: AuthenticateControl::EnforceUserPresenceAndSign, ..check.clone() };
    pair.host.send(HidCommand::Msg, &sign.to_command().unwrap().encode(keydesk_u2f::ApduEncoding::Extended).unwrap()).unwrap();
    let signed = keydesk_u2f::AuthenticateResponse::decode_response_apdu(&HidPair::response(&pair.drive()).unwrap()).unwrap();
    assert!(signed.user_present());
    let message = keydesk_u2f::authenticate_signed_data(&[2; 32], signed.user_presence, signed.counter, &[3; 32]);
    let public = p256::ecdsa::VerifyingKey::from_sec1_bytes(&registered.user_public_key).unwrap();
    use p256::ecdsa::signature::Verifier as _;
    public.verify(&message, &p256::ecdsa::DerSignature::try_from(signed.signature.as_slice()).unwrap()).unwrap();
    // Without a touch the next one is refused with 6985.
    pair.host.send(HidCommand::Msg, &sign.to_command().unwrap().encode(keydesk_u2f::ApduEncoding::Extended).unwrap()).unwrap();
    assert_eq!(HidPair::response(&pair.drive()).unwrap(), vec![0x69, 0x85]);
    let wrong_app = AuthenticateRequest { application: [9; 32], ..check };
    pair.host.send(HidCommand::Msg, &wrong_app.to_command().unwrap().encode(keydesk_u2f::ApduEncoding::Extended).unwrap()).unwrap();
    assert_eq!(HidPair::response(&pair.drive()).unwrap(), vec![0x6a, 0x80]);
}

// ------------------------------------------------------------------ ISO 7816

struct CardPair {
    host: ApduHost,
    card: CardKey,
    now: Duration,
}

impl CardPair {
    fn new(presence: PresencePolicy, host_config: ApduHostConfig) -> Self {
        let mut pair = Self { host: ApduHost::new(host_config), card: CardKey::new(key(presence), CardConfig::default()), now: Duration::ZERO };
        pair.host.select().unwrap();
        assert_eq!(pair.drive(), vec![CardEvent::Selected(Applet::Fido2)]);
        pair
    }

    fn drive(&mut self) -> Vec<CardEvent> {
        let mut events = Vec::new();
        while let Some(apdu) = self.host.poll_transmit() {
            let response = self.card.handle_apdu(&apdu, self.now);
            self.host.handle_response(&response, self.now).unwrap();
            while let Some(event) = self.host.poll_event() {
                events.push(event);
            }
        }
        events
    }

    /// Lets the host's next status poll go out.
    fn poll_again(&mut self) -> Vec<CardEvent> {
        self.now += Duration::from_millis(100);
        self.host.handle_timeout(self.now);
        self.drive()
    }
}

fn ctap_response(events: &[CardEvent]) -> Option<Vec<u8>> {
    events.iter().find_map(|e| match e {
        CardEvent::CtapResponse(bytes) => Some(bytes.clone()),
        _ => None,
    })
}

#[test]
fn card_get_info_chaining_and_61xx() {
    for config in [ApduHostConfig::default(), ApduHostConfig { extended_length: true, ..ApduHostConfig::default() }] {
        let mut pair = CardPair::new(PresencePolicy::ApproveAll, config);
        pair.host.send_ctap(&GetInfoRequest.encode()).unwrap();
        let info = GetInfoResponse::decode(&ctap_response(&pair.drive()).unwrap()).unwrap();
        assert!(info.transports.unwrap().contains(&"nfc".to_owned()));
        pair.host.send_ctap(&big_make_credential()).unwrap();
        let response = ctap_response(&pair.drive()).unwrap();
        assert!(MakeCredentialResponse::decode(&response).is_ok());
    }
}

#[test]
fn card_status_polling_while_waiting_for_touch_and_cancel() {
    let mut pair = CardPair::new(PresencePolicy::WaitForTouch, ApduHostConfig::default());
    let request = Host::new(Config::default()).mc_request("example.com", b"alice", false).encode();
    pair.host.send_ctap(&request).unwrap();
    assert!(pair.drive().contains(&CardEvent::Status(KeepaliveStatus::UpNeeded)));
    assert!(pair.poll_again().contains(&CardEvent::Status(KeepaliveStatus::UpNeeded)));
    pair.card.touch(pair.now);
    let response = ctap_response(&pair.poll_again()).unwrap();
    assert_eq!(status_of(&response), StatusCode::Ok);

    pair.host.send_ctap(&request).unwrap();
    pair.drive();
    pair.host.cancel().unwrap();
    let mut events = pair.poll_again();
    if ctap_response(&events).is_none() {
        events = pair.poll_again();
    }
    assert_eq!(status_of(&ctap_response(&events).unwrap()), StatusCode::KeepaliveCancel);
}

#[test]
fn card_serves_raw_apdus_for_the_vpcd_shell() {
    let mut card = CardKey::new(key(PresencePolicy::ApproveAll), CardConfig::default());
    let now = Duration::ZERO;
    assert_eq!(card.atr(), &[0x3b, 0x80, 0x80, 0x01, 0x01]);
    let select = hex::decode("00A4040008A0000006472F0001").unwrap();
    assert_eq!(card.handle_apdu(&select, now), b"FIDO_2_0\x90\x00".to_vec());
    assert_eq!(card.handle_apdu(&hex::decode("00A4040008A0000006472F0002").unwrap(), now), vec![0x6a, 0x82]);
    card.handle_apdu(&select, now);
    // NFCCTAP_MSG getInfo, short APDU with Le=00 (python-fido2 style), then GET RESPONSE.
    let response = card.handle_apdu(&[0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00], now);
    let (data, sw) = response.split_at(response.len() - 2);
    assert_eq!(sw[0], 0x61, "long answer continues with 61xx");
    let mut all = data.to_vec();
    let mut sw = sw.to_vec();
    while sw[0] == 0x61 {
        let next = card.handle_apdu(&[0x00, 0xc0, 0x00, 0x00, sw[1]], now);
        let (data, rest) = next.split_at(next.len() - 2);
        all.extend_from_slice(data);
        sw = rest.to_vec();
    }
    assert_eq!(sw, vec![0x90, 0x00]);
    assert!(GetInfoResponse::decode(&all).is_ok());
    // U2F VERSION as a raw APDU.
    assert_eq!(card.handle_apdu(&[0x00, 0x03, 0x00, 0x00, 0x00], now), b"U2F_V2\x90\x00".to_vec());
    // Removal and reinsertion reopens the reset window.
    card.power_cycle(Duration::from_secs(100));
    let reset = keydesk_ctap::commands::ResetRequest.encode();
    let mut apdu = vec![0x80, 0x10, 0x00, 0x00, 0x01];
    apdu.extend_from_slice(&reset);
    apdu.push(0x00);
    assert_eq!(card.handle_apdu(&select, Duration::from_secs(101)), b"FIDO_2_0\x90\x00".to_vec());
    assert_eq!(card.handle_apdu(&apdu, Duration::from_secs(101)), vec![0x00, 0x90, 0x00], "reset within the window");
}

// ------------------------------------------------------------------ BLE

#[test]
fn ble_fragments_keepalive_and_touch() {
    let control_point = ControlPointLen::new(20).unwrap();
    let mut host = BleHost::new(control_point, 65_535);
    let mut key = BleKey::new(key(PresencePolicy::WaitForTouch), BleDeviceConfig { control_point_len: control_point, ..BleDeviceConfig::default() });
    let now = Duration::ZERO;
    let drive = |host: &mut BleHost, key: &mut BleKey| {
        let mut events = Vec::new();
        loop {
            let mut moved = false;
            while let Some(fragment) = host.poll_transmit() {
                key.handle_write(&fragment, now).unwrap();
                moved = true;
            }
            while let Some(notification) = key.poll_transmit() {
                host.handle_notification(&notification).unwrap();
                moved = true;
            }
            while let Some(event) = host.poll_event() {
                events.push(event);
            }
            if !moved {
                return events;
            }
        }
    };
    host.send(BleCommand::Msg, &GetInfoRequest.encode()).unwrap();
    let events = drive(&mut host, &mut key);
    let Some(BleEvent::Response { payload, .. }) = events.last() else { panic!("{events:?}") };
    assert!(GetInfoResponse::decode(payload).is_ok());

    let request = Host::new(Config::default()).mc_request("example.com", b"alice", false).encode();
    host.send(BleCommand::Msg, &request).unwrap();
    assert!(drive(&mut host, &mut key).contains(&BleEvent::Keepalive(KeepaliveStatus::UpNeeded)));
    key.touch(now);
    let events = drive(&mut host, &mut key);
    let Some(BleEvent::Response { payload, .. }) = events.last() else { panic!("{events:?}") };
    assert_eq!(status_of(payload), StatusCode::Ok);
}
