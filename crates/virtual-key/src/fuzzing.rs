//! Entry points shared by the fuzz targets (`fuzz/`) and the in-suite hostile-input tests:
//! each feeds untrusted bytes to a fresh, deterministic virtual key.

use std::time::Duration;

use keydesk_framing::ble::BleDeviceConfig;
use keydesk_framing::hid::DeviceConfig;
use keydesk_framing::iso7816::CardConfig;

use crate::{Authenticator, BleKey, CardKey, Config, HidKey, KeyRng, Reply};

fn fresh_key() -> Authenticator {
    Authenticator::new(Config::default(), KeyRng::seeded(0), Duration::ZERO)
}

/// Raw CTAP request bytes (command byte + CBOR) to the engine; every answer has a status byte.
pub fn ctap_request(data: &[u8]) {
    let mut key = fresh_key();
    if let Reply::Response(response) = key.handle(data, Duration::ZERO) {
        assert!(!response.is_empty(), "a CTAP response always has a status byte");
    }
}

/// A U2F command APDU; every answer ends with a status word.
pub fn u2f_request(data: &[u8]) {
    let response = fresh_key().handle_u2f(data, Duration::ZERO);
    assert!(response.len() >= 2, "a U2F response always ends with SW1 SW2");
}

/// A sequence of command APDUs (split at each 0xff 0xff marker) to the card adapter.
pub fn card_apdus(data: &[u8]) {
    let mut card = CardKey::new(fresh_key(), CardConfig::default());
    for (i, apdu) in split(data).enumerate() {
        let response = card.handle_apdu(apdu, Duration::from_millis(i as u64));
        assert!(response.len() >= 2, "every response APDU ends with SW1 SW2");
    }
}

/// A sequence of output reports to the CTAPHID adapter.
pub fn hid_reports(data: &[u8]) {
    let mut hid = HidKey::new(fresh_key(), DeviceConfig::default());
    for (i, report) in split(data).enumerate() {
        let _ = hid.handle_report(report, Duration::from_millis(i as u64));
        while hid.poll_transmit().is_some() {}
    }
}

/// A sequence of control-point writes to the BLE adapter.
pub fn ble_writes(data: &[u8]) {
    let mut ble = BleKey::new(fresh_key(), BleDeviceConfig::default());
    for (i, write) in split(data).enumerate() {
        let _ = ble.handle_write(write, Duration::from_millis(i as u64));
        while ble.poll_transmit().is_some() {}
    }
}

fn split(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.windows(2).position(|w| w == [0xff, 0xff]).unwrap_or(rest.len());
        let (part, tail) = rest.split_at(end);
        rest = tail.get(2..).unwrap_or_default();
        Some(part)
    })
}
