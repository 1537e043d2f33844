//! Transport framings of CTAP 2.1 §11 as pure, sans-IO state machines.
//!
//! This crate does **no IO**: it never opens a device, socket or file, never
//! sleeps, never spawns a thread and never reads the clock. Every state machine
//! is fed bytes (and, where the spec has timers, the current time as a
//! [`std::time::Duration`] since an arbitrary epoch chosen by the caller) and
//! hands back bytes to write plus events for its owner.
//!
//! ```text
//!             handle_report / handle_apdu / handle_write (bytes in, time in)
//!                               │
//!   owner ──send/respond──▶ [ state machine ] ──poll_transmit──▶ bytes to the wire
//!         ◀──poll_event────            │
//!                           next_timeout ◀── handle_timeout(now)
//! ```
//!
//! Three framings, each with a HOST side (drives an authenticator) and a
//! DEVICE side (is an authenticator, e.g. the virtual key served over uhid,
//! vpcd or a BLE peripheral):
//!
//! * [`hid`] — CTAPHID over 64-byte HID reports (CTAP 2.1 §11.2);
//! * [`iso7816`] — APDUs for NFC and CCID smart-card readers (CTAP 2.1 §11.3);
//! * [`ble`] — fragments over the FIDO GATT service (CTAP 2.1 §11.4).
//!
//! Payloads are opaque bytes: a CTAP command byte followed by CBOR, or a U2F
//! APDU. This crate knows nothing of CBOR.

pub mod ble;
#[doc(hidden)]
pub mod fuzz_harness;
pub mod hid;
pub mod iso7816;
mod keepalive;

pub use keepalive::KeepaliveStatus;
