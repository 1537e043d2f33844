//! ECDH P-256 key agreement of the PIN/UV auth protocols (CTAP 2.1 §6.5.6, §6.5.7):
//! `encapsulate` for the platform, key pair generation and `decapsulate` for the
//! authenticator.

use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p256::{EncodedPoint, PublicKey, SecretKey};
use rand_core::CryptoRngCore;

use crate::{CryptoError, PinUvAuthProtocol, SharedSecret};

/// A key-agreement public key as the COSE_Key of CTAP 2.1 §6.5.6 carries it (kty EC2,
/// alg -25 ECDH-ES+HKDF-256, crv P-256): the raw affine coordinates, big-endian.
///
/// The message crate converts to and from the COSE_Key map. A value of this type is not yet
/// known to be a point on the curve; [`encapsulate`] and [`KeyAgreementKeyPair::decapsulate`]
/// check that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyAgreementPublicKey {
    /// The x coordinate (COSE label -2).
    pub x: [u8; 32],
    /// The y coordinate (COSE label -3).
    pub y: [u8; 32],
}

impl KeyAgreementPublicKey {
    /// The point on P-256, or [`CryptoError::InvalidPeerPublicKey`] if it is not on the curve.
    fn to_point(self) -> Result<PublicKey, CryptoError> {
        let encoded = EncodedPoint::from_affine_coordinates(&self.x.into(), &self.y.into(), false);
        Option::from(PublicKey::from_encoded_point(&encoded))
            .ok_or(CryptoError::InvalidPeerPublicKey)
    }

    fn from_point(point: &PublicKey) -> Self {
        let encoded = point.to_encoded_point(false);
        let mut key = Self {
            x: [0; 32],
            y: [0; 32],
        };
        // A PublicKey is never the identity, so its uncompressed encoding has both
        // coordinates.
        if let (Some(x), Some(y)) = (encoded.x(), encoded.y()) {
            key.x.copy_from_slice(x);
            key.y.copy_from_slice(y);
        }
        key
    }
}

/// ECDH: the x coordinate of `secret` * `peer`, then the protocol's KDF.
fn ecdh(protocol: PinUvAuthProtocol, secret: &SecretKey, peer: &PublicKey) -> SharedSecret {
    let z = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), peer.as_affine());
    protocol.kdf(z.raw_secret_bytes())
}

/// Platform side `encapsulate(peerCoseKey)` (§6.5.6, §6.5.7): a fresh ephemeral key pair,
/// ECDH with the authenticator's key-agreement key, and the KDF. Returns the platform's
/// public key (the `keyAgreement` parameter to send) and the shared secret.
pub fn encapsulate(
    protocol: PinUvAuthProtocol,
    authenticator_key: &KeyAgreementPublicKey,
    rng: &mut impl CryptoRngCore,
) -> Result<(KeyAgreementPublicKey, SharedSecret), CryptoError> {
    let ephemeral = SecretKey::random(rng);
    encapsulate_with_secret(protocol, authenticator_key, &ephemeral)
}

/// `encapsulate` with a given ephemeral secret (for test vectors that fix it).
pub(crate) fn encapsulate_with_secret(
    protocol: PinUvAuthProtocol,
    authenticator_key: &KeyAgreementPublicKey,
    ephemeral: &SecretKey,
) -> Result<(KeyAgreementPublicKey, SharedSecret), CryptoError> {
    let peer = authenticator_key.to_point()?;
    let shared = ecdh(protocol, ephemeral, &peer);
    let platform_key = KeyAgreementPublicKey::from_point(&ephemeral.public_key());
    Ok((platform_key, shared))
}

/// The authenticator's key-agreement key pair (§6.5.6 `regenerate()`), shared by both
/// protocols. The secret scalar is zeroized on drop.
#[derive(Clone)]
pub struct KeyAgreementKeyPair {
    secret: SecretKey,
    public: KeyAgreementPublicKey,
}

impl std::fmt::Debug for KeyAgreementKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAgreementKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl KeyAgreementKeyPair {
    /// `regenerate()`: a fresh random P-256 key pair (the authenticator calls it from
    /// `initialize()` at power-up and replaces its old pair with the result).
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self::from_secret(SecretKey::random(rng))
    }

    /// A key pair from a fixed 32-byte big-endian scalar (test vectors, restored state).
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Result<Self, CryptoError> {
        SecretKey::from_bytes(secret.into())
            .map(Self::from_secret)
            .map_err(|_| CryptoError::InvalidSecretScalar)
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = KeyAgreementPublicKey::from_point(&secret.public_key());
        Self { secret, public }
    }

    /// `getPublicKey()`: the key to return in the clientPIN getKeyAgreement response.
    pub fn public_key(&self) -> KeyAgreementPublicKey {
        self.public
    }

    /// `decapsulate(peerCoseKey)`: ECDH with the platform's key and the protocol's KDF.
    pub fn decapsulate(
        &self,
        protocol: PinUvAuthProtocol,
        platform_key: &KeyAgreementPublicKey,
    ) -> Result<SharedSecret, CryptoError> {
        let peer = platform_key.to_point()?;
        Ok(ecdh(protocol, &self.secret, &peer))
    }
}
