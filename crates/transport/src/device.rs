//! The one seam every authenticator presents.

use crate::TransportError;
use keydesk_framing::KeepaliveStatus;
use std::fmt;

/// How an authenticator is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TransportKind {
    Usb,
    Nfc,
    Ble,
    /// In this process: the virtual key, or "this computer".
    Internal,
}

impl TransportKind {
    /// The WebAuthn `AuthenticatorTransport` name (WebAuthn L3 §5.8.4).
    pub fn webauthn_name(self) -> &'static str {
        match self {
            Self::Usb => "usb",
            Self::Nfc => "nfc",
            Self::Ble => "ble",
            Self::Internal => "internal",
        }
    }
}

/// A device identifier that stays the same between runs for the same device in the same place:
/// `usb:VID:PID:SERIAL` (or the hidraw path when the key has no serial), `nfc:READER NAME`,
/// `virtual:NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub String);

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What can be said about a device before talking CTAP to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceDescriptor {
    pub id: DeviceId,
    pub transport: TransportKind,
    /// The product name the device or its reader reports ("" when it reports none).
    pub product: String,
    /// True for software authenticators presented for testing (the virtual key).
    pub simulated: bool,
}

/// One message to an authenticator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message<'a> {
    /// CTAP2: command byte followed by the CBOR parameters (CTAP 2.1 §8).
    Ctap2(&'a [u8]),
    /// CTAP1/U2F: a raw U2F request APDU (CTAP 2.1 §11 "CTAP1 message framing").
    Ctap1(&'a [u8]),
}

/// Observes a transaction in flight: keepalive statuses come in, a cancel request goes out.
pub trait Watch {
    /// The authenticator reported it is still processing or waits for a touch.
    fn status(&mut self, status: KeepaliveStatus);
    /// Polled while waiting; returning true sends a cancel to the authenticator.
    fn cancel_requested(&mut self) -> bool;
}

/// A [`Watch`] that ignores statuses and never cancels.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoWatch;

impl Watch for NoWatch {
    fn status(&mut self, _status: KeepaliveStatus) {}
    fn cancel_requested(&mut self) -> bool {
        false
    }
}

/// An authenticator reachable over some transport.
pub trait Device: Send {
    fn descriptor(&self) -> &DeviceDescriptor;

    /// Sends `message` and returns the authenticator's response (for CTAP2: status byte followed by
    /// CBOR; for CTAP1: response data followed by SW1 SW2).
    fn transact(&mut self, message: Message<'_>, watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError>;
}

impl<T: Device + ?Sized> Device for Box<T> {
    fn descriptor(&self) -> &DeviceDescriptor {
        (**self).descriptor()
    }

    fn transact(&mut self, message: Message<'_>, watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        (**self).transact(message, watch)
    }
}
