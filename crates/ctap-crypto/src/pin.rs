//! PIN handling of authenticatorClientPIN (CTAP 2.1 §6.5.5): pinHashEnc, newPinEnc and the
//! pinUvAuthParam of setPIN and changePIN, for the platform and the authenticator.

use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{CryptoError, SharedSecret};

/// Length of a padded PIN, `paddedPin` (§6.5.5.5).
pub const PADDED_PIN_LEN: usize = 64;
/// Longest PIN in UTF-8 bytes (§6.5.5.5: one zero byte of padding always remains).
pub const MAX_PIN_BYTES: usize = 63;
/// Default minimum PIN length in Unicode code points (§6.4 minPINLength default).
pub const DEFAULT_MIN_PIN_CODE_POINTS: usize = 4;

/// What is wrong with a PIN or a PIN-carrying parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinError {
    /// A protocol operation (decrypt, verify) failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The PIN has fewer code points than the minimum PIN length (`CTAP2_ERR_PIN_POLICY_VIOLATION`).
    #[error("PIN has {code_points} code points; at least {min} are required")]
    TooShort {
        /// Code points in the PIN.
        code_points: usize,
        /// The minimum PIN length in force.
        min: usize,
    },
    /// The PIN is longer than 63 bytes in UTF-8 (`CTAP2_ERR_PIN_POLICY_VIOLATION`).
    #[error("PIN has {bytes} bytes in UTF-8; at most 63 are allowed")]
    TooLong {
        /// Length of the PIN in UTF-8 bytes.
        bytes: usize,
    },
    /// The PIN bytes are not UTF-8 (`CTAP2_ERR_PIN_POLICY_VIOLATION`).
    #[error("PIN is not valid UTF-8")]
    NotUtf8,
    /// The PIN contains U+0000, which the zero padding cannot carry.
    #[error("PIN contains a NUL character")]
    ContainsNul,
    /// The decrypted newPinEnc is not 64 bytes (`CTAP1_ERR_INVALID_PARAMETER`).
    #[error("decrypted newPinEnc has {len} bytes; a padded PIN has 64")]
    PaddedPinWrongLength {
        /// Length of the decrypted newPinEnc.
        len: usize,
    },
    /// The decrypted pinHashEnc is not 16 bytes.
    #[error("decrypted pinHashEnc has {len} bytes; a PIN hash has 16")]
    PinHashWrongLength {
        /// Length of the decrypted pinHashEnc.
        len: usize,
    },
}

/// A PIN that satisfies CTAP's rules: UTF-8 (the type guarantees it), no NUL, at most 63
/// bytes, at least the minimum number of code points. Zeroized on drop; Debug redacts it.
///
/// The platform normalizes the PIN to Unicode NFC before building it (§6.5.1); this crate
/// does not.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Pin {
    pin: String,
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(redacted)")
    }
}

impl Pin {
    /// Checks `pin` against the rules with `min_code_points` as the minimum PIN length.
    pub fn new(pin: &str, min_code_points: usize) -> Result<Self, PinError> {
        if pin.contains('\0') {
            return Err(PinError::ContainsNul);
        }
        if pin.len() > MAX_PIN_BYTES {
            return Err(PinError::TooLong { bytes: pin.len() });
        }
        let code_points = pin.chars().count();
        if code_points < min_code_points {
            return Err(PinError::TooShort {
                code_points,
                min: min_code_points,
            });
        }
        Ok(Self {
            pin: pin.to_owned(),
        })
    }

    /// Like [`Pin::new`], from bytes that must be UTF-8.
    pub fn from_utf8(bytes: &[u8], min_code_points: usize) -> Result<Self, PinError> {
        let pin = std::str::from_utf8(bytes).map_err(|_| PinError::NotUtf8)?;
        Self::new(pin, min_code_points)
    }

    /// The PIN text.
    pub fn as_str(&self) -> &str {
        &self.pin
    }

    /// Length in Unicode code points (what minPINLength counts).
    pub fn code_points(&self) -> usize {
        self.pin.chars().count()
    }

    /// `LEFT(SHA-256(pin), 16)`, the value an authenticator stores and pinHashEnc carries.
    pub fn hash(&self) -> PinHash {
        PinHash::of(&self.pin)
    }

    /// `paddedPin`: the UTF-8 PIN followed by zero bytes up to 64 bytes.
    fn padded(&self) -> Zeroizing<[u8; PADDED_PIN_LEN]> {
        let mut padded = Zeroizing::new([0u8; PADDED_PIN_LEN]);
        // `new` guarantees at most 63 bytes, so the slice exists.
        if let Some(head) = padded.get_mut(..self.pin.len()) {
            head.copy_from_slice(self.pin.as_bytes());
        }
        padded
    }
}

/// `LEFT(SHA-256(pin), 16)`: the PIN hash an authenticator stores and compares (§6.5.5.5).
/// Compared in constant time; zeroized on drop; Debug redacts it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PinHash([u8; 16]);

impl std::fmt::Debug for PinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PinHash(redacted)")
    }
}

impl PartialEq for PinHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}
impl Eq for PinHash {}

impl PinHash {
    /// `LEFT(SHA-256(pin), 16)` of any PIN text (the current PIN may predate today's rules).
    pub fn of(pin: &str) -> Self {
        let digest = Zeroizing::new(<[u8; 32]>::from(Sha256::digest(pin.as_bytes())));
        let mut hash = [0u8; 16];
        hash.copy_from_slice(digest.get(..16).unwrap_or(&[0u8; 16]));
        Self(hash)
    }

    /// A stored hash.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes (keep them secret).
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

// ---------------------------------------------------------------- platform side

/// Platform side: `pinHashEnc = encrypt(shared secret, LEFT(SHA-256(pin), 16))` for changePIN,
/// getPinToken and getPinUvAuthTokenUsingPinWithPermissions.
pub fn pin_hash_enc(
    shared: &SharedSecret,
    pin: &str,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, CryptoError> {
    shared.encrypt(PinHash::of(pin).as_bytes(), rng)
}

/// The parameters of clientPIN setPIN (§6.5.5.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetPinParams {
    /// `newPinEnc = encrypt(shared secret, paddedNewPin)`.
    pub new_pin_enc: Vec<u8>,
    /// `pinUvAuthParam = authenticate(shared secret, newPinEnc)`.
    pub pin_uv_auth_param: Vec<u8>,
}

/// Platform side: newPinEnc and pinUvAuthParam for setPIN (§6.5.5.5).
pub fn set_pin_params(
    shared: &SharedSecret,
    new_pin: &Pin,
    rng: &mut impl CryptoRngCore,
) -> Result<SetPinParams, CryptoError> {
    let new_pin_enc = shared.encrypt(new_pin.padded().as_slice(), rng)?;
    let pin_uv_auth_param = shared.authenticate(&new_pin_enc);
    Ok(SetPinParams {
        new_pin_enc,
        pin_uv_auth_param,
    })
}

/// The parameters of clientPIN changePIN (§6.5.5.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePinParams {
    /// `pinHashEnc = encrypt(shared secret, LEFT(SHA-256(curPin), 16))`.
    pub pin_hash_enc: Vec<u8>,
    /// `newPinEnc = encrypt(shared secret, paddedNewPin)`.
    pub new_pin_enc: Vec<u8>,
    /// `pinUvAuthParam = authenticate(shared secret, newPinEnc || pinHashEnc)`.
    pub pin_uv_auth_param: Vec<u8>,
}

/// Platform side: pinHashEnc, newPinEnc and pinUvAuthParam for changePIN (§6.5.5.6).
pub fn change_pin_params(
    shared: &SharedSecret,
    current_pin: &str,
    new_pin: &Pin,
    rng: &mut impl CryptoRngCore,
) -> Result<ChangePinParams, CryptoError> {
    let pin_hash_enc = pin_hash_enc(shared, current_pin, rng)?;
    let new_pin_enc = shared.encrypt(new_pin.padded().as_slice(), rng)?;
    let pin_uv_auth_param = shared.authenticate(&[new_pin_enc.as_slice(), &pin_hash_enc].concat());
    Ok(ChangePinParams {
        pin_hash_enc,
        new_pin_enc,
        pin_uv_auth_param,
    })
}

// ---------------------------------------------------------------- authenticator side

/// Authenticator side of setPIN (§6.5.5.5): verifies pinUvAuthParam over newPinEnc, then
/// decrypts and unpads the new PIN and checks it against `min_code_points`.
pub fn open_set_pin(
    shared: &SharedSecret,
    new_pin_enc: &[u8],
    pin_uv_auth_param: &[u8],
    min_code_points: usize,
) -> Result<Pin, PinError> {
    shared.verify(new_pin_enc, pin_uv_auth_param)?;
    decrypt_new_pin(shared, new_pin_enc, min_code_points)
}

/// Authenticator side of changePIN (§6.5.5.6), first step: verifies pinUvAuthParam over
/// `newPinEnc || pinHashEnc` and decrypts pinHashEnc. The caller compares the result with
/// its stored [`PinHash`] (and manages retries) before calling [`decrypt_new_pin`].
pub fn open_change_pin(
    shared: &SharedSecret,
    pin_hash_enc: &[u8],
    new_pin_enc: &[u8],
    pin_uv_auth_param: &[u8],
) -> Result<PinHash, PinError> {
    shared.verify(&[new_pin_enc, pin_hash_enc].concat(), pin_uv_auth_param)?;
    decrypt_pin_hash(shared, pin_hash_enc)
}

/// Authenticator side: decrypts pinHashEnc (changePIN, getPinToken,
/// getPinUvAuthTokenUsingPinWithPermissions) to the 16-byte PIN hash.
pub fn decrypt_pin_hash(shared: &SharedSecret, pin_hash_enc: &[u8]) -> Result<PinHash, PinError> {
    let plain = shared.decrypt(pin_hash_enc)?;
    let bytes: [u8; 16] = plain
        .as_slice()
        .try_into()
        .map_err(|_| PinError::PinHashWrongLength { len: plain.len() })?;
    Ok(PinHash(bytes))
}

/// Authenticator side: decrypts newPinEnc, checks it is a 64-byte padded PIN, removes the
/// trailing zero padding and checks the PIN (UTF-8, at most 63 bytes, `min_code_points`).
pub fn decrypt_new_pin(
    shared: &SharedSecret,
    new_pin_enc: &[u8],
    min_code_points: usize,
) -> Result<Pin, PinError> {
    let padded = shared.decrypt(new_pin_enc)?;
    if padded.len() != PADDED_PIN_LEN {
        return Err(PinError::PaddedPinWrongLength { len: padded.len() });
    }
    let pin_len = padded
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    let pin_bytes = padded.get(..pin_len).unwrap_or_default();
    if pin_bytes.len() > MAX_PIN_BYTES {
        return Err(PinError::TooLong {
            bytes: pin_bytes.len(),
        });
    }
    Pin::from_utf8(pin_bytes, min_code_points)
}
