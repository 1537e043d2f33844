//! The keepalive / status-update byte shared by every transport.

/// Status carried by CTAPHID_KEEPALIVE (CTAP 2.1 §11.2.9.1.5), BLE KEEPALIVE
/// (§11.4.4) and the NFC status update answered with SW 9100 (§11.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeepaliveStatus {
    /// `STATUS_PROCESSING` (1): the authenticator is still working.
    Processing,
    /// `STATUS_UPNEEDED` (2): the authenticator waits for user presence.
    UpNeeded,
    /// A status byte the spec does not define (RFU); passed on, not rejected,
    /// so a newer authenticator does not break an older host.
    Reserved(u8),
}

impl KeepaliveStatus {
    /// Decodes the status byte.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            1 => Self::Processing,
            2 => Self::UpNeeded,
            other => Self::Reserved(other),
        }
    }

    /// The status byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Processing => 1,
            Self::UpNeeded => 2,
            Self::Reserved(other) => other,
        }
    }
}
