//! The sealed state file: the virtual key's own state file (versioned, checksummed) encrypted
//! with XChaCha20-Poly1305 under a random 32-byte key that lives only in the OS keyring.
//!
//! Layout: `"KDPC"` magic, format version (u16 BE), key ID (16 random bytes naming the keyring
//! entry that holds this file's key), nonce (24 random bytes), then the ciphertext with its
//! 16-byte tag. The header (magic, version, key ID) is the associated data, so a file cannot be
//! re-labelled to point at another key. A fresh nonce is drawn for every write; 192-bit random
//! nonces make collisions negligible for any number of saves.

use chacha20poly1305::aead::{Aead as _, Payload};
use chacha20poly1305::{KeyInit as _, XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

const MAGIC: &[u8; 4] = b"KDPC";
/// Current sealed file format version.
pub const FORMAT_VERSION: u16 = 1;
const KEY_ID_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 4 + 2 + KEY_ID_LEN;
const TAG_LEN: usize = 16;

/// Why a sealed file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealedFileError {
    #[error("it is not a KeyDesk \"this computer\" state file (bad magic bytes)")]
    NotASealedFile,
    #[error("its format version {found} is newer than this KeyDesk reads (version {FORMAT_VERSION})")]
    UnsupportedVersion { found: u16 },
    #[error("it is truncated ({actual} bytes, at least {minimum} expected)")]
    Truncated { minimum: usize, actual: usize },
    #[error("it does not decrypt with the key in the keyring: the file is damaged or the keyring entry is not its key")]
    DecryptionFailed,
}

/// Names the keyring entry holding one state file's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

impl KeyId {
    pub fn random(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut id = [0u8; KEY_ID_LEN];
        rng.fill_bytes(&mut id);
        Self(id)
    }

    /// The keyring entry's user name: `state-` and the ID in hex.
    pub fn entry_name(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("state-{hex}")
    }
}

/// The 32-byte file key; zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FileKey([u8; 32]);

impl FileKey {
    pub fn random(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        Self(key)
    }

    /// The key as kept in the keyring; `None` unless exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(<redacted>)")
    }
}

fn header(key_id: &KeyId) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..4].copy_from_slice(MAGIC);
    header[4..6].copy_from_slice(&FORMAT_VERSION.to_be_bytes());
    header[6..].copy_from_slice(&key_id.0);
    header
}

/// Encrypts `plaintext` into the sealed file format.
pub fn seal(key: &FileKey, key_id: &KeyId, plaintext: &[u8], rng: &mut (impl RngCore + CryptoRng)) -> Vec<u8> {
    let header = header(key_id);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    // Encryption in memory fails only for messages beyond the cipher's 256 GiB limit.
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &header })
        .unwrap_or_default();
    [header.as_slice(), &nonce, &ciphertext].concat()
}

/// Reads the key ID from the header, checking magic and version.
pub fn key_id(file: &[u8]) -> Result<KeyId, SealedFileError> {
    let minimum = HEADER_LEN + NONCE_LEN + TAG_LEN;
    if file.get(..4).is_some_and(|magic| magic != MAGIC) {
        return Err(SealedFileError::NotASealedFile);
    }
    if file.len() < minimum {
        return Err(SealedFileError::Truncated { minimum, actual: file.len() });
    }
    let version = u16::from_be_bytes([file[4], file[5]]);
    if version != FORMAT_VERSION {
        return Err(SealedFileError::UnsupportedVersion { found: version });
    }
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&file[6..HEADER_LEN]);
    Ok(KeyId(id))
}

/// Decrypts a sealed file.
pub fn open(key: &FileKey, file: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealedFileError> {
    key_id(file)?;
    let (header, rest) = file.split_at(HEADER_LEN);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(key.expose().into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: header })
        .map(Zeroizing::new)
        .map_err(|_| SealedFileError::DecryptionFailed)
}

/// Every decoder of this module on arbitrary bytes (the fuzz target and the hostile-input test).
#[doc(hidden)]
pub fn fuzz_decode(data: &[u8]) {
    let _ = key_id(data);
    let _ = open(&FileKey([0x42; 32]), data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::OsRng;

    #[test]
    fn round_trip_and_every_damage_is_refused() {
        let key = FileKey::random(&mut OsRng);
        let id = KeyId::random(&mut OsRng);
        let file = seal(&key, &id, b"the virtual key's state", &mut OsRng);
        assert_eq!(key_id(&file), Ok(id));
        assert_eq!(open(&key, &file).as_deref().map(Vec::as_slice), Ok(&b"the virtual key's state"[..]));

        for index in 0..file.len() {
            let mut damaged = file.clone();
            damaged[index] ^= 0x01;
            assert!(open(&key, &damaged).is_err(), "a flipped bit at {index} was accepted");
        }
        for cut in 0..file.len() {
            assert!(open(&key, &file[..cut]).is_err(), "a file cut at {cut} was accepted");
        }
        assert_eq!(open(&FileKey::random(&mut OsRng), &file), Err(SealedFileError::DecryptionFailed));
        assert_eq!(key_id(b"KDVK\x00\x01"), Err(SealedFileError::NotASealedFile));
        let mut newer = file.clone();
        newer[5] = 2;
        assert_eq!(key_id(&newer), Err(SealedFileError::UnsupportedVersion { found: 2 }));
    }

    #[test]
    fn every_write_uses_a_fresh_nonce_and_hides_the_plaintext() {
        let key = FileKey::random(&mut OsRng);
        let id = KeyId::random(&mut OsRng);
        let a = seal(&key, &id, b"same state same state", &mut OsRng);
        let b = seal(&key, &id, b"same state same state", &mut OsRng);
        assert_ne!(a, b);
        assert!(!a.windows(10).any(|w| w == b"same state"));
    }

    #[test]
    fn hostile_files_never_panic() {
        let key = FileKey::random(&mut OsRng);
        let valid = seal(&key, &KeyId([7; 16]), &[0xa5; 64], &mut OsRng);
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..2000 {
            let mut input = if round % 2 == 0 { valid.clone() } else { vec![0u8; (next() % 200) as usize] };
            for _ in 0..(next() % 8) {
                if !input.is_empty() {
                    let at = (next() % input.len() as u64) as usize;
                    input[at] = next() as u8;
                }
            }
            input.truncate((next() % (input.len() as u64 + 1)) as usize);
            fuzz_decode(&input);
            let _ = open(&key, &input);
        }
    }

    #[test]
    fn the_key_is_redacted_and_entry_names_are_hex() {
        assert_eq!(format!("{:?}", FileKey::random(&mut OsRng)), "FileKey(<redacted>)");
        assert_eq!(KeyId([0xab; 16]).entry_name(), format!("state-{}", "ab".repeat(16)));
        assert!(FileKey::from_bytes(&[0; 31]).is_none());
    }
}
