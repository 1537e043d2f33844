//! Authenticator data (WebAuthn Level 3 §6.1, referenced by CTAP 2.1 §6.1 and §6.2):
//!
//! ```text
//! rpIdHash (32) | flags (1) | signCount (4, big-endian)
//!   | attestedCredentialData (if AT): aaguid (16) | credentialIdLength (2, BE)
//!                                     | credentialId | credentialPublicKey (COSE_Key)
//!   | extensions (if ED): CBOR map
//! ```

use sha2::{Digest, Sha256};

use crate::cbor::{decode_prefix_with, encode, CborError, DecodeOptions, FromCbor, ToCbor};
use crate::cose::CoseKey;
use crate::error::DecodeError;
use crate::extensions::ExtensionOutputs;

/// SHA-256 of an RP ID: the `rpIdHash` of authenticator data.
pub fn rp_id_hash(rp_id: &str) -> [u8; 32] {
    Sha256::digest(rp_id.as_bytes()).into()
}

/// The flags byte of authenticator data (WebAuthn §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct AuthDataFlags(pub u8);

impl AuthDataFlags {
    /// Bit 0: user present.
    pub const UP: u8 = 0x01;
    /// Bit 2: user verified.
    pub const UV: u8 = 0x04;
    /// Bit 3: backup eligible.
    pub const BE: u8 = 0x08;
    /// Bit 4: backed up (backup state).
    pub const BS: u8 = 0x10;
    /// Bit 6: attested credential data included.
    pub const AT: u8 = 0x40;
    /// Bit 7: extension data included.
    pub const ED: u8 = 0x80;

    /// Whether every bit of `mask` is set.
    pub fn contains(self, mask: u8) -> bool {
        self.0 & mask == mask
    }

    /// User present.
    pub fn user_present(self) -> bool {
        self.contains(Self::UP)
    }

    /// User verified.
    pub fn user_verified(self) -> bool {
        self.contains(Self::UV)
    }

    /// Backup eligible.
    pub fn backup_eligible(self) -> bool {
        self.contains(Self::BE)
    }

    /// Backed up.
    pub fn backed_up(self) -> bool {
        self.contains(Self::BS)
    }
}

/// Structural problems in authenticator data bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthDataError {
    /// Fewer than the 37 fixed bytes.
    #[error("{actual} bytes, shorter than the 37-byte fixed part")]
    TooShort {
        /// Length received.
        actual: usize,
    },
    /// The AT flag is set but the attested credential data is cut short.
    #[error("attested credential data truncated: {0}")]
    AttestedCredentialDataTruncated(&'static str),
    /// The credential public key is not valid CBOR.
    #[error("credential public key: {0}")]
    CredentialPublicKey(CborError),
    /// The extensions map is not valid CBOR.
    #[error("extensions: {0}")]
    Extensions(CborError),
    /// Bytes remain after everything the flags announce.
    #[error("{count} unexpected byte(s) after the data the flags announce")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
}

/// Attested credential data (WebAuthn §6.5.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedCredentialData {
    /// The authenticator model's AAGUID.
    pub aaguid: [u8; 16],
    /// The new credential's ID (at most 65535 bytes by format; WebAuthn allows 1023).
    pub credential_id: Vec<u8>,
    /// The credential public key.
    pub public_key: CoseKey,
}

/// Parsed authenticator data. [`AuthenticatorData::to_bytes`] sets the AT and ED flags
/// from the presence of `attested_credential` and `extensions`; all other flag bits are
/// written as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatorData {
    /// SHA-256 of the RP ID.
    pub rp_id_hash: [u8; 32],
    /// Flags.
    pub flags: AuthDataFlags,
    /// Signature counter.
    pub sign_count: u32,
    /// Present after makeCredential.
    pub attested_credential: Option<AttestedCredentialData>,
    /// Extension outputs, if any.
    pub extensions: Option<ExtensionOutputs>,
}

impl AuthenticatorData {
    /// Serializes in the WebAuthn byte layout.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut flags = self.flags.0 & !(AuthDataFlags::AT | AuthDataFlags::ED);
        if self.attested_credential.is_some() {
            flags |= AuthDataFlags::AT;
        }
        if self.extensions.is_some() {
            flags |= AuthDataFlags::ED;
        }
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(&self.rp_id_hash);
        out.push(flags);
        out.extend_from_slice(&self.sign_count.to_be_bytes());
        if let Some(acd) = &self.attested_credential {
            out.extend_from_slice(&acd.aaguid);
            // Credential IDs longer than 65535 bytes cannot be represented; the length
            // is saturated and such data would be rejected by any peer.
            let len = u16::try_from(acd.credential_id.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&acd.credential_id);
            out.extend_from_slice(&encode(&acd.public_key.to_cbor()));
        }
        if let Some(ext) = &self.extensions {
            out.extend_from_slice(&encode(&ext.to_cbor()));
        }
        out
    }

    /// Parses authenticator data bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let too_short = || AuthDataError::TooShort { actual: bytes.len() };
        let rp_id_hash: [u8; 32] = bytes
            .get(..32)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(too_short)?;
        let flags = AuthDataFlags(*bytes.get(32).ok_or_else(too_short)?);
        let count: [u8; 4] = bytes
            .get(33..37)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(too_short)?;
        let mut rest = bytes.get(37..).unwrap_or_default();

        let attested_credential = if flags.contains(AuthDataFlags::AT) {
            let (acd, used) = parse_attested_credential_data(rest)?;
            rest = rest.get(used..).unwrap_or_default();
            Some(acd)
        } else {
            None
        };
        let extensions = if flags.contains(AuthDataFlags::ED) {
            let (value, used) =
                decode_prefix_with(rest, DecodeOptions::TOLERANT).map_err(AuthDataError::Extensions)?;
            rest = rest.get(used..).unwrap_or_default();
            Some(ExtensionOutputs::from_cbor(&value, "authData.extensions")?)
        } else {
            None
        };
        if !rest.is_empty() {
            return Err(AuthDataError::TrailingBytes { count: rest.len() }.into());
        }
        Ok(Self {
            rp_id_hash,
            flags,
            sign_count: u32::from_be_bytes(count),
            attested_credential,
            extensions,
        })
    }
}

fn parse_attested_credential_data(bytes: &[u8]) -> Result<(AttestedCredentialData, usize), DecodeError> {
    let truncated = AuthDataError::AttestedCredentialDataTruncated;
    let aaguid: [u8; 16] = bytes
        .get(..16)
        .and_then(|s| s.try_into().ok())
        .ok_or(truncated("aaguid"))?;
    let len_bytes: [u8; 2] = bytes
        .get(16..18)
        .and_then(|s| s.try_into().ok())
        .ok_or(truncated("credentialIdLength"))?;
    let id_end = 18 + usize::from(u16::from_be_bytes(len_bytes));
    let credential_id = bytes.get(18..id_end).ok_or(truncated("credentialId"))?.to_vec();
    let key_bytes = bytes.get(id_end..).unwrap_or_default();
    let (key, used) = decode_prefix_with(key_bytes, DecodeOptions::TOLERANT)
        .map_err(AuthDataError::CredentialPublicKey)?;
    let public_key = CoseKey::from_cbor(&key, "authData.credentialPublicKey")?;
    Ok((
        AttestedCredentialData {
            aaguid,
            credential_id,
            public_key,
        },
        id_end + used,
    ))
}
