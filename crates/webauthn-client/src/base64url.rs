//! `Base64URLString` (WebAuthn L3 §5.1.8 JSON types): bytes as base64url without padding
//! (RFC 4648 §5). Parsing also accepts padded input, as relying parties sometimes send it;
//! the standard alphabet's `+` and `/` are refused.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes carried as a base64url string in WebAuthn JSON.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Base64Url(pub Vec<u8>);

impl Base64Url {
    /// The encoded form (no padding).
    pub fn encode(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Decodes base64url with or without padding.
    pub fn decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
        if text.ends_with('=') {
            URL_SAFE.decode(text)
        } else {
            URL_SAFE_NO_PAD.decode(text)
        }
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Base64Url {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for Base64Url {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl std::fmt::Debug for Base64Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Base64Url({})", Self::encode(&self.0))
    }
}

impl std::fmt::Display for Base64Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&Self::encode(&self.0))
    }
}

impl Serialize for Base64Url {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Self::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Url {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::decode(&text).map(Self).map_err(|e| {
            serde::de::Error::custom(format!("not a base64url string ({e}): {text:?}"))
        })
    }
}

/// Secret bytes (PRF results, large-blob contents) as base64url: zeroized on drop, Debug
/// redacts them.
#[derive(Clone, PartialEq, Eq, Default, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct SecretBase64Url(pub Vec<u8>);

impl std::fmt::Debug for SecretBase64Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBase64Url({} bytes, redacted)", self.0.len())
    }
}

impl Serialize for SecretBase64Url {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&Base64Url::encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for SecretBase64Url {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Base64Url::deserialize(deserializer).map(|b| Self(b.0.clone()))
    }
}
