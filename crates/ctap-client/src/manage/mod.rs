//! The vendor-neutral key-management service (issue 3): PIN, passkeys, fingerprints,
//! settings, large blobs and reset, as methods of [`crate::Client`].
//!
//! Every operation checks getInfo first and returns [`crate::Error::Unsupported`] for a
//! feature the key does not advertise, instead of attempting it. Results are plain data that
//! serialize with serde; each type documents its JSON shape (byte strings are base64url
//! without padding, as WebAuthn uses them).

mod blobs;
mod fingerprints;
mod passkeys;
mod pin;
mod reset;
mod settings;

pub use blobs::LargeBlobArrayInfo;
pub use fingerprints::{from_hex, hex, Fingerprint, SensorInfo, SensorKind};
pub use passkeys::{CredProtectLevel, Passkey, PasskeyCapacity, PasskeyList, Site};
pub use pin::PinStatus;
pub use reset::{ResetGuide, RESET_WARNING};
pub use settings::{MinPinLengthChange, Settings};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Bytes as base64url without padding (credential IDs, user handles).
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The inverse of [`base64url`] (accepts padding too).
pub fn from_base64url(text: &str) -> Result<Vec<u8>, crate::Error> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| crate::Error::InvalidInput(format!("{text:?} is not base64url")))
}
