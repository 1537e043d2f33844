//! CTAPHID host <-> device in memory, at the size limits, plus golden layouts
//! from CTAP 2.1 §11.2.

// Test helpers outside #[test] functions unwrap and panic like the tests do.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use keydesk_framing::hid::{
    fragment_message, max_payload_len, report_id, Capabilities, DeviceConfig, DeviceEvent, DeviceVersion,
    HidCommand, HidDevice, HidErrorCode, HidHost, HostError, HostEvent, Packet, ReportLen, ReportOutcome,
    BROADCAST_CID, MAX_PAYLOAD_LEN,
};
use keydesk_framing::KeepaliveStatus;

const NONCE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// Host and device joined in memory; `drive` moves reports both ways until
/// neither side has anything left to send.
struct Pair {
    host: HidHost,
    device: HidDevice,
    now: Duration,
}

impl Pair {
    fn new(config: DeviceConfig) -> Self {
        let report_len = config.report_len;
        Self { host: HidHost::new(report_len), device: HidDevice::new(config), now: Duration::ZERO }
    }

    fn initialized() -> Self {
        let mut pair = Self::new(DeviceConfig::default());
        pair.host.begin_init(NONCE);
        pair.drive();
        match pair.host.poll_event() {
            Some(HostEvent::Initialized(info)) => assert_eq!(info.cid, 1),
            other => panic!("expected Initialized, got {other:?}"),
        }
        pair
    }

    fn drive(&mut self) {
        loop {
            let mut moved = false;
            while let Some(report) = self.host.poll_transmit() {
                // hidapi adds a report ID, uhid hands it to the device: strip it.
                let wire = report_id::with_report_id(&report);
                let stripped = report_id::strip_report_id(&wire, ReportLen::DEFAULT).unwrap();
                self.device.handle_report(stripped, self.now).unwrap();
                moved = true;
            }
            while let Some(report) = self.device.poll_transmit() {
                assert_eq!(self.host.handle_report(&report).unwrap(), ReportOutcome::Consumed);
                moved = true;
            }
            if !moved {
                break;
            }
        }
    }

    fn request(&mut self) -> keydesk_framing::hid::HidRequest {
        match self.device.poll_event() {
            Some(DeviceEvent::Request(request)) => request,
            other => panic!("expected a request, got {other:?}"),
        }
    }
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + 7) as u8).collect()
}

#[test]
fn max_payload_is_7609_for_64_byte_reports() {
    assert_eq!(MAX_PAYLOAD_LEN, 7609);
    assert_eq!(max_payload_len(ReportLen::new(64).unwrap()), 57 + 128 * 59);
}

#[test]
fn golden_init_request_layout() {
    // §11.2.9.1.3: INIT on the broadcast CID, BCNT = 8, the nonce, zero padding.
    let mut host = HidHost::new(ReportLen::DEFAULT);
    host.begin_init(NONCE);
    let report = host.poll_transmit().unwrap();
    let mut expected = vec![0xFF, 0xFF, 0xFF, 0xFF, 0x86, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8];
    expected.resize(64, 0);
    assert_eq!(report, expected);
}

#[test]
fn golden_init_response_layout() {
    let config = DeviceConfig {
        first_cid: 0x1122_3344,
        version: DeviceVersion { major: 5, minor: 4, build: 3 },
        capabilities: Capabilities(Capabilities::WINK | Capabilities::CBOR | Capabilities::NMSG),
        ..DeviceConfig::default()
    };
    let mut device = HidDevice::new(config);
    let mut request = vec![0xFF, 0xFF, 0xFF, 0xFF, 0x86, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8];
    request.resize(64, 0);
    device.handle_report(&request, Duration::ZERO).unwrap();
    let response = device.poll_transmit().unwrap();
    // broadcast CID, INIT|0x80, BCNT=17, nonce, new CID, protocol 2, version 5.4.3, caps 0x0D.
    let mut expected = vec![0xFF, 0xFF, 0xFF, 0xFF, 0x86, 0x00, 0x11, 1, 2, 3, 4, 5, 6, 7, 8];
    expected.extend_from_slice(&[0x11, 0x22, 0x33, 0x44, 0x02, 5, 4, 3, 0x0D]);
    expected.resize(64, 0);
    assert_eq!(response, expected);
    assert!(device.poll_transmit().is_none());
}

#[test]
fn golden_fragment_layout() {
    // 60 bytes: 57 in the init packet, 3 in continuation SEQ 0.
    let data = payload(60);
    let reports = fragment_message(0x0102_0304, HidCommand::Cbor, &data, ReportLen::DEFAULT).unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(&reports[0][..7], &[1, 2, 3, 4, 0x90, 0x00, 60]);
    assert_eq!(&reports[0][7..], &data[..57]);
    assert_eq!(&reports[1][..5], &[1, 2, 3, 4, 0x00]);
    assert_eq!(&reports[1][5..8], &data[57..]);
    assert!(reports[1][8..].iter().all(|&b| b == 0));
}

#[test]
fn command_and_error_codes_round_trip() {
    for (cmd, byte) in [
        (HidCommand::Ping, 0x81),
        (HidCommand::Msg, 0x83),
        (HidCommand::Lock, 0x84),
        (HidCommand::Init, 0x86),
        (HidCommand::Wink, 0x88),
        (HidCommand::Cbor, 0x90),
        (HidCommand::Cancel, 0x91),
        (HidCommand::Keepalive, 0xBB),
        (HidCommand::Error, 0xBF),
        (HidCommand::Vendor(0x40), 0xC0),
        (HidCommand::Vendor(0x7F), 0xFF),
    ] {
        assert_eq!(cmd.to_byte(), byte);
        assert_eq!(HidCommand::from_byte(byte), cmd);
    }
    for (code, byte) in [
        (HidErrorCode::InvalidCmd, 0x01),
        (HidErrorCode::InvalidPar, 0x02),
        (HidErrorCode::InvalidLen, 0x03),
        (HidErrorCode::InvalidSeq, 0x04),
        (HidErrorCode::MsgTimeout, 0x05),
        (HidErrorCode::ChannelBusy, 0x06),
        (HidErrorCode::LockRequired, 0x0A),
        (HidErrorCode::InvalidChannel, 0x0B),
        (HidErrorCode::Other, 0x7F),
    ] {
        assert_eq!(code.to_byte(), byte);
        assert_eq!(HidErrorCode::from_byte(byte), code);
    }
}

#[test]
fn cbor_round_trip_at_every_fragment_boundary() {
    let mut pair = Pair::initialized();
    let mut sizes = vec![0, 1, 56, 57, 58, MAX_PAYLOAD_LEN - 1, MAX_PAYLOAD_LEN];
    for k in 1..=128 {
        let boundary = 57 + 59 * k;
        sizes.extend([boundary - 1, boundary, boundary + 1]);
    }
    sizes.retain(|&s| (1..=MAX_PAYLOAD_LEN).contains(&s));
    for size in sizes {
        let request = payload(size);
        pair.host.send(HidCommand::Cbor, &request).unwrap();
        pair.drive();
        let served = pair.request();
        assert_eq!(served.payload, request, "request of {size} bytes");
        assert_eq!(served.cmd, HidCommand::Cbor);
        let response: Vec<u8> = request.iter().rev().copied().collect();
        pair.device.respond(served.id, &response).unwrap();
        pair.drive();
        assert_eq!(
            pair.host.poll_event(),
            Some(HostEvent::Response { cmd: HidCommand::Cbor, payload: response }),
            "response of {size} bytes"
        );
    }
}

#[test]
fn ping_echo_at_7609_and_7610_rejected_by_both_sides() {
    let mut pair = Pair::initialized();
    let max = payload(MAX_PAYLOAD_LEN);
    pair.host.send(HidCommand::Ping, &max).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Ping, payload: max }));

    // Host: never truncates, reports the error.
    let err = pair.host.send(HidCommand::Cbor, &payload(MAX_PAYLOAD_LEN + 1)).unwrap_err();
    assert!(matches!(err, HostError::PayloadTooLong(e) if e.len == 7610 && e.max == 7609));
    assert!(pair.host.poll_transmit().is_none());

    // Device: an init packet announcing 7610 bytes gets ERR_INVALID_LEN.
    let mut report = vec![0, 0, 0, 1, 0x90, (7610u16 >> 8) as u8, (7610u16 & 0xFF) as u8];
    report.resize(64, 0);
    pair.device.handle_report(&report, pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (1, HidErrorCode::InvalidLen));

    // Device: a response of 7610 bytes is refused, and the request stays open.
    pair.host.send(HidCommand::Cbor, &[0x04]).unwrap();
    pair.drive();
    let request = pair.request();
    assert!(pair.device.respond(request.id, &payload(MAX_PAYLOAD_LEN + 1)).is_err());
    pair.device.respond(request.id, &[0x00]).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Cbor, payload: vec![0] }));
}

#[test]
fn host_rejects_response_announcing_more_than_7609() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Cbor, &[0x04]).unwrap();
    while pair.host.poll_transmit().is_some() {}
    let mut report = vec![0, 0, 0, 1, 0x90, 0x1D, 0xBA]; // 7610
    report.resize(64, 0);
    assert_eq!(pair.host.handle_report(&report), Err(HostError::ResponseTooLong { len: 7610, max: 7609 }));
    assert!(!pair.host.is_busy());
}

fn error_code(report: &[u8]) -> (u32, HidErrorCode) {
    match Packet::parse(report, ReportLen::DEFAULT).unwrap() {
        Packet::Init { cid, cmd: HidCommand::Error, payload_len: 1, data } => (cid, HidErrorCode::from_byte(data[0])),
        other => panic!("expected an ERROR packet, got {other:?}"),
    }
}

#[test]
fn interleaved_keepalives_then_response() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Cbor, &[0x01, 0xA0]).unwrap();
    pair.drive();
    let request = pair.request();
    assert_eq!(pair.device.next_timeout(), Some(Duration::from_millis(100)));
    pair.now = Duration::from_millis(100);
    pair.device.handle_timeout(pair.now);
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Keepalive(KeepaliveStatus::Processing)));
    pair.device.set_keepalive_status(request.id, KeepaliveStatus::UpNeeded, pair.now).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Keepalive(KeepaliveStatus::UpNeeded)));
    pair.now = Duration::from_millis(200);
    pair.device.handle_timeout(pair.now);
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Keepalive(KeepaliveStatus::UpNeeded)));
    pair.device.respond(request.id, &[0x00]).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Cbor, payload: vec![0] }));
    assert_eq!(pair.device.next_timeout(), None);
}

#[test]
fn cancel_mid_transaction_reaches_the_owner() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Cbor, &payload(300)).unwrap();
    pair.drive();
    let request = pair.request();
    pair.host.cancel().unwrap();
    let cancel = pair.host.poll_transmit().unwrap();
    assert_eq!(&cancel[..7], &[0, 0, 0, 1, 0x91, 0, 0]);
    pair.device.handle_report(&cancel, pair.now).unwrap();
    assert_eq!(pair.device.poll_event(), Some(DeviceEvent::Cancel { id: request.id }));
    assert!(pair.device.poll_transmit().is_none(), "CANCEL is never answered");
    pair.device.respond(request.id, &[0x2D]).unwrap(); // CTAP2_ERR_KEEPALIVE_CANCEL
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Cbor, payload: vec![0x2D] }));
}

#[test]
fn cancel_while_receiving_drops_the_partial_message() {
    let mut pair = Pair::initialized();
    let reports = fragment_message(1, HidCommand::Cbor, &payload(200), ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&reports[0], pair.now).unwrap();
    let cancel = fragment_message(1, HidCommand::Cancel, &[], ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&cancel[0], pair.now).unwrap();
    pair.device.handle_report(&reports[1], pair.now).unwrap(); // now spurious: ignored
    assert!(pair.device.poll_event().is_none());
    assert!(pair.device.poll_transmit().is_none());
    assert_eq!(pair.device.next_timeout(), None);
}

#[test]
fn other_channel_gets_channel_busy_while_a_transaction_runs() {
    let mut pair = Pair::initialized();
    // A second application allocates channel 2.
    let mut other = HidHost::new(ReportLen::DEFAULT);
    other.begin_init([9; 8]);
    pair.device.handle_report(&other.poll_transmit().unwrap(), pair.now).unwrap();
    let init_response = pair.device.poll_transmit().unwrap();
    // Our host sees another application's INIT response: ignored by nonce.
    pair.host.send(HidCommand::Cbor, &payload(100)).unwrap();
    assert_eq!(pair.host.handle_report(&init_response), Ok(ReportOutcome::OtherChannel { cid: BROADCAST_CID }));
    other.handle_report(&init_response).unwrap();
    assert!(matches!(other.poll_event(), Some(HostEvent::Initialized(info)) if info.cid == 2));

    // Busy while reassembling our message...
    let first = pair.host.poll_transmit().unwrap();
    pair.device.handle_report(&first, pair.now).unwrap();
    other.send(HidCommand::Ping, b"hi").unwrap();
    pair.device.handle_report(&other.poll_transmit().unwrap(), pair.now).unwrap();
    let busy = pair.device.poll_transmit().unwrap();
    assert_eq!(error_code(&busy), (2, HidErrorCode::ChannelBusy));
    other.handle_report(&busy).unwrap();
    assert_eq!(other.poll_event(), Some(HostEvent::Error(HidErrorCode::ChannelBusy)));
    // ...and while the owner serves it.
    pair.drive();
    let request = pair.request();
    other.send(HidCommand::Ping, b"hi").unwrap();
    pair.device.handle_report(&other.poll_transmit().unwrap(), pair.now).unwrap();
    let busy = pair.device.poll_transmit().unwrap();
    assert_eq!(error_code(&busy), (2, HidErrorCode::ChannelBusy));
    assert_eq!(pair.host.handle_report(&busy), Ok(ReportOutcome::OtherChannel { cid: 2 }));
    other.handle_report(&busy).unwrap();
    assert_eq!(other.poll_event(), Some(HostEvent::Error(HidErrorCode::ChannelBusy)));
    pair.device.respond(request.id, b"ok").unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Cbor, payload: b"ok".to_vec() }));
    // Free again.
    other.send(HidCommand::Ping, b"hi").unwrap();
    pair.device.handle_report(&other.poll_transmit().unwrap(), pair.now).unwrap();
    other.handle_report(&pair.device.poll_transmit().unwrap()).unwrap();
    assert_eq!(other.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Ping, payload: b"hi".to_vec() }));
}

#[test]
fn host_ignores_reports_for_other_channels() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Cbor, &[4]).unwrap();
    let foreign = fragment_message(7, HidCommand::Cbor, b"not yours", ReportLen::DEFAULT).unwrap();
    assert_eq!(pair.host.handle_report(&foreign[0]), Ok(ReportOutcome::OtherChannel { cid: 7 }));
    assert!(pair.host.poll_event().is_none());
    assert!(pair.host.is_busy());
}

#[test]
fn wrong_sequence_is_invalid_seq_on_both_sides() {
    let mut pair = Pair::initialized();
    let mut reports = fragment_message(1, HidCommand::Cbor, &payload(200), ReportLen::DEFAULT).unwrap();
    reports[2][4] = 5; // expected SEQ 1
    pair.device.handle_report(&reports[0], pair.now).unwrap();
    pair.device.handle_report(&reports[1], pair.now).unwrap();
    pair.device.handle_report(&reports[2], pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (1, HidErrorCode::InvalidSeq));
    assert!(pair.device.poll_event().is_none());

    pair.host.send(HidCommand::Cbor, &[4]).unwrap();
    pair.drive();
    let request = pair.request();
    pair.device.respond(request.id, &payload(200)).unwrap();
    let first = pair.device.poll_transmit().unwrap();
    let _skipped = pair.device.poll_transmit().unwrap();
    let third = pair.device.poll_transmit().unwrap();
    pair.host.handle_report(&first).unwrap();
    assert_eq!(pair.host.handle_report(&third), Err(HostError::UnexpectedSequence { expected: 0, got: 1 }));
    assert!(!pair.host.is_busy());
}

#[test]
fn new_message_on_same_channel_mid_reassembly_is_invalid_seq() {
    let mut pair = Pair::initialized();
    let reports = fragment_message(1, HidCommand::Cbor, &payload(200), ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&reports[0], pair.now).unwrap();
    pair.device.handle_report(&reports[0], pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (1, HidErrorCode::InvalidSeq));
}

#[test]
fn sequence_runs_to_127_in_the_largest_message() {
    let reports = fragment_message(1, HidCommand::Cbor, &payload(MAX_PAYLOAD_LEN), ReportLen::DEFAULT).unwrap();
    assert_eq!(reports.len(), 129);
    assert_eq!(reports[128][4], 127);
}

#[test]
fn incomplete_message_times_out() {
    let mut pair = Pair::initialized();
    let reports = fragment_message(1, HidCommand::Cbor, &payload(200), ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&reports[0], Duration::from_millis(1000)).unwrap();
    pair.device.handle_report(&reports[1], Duration::from_millis(1400)).unwrap();
    assert_eq!(pair.device.next_timeout(), Some(Duration::from_millis(1900)));
    pair.device.handle_timeout(Duration::from_millis(1899));
    assert!(pair.device.poll_transmit().is_none());
    pair.device.handle_timeout(Duration::from_millis(1900));
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (1, HidErrorCode::MsgTimeout));
    // The late continuation is now spurious.
    pair.device.handle_report(&reports[2], Duration::from_millis(2000)).unwrap();
    assert!(pair.device.poll_transmit().is_none());
    assert!(pair.device.poll_event().is_none());
}

#[test]
fn channel_rules() {
    let mut pair = Pair::initialized();
    // Non-INIT command on the broadcast channel.
    let ping = fragment_message(BROADCAST_CID, HidCommand::Ping, b"x", ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&ping[0], pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (BROADCAST_CID, HidErrorCode::InvalidChannel));
    // Unallocated channel.
    let ping = fragment_message(99, HidCommand::Ping, b"x", ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&ping[0], pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (99, HidErrorCode::InvalidChannel));
    // Reserved channel 0.
    let ping = fragment_message(0, HidCommand::Ping, b"x", ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&ping[0], pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (0, HidErrorCode::InvalidChannel));
    // INIT with a 7-byte nonce.
    let init = fragment_message(BROADCAST_CID, HidCommand::Init, &[0; 7], ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&init[0], pair.now).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (BROADCAST_CID, HidErrorCode::InvalidLen));
    // Unknown command, and KEEPALIVE/ERROR from a host.
    for cmd in [HidCommand::Unassigned(0x20), HidCommand::Keepalive, HidCommand::Error] {
        let report = fragment_message(1, cmd, &[1], ReportLen::DEFAULT).unwrap();
        pair.device.handle_report(&report[0], pair.now).unwrap();
        assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (1, HidErrorCode::InvalidCmd));
    }
    // MSG on a device with NMSG.
    let mut nmsg = HidDevice::new(DeviceConfig {
        capabilities: Capabilities(Capabilities::CBOR | Capabilities::NMSG),
        ..DeviceConfig::default()
    });
    nmsg.handle_report(&fragment_message(BROADCAST_CID, HidCommand::Init, &NONCE, ReportLen::DEFAULT).unwrap()[0], pair.now).unwrap();
    nmsg.poll_transmit().unwrap();
    nmsg.handle_report(&fragment_message(1, HidCommand::Msg, &[0, 3, 0, 0], ReportLen::DEFAULT).unwrap()[0], pair.now).unwrap();
    assert_eq!(error_code(&nmsg.poll_transmit().unwrap()), (1, HidErrorCode::InvalidCmd));
}

#[test]
fn init_on_allocated_channel_resynchronises_and_aborts() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Cbor, &[4]).unwrap();
    pair.drive();
    let request = pair.request();
    let init = fragment_message(1, HidCommand::Init, &[7; 8], ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&init[0], pair.now).unwrap();
    assert_eq!(pair.device.poll_event(), Some(DeviceEvent::Aborted { id: request.id }));
    let response = pair.device.poll_transmit().unwrap();
    assert_eq!(&response[..7], &[0, 0, 0, 1, 0x86, 0, 17]);
    assert_eq!(&response[15..19], &[0, 0, 0, 1], "same channel kept");
    assert!(pair.device.respond(request.id, &[0]).is_err(), "stale transaction");
}

#[test]
fn lock_excludes_other_channels_until_it_expires() {
    let mut pair = Pair::initialized();
    let mut other = HidHost::new(ReportLen::DEFAULT);
    other.begin_init([9; 8]);
    pair.device.handle_report(&other.poll_transmit().unwrap(), pair.now).unwrap();
    other.handle_report(&pair.device.poll_transmit().unwrap()).unwrap();
    other.poll_event().unwrap();

    pair.host.send(HidCommand::Lock, &[2]).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Lock, payload: vec![] }));
    other.send(HidCommand::Ping, b"x").unwrap();
    pair.device.handle_report(&other.poll_transmit().unwrap(), Duration::from_millis(1999)).unwrap();
    assert_eq!(error_code(&pair.device.poll_transmit().unwrap()), (2, HidErrorCode::ChannelBusy));
    other.send(HidCommand::Ping, b"x").unwrap_err(); // still waiting for its first answer
    let ping = fragment_message(2, HidCommand::Ping, b"x", ReportLen::DEFAULT).unwrap();
    pair.device.handle_report(&ping[0], Duration::from_secs(2)).unwrap();
    let echo = pair.device.poll_transmit().unwrap();
    assert_eq!(&echo[..8], &[0, 0, 0, 2, 0x81, 0, 1, b'x']);

    // Bad lock times.
    pair.host.send(HidCommand::Lock, &[11]).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Error(HidErrorCode::InvalidPar)));
    pair.host.send(HidCommand::Lock, &[]).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Error(HidErrorCode::InvalidLen)));
}

#[test]
fn wink_is_answered_and_reported() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Wink, &[]).unwrap();
    pair.drive();
    assert_eq!(pair.device.poll_event(), Some(DeviceEvent::Wink { cid: 1 }));
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Wink, payload: vec![] }));
}

#[test]
fn host_api_misuse_and_unexpected_packets() {
    let mut host = HidHost::new(ReportLen::DEFAULT);
    assert_eq!(host.send(HidCommand::Cbor, &[4]), Err(HostError::NoChannel));
    let mut pair = Pair::initialized();
    assert_eq!(pair.host.cancel(), Err(HostError::NothingToCancel));
    assert_eq!(pair.host.send(HidCommand::Init, &[0; 8]), Err(HostError::NotATransactionCommand(HidCommand::Init)));
    let unsolicited = fragment_message(1, HidCommand::Cbor, &[0], ReportLen::DEFAULT).unwrap();
    assert_eq!(pair.host.handle_report(&unsolicited[0]), Err(HostError::UnsolicitedPacket));
    pair.host.send(HidCommand::Cbor, &[4]).unwrap();
    assert_eq!(pair.host.send(HidCommand::Cbor, &[4]), Err(HostError::Busy));
    let wrong = fragment_message(1, HidCommand::Msg, &[0], ReportLen::DEFAULT).unwrap();
    assert_eq!(
        pair.host.handle_report(&wrong[0]),
        Err(HostError::UnexpectedResponseCommand { expected: HidCommand::Cbor, got: HidCommand::Msg })
    );
    assert_eq!(pair.host.handle_report(&[0; 63]).unwrap_err().to_string(), "HID report is 63 bytes, expected 64");
}

#[test]
fn report_id_helpers() {
    let report = [0xAB; 64];
    let written = report_id::with_report_id(&report);
    assert_eq!(written.len(), 65);
    assert_eq!(written[0], 0);
    assert_eq!(report_id::strip_report_id(&written, ReportLen::DEFAULT).unwrap(), &report);
    assert_eq!(report_id::strip_report_id(&report, ReportLen::DEFAULT).unwrap(), &report);
    let mut bad = written.clone();
    bad[0] = 3;
    assert_eq!(report_id::strip_report_id(&bad, ReportLen::DEFAULT), Err(report_id::ReportIdError::UnexpectedReportId(3)));
    assert!(report_id::strip_report_id(&written[..10], ReportLen::DEFAULT).is_err());
}

#[test]
fn small_reports_for_tests() {
    let report_len = ReportLen::new(16).unwrap();
    let config = DeviceConfig { report_len, ..DeviceConfig::default() };
    let mut device = HidDevice::new(config);
    let mut host = HidHost::new(report_len);
    host.begin_init(NONCE);
    let max = max_payload_len(report_len);
    assert_eq!(max, 9 + 128 * 11);
    let run = |host: &mut HidHost, device: &mut HidDevice| loop {
        let mut moved = false;
        while let Some(r) = host.poll_transmit() {
            device.handle_report(&r, Duration::ZERO).unwrap();
            moved = true;
        }
        while let Some(r) = device.poll_transmit() {
            host.handle_report(&r).unwrap();
            moved = true;
        }
        if !moved {
            break;
        }
    };
    run(&mut host, &mut device);
    assert!(matches!(host.poll_event(), Some(HostEvent::Initialized(_))));
    host.send(HidCommand::Ping, &payload(max)).unwrap();
    run(&mut host, &mut device);
    assert_eq!(host.poll_event(), Some(HostEvent::Response { cmd: HidCommand::Ping, payload: payload(max) }));
    assert!(host.send(HidCommand::Ping, &payload(max + 1)).is_err());
}

#[test]
fn channel_allocation_stays_bounded_and_skips_reserved_ids() {
    let mut device = HidDevice::new(DeviceConfig { first_cid: 0xFFFF_FFFE, ..DeviceConfig::default() });
    let mut cids = Vec::new();
    for _ in 0..3 {
        let init = fragment_message(BROADCAST_CID, HidCommand::Init, &NONCE, ReportLen::DEFAULT).unwrap();
        device.handle_report(&init[0], Duration::ZERO).unwrap();
        let response = device.poll_transmit().unwrap();
        cids.push(u32::from_be_bytes(response[15..19].try_into().unwrap()));
    }
    assert_eq!(cids, vec![0xFFFF_FFFE, 1, 2]);
    assert!(device.is_allocated(0xFFFF_FFFE) && device.is_allocated(1) && device.is_allocated(2));
    assert!(!device.is_allocated(3) && !device.is_allocated(0) && !device.is_allocated(BROADCAST_CID));
}

#[test]
fn owner_can_answer_with_a_ctaphid_error() {
    let mut pair = Pair::initialized();
    pair.host.send(HidCommand::Msg, &[0, 3, 0, 0]).unwrap();
    pair.drive();
    let request = pair.request();
    assert_eq!(request.cmd, HidCommand::Msg);
    pair.device.respond_error(request.id, HidErrorCode::Other).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(HostEvent::Error(HidErrorCode::Other)));
    assert!(pair.device.respond(request.id, &[]).is_err());
    // Vendor commands reach the owner too.
    pair.host.send(HidCommand::Vendor(0x41), b"v").unwrap();
    pair.drive();
    let request = pair.request();
    assert_eq!((request.cmd, request.payload.as_slice()), (HidCommand::Vendor(0x41), &b"v"[..]));
}
