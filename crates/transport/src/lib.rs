//! The IO shells of KeyDesk: they carry CTAP messages to authenticators and nothing more.
//!
//! Every authenticator, whatever its transport, is a [`Device`]: send one CTAP message (a command
//! byte and CBOR, or a CTAP1/U2F APDU), receive the response, while keepalive statuses are reported
//! to a [`Watch`] that may also cancel. Framing (CTAPHID, ISO 7816, BLE) is done by the sans-IO
//! state machines of `keydesk-framing`; the shells here only move their bytes.

mod device;
mod error;
pub mod ble;
pub mod discovery;
pub mod hid;
#[cfg(feature = "virtual")]
pub mod memory;
pub mod nfc;

pub use device::{Device, DeviceDescriptor, DeviceId, Message, NoWatch, TransportKind, Watch};
pub use error::TransportError;
pub use keydesk_framing::KeepaliveStatus;
