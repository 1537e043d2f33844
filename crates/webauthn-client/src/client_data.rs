//! CollectedClientData (WebAuthn L3 §5.8.1) serialized exactly as §5.8.1.2 prescribes
//! (CCDToString, the form the "limited verification algorithm" of §5.8.1.3 can check):
//! `type`, `challenge`, `origin`, `crossOrigin` in that order, then `topOrigin` for a
//! cross-origin call, then any further members; strings escaped as CCDToString does (only
//! `"`, `\` and code points below U+0020, the latter as lowercase `\uXXXX`).

use sha2::{Digest, Sha256};

use crate::base64url::Base64Url;

/// `webauthn.create` or `webauthn.get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeremonyType {
    /// Registration.
    Create,
    /// Authentication.
    Get,
}

impl CeremonyType {
    /// The `type` member.
    pub fn as_str(self) -> &'static str {
        match self {
            CeremonyType::Create => "webauthn.create",
            CeremonyType::Get => "webauthn.get",
        }
    }
}

/// The client data of one ceremony.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedClientData {
    /// The ceremony.
    pub ceremony: CeremonyType,
    /// The RP's challenge (raw bytes; encoded as base64url).
    pub challenge: Vec<u8>,
    /// The caller's serialized origin.
    pub origin: String,
    /// The top-level origin when called from a cross-origin iframe (then crossOrigin is true).
    pub top_origin: Option<String>,
}

impl CollectedClientData {
    /// A same-origin ceremony's client data.
    pub fn new(ceremony: CeremonyType, challenge: &[u8], origin: &str) -> Self {
        Self {
            ceremony,
            challenge: challenge.to_vec(),
            origin: origin.to_owned(),
            top_origin: None,
        }
    }

    /// The JSON-compatible serialization (§5.8.1.2), as UTF-8 bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::with_capacity(160);
        out.push_str("{\"type\":");
        ccd_string(&mut out, self.ceremony.as_str());
        out.push_str(",\"challenge\":");
        ccd_string(&mut out, &Base64Url::encode(&self.challenge));
        out.push_str(",\"origin\":");
        ccd_string(&mut out, &self.origin);
        out.push_str(",\"crossOrigin\":");
        match &self.top_origin {
            Some(top) => {
                out.push_str("true,\"topOrigin\":");
                ccd_string(&mut out, top);
            }
            None => out.push_str("false"),
        }
        out.push('}');
        out.into_bytes()
    }

    /// clientDataHash: SHA-256 of [`Self::to_json`].
    pub fn hash(json: &[u8]) -> [u8; 32] {
        Sha256::digest(json).into()
    }
}

/// CCDToString (§5.8.1.2) for one string: a JSON string literal with only the escapes the
/// spec's algorithm produces.
pub fn ccd_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
