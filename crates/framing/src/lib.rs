//! Transport framings of CTAP 2.1 §11 as pure, sans-IO state machines.
//!
//! This crate does **no IO**: it never opens a device, socket or file, never
//! sleeps, never spawns a thread and never reads the clock. Every state machine
//! is fed bytes (and, where the spec has timers, the current time as a
//! [`std::time::Duration`] since an arbitrary epoch chosen by the caller) and
//! hands back bytes to write plus events for its owner.
//!
//! ```text
//!            wire bytes in ──handle_report / handle_apdu / handle_write / handle_notification──┐
//!                                                                                              ▼
//!   owner ──send / respond / cancel──▶ [ state machine ] ──poll_transmit──▶ wire bytes out
//!         ◀──────poll_event──────────         ▲
//!                                             └── next_timeout ⇢ handle_timeout(now)
//! ```
//!
//! Three framings, each with a HOST side (drives an authenticator) and a
//! DEVICE side (is an authenticator, e.g. the virtual key served over uhid,
//! vpcd or a BLE peripheral):
//!
//! * [`hid`] — CTAPHID over 64-byte HID reports (CTAP 2.1 §11.2):
//!   [`hid::HidHost`], [`hid::HidDevice`];
//! * [`iso7816`] — APDUs for NFC and CCID readers (CTAP 2.1 §11.3):
//!   [`iso7816::ApduHost`], [`iso7816::FidoCard`];
//! * [`ble`] — fragments over the FIDO GATT service (CTAP 2.1 §11.4):
//!   [`ble::BleHost`], [`ble::BleDevice`].
//!
//! Payloads are opaque bytes: a CTAP command byte followed by CBOR, or a U2F
//! APDU. This crate knows nothing of CBOR. Every decoder returns a precise
//! error for malformed input and never panics; each has a fuzz target in
//! `fuzz/`.
//!
//! # Call sequences
//!
//! A host shell (hidapi, pcsc, btleplug) loops:
//!
//! 1. start a request (`HidHost::send`, `ApduHost::send_ctap`, `BleHost::send`);
//! 2. write every `poll_transmit()` item to the wire (for ISO 7816: transmit
//!    one APDU, give its answer to `handle_response`, repeat);
//! 3. feed what the device sends to `handle_*`; drain `poll_event()` until a
//!    response or error event; keepalive/status events tell the UI to ask for
//!    a touch; the shell owns the overall timeout and may call `cancel()`.
//!
//! A device shell (uhid, vpcd, BlueZ GATT) feeds received bytes to
//! `handle_*`, sends every `poll_transmit()` item, calls `handle_timeout(now)`
//! when `next_timeout()` passes, and serves request events from `poll_event()`
//! by calling `respond(id, bytes)` (the ISO 7816 card instead returns a
//! [`iso7816::CardAction`] per APDU and is answered with `complete`/`defer`).

pub mod ble;
#[doc(hidden)]
pub mod fuzz_harness;
pub mod hid;
pub mod iso7816;
mod keepalive;

pub use keepalive::KeepaliveStatus;
