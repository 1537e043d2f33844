//! Every decoder fed pseudo-random and mutated input (deterministic seed,
//! bounded count): no panic, and outputs keep their framing invariants. The
//! fuzz targets in `fuzz/` do the same without bounds.

// Test helpers outside #[test] functions unwrap like the tests do.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use keydesk_framing::ble::{fragment_message as ble_fragments, BleCommand, BleDevice, BleDeviceConfig, BleDeviceEvent, BleHost, ControlPointLen, Reassembler};
use keydesk_framing::hid::{fragment_message, DeviceConfig, DeviceEvent, HidCommand, HidDevice, HidHost, Packet, ReportLen, BROADCAST_CID};
use keydesk_framing::iso7816::{ApduHost, ApduHostConfig, CardAction, CardConfig, CommandApdu, FidoCard, LengthForm, ResponseApdu};
use keydesk_framing::KeepaliveStatus;

const ROUNDS: usize = 20_000;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }
    /// Flips, overwrites, truncates or extends a valid input.
    fn mutate(&mut self, mut input: Vec<u8>) -> Vec<u8> {
        for _ in 0..=self.below(4) {
            match self.below(5) {
                0 if !input.is_empty() => {
                    let i = self.below(input.len());
                    input[i] ^= 1 << self.below(8);
                }
                1 if !input.is_empty() => {
                    let i = self.below(input.len());
                    input[i] = self.byte();
                }
                2 => input.truncate(self.below(input.len() + 1)),
                3 => {
                    let extra = self.below(8);
                    input.extend(self.bytes(extra));
                }
                _ => {}
            }
        }
        input
    }
}

fn hid_report(rng: &mut Rng) -> Vec<u8> {
    let cid = match rng.below(4) {
        0 => BROADCAST_CID,
        1 => 1,
        2 => 2,
        _ => rng.next() as u32,
    };
    if rng.below(10) == 0 {
        // A well-formed INIT, so channels get allocated and deeper states reached.
        return fragment_message(BROADCAST_CID, HidCommand::Init, &rng.bytes(8), ReportLen::DEFAULT).unwrap().remove(0);
    }
    let cmd = match rng.below(3) {
        0 => HidCommand::Cbor,
        1 => HidCommand::Ping,
        _ => HidCommand::from_byte(rng.byte()),
    };
    let len = rng.below(200);
    let mut reports = fragment_message(cid, cmd, &rng.bytes(len), ReportLen::DEFAULT).unwrap();
    let pick = rng.below(reports.len());
    let report = reports.swap_remove(pick);
    if rng.below(3) == 0 {
        rng.mutate(report)
    } else {
        report
    }
}

#[test]
fn hid_packet_parse_never_panics() {
    let mut rng = Rng(0x5EED_0001);
    for _ in 0..ROUNDS {
        let len = rng.below(70);
        let bytes = rng.bytes(len);
        let _ = Packet::parse(&bytes, ReportLen::DEFAULT);
        let _ = Packet::parse(&hid_report(&mut rng), ReportLen::DEFAULT);
    }
}

#[test]
fn hid_device_survives_hostile_hosts() {
    let mut rng = Rng(0x5EED_0002);
    let mut device = HidDevice::new(DeviceConfig::default());
    let mut now = Duration::ZERO;
    for _ in 0..ROUNDS {
        now += Duration::from_millis(rng.below(300) as u64);
        let report = hid_report(&mut rng);
        let _ = device.handle_report(&report, now);
        if rng.below(4) == 0 {
            device.handle_timeout(now);
        }
        while let Some(out) = device.poll_transmit() {
            assert_eq!(out.len(), 64);
        }
        while let Some(event) = device.poll_event() {
            if let DeviceEvent::Request(request) = event {
                match rng.below(3) {
                    0 => {
                        let len = rng.below(8000);
                        let _ = device.respond(request.id, &rng.bytes(len));
                    }
                    1 => {
                        let _ = device.set_keepalive_status(request.id, KeepaliveStatus::UpNeeded, now);
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn hid_host_survives_hostile_devices() {
    let mut rng = Rng(0x5EED_0003);
    let mut host = HidHost::new(ReportLen::DEFAULT);
    for _ in 0..ROUNDS {
        match rng.below(6) {
            0 => host.begin_init([rng.byte(); 8]),
            1 => {
                let _ = host.send(HidCommand::Cbor, &[4]);
            }
            2 => {
                let _ = host.cancel();
            }
            _ => {}
        }
        while host.poll_transmit().is_some() {}
        let _ = host.handle_report(&hid_report(&mut rng));
        while host.poll_event().is_some() {}
    }
}

fn apdu(rng: &mut Rng) -> Vec<u8> {
    if rng.below(8) == 0 {
        return CommandApdu::new(0, 0xA4, 4, 0).with_data(keydesk_framing::iso7816::FIDO_AID).encode(LengthForm::Short).unwrap();
    }
    let (cla, ins) = match rng.below(6) {
        0 => (0x00, 0xA4),
        1 => (0x80, 0x10),
        2 => (0x80, 0x11),
        3 => (0x00, 0xC0),
        4 => (0x90, 0x10),
        _ => (rng.byte(), rng.byte()),
    };
    let data_len = rng.below(300);
    let mut command = CommandApdu::new(cla, ins, rng.byte(), rng.byte()).with_data(rng.bytes(data_len));
    if rng.below(2) == 0 {
        command.ne = Some(1 + rng.below(65_536));
    }
    if rng.below(4) == 0 {
        command.data = keydesk_framing::iso7816::FIDO_AID.to_vec();
    }
    let form = if rng.below(2) == 0 { command.smallest_form() } else { LengthForm::Extended };
    let bytes = command.encode(form).unwrap();
    if rng.below(3) == 0 {
        rng.mutate(bytes)
    } else {
        bytes
    }
}

#[test]
fn apdu_decoders_never_panic_and_round_trip() {
    let mut rng = Rng(0x5EED_0004);
    for _ in 0..ROUNDS {
        let len = rng.below(20);
        let random = rng.bytes(len);
        let _ = CommandApdu::decode(&random);
        let _ = ResponseApdu::decode(&random);
        let bytes = apdu(&mut rng);
        if let Ok((decoded, form)) = CommandApdu::decode(&bytes) {
            assert_eq!(decoded.encode(form).unwrap(), bytes, "decode/encode round trip");
        }
    }
}

#[test]
fn card_survives_hostile_hosts() {
    let mut rng = Rng(0x5EED_0005);
    let mut card = FidoCard::new(CardConfig { max_request_len: 2000, ..CardConfig::default() });
    for _ in 0..ROUNDS {
        match card.handle_apdu(&apdu(&mut rng)) {
            CardAction::Respond(bytes) | CardAction::Cancel(bytes) => assert!(bytes.len() >= 2),
            CardAction::Dispatch(request) => {
                if request.status_polling && rng.below(2) == 0 {
                    assert!(card.defer(KeepaliveStatus::Processing).unwrap().len() == 3);
                } else {
                    let len = rng.below(1000);
                    let _ = card.complete(&rng.bytes(len));
                }
            }
            _ => {}
        }
        if rng.below(8) == 0 {
            let len = rng.below(600);
            let _ = card.complete(&rng.bytes(len));
        }
    }
}

#[test]
fn apdu_host_survives_hostile_cards() {
    let mut rng = Rng(0x5EED_0006);
    let mut host = ApduHost::new(ApduHostConfig { poll_interval: Duration::ZERO, max_response_len: 4096, ..ApduHostConfig::default() });
    let mut now = Duration::ZERO;
    for _ in 0..ROUNDS {
        now += Duration::from_millis(10);
        match rng.below(5) {
            0 => {
                let _ = host.select();
            }
            1 => {
                let len = 1 + rng.below(600);
                let _ = host.send_ctap(&rng.bytes(len));
            }
            2 => {
                let _ = host.cancel();
            }
            _ => {}
        }
        host.handle_timeout(now);
        let _ = host.poll_transmit();
        let sw = match rng.below(4) {
            0 => vec![0x61, rng.byte()],
            1 => vec![0x91, 0x00],
            2 => vec![0x90, 0x00],
            _ => rng.bytes(2),
        };
        let len = rng.below(300);
        let mut response = rng.bytes(len);
        response.extend(sw);
        let response = if rng.below(4) == 0 { rng.mutate(response) } else { response };
        let _ = host.handle_response(&response, now);
        while host.poll_event().is_some() {}
    }
}

fn ble_fragment(rng: &mut Rng) -> Vec<u8> {
    let cmd = BleCommand::from_byte(0x80 | rng.byte());
    let len = rng.below(300);
    let mut fragments = ble_fragments(cmd, &rng.bytes(len), 20 + rng.below(493)).unwrap();
    let pick = rng.below(fragments.len());
    let fragment = fragments.swap_remove(pick);
    if rng.below(3) == 0 {
        rng.mutate(fragment)
    } else {
        fragment
    }
}

#[test]
fn ble_reassembly_never_panics() {
    let mut rng = Rng(0x5EED_0007);
    let mut reassembler = Reassembler::new(1000, 512);
    for _ in 0..ROUNDS {
        let len = rng.below(40);
        let _ = reassembler.push(&rng.bytes(len));
        let _ = reassembler.push(&ble_fragment(&mut rng));
    }
}

#[test]
fn ble_sides_survive_hostile_peers() {
    let mut rng = Rng(0x5EED_0008);
    let cpl = ControlPointLen::new(512).unwrap();
    let mut device = BleDevice::new(BleDeviceConfig { control_point_len: cpl, notify_len: 100, ..BleDeviceConfig::default() });
    let mut host = BleHost::new(cpl, 4096);
    let mut now = Duration::ZERO;
    for _ in 0..ROUNDS {
        now += Duration::from_millis(rng.below(400) as u64);
        let _ = device.handle_write(&ble_fragment(&mut rng), now);
        device.handle_timeout(now);
        while let Some(out) = device.poll_transmit() {
            assert!(out.len() <= 100);
        }
        while let Some(event) = device.poll_event() {
            if let BleDeviceEvent::Request { id, .. } = event {
                let len = rng.below(3000);
                let _ = device.respond(id, &rng.bytes(len));
            }
        }
        if rng.below(3) == 0 {
            let _ = host.send(BleCommand::Msg, &[4]);
        }
        while host.poll_transmit().is_some() {}
        let _ = host.handle_notification(&ble_fragment(&mut rng));
        while host.poll_event().is_some() {}
    }
}

#[test]
fn fuzz_harnesses_run_on_random_and_structured_input() {
    use keydesk_framing::fuzz_harness;
    let mut rng = Rng(0x5EED_0009);
    for _ in 0..2_000 {
        let len = rng.below(700);
        let random = rng.bytes(len);
        fuzz_harness::hid_device(&random);
        fuzz_harness::hid_host(&random);
        fuzz_harness::apdu_command(&random);
        fuzz_harness::apdu_response(&random);
        fuzz_harness::ble_reassembly(&random);
        // Structured: valid wire units with length prefixes / time steps.
        let mut hid = Vec::new();
        let mut prefixed = Vec::new();
        let mut ble = Vec::new();
        for _ in 0..rng.below(12) {
            hid.push(rng.byte());
            hid.extend(hid_report(&mut rng));
            let command = apdu(&mut rng);
            prefixed.push(command.len().min(255) as u8);
            prefixed.extend(command);
            let fragment = ble_fragment(&mut rng);
            ble.push(fragment.len().min(255) as u8);
            ble.extend(fragment);
        }
        fuzz_harness::hid_device(&hid);
        fuzz_harness::hid_host(&hid);
        fuzz_harness::apdu_command(&prefixed);
        fuzz_harness::apdu_response(&prefixed);
        fuzz_harness::ble_reassembly(&ble);
    }
}
