//! BLE host <-> device in memory at every fragment size, plus golden layouts
//! from CTAP 2.1 §11.4.

// Test helpers outside #[test] functions unwrap and panic like the tests do.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use keydesk_framing::ble::{
    fragment_message, BleCommand, BleDevice, BleDeviceConfig, BleDeviceError, BleDeviceEvent, BleErrorCode,
    BleEvent, BleHost, BleHostError, BleMessage, ControlPointLen, ControlPointLenError, Reassembler,
    ReassemblyError, ServiceRevisionError, ServiceRevisions, CONTROL_POINT_LENGTH_UUID, CONTROL_POINT_UUID,
    FIDO_SERVICE_UUID, SERVICE_REVISION_BITFIELD_UUID, STATUS_UUID,
};
use keydesk_framing::KeepaliveStatus;

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 17 + 3) as u8).collect()
}

struct Pair {
    host: BleHost,
    device: BleDevice,
    now: Duration,
    cpl: usize,
    notify_len: usize,
}

impl Pair {
    fn new(cpl: u16, notify_len: usize) -> Self {
        let control_point_len = ControlPointLen::new(cpl).unwrap();
        let config = BleDeviceConfig { control_point_len, notify_len, max_request_len: 65_535, ..BleDeviceConfig::default() };
        Self {
            host: BleHost::new(control_point_len, 65_535),
            device: BleDevice::new(config),
            now: Duration::ZERO,
            cpl: usize::from(cpl),
            notify_len,
        }
    }

    fn drive(&mut self) {
        loop {
            let mut moved = false;
            while let Some(fragment) = self.host.poll_transmit() {
                assert!(fragment.len() <= self.cpl, "write of {} > control point length {}", fragment.len(), self.cpl);
                self.device.handle_write(&fragment, self.now).unwrap();
                moved = true;
            }
            while let Some(fragment) = self.device.poll_transmit() {
                assert!(fragment.len() <= self.notify_len);
                self.host.handle_notification(&fragment).unwrap();
                moved = true;
            }
            if !moved {
                break;
            }
        }
    }

    fn request(&mut self) -> (keydesk_framing::ble::BleTransactionId, Vec<u8>) {
        match self.device.poll_event() {
            Some(BleDeviceEvent::Request { id, payload }) => (id, payload),
            other => panic!("expected a request, got {other:?}"),
        }
    }
}

#[test]
fn gatt_uuids() {
    assert_eq!(format!("{FIDO_SERVICE_UUID:032x}"), "0000fffd00001000800000805f9b34fb");
    assert_eq!(format!("{CONTROL_POINT_UUID:032x}"), "f1d0fff1deaaeceeb42fc9ba7ed623bb");
    assert_eq!(format!("{STATUS_UUID:032x}"), "f1d0fff2deaaeceeb42fc9ba7ed623bb");
    assert_eq!(format!("{CONTROL_POINT_LENGTH_UUID:032x}"), "f1d0fff3deaaeceeb42fc9ba7ed623bb");
    assert_eq!(format!("{SERVICE_REVISION_BITFIELD_UUID:032x}"), "f1d0fff4deaaeceeb42fc9ba7ed623bb");
}

#[test]
fn golden_frame_layout() {
    // MSG of 20 bytes with a 20-byte control point: 17 + 3 (SEQ 0).
    let data = payload(20);
    let fragments = fragment_message(BleCommand::Msg, &data, 20).unwrap();
    assert_eq!(fragments.len(), 2);
    assert_eq!(&fragments[0][..3], &[0x83, 0x00, 20]);
    assert_eq!(&fragments[0][3..], &data[..17]);
    assert_eq!(fragments[1], [&[0x00][..], &data[17..]].concat(), "no padding");
    assert_eq!(fragment_message(BleCommand::Cancel, &[], 20).unwrap(), vec![vec![0xBE, 0, 0]]);
    assert_eq!(fragment_message(BleCommand::Keepalive, &[2], 20).unwrap(), vec![vec![0x82, 0, 1, 2]]);
    assert_eq!(fragment_message(BleCommand::Error, &[6], 20).unwrap(), vec![vec![0xBF, 0, 1, 6]]);
    assert_eq!(BleCommand::from_byte(0x81), BleCommand::Ping);
    for (code, byte) in [
        (BleErrorCode::InvalidCmd, 1),
        (BleErrorCode::InvalidPar, 2),
        (BleErrorCode::InvalidLen, 3),
        (BleErrorCode::InvalidSeq, 4),
        (BleErrorCode::ReqTimeout, 5),
        (BleErrorCode::Busy, 6),
        (BleErrorCode::Other, 0x7F),
    ] {
        assert_eq!(code.to_byte(), byte);
        assert_eq!(BleErrorCode::from_byte(byte), code);
    }
}

#[test]
fn sequence_wraps_after_0x7f() {
    // 17 + 128 * 19 = 2449 bytes use SEQ 0..=127; one more byte needs SEQ 0 again.
    let fragments = fragment_message(BleCommand::Msg, &payload(2450), 20).unwrap();
    assert_eq!(fragments.len(), 1 + 129);
    assert_eq!(fragments[128][0], 0x7F);
    assert_eq!(fragments[129][0], 0x00);
    let mut reassembler = Reassembler::new(65_535, 20);
    let mut result = None;
    for fragment in &fragments {
        result = reassembler.push(fragment).unwrap();
    }
    assert_eq!(result, Some(BleMessage { cmd: BleCommand::Msg, payload: payload(2450) }));
}

#[test]
fn round_trip_at_every_control_point_length() {
    for cpl in ControlPointLen::MIN..=ControlPointLen::MAX {
        let mut pair = Pair::new(cpl, 20 + (usize::from(cpl) * 7) % 493);
        let first = usize::from(cpl) - 3;
        let cont = usize::from(cpl) - 1;
        let mut sizes = vec![1, first - 1, first, first + 1, first + cont, first + cont + 1];
        if cpl % 61 == 0 || cpl == ControlPointLen::MIN || cpl == ControlPointLen::MAX {
            sizes.extend([first + 127 * cont, first + 128 * cont, first + 128 * cont + 1, 7609, 65_535]);
        }
        sizes.retain(|&size| size <= 65_535);
        for size in sizes {
            let request = payload(size);
            pair.host.send(BleCommand::Msg, &request).unwrap();
            pair.drive();
            let (id, received) = pair.request();
            assert_eq!(received, request, "cpl {cpl}, {size} bytes");
            pair.device.respond(id, &request).unwrap();
            pair.drive();
            assert_eq!(pair.host.poll_event(), Some(BleEvent::Response { cmd: BleCommand::Msg, payload: request }));
        }
    }
}

#[test]
fn ping_is_echoed_and_limit_enforced() {
    let mut pair = Pair::new(512, 512);
    pair.host.send(BleCommand::Ping, &payload(65_535)).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(BleEvent::Response { cmd: BleCommand::Ping, payload: payload(65_535) }));
    assert!(matches!(pair.host.send(BleCommand::Msg, &payload(65_536)), Err(BleHostError::RequestTooLong(_))));
    assert_eq!(pair.host.send(BleCommand::Cancel, &[]), Err(BleHostError::NotARequestCommand(BleCommand::Cancel)));
}

#[test]
fn interleaved_keepalives_and_cancel() {
    let mut pair = Pair::new(20, 20);
    pair.host.send(BleCommand::Msg, &payload(100)).unwrap();
    pair.drive();
    let (id, _) = pair.request();
    pair.now = pair.device.next_timeout().unwrap();
    assert_eq!(pair.now, Duration::from_millis(100));
    pair.device.handle_timeout(pair.now);
    pair.device.set_keepalive_status(id, KeepaliveStatus::UpNeeded, pair.now).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(BleEvent::Keepalive(KeepaliveStatus::Processing)));
    assert_eq!(pair.host.poll_event(), Some(BleEvent::Keepalive(KeepaliveStatus::UpNeeded)));
    pair.host.cancel().unwrap();
    pair.drive();
    assert_eq!(pair.device.poll_event(), Some(BleDeviceEvent::Cancel { id }));
    pair.device.respond(id, &[0x2D]).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(BleEvent::Response { cmd: BleCommand::Msg, payload: vec![0x2D] }));
    assert_eq!(pair.host.cancel(), Err(BleHostError::NothingToCancel));
    assert_eq!(pair.device.respond(id, &[0]), Err(BleDeviceError::UnknownTransaction(id)));
}

#[test]
fn busy_while_serving() {
    let mut pair = Pair::new(20, 20);
    pair.host.send(BleCommand::Msg, &[4]).unwrap();
    pair.drive();
    let (id, _) = pair.request();
    // A second MSG written while the first is served.
    pair.device.handle_write(&[0x83, 0, 1, 4], pair.now).unwrap();
    assert_eq!(pair.device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x06]));
    pair.device.respond_error(id, BleErrorCode::Other).unwrap();
    pair.drive();
    assert_eq!(pair.host.poll_event(), Some(BleEvent::Error(BleErrorCode::Other)));
}

#[test]
fn device_reports_framing_errors() {
    let mut device = BleDevice::new(BleDeviceConfig { max_request_len: 100, ..BleDeviceConfig::default() });
    let now = Duration::ZERO;
    // Continuation with nothing in progress.
    assert_eq!(device.handle_write(&[0x00, 1, 2], now), Err(BleDeviceError::Reassembly(ReassemblyError::UnexpectedContinuation)));
    assert_eq!(device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x04]));
    // Unexpected SEQ.
    device.handle_write(&[0x83, 0, 40, 1, 2, 3], now).unwrap();
    assert_eq!(
        device.handle_write(&[0x01, 1], now),
        Err(BleDeviceError::Reassembly(ReassemblyError::UnexpectedSequence { expected: 0, got: 1 }))
    );
    assert_eq!(device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x04]));
    // Over the maximum length.
    assert!(matches!(device.handle_write(&[0x83, 0, 101, 1], now), Err(BleDeviceError::Reassembly(ReassemblyError::MessageTooLong { len: 101, max: 100 }))));
    assert_eq!(device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x03]));
    // More data than announced.
    assert!(matches!(device.handle_write(&[0x83, 0, 1, 1, 2], now), Err(BleDeviceError::Reassembly(ReassemblyError::LengthOverflow { extra: 1 }))));
    assert_eq!(device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x03]));
    device.handle_write(&[0x83, 0, 5, 1], now).unwrap();
    assert_eq!(
        device.handle_write(&[0x00, 1, 2, 3, 4, 5], now),
        Err(BleDeviceError::Reassembly(ReassemblyError::LengthOverflow { extra: 1 }))
    );
    assert_eq!(device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x03]));
    // Write longer than the control point length.
    assert!(matches!(device.handle_write(&[0x83; 21], now), Err(BleDeviceError::Reassembly(ReassemblyError::FragmentTooLong { len: 21, max: 20 }))));
    device.poll_transmit();
    // Unknown command, KEEPALIVE from a host, empty MSG.
    for frame in [&[0x90, 0, 0][..], &[0x82, 0, 1, 1], &[0x83, 0, 0]] {
        device.handle_write(frame, now).unwrap();
        assert!(matches!(device.poll_transmit().unwrap()[..], [0xBF, 0, 1, 0x01 | 0x03]));
    }
    // A truncated header and an empty write.
    assert_eq!(device.handle_write(&[0x83, 0], now), Err(BleDeviceError::Reassembly(ReassemblyError::TruncatedHeader(2))));
    assert_eq!(device.handle_write(&[], now), Err(BleDeviceError::Reassembly(ReassemblyError::EmptyFragment)));
    assert!(device.poll_event().is_none());
}

#[test]
fn stalled_request_times_out() {
    let mut device = BleDevice::new(BleDeviceConfig::default());
    device.handle_write(&[0x83, 0, 40, 1, 2, 3], Duration::from_millis(50)).unwrap();
    assert_eq!(device.next_timeout(), Some(Duration::from_millis(1050)));
    device.handle_timeout(Duration::from_millis(1050));
    assert_eq!(device.poll_transmit(), Some(vec![0xBF, 0, 1, 0x05]));
    assert_eq!(device.next_timeout(), None);
    assert_eq!(device.handle_write(&[0x00, 1], Duration::from_millis(1100)), Err(BleDeviceError::Reassembly(ReassemblyError::UnexpectedContinuation)));
}

#[test]
fn host_detects_protocol_errors() {
    let cpl = ControlPointLen::new(20).unwrap();
    let mut host = BleHost::new(cpl, 1000);
    assert_eq!(host.handle_notification(&[0x83, 0, 0]), Err(BleHostError::UnsolicitedNotification));
    host.send(BleCommand::Msg, &[4]).unwrap();
    assert_eq!(host.send(BleCommand::Msg, &[4]), Err(BleHostError::Busy));
    assert_eq!(
        host.handle_notification(&[0x81, 0, 0]),
        Err(BleHostError::UnexpectedResponseCommand { expected: BleCommand::Msg, got: BleCommand::Ping })
    );
    host.send(BleCommand::Msg, &[4]).unwrap();
    assert_eq!(host.handle_notification(&[0x82, 0, 0]), Err(BleHostError::EmptyKeepalive));
    host.send(BleCommand::Msg, &[4]).unwrap();
    assert!(matches!(host.handle_notification(&[0x83, 0x03, 0xE9]), Err(BleHostError::Reassembly(ReassemblyError::MessageTooLong { len: 1001, max: 1000 }))));
    host.send(BleCommand::Msg, &[4]).unwrap();
    host.handle_notification(&[0x83, 0, 30, 1]).unwrap();
    assert!(matches!(host.handle_notification(&[0x83, 0, 1, 1]), Err(BleHostError::Reassembly(ReassemblyError::UnexpectedInitialFragment))));
}

#[test]
fn control_point_length_and_service_revisions() {
    assert_eq!(ControlPointLen::parse(&[0x00, 0x14]).unwrap().get(), 20);
    assert_eq!(ControlPointLen::parse(&[0x02, 0x00]).unwrap().get(), 512);
    assert_eq!(ControlPointLen::parse(&[0x00, 0x13]), Err(ControlPointLenError::OutOfRange(19)));
    assert_eq!(ControlPointLen::parse(&[0x02, 0x01]), Err(ControlPointLenError::OutOfRange(513)));
    assert_eq!(ControlPointLen::parse(&[0x14]), Err(ControlPointLenError::WrongSize(1)));
    assert_eq!(ControlPointLen::new(100).unwrap().to_bytes(), [0, 100]);

    let both = ServiceRevisions::parse(&[0xE0]).unwrap();
    assert!(both.u2f_1_1() && both.u2f_1_2() && both.fido2());
    assert_eq!(both.preferred(), Some(ServiceRevisions::FIDO2));
    let u2f = ServiceRevisions::parse(&[0xC0, 0x00]).unwrap();
    assert!(!u2f.fido2());
    assert_eq!(u2f.preferred(), Some(0x40));
    assert_eq!(ServiceRevisions::parse(&[0x80]).unwrap().preferred(), Some(0x80));
    assert_eq!(ServiceRevisions::parse(&[0x20]).unwrap().preferred(), Some(0x20));
    assert_eq!(ServiceRevisions::parse(&[]), Err(ServiceRevisionError::Empty));
    assert_eq!(ServiceRevisions::parse(&[0x1F]), Err(ServiceRevisionError::NoKnownRevision(0x1F)));
}

#[test]
fn device_accepts_exactly_its_maximum_request() {
    let config = BleDeviceConfig { max_request_len: 100, control_point_len: ControlPointLen::LARGEST, ..BleDeviceConfig::default() };
    let mut device = BleDevice::new(config);
    let now = Duration::ZERO;
    for fragment in fragment_message(BleCommand::Msg, &payload(100), 40).unwrap() {
        device.handle_write(&fragment, now).unwrap();
    }
    assert!(matches!(device.poll_event(), Some(BleDeviceEvent::Request { payload: p, .. }) if p == payload(100)));
    assert!(device.poll_transmit().is_none());
}

#[test]
fn keepalives_interleave_between_wrapping_request_and_response() {
    // A 3000-byte request in 20-byte writes (SEQ wraps after 0x7F), a key that reports
    // "processing" then "user presence needed" on every keepalive tick for a while, then a
    // 3000-byte response in 20-byte notifications (wrapping again): the host sees every
    // keepalive in order, then exactly the response.
    let mut pair = Pair::new(20, 20);
    let request = payload(3000);
    pair.host.send(BleCommand::Msg, &request).unwrap();
    pair.drive();
    let (id, received) = pair.request();
    assert_eq!(received, request);
    let mut expected = Vec::new();
    for tick in 0..12 {
        pair.now = pair.device.next_timeout().unwrap();
        pair.device.handle_timeout(pair.now);
        expected.push(if tick < 6 { KeepaliveStatus::Processing } else { KeepaliveStatus::UpNeeded });
        if tick == 5 {
            pair.device.set_keepalive_status(id, KeepaliveStatus::UpNeeded, pair.now).unwrap();
            expected.push(KeepaliveStatus::UpNeeded);
        }
        pair.drive();
    }
    let response = payload(3000).into_iter().rev().collect::<Vec<u8>>();
    pair.device.respond(id, &response).unwrap();
    pair.drive();
    for status in expected {
        assert_eq!(pair.host.poll_event(), Some(BleEvent::Keepalive(status)));
    }
    assert_eq!(pair.host.poll_event(), Some(BleEvent::Response { cmd: BleCommand::Msg, payload: response }));
    assert_eq!(pair.host.poll_event(), None);
    assert_eq!(pair.device.next_timeout(), None, "no keepalives after the response");
}
