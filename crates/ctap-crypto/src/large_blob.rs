//! Large-blob cryptography (CTAP 2.1 §6.10 authenticatorLargeBlobs, §12.3 largeBlobKey):
//! the integrity check of the serialized large-blob array, the pinUvAuthParam message of a
//! write, and per-credential entry encryption (DEFLATE, then AES-256-GCM).
//!
//! CBOR is the message crate's business: this module takes and returns the array's encoded
//! bytes and the entry's three fields.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of the integrity check trailing a serialized large-blob array.
pub const ARRAY_CHECK_LEN: usize = 16;
/// Length of a large-blob entry nonce.
pub const NONCE_LEN: usize = 12;
/// Length of the AES-GCM tag at the end of an entry's ciphertext.
pub const TAG_LEN: usize = 16;

/// The serialized large-blob array of a fresh authenticator: the empty CBOR array `0x80`
/// followed by LEFT(SHA-256(0x80), 16) (§6.10.2).
pub const INITIAL_SERIALIZED_ARRAY: [u8; 17] = [
    0x80, 0x76, 0xbe, 0x8b, 0x52, 0x8d, 0x00, 0x75, 0xf7, 0xaa, 0xe9, 0x8d, 0x6f, 0xa5, 0x7a, 0x6d,
    0x3c,
];

/// What is wrong with large-blob data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LargeBlobError {
    /// A serialized large-blob array shorter than the 17 bytes of an empty one.
    #[error("serialized large-blob array of {len} bytes is shorter than 17")]
    ArrayTooShort {
        /// Length received.
        len: usize,
    },
    /// The trailing 16 bytes are not LEFT(SHA-256(array), 16) (`CTAP2_ERR_INTEGRITY_FAILURE`).
    #[error("serialized large-blob array fails its integrity check")]
    ArrayIntegrityFailure,
    /// The entry's nonce is not 12 bytes.
    #[error("large-blob nonce has {len} bytes; 12 expected")]
    NonceWrongLength {
        /// Length received.
        len: usize,
    },
    /// AES-GCM rejected the entry: another credential's entry, or corrupted data.
    #[error("large-blob entry does not decrypt with this largeBlobKey")]
    DecryptionFailed,
    /// The entry declares an original size above the caller's bound.
    #[error("large-blob entry declares {orig_size} bytes; at most {max} accepted")]
    TooLarge {
        /// origSize declared by the entry.
        orig_size: u64,
        /// The caller's bound.
        max: usize,
    },
    /// The decrypted data is not valid raw DEFLATE, or inflates past origSize.
    #[error("large-blob data is not valid DEFLATE within origSize")]
    DecompressionFailed,
    /// The decompressed data does not have the declared origSize.
    #[error("large-blob data inflates to {actual} bytes; origSize says {orig_size}")]
    SizeMismatch {
        /// origSize declared by the entry.
        orig_size: u64,
        /// Bytes actually produced.
        actual: usize,
    },
    /// Encryption failed (data beyond AES-GCM's limit).
    #[error("large-blob data cannot be encrypted")]
    EncryptionFailed,
}

/// Appends the integrity check to the CBOR encoding of a large-blob array:
/// `array || LEFT(SHA-256(array), 16)`.
pub fn seal_serialized_array(cbor_array: &[u8]) -> Vec<u8> {
    let digest = Sha256::digest(cbor_array);
    let mut serialized = Vec::with_capacity(cbor_array.len() + ARRAY_CHECK_LEN);
    serialized.extend_from_slice(cbor_array);
    serialized.extend_from_slice(digest.get(..ARRAY_CHECK_LEN).unwrap_or_default());
    serialized
}

/// Checks a serialized large-blob array and returns its CBOR part. Platforms treat a failure
/// as the initial (empty) array; authenticators answer a write with
/// `CTAP2_ERR_INTEGRITY_FAILURE`.
pub fn open_serialized_array(serialized: &[u8]) -> Result<&[u8], LargeBlobError> {
    let split = serialized
        .len()
        .checked_sub(ARRAY_CHECK_LEN)
        .filter(|&cbor_len| cbor_len >= 1)
        .ok_or(LargeBlobError::ArrayTooShort {
            len: serialized.len(),
        })?;
    let (cbor_array, check) = serialized.split_at(split);
    let digest = Sha256::digest(cbor_array);
    if digest.get(..ARRAY_CHECK_LEN) == Some(check) {
        Ok(cbor_array)
    } else {
        Err(LargeBlobError::ArrayIntegrityFailure)
    }
}

/// The message a largeBlobs write authenticates with the pinUvAuthToken (§6.10.2):
/// `32×0xff || 0x0c 0x00 || uint32LittleEndian(offset) || SHA-256(set)`.
pub fn write_auth_message(offset: u32, set: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(32 + 2 + 4 + 32);
    message.extend_from_slice(&[0xff; 32]);
    message.extend_from_slice(&[0x0c, 0x00]);
    message.extend_from_slice(&offset.to_le_bytes());
    message.extend_from_slice(&Sha256::digest(set));
    message
}

/// A credential's largeBlobKey (§12.3): 32 bytes, zeroized on drop, redacted in Debug.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct LargeBlobKey([u8; 32]);

impl std::fmt::Debug for LargeBlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LargeBlobKey(redacted)")
    }
}

impl LargeBlobKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key (authenticators create one per credential that asks for it).
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key bytes (keep them secret).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// One encrypted entry of the large-blob array: its map keys 0x01 ciphertext, 0x02 nonce,
/// 0x03 origSize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeBlobEntry {
    /// AES-256-GCM ciphertext of the DEFLATE-compressed data, tag included.
    pub ciphertext: Vec<u8>,
    /// The 12-byte nonce.
    pub nonce: Vec<u8>,
    /// Length of the data before compression.
    pub orig_size: u64,
}

/// `"blob" || uint64LittleEndian(origSize)`, the AES-GCM associated data.
fn associated_data(orig_size: u64) -> [u8; 12] {
    let mut ad = [0u8; 12];
    ad[..4].copy_from_slice(b"blob");
    ad[4..].copy_from_slice(&orig_size.to_le_bytes());
    ad
}

/// Compresses `data` with raw DEFLATE (RFC 1951) and encrypts it under `key` with a random
/// nonce.
pub fn encrypt_entry(
    key: &LargeBlobKey,
    data: &[u8],
    rng: &mut impl CryptoRngCore,
) -> Result<LargeBlobEntry, LargeBlobError> {
    let orig_size = u64::try_from(data.len()).map_err(|_| LargeBlobError::EncryptionFailed)?;
    let compressed = Zeroizing::new(miniz_oxide::deflate::compress_to_vec(data, 6));
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let cipher = Aes256Gcm::new(&key.0.into());
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &compressed,
                aad: &associated_data(orig_size),
            },
        )
        .map_err(|_| LargeBlobError::EncryptionFailed)?;
    Ok(LargeBlobEntry {
        ciphertext,
        nonce: nonce.to_vec(),
        orig_size,
    })
}

/// Decrypts an entry under `key` and inflates it, refusing entries whose origSize exceeds
/// `max_orig_size` and data that does not inflate to exactly origSize bytes.
///
/// A [`LargeBlobError::DecryptionFailed`] is the normal answer for entries of other
/// credentials: platforms try each entry in turn.
pub fn decrypt_entry(
    key: &LargeBlobKey,
    entry: &LargeBlobEntry,
    max_orig_size: usize,
) -> Result<Zeroizing<Vec<u8>>, LargeBlobError> {
    let nonce: [u8; NONCE_LEN] =
        entry
            .nonce
            .as_slice()
            .try_into()
            .map_err(|_| LargeBlobError::NonceWrongLength {
                len: entry.nonce.len(),
            })?;
    let too_large = LargeBlobError::TooLarge {
        orig_size: entry.orig_size,
        max: max_orig_size,
    };
    let orig_size = usize::try_from(entry.orig_size).map_err(|_| too_large.clone())?;
    if orig_size > max_orig_size {
        return Err(too_large);
    }
    let cipher = Aes256Gcm::new(&key.0.into());
    let compressed = cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &entry.ciphertext,
                aad: &associated_data(entry.orig_size),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| LargeBlobError::DecryptionFailed)?;
    let data = miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, orig_size)
        .map(Zeroizing::new)
        .map_err(|_| LargeBlobError::DecompressionFailed)?;
    if data.len() != orig_size {
        return Err(LargeBlobError::SizeMismatch {
            orig_size: entry.orig_size,
            actual: data.len(),
        });
    }
    Ok(data)
}
