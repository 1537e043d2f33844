//! authenticatorLargeBlobs (0x0C), CTAP 2.1 §6.10: reading and writing the serialized
//! large-blob array in fragments, plus the array's own format (§6.10.3/§6.10.4:
//! CBOR array of entries followed by the first 16 bytes of its SHA-256).

use sha2::{Digest, Sha256};

use crate::cbor::{array, decode, encode, Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::error::DecodeError;
use crate::message::{require_params, CommandRequest, CommandResponse};

/// authenticatorLargeBlobs request (CTAP 2.1 §6.10.2): exactly one of `get` and `set`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeBlobsRequest {
    /// 0x01 get: number of bytes to read.
    pub get: Option<u32>,
    /// 0x02 set: fragment to write.
    pub set: Option<Vec<u8>>,
    /// 0x03 offset.
    pub offset: u32,
    /// 0x04 length: total length of the new array (first `set` fragment only).
    pub length: Option<u32>,
    /// 0x05 pinUvAuthParam = authenticate(pinUvAuthToken, [`Self::auth_message`]).
    pub pin_uv_auth_param: Option<Vec<u8>>,
    /// 0x06 pinUvAuthProtocol.
    pub pin_uv_auth_protocol: Option<u32>,
}

impl LargeBlobsRequest {
    /// Reads `count` bytes at `offset`.
    pub fn get(offset: u32, count: u32) -> Self {
        Self {
            get: Some(count),
            set: None,
            offset,
            length: None,
            pin_uv_auth_param: None,
            pin_uv_auth_protocol: None,
        }
    }

    /// Writes `fragment` at `offset`; `length` is the total length, given with the first
    /// fragment (offset 0) only.
    pub fn set(offset: u32, fragment: Vec<u8>, length: Option<u32>) -> Self {
        Self {
            get: None,
            set: Some(fragment),
            offset,
            length,
            pin_uv_auth_param: None,
            pin_uv_auth_protocol: None,
        }
    }

    /// The bytes pinUvAuthParam authenticates for a `set` (§6.10.2):
    /// `32×0xff || h'0c00' || uint32LittleEndian(offset) || SHA-256(set)`.
    /// `None` for a `get`, which is not authenticated.
    pub fn auth_message(&self) -> Option<Vec<u8>> {
        self.set.as_ref().map(|fragment| set_auth_message(self.offset, fragment))
    }
}

/// `32×0xff || h'0c00' || uint32LittleEndian(offset) || SHA-256(fragment)`.
pub fn set_auth_message(offset: u32, fragment: &[u8]) -> Vec<u8> {
    let mut message = vec![0xff; 32];
    message.extend_from_slice(&[Command::LargeBlobs.byte(), 0x00]);
    message.extend_from_slice(&offset.to_le_bytes());
    message.extend_from_slice(&Sha256::digest(fragment));
    message
}

impl CommandRequest for LargeBlobsRequest {
    const COMMAND: Command = Command::LargeBlobs;

    fn to_params(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert_opt(0x01, self.get)
                .insert_opt(0x02, self.set.clone())
                .insert(0x03, self.offset)
                .insert_opt(0x04, self.length)
                .insert_opt(0x05, self.pin_uv_auth_param.clone())
                .insert_opt(0x06, self.pin_uv_auth_protocol)
                .build(),
        )
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(params, "largeBlobs parameters")?, "largeBlobs")?;
        Ok(Self {
            get: f.optional(0x01, "largeBlobs.get")?,
            set: f.optional(0x02, "largeBlobs.set")?,
            offset: f.required(0x03, "largeBlobs.offset")?,
            length: f.optional(0x04, "largeBlobs.length")?,
            pin_uv_auth_param: f.optional(0x05, "largeBlobs.pinUvAuthParam")?,
            pin_uv_auth_protocol: f.optional(0x06, "largeBlobs.pinUvAuthProtocol")?,
        })
    }
}

/// authenticatorLargeBlobs response: `config` (0x01) for a get, nothing for a set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LargeBlobsResponse {
    /// 0x01 config: the requested fragment of the serialized array.
    pub config: Option<Vec<u8>>,
}

impl CommandResponse for LargeBlobsResponse {
    fn to_body(&self) -> Option<Value> {
        self.config
            .as_ref()
            .map(|c| MapBuilder::new().insert(0x01, c.clone()).build())
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let Some(body) = body else {
            return Ok(Self::default());
        };
        let f = Fields::new(body, "largeBlobs response")?;
        Ok(Self {
            config: f.optional(0x01, "largeBlobs.config")?,
        })
    }
}

/// One entry of the large-blob array (§6.10.3): AEAD ciphertext, nonce, original size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeBlobEntry {
    /// 0x01 ciphertext (AES-256-GCM output with tag).
    pub ciphertext: Vec<u8>,
    /// 0x02 nonce (12 bytes).
    pub nonce: [u8; 12],
    /// 0x03 origSize: length of the uncompressed plaintext.
    pub orig_size: u64,
}

impl ToCbor for LargeBlobEntry {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert(0x01, self.ciphertext.clone())
            .insert(0x02, self.nonce.to_vec())
            .insert(0x03, self.orig_size)
            .build()
    }
}

impl FromCbor for LargeBlobEntry {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            ciphertext: f.required(0x01, "largeBlob.ciphertext")?,
            nonce: f.required(0x02, "largeBlob.nonce")?,
            orig_size: f.required(0x03, "largeBlob.origSize")?,
        })
    }
}

/// The serialized large-blob array: CBOR array || LEFT(SHA-256(CBOR array), 16).
/// The empty array serializes to `h'8076be8b528d0075f7aae98d6fa57a6d3c'` (§6.10.2).
pub fn serialize_large_blob_array(entries: &[LargeBlobEntry]) -> Vec<u8> {
    let mut out = encode(&array(entries));
    let hash = Sha256::digest(&out);
    out.extend_from_slice(&hash[..16]);
    out
}

/// Parses a serialized large-blob array, checking its truncated SHA-256.
///
/// Entries that are not maps of the §6.10.3 shape are errors; per the spec a platform
/// treats a failed check as an empty array, which the caller decides.
pub fn parse_large_blob_array(serialized: &[u8]) -> Result<Vec<LargeBlobEntry>, LargeBlobArrayError> {
    let split = serialized
        .len()
        .checked_sub(16)
        .filter(|&n| n > 0)
        .ok_or(LargeBlobArrayError::TooShort { length: serialized.len() })?;
    let (cbor, checksum) = serialized.split_at(split);
    if Sha256::digest(cbor)[..16] != *checksum {
        return Err(LargeBlobArrayError::ChecksumMismatch);
    }
    let value = decode(cbor).map_err(|e| LargeBlobArrayError::Entries(e.into()))?;
    crate::cbor::array_from(&value, "largeBlobArray").map_err(LargeBlobArrayError::Entries)
}

/// Why a serialized large-blob array is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LargeBlobArrayError {
    /// Not even one CBOR byte plus the 16-byte checksum.
    #[error("serialized large-blob array of {length} bytes is too short")]
    TooShort {
        /// Length received.
        length: usize,
    },
    /// The trailing 16 bytes are not the truncated SHA-256 of the array.
    #[error("large-blob array checksum does not match")]
    ChecksumMismatch,
    /// The array or an entry is malformed.
    #[error("large-blob array: {0}")]
    Entries(DecodeError),
}
