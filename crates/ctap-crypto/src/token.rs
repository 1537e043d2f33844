//! The pinUvAuthToken itself (CTAP 2.1 §6.5.2.1, §6.5.6 `resetPinUvAuthToken()`): generation
//! and encryption on the authenticator, decryption on the platform, and pinUvAuthParam
//! computation and verification with it.

use rand_core::CryptoRngCore;
use zeroize::Zeroizing;

use crate::{CryptoError, PinUvAuthProtocol, SharedSecret};

/// A pinUvAuthToken: 32 random bytes from an authenticator (usable with both protocols), or
/// on the platform whatever the authenticator issued (protocol 1 allows 16 or 32 bytes,
/// protocol 2 exactly 32). Zeroized on drop; Debug shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct PinUvAuthToken {
    bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PinUvAuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PinUvAuthToken({} bytes, redacted)", self.bytes.len())
    }
}

impl PinUvAuthToken {
    /// Length of the tokens this crate generates.
    pub const GENERATED_LEN: usize = 32;

    /// `resetPinUvAuthToken()`: a fresh random 32-byte token.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut bytes = Zeroizing::new(vec![0u8; Self::GENERATED_LEN]);
        rng.fill_bytes(&mut bytes);
        Self { bytes }
    }

    /// A token from its bytes, checked against the protocol's allowed lengths (protocol 1:
    /// 16 or 32 bytes; protocol 2: 32 bytes).
    pub fn from_bytes(protocol: PinUvAuthProtocol, bytes: &[u8]) -> Result<Self, CryptoError> {
        let allowed = match protocol {
            PinUvAuthProtocol::One => bytes.len() == 16 || bytes.len() == 32,
            PinUvAuthProtocol::Two => bytes.len() == 32,
        };
        if !allowed {
            return Err(CryptoError::WrongKeyLength {
                protocol: protocol.number(),
                len: bytes.len(),
            });
        }
        Ok(Self {
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// The raw token bytes (keep them secret).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Authenticator side: the encrypted token for the clientPIN response's
    /// `pinUvAuthToken` field (§6.5.5.7: `encrypt(shared secret, pinUvAuthToken)`).
    pub fn encrypt(
        &self,
        shared: &SharedSecret,
        rng: &mut impl CryptoRngCore,
    ) -> Result<Vec<u8>, CryptoError> {
        shared.encrypt(&self.bytes, rng)
    }

    /// Platform side: decrypts the `pinUvAuthToken` field of a clientPIN response and checks
    /// its length for the protocol.
    pub fn decrypt(shared: &SharedSecret, encrypted: &[u8]) -> Result<Self, CryptoError> {
        let bytes = shared.decrypt(encrypted)?;
        Self::from_bytes(shared.protocol(), &bytes)
    }

    /// `authenticate(pinUvAuthToken, message)`: the pinUvAuthParam for a command.
    pub fn authenticate(&self, protocol: PinUvAuthProtocol, message: &[u8]) -> Vec<u8> {
        protocol.authenticate(&self.bytes, message)
    }

    /// `verify(pinUvAuthToken, message, pinUvAuthParam)`, in constant time. The caller checks
    /// that the token is in use ([`crate::TokenState`] does).
    pub fn verify(
        &self,
        protocol: PinUvAuthProtocol,
        message: &[u8],
        pin_uv_auth_param: &[u8],
    ) -> Result<(), CryptoError> {
        protocol.verify(&self.bytes, message, pin_uv_auth_param)
    }
}
