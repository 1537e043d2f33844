//! The hmac-secret extension's cryptography (CTAP 2.1 §12.5) and the WebAuthn Level 3 PRF
//! mapping onto it (WebAuthn L3 §10.1.4).
//!
//! Platform: [`encrypt_salts`], then [`decrypt_output`]. Authenticator: [`decrypt_salts`],
//! [`compute_output`] with the credential's CredRandom (the caller picks CredRandomWithUV or
//! CredRandomWithoutUV), then [`encrypt_output`].

use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::protocol::hmac_sha256;
use crate::{CryptoError, SharedSecret};

/// Length of one salt and of one output.
pub const HMAC_SECRET_LEN: usize = 32;

/// What went wrong with hmac-secret input or output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HmacSecretError {
    /// Decrypting or verifying failed (bad saltAuth, misaligned ciphertext...).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The decrypted saltEnc is neither 32 nor 64 bytes (`CTAP1_ERR_INVALID_LENGTH`).
    #[error("decrypted saltEnc has {len} bytes; one or two 32-byte salts expected")]
    SaltsWrongLength {
        /// Length of the decrypted salts.
        len: usize,
    },
    /// The decrypted output does not hold one 32-byte output per salt sent.
    #[error("decrypted hmac-secret output has {len} bytes; {expected} expected")]
    OutputWrongLength {
        /// Length of the decrypted output.
        len: usize,
        /// 32 times the number of salts sent.
        expected: usize,
    },
}

/// One or two 32-byte values: the salts going in, or the outputs coming out. Zeroized on
/// drop; Debug redacts the values.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct HmacSecretPair {
    first: [u8; 32],
    second: Option<[u8; 32]>,
}

/// The salts of an hmac-secret request (salt1 and optional salt2).
pub type HmacSecretSalts = HmacSecretPair;
/// The outputs of an hmac-secret response (output1 and optional output2).
pub type HmacSecretOutput = HmacSecretPair;

impl std::fmt::Debug for HmacSecretPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacSecretPair({} values, redacted)", self.count())
    }
}

impl HmacSecretPair {
    /// One or two values.
    pub fn new(first: [u8; 32], second: Option<[u8; 32]>) -> Self {
        Self { first, second }
    }

    /// salt1 / output1.
    pub fn first(&self) -> &[u8; 32] {
        &self.first
    }

    /// salt2 / output2, if present.
    pub fn second(&self) -> Option<&[u8; 32]> {
        self.second.as_ref()
    }

    /// 1 or 2.
    pub fn count(&self) -> usize {
        if self.second.is_some() {
            2
        } else {
            1
        }
    }

    /// The concatenation, 32 or 64 bytes.
    fn concatenated(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(64));
        bytes.extend_from_slice(&self.first);
        if let Some(second) = &self.second {
            bytes.extend_from_slice(second);
        }
        bytes
    }

    /// Splits 32 or 64 bytes; `None` for any other length.
    fn split(bytes: &[u8]) -> Option<Self> {
        let mut first = [0u8; 32];
        let mut second = [0u8; 32];
        match bytes.len() {
            32 => {
                first.copy_from_slice(bytes);
                Some(Self::new(first, None))
            }
            64 => {
                let (a, b) = bytes.split_at(32);
                first.copy_from_slice(a);
                second.copy_from_slice(b);
                Some(Self::new(first, Some(second)))
            }
            _ => None,
        }
    }
}

/// `saltEnc` and `saltAuth` of the hmac-secret extension input (the `keyAgreement` member is
/// the platform key from [`crate::encapsulate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedSalts {
    /// `saltEnc = encrypt(shared secret, salt1 || salt2?)`.
    pub salt_enc: Vec<u8>,
    /// `saltAuth = authenticate(shared secret, saltEnc)`.
    pub salt_auth: Vec<u8>,
}

/// Platform side: saltEnc and saltAuth (§12.5).
pub fn encrypt_salts(
    shared: &SharedSecret,
    salts: &HmacSecretSalts,
    rng: &mut impl CryptoRngCore,
) -> Result<EncryptedSalts, CryptoError> {
    let salt_enc = shared.encrypt(&salts.concatenated(), rng)?;
    let salt_auth = shared.authenticate(&salt_enc);
    Ok(EncryptedSalts {
        salt_enc,
        salt_auth,
    })
}

/// Platform side: decrypts the authenticator's hmac-secret output and checks it holds one
/// output per salt sent (`salt_count` is 1 or 2).
pub fn decrypt_output(
    shared: &SharedSecret,
    encrypted_output: &[u8],
    salt_count: usize,
) -> Result<HmacSecretOutput, HmacSecretError> {
    let plain = shared.decrypt(encrypted_output)?;
    let expected = HMAC_SECRET_LEN * salt_count;
    if plain.len() != expected {
        return Err(HmacSecretError::OutputWrongLength {
            len: plain.len(),
            expected,
        });
    }
    HmacSecretPair::split(&plain).ok_or(HmacSecretError::OutputWrongLength {
        len: plain.len(),
        expected,
    })
}

/// Authenticator side: verifies saltAuth over saltEnc, then decrypts the one or two salts.
pub fn decrypt_salts(
    shared: &SharedSecret,
    salt_enc: &[u8],
    salt_auth: &[u8],
) -> Result<HmacSecretSalts, HmacSecretError> {
    shared.verify(salt_enc, salt_auth)?;
    let plain = shared.decrypt(salt_enc)?;
    HmacSecretPair::split(&plain).ok_or(HmacSecretError::SaltsWrongLength { len: plain.len() })
}

/// Authenticator side: `output1 = HMAC-SHA-256(CredRandom, salt1)` and likewise for salt2.
pub fn compute_output(cred_random: &[u8; 32], salts: &HmacSecretSalts) -> HmacSecretOutput {
    HmacSecretPair::new(
        hmac_sha256(cred_random, &salts.first),
        salts
            .second
            .as_ref()
            .map(|salt| hmac_sha256(cred_random, salt)),
    )
}

/// Authenticator side: `encrypt(shared secret, output1 || output2?)` for the response.
pub fn encrypt_output(
    shared: &SharedSecret,
    output: &HmacSecretOutput,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, CryptoError> {
    shared.encrypt(&output.concatenated(), rng)
}

/// WebAuthn L3 §10.1.4 (prf): the hmac-secret salt for a PRF input,
/// `SHA-256("WebAuthn PRF" || 0x00 || input)`.
pub fn prf_salt(input: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"WebAuthn PRF");
    hasher.update([0x00]);
    hasher.update(input);
    hasher.finalize().into()
}
