//! Device-side adapters joining the engine to the transport framings of `keydesk-framing`:
//! CTAPHID reports ([`HidKey`]), ISO 7816 APDUs for NFC/CCID ([`CardKey`]) and BLE GATT
//! writes ([`BleKey`]). Each is sans-IO too: the IO shell feeds bytes and time in and sends
//! what comes out.

mod ble;
mod card;
mod hid;

pub use ble::BleKey;
pub use card::CardKey;
pub use hid::HidKey;

/// CTAP1_ERR_OTHER as a one-byte CTAP response, for answers a framing cannot carry.
pub(crate) const CTAP_ERR_OTHER: u8 = 0x7f;

/// The sooner of the framing's and the engine's timers.
pub(crate) fn earliest(a: Option<std::time::Duration>, b: Option<std::time::Duration>) -> Option<std::time::Duration> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
