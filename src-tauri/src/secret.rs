//! Secrets that arrive from the UI (PINs): zeroized on drop, redacted in Debug.

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

/// A secret string sent by the UI (in TypeScript a plain `string`: fields of this type carry
/// `#[ts(type = "string")]`).
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// The secret as a key PIN (Unicode NFC is the UI's job, CTAP 2.1 §6.5.1).
    pub fn into_pin(self) -> keydesk_ctap_client::Pin {
        keydesk_ctap_client::Pin::new(self.0.as_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(text: &str) -> Self {
        Self(Zeroizing::new(text.to_owned()))
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(redacted)")
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Self(Zeroizing::new(text)))
    }
}
