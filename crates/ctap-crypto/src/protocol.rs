//! PIN/UV auth protocols one and two: KDF, encrypt, decrypt, authenticate, verify
//! (CTAP 2.1 §6.5.6 and §6.5.7). The operations are the same on both sides.

use aes::Aes256;
use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::CryptoError;

/// The AES block (and protocol 2 IV) size.
pub const AES_BLOCK_LEN: usize = 16;

/// A PIN/UV auth protocol (CTAP 2.1 §6.5.4: the `pinUvAuthProtocol` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinUvAuthProtocol {
    /// PIN/UV auth protocol one (CTAP 2.1 §6.5.6).
    One,
    /// PIN/UV auth protocol two (CTAP 2.1 §6.5.7).
    Two,
}

impl PinUvAuthProtocol {
    /// The protocol from its number on the wire.
    pub fn from_number(number: u64) -> Result<Self, CryptoError> {
        match number {
            1 => Ok(Self::One),
            2 => Ok(Self::Two),
            other => Err(CryptoError::UnsupportedProtocol(other)),
        }
    }

    /// The protocol's number on the wire (1 or 2).
    pub fn number(self) -> u8 {
        match self {
            Self::One => 1,
            Self::Two => 2,
        }
    }

    /// Length of `authenticate`'s output: 16 bytes for protocol 1 (LEFT(HMAC, 16)), 32 for 2.
    pub fn auth_param_len(self) -> usize {
        match self {
            Self::One => 16,
            Self::Two => 32,
        }
    }

    /// `authenticate(key, message)` (§6.5.6, §6.5.7) with a raw key, e.g. a pinUvAuthToken.
    ///
    /// Protocol 1 returns the first 16 bytes of HMAC-SHA-256(key, message); protocol 2 uses at
    /// most the first 32 bytes of `key` and returns the full 32-byte HMAC.
    pub fn authenticate(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        let key = match self {
            Self::One => key,
            Self::Two => key.get(..32).unwrap_or(key),
        };
        let mut tag = hmac_sha256(key, message).to_vec();
        tag.truncate(self.auth_param_len());
        tag
    }

    /// `verify(key, message, signature)` (§6.5.6, §6.5.7), in constant time.
    pub fn verify(self, key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        let expected = self.auth_param_len();
        if signature.len() != expected {
            return Err(CryptoError::WrongAuthParamLength {
                protocol: self.number(),
                expected,
                actual: signature.len(),
            });
        }
        let tag = self.authenticate(key, message);
        if bool::from(tag.ct_eq(signature)) {
            Ok(())
        } else {
            Err(CryptoError::AuthParamMismatch)
        }
    }

    /// `kdf(Z)`: protocol 1 is SHA-256(Z); protocol 2 is HKDF-SHA-256 with a salt of 32 zero
    /// bytes, once with info "CTAP2 HMAC key" and once with "CTAP2 AES key".
    pub(crate) fn kdf(self, z: &[u8]) -> SharedSecret {
        match self {
            Self::One => {
                let key: [u8; 32] = Sha256::digest(z).into();
                SharedSecret {
                    protocol: self,
                    hmac_key: key,
                    aes_key: key,
                }
            }
            Self::Two => {
                let hkdf = Hkdf::<Sha256>::new(Some(&[0u8; 32]), z);
                let mut secret = SharedSecret {
                    protocol: self,
                    hmac_key: [0; 32],
                    aes_key: [0; 32],
                };
                // A 32-byte output is far below HKDF-SHA-256's 8160-byte limit, so expand
                // cannot fail; the keys stay zero only in that impossible case.
                let _ = hkdf.expand(b"CTAP2 HMAC key", &mut secret.hmac_key);
                let _ = hkdf.expand(b"CTAP2 AES key", &mut secret.aes_key);
                secret
            }
        }
    }
}

/// The shared secret of one PIN/UV auth protocol session (§6.5.6 and §6.5.7 `kdf(Z)`).
///
/// Protocol 1 uses the one 32-byte key for AES and HMAC; protocol 2 has a separate HMAC key
/// (the first 32 bytes of its 64-byte shared secret) and AES key (the last 32).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SharedSecret {
    #[zeroize(skip)]
    protocol: PinUvAuthProtocol,
    hmac_key: [u8; 32],
    aes_key: [u8; 32],
}

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSecret")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl SharedSecret {
    /// A shared secret from its bytes as `kdf` produces them: 32 bytes for protocol 1, 64 bytes
    /// (HMAC key || AES key) for protocol 2. Used for stored test vectors and by callers that
    /// keep the secret elsewhere.
    pub fn from_bytes(protocol: PinUvAuthProtocol, bytes: &[u8]) -> Result<Self, CryptoError> {
        let wrong_length = CryptoError::WrongKeyLength {
            protocol: protocol.number(),
            len: bytes.len(),
        };
        match (protocol, bytes.len()) {
            (PinUvAuthProtocol::One, 32) => {
                let mut key = [0u8; 32];
                key.copy_from_slice(bytes);
                let secret = Self {
                    protocol,
                    hmac_key: key,
                    aes_key: key,
                };
                key.zeroize();
                Ok(secret)
            }
            (PinUvAuthProtocol::Two, 64) => {
                let (hmac, aes) = bytes.split_at(32);
                let mut secret = Self {
                    protocol,
                    hmac_key: [0; 32],
                    aes_key: [0; 32],
                };
                secret.hmac_key.copy_from_slice(hmac);
                secret.aes_key.copy_from_slice(aes);
                Ok(secret)
            }
            _ => Err(wrong_length),
        }
    }

    /// The bytes `kdf` produced: 32 for protocol 1, 64 (HMAC key || AES key) for protocol 2.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(64));
        bytes.extend_from_slice(&self.hmac_key);
        if self.protocol == PinUvAuthProtocol::Two {
            bytes.extend_from_slice(&self.aes_key);
        }
        bytes
    }

    /// The protocol this secret belongs to.
    pub fn protocol(&self) -> PinUvAuthProtocol {
        self.protocol
    }

    /// `encrypt(sharedSecret, demPlaintext)`: AES-256-CBC without padding. Protocol 1 uses an
    /// all-zero IV; protocol 2 draws a random IV from `rng` and prepends it.
    pub fn encrypt(
        &self,
        plaintext: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<u8>, CryptoError> {
        if !plaintext.len().is_multiple_of(AES_BLOCK_LEN) {
            return Err(CryptoError::PlaintextNotBlockAligned {
                len: plaintext.len(),
            });
        }
        let mut iv = [0u8; AES_BLOCK_LEN];
        if self.protocol == PinUvAuthProtocol::Two {
            rng.fill_bytes(&mut iv);
        }
        let encryptor = cbc::Encryptor::<Aes256>::new(&self.aes_key.into(), &iv.into());
        let ciphertext = encryptor.encrypt_padded_vec_mut::<NoPadding>(plaintext);
        Ok(match self.protocol {
            PinUvAuthProtocol::One => ciphertext,
            PinUvAuthProtocol::Two => [iv.as_slice(), &ciphertext].concat(),
        })
    }

    /// `decrypt(sharedSecret, demCiphertext)`: the inverse of [`SharedSecret::encrypt`].
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (iv, body) = match self.protocol {
            PinUvAuthProtocol::One => ([0u8; AES_BLOCK_LEN], ciphertext),
            PinUvAuthProtocol::Two => {
                let (iv, body) = ciphertext.split_at_checked(AES_BLOCK_LEN).ok_or(
                    CryptoError::CiphertextMissingIv {
                        len: ciphertext.len(),
                    },
                )?;
                let mut iv_block = [0u8; AES_BLOCK_LEN];
                iv_block.copy_from_slice(iv);
                (iv_block, body)
            }
        };
        let not_aligned = CryptoError::CiphertextNotBlockAligned { len: body.len() };
        if !body.len().is_multiple_of(AES_BLOCK_LEN) {
            return Err(not_aligned);
        }
        let decryptor = cbc::Decryptor::<Aes256>::new(&self.aes_key.into(), &iv.into());
        decryptor
            .decrypt_padded_vec_mut::<NoPadding>(body)
            .map(Zeroizing::new)
            .map_err(|_| not_aligned)
    }

    /// `authenticate(sharedSecret, message)` with this secret's HMAC key.
    pub fn authenticate(&self, message: &[u8]) -> Vec<u8> {
        self.protocol.authenticate(&self.hmac_key, message)
    }

    /// `verify(sharedSecret, message, signature)` with this secret's HMAC key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CryptoError> {
        self.protocol.verify(&self.hmac_key, message, signature)
    }
}

/// HMAC-SHA-256 over `message`.
pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so new_from_slice cannot fail; the fallback key is
    // never used.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
    mac.update(message);
    mac.finalize().into_bytes().into()
}
