//! Drivers that feed arbitrary bytes to every decoder and state machine; used
//! by the fuzz targets in `fuzz/` and by the hostile-input tests. Each one
//! interprets its input as a script of operations and wire data, and asserts
//! the framing invariants of everything the machine emits.

use std::time::Duration;

use crate::ble::{BleCommand, BleDevice, BleDeviceConfig, BleDeviceEvent, BleHost, ControlPointLen, Reassembler};
use crate::hid::{DeviceConfig, DeviceEvent, HidCommand, HidDevice, HidHost, ReportLen, DEFAULT_REPORT_LEN};
use crate::iso7816::{ApduHost, ApduHostConfig, CardAction, CardConfig, CommandApdu, FidoCard, ResponseApdu};
use crate::KeepaliveStatus;

/// Splits `data` into pieces, each prefixed by its length byte.
fn length_prefixed(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        let (&len, rest) = data.split_first()?;
        let take = usize::from(len).min(rest.len());
        let (piece, tail) = rest.split_at(take);
        data = tail;
        Some(piece)
    })
}

/// CTAPHID device: each 65-byte chunk is a time step (ms) and an output report.
pub fn hid_device(data: &[u8]) {
    let mut device = HidDevice::new(DeviceConfig::default());
    let mut now = Duration::ZERO;
    for chunk in data.chunks(DEFAULT_REPORT_LEN + 1) {
        let Some((&step, report)) = chunk.split_first() else { continue };
        now += Duration::from_millis(u64::from(step) * 4);
        let _ = device.handle_report(report, now);
        device.handle_timeout(now);
        while let Some(event) = device.poll_event() {
            if let DeviceEvent::Request(request) = event {
                if step % 2 == 0 {
                    let _ = device.respond(request.id, &request.payload);
                } else {
                    let _ = device.set_keepalive_status(request.id, KeepaliveStatus::UpNeeded, now);
                }
            }
        }
        while let Some(out) = device.poll_transmit() {
            assert_eq!(out.len(), DEFAULT_REPORT_LEN);
        }
    }
}

/// CTAPHID host: each 65-byte chunk is an operation selector and an input report.
pub fn hid_host(data: &[u8]) {
    let mut host = HidHost::new(ReportLen::DEFAULT);
    host.begin_init([0x11; 8]);
    for chunk in data.chunks(DEFAULT_REPORT_LEN + 1) {
        let Some((&op, report)) = chunk.split_first() else { continue };
        match op % 8 {
            0 => host.begin_init([op; 8]),
            1 => {
                let _ = host.send(HidCommand::Cbor, &[0x04]);
            }
            2 => {
                let _ = host.cancel();
            }
            _ => {}
        }
        while let Some(out) = host.poll_transmit() {
            assert_eq!(out.len(), DEFAULT_REPORT_LEN);
        }
        let _ = host.handle_report(report);
        while host.poll_event().is_some() {}
    }
}

/// APDU command decoding and the FIDO card: length-prefixed command APDUs.
pub fn apdu_command(data: &[u8]) {
    if let Ok((apdu, form)) = CommandApdu::decode(data) {
        assert_eq!(apdu.encode(form).ok().as_deref(), Some(data), "decode/encode round trip");
    }
    let mut card = FidoCard::new(CardConfig { max_request_len: 4096, ..CardConfig::default() });
    for piece in length_prefixed(data) {
        match card.handle_apdu(piece) {
            CardAction::Respond(bytes) | CardAction::Cancel(bytes) => assert!(bytes.len() >= 2),
            CardAction::Dispatch(request) => {
                if request.status_polling && piece.len() % 2 == 0 {
                    let _ = card.defer(KeepaliveStatus::Processing);
                } else {
                    let _ = card.complete(piece);
                }
            }
        }
    }
}

/// APDU response handling by the host planner: length-prefixed responses,
/// the first byte of each also picks an operation.
pub fn apdu_response(data: &[u8]) {
    let _ = ResponseApdu::decode(data);
    let config = ApduHostConfig { poll_interval: Duration::ZERO, max_response_len: 8192, ..ApduHostConfig::default() };
    let mut host = ApduHost::new(config);
    let mut now = Duration::ZERO;
    for piece in length_prefixed(data) {
        now += Duration::from_millis(1);
        match piece.first().map(|b| b % 8) {
            Some(0) => {
                let _ = host.select();
            }
            Some(1) => {
                let _ = host.send_ctap(piece);
            }
            Some(2) => {
                let _ = host.cancel();
            }
            Some(3) => {
                let _ = host.send_u2f(CommandApdu::new(0, 2, 3, 0).with_data(piece));
            }
            _ => {}
        }
        host.handle_timeout(now);
        let _ = host.poll_transmit();
        let _ = host.handle_response(piece, now);
        while host.poll_event().is_some() {}
    }
}

/// BLE reassembly on both sides: length-prefixed fragments.
pub fn ble_reassembly(data: &[u8]) {
    let mut reassembler = Reassembler::new(4096, usize::from(ControlPointLen::MAX));
    let config = BleDeviceConfig { control_point_len: ControlPointLen::LARGEST, notify_len: 64, ..BleDeviceConfig::default() };
    let mut device = BleDevice::new(config);
    let mut host = BleHost::new(ControlPointLen::LARGEST, 4096);
    let mut now = Duration::ZERO;
    for piece in length_prefixed(data) {
        now += Duration::from_millis(u64::from(piece.first().copied().unwrap_or(0)) * 8);
        let _ = reassembler.push(piece);
        let _ = device.handle_write(piece, now);
        device.handle_timeout(now);
        while let Some(event) = device.poll_event() {
            if let BleDeviceEvent::Request { id, payload } = event {
                let _ = device.respond(id, &payload);
            }
        }
        while let Some(out) = device.poll_transmit() {
            assert!(out.len() <= 64);
        }
        if piece.len() % 3 == 0 {
            let _ = host.send(BleCommand::Msg, piece);
        }
        while host.poll_transmit().is_some() {}
        let _ = host.handle_notification(piece);
        while host.poll_event().is_some() {}
    }
}
