//! The vault file: a JSON envelope with unlock slots and the encrypted payload.
//!
//! ```text
//! { "format": "keydesk-otp-vault", "version": 1, "generation": N,
//!   "slots": [ { "id", "kind": "password", "label", "argon2": {m_kib, t, p, salt}, "nonce", "wrapped_key" },
//!              { "id", "kind": "raw", "raw_kind", "label", "params", "nonce", "wrapped_key" } ],
//!   "payload": { "nonce", "ciphertext" } }
//! ```
//! The payload is XChaCha20-Poly1305 under a random 32-byte master key, with the format,
//! version and generation as associated data. Each slot wraps the master key with
//! XChaCha20-Poly1305 under its slot key (Argon2id of the password, or a caller-supplied 32-byte
//! key for raw slots such as the OS keyring or a FIDO2 hmac-secret output), with the slot id
//! and kind as associated data. Binary fields are base64.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub(crate) const FORMAT: &str = "keydesk-otp-vault";
pub(crate) const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VaultFile {
    pub format: String,
    pub version: u32,
    pub generation: u64,
    pub slots: Vec<SlotRecord>,
    pub payload: Sealed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Sealed {
    pub nonce: String,
    pub ciphertext: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SlotRecord {
    pub id: String,
    pub kind: SlotKindRecord,
    pub label: String,
    pub wrapped: Sealed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum SlotKindRecord {
    Password { argon2: Argon2Record },
    Raw { raw_kind: String, params: String },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Argon2Record {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
    #[serde(with = "salt_b64")]
    pub salt: [u8; 16],
}

mod salt_b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(salt: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(salt))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(text).map_err(serde::de::Error::custom)?;
        bytes.try_into().map_err(|_| serde::de::Error::custom("salt must be 16 bytes"))
    }
}

/// Authentication failed (wrong key) or the record is malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenError;

pub(crate) fn seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Result<Sealed, crate::random::RandomError> {
    let nonce = crate::random::array::<24>()?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    // Encryption with a valid key and in-memory buffer cannot fail; an empty ciphertext would
    // then fail authentication on open rather than panic here.
    let ciphertext = cipher.encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad }).unwrap_or_default();
    Ok(Sealed { nonce: B64.encode(nonce), ciphertext: B64.encode(ciphertext) })
}

pub(crate) fn open(key: &[u8; 32], sealed: &Sealed, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let nonce: [u8; 24] = B64.decode(&sealed.nonce).map_err(|_| OpenError)?.try_into().map_err(|_| OpenError)?;
    let ciphertext = B64.decode(&sealed.ciphertext).map_err(|_| OpenError)?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: &ciphertext, aad })
        .map(Zeroizing::new)
        .map_err(|_| OpenError)
}

pub(crate) fn payload_aad(generation: u64) -> Vec<u8> {
    format!("{FORMAT}/v{VERSION}/generation/{generation}").into_bytes()
}

pub(crate) fn slot_aad(slot: &SlotRecord) -> Vec<u8> {
    let kind = match &slot.kind {
        SlotKindRecord::Password { .. } => "password".to_owned(),
        SlotKindRecord::Raw { raw_kind, .. } => format!("raw/{raw_kind}"),
    };
    format!("{FORMAT}/slot/{}/{kind}", slot.id).into_bytes()
}
