//! Credential key pairs: ES256 (P-256 ECDSA with SHA-256) and EdDSA (Ed25519).

use ed25519_dalek::Signer as _;
use serde::{Deserialize, Serialize};

use crate::rng::KeyRng;
use crate::secret::Secret32;

/// The signature algorithms the virtual key offers, by COSE identifier (RFC 9053 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Algorithm {
    /// COSE -7: ECDSA P-256 with SHA-256.
    Es256,
    /// COSE -8: EdDSA over Ed25519.
    EdDsa,
}

impl Algorithm {
    /// The COSE algorithm identifier.
    pub fn cose_id(self) -> i64 {
        match self {
            Algorithm::Es256 => -7,
            Algorithm::EdDsa => -8,
        }
    }

    /// The algorithm for a COSE identifier, when supported.
    pub fn from_cose_id(id: i64) -> Option<Self> {
        match id {
            -7 => Some(Algorithm::Es256),
            -8 => Some(Algorithm::EdDsa),
            _ => None,
        }
    }

    pub fn to_byte(self) -> u8 {
        match self {
            Algorithm::Es256 => 1,
            Algorithm::EdDsa => 2,
        }
    }

    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Algorithm::Es256),
            2 => Some(Algorithm::EdDsa),
            _ => None,
        }
    }
}

/// The public half of a credential key, in the shape a COSE_Key needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// Uncompressed P-256 point coordinates.
    Es256 { x: [u8; 32], y: [u8; 32] },
    /// Ed25519 public key bytes.
    EdDsa([u8; 32]),
}

/// A credential private key: the P-256 scalar or the Ed25519 seed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PrivateKey {
    algorithm: Algorithm,
    secret: Secret32,
}

/// The stored bytes do not form a valid key for their algorithm.
#[derive(Debug, thiserror::Error)]
#[error("stored private key bytes are not a valid {0:?} key")]
pub struct InvalidPrivateKey(pub Algorithm);

impl PrivateKey {
    /// Generates a fresh key pair.
    pub fn generate(algorithm: Algorithm, rng: &mut KeyRng) -> Self {
        let secret = match algorithm {
            Algorithm::Es256 => {
                let key = p256::SecretKey::random(rng);
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(&key.to_bytes());
                Secret32::new(bytes)
            }
            Algorithm::EdDsa => Secret32::new(rng.bytes::<32>()),
        };
        Self { algorithm, secret }
    }

    /// Rebuilds a key from stored bytes, validating them.
    pub fn from_bytes(algorithm: Algorithm, bytes: [u8; 32]) -> Result<Self, InvalidPrivateKey> {
        let key = Self { algorithm, secret: Secret32::new(bytes) };
        if algorithm == Algorithm::Es256 && key.p256().is_none() {
            return Err(InvalidPrivateKey(algorithm));
        }
        Ok(key)
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn secret_bytes(&self) -> &[u8; 32] {
        self.secret.expose()
    }

    fn p256(&self) -> Option<p256::ecdsa::SigningKey> {
        p256::ecdsa::SigningKey::from_bytes(self.secret.expose().into()).ok()
    }

    fn ed25519(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(self.secret.expose())
    }

    /// The public key.
    pub fn public_key(&self) -> Result<PublicKey, InvalidPrivateKey> {
        match self.algorithm {
            Algorithm::Es256 => {
                let key = self.p256().ok_or(InvalidPrivateKey(self.algorithm))?;
                let point = key.verifying_key().to_encoded_point(false);
                let (Some(x), Some(y)) = (point.x(), point.y()) else {
                    return Err(InvalidPrivateKey(self.algorithm));
                };
                let mut out_x = [0u8; 32];
                let mut out_y = [0u8; 32];
                out_x.copy_from_slice(x);
                out_y.copy_from_slice(y);
                Ok(PublicKey::Es256 { x: out_x, y: out_y })
            }
            Algorithm::EdDsa => Ok(PublicKey::EdDsa(self.ed25519().verifying_key().to_bytes())),
        }
    }

    /// Signs `message`: an ASN.1 DER ECDSA signature for ES256 (WebAuthn §6.5.5), the raw
    /// 64-byte signature for EdDSA.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, InvalidPrivateKey> {
        match self.algorithm {
            Algorithm::Es256 => {
                let key = self.p256().ok_or(InvalidPrivateKey(self.algorithm))?;
                let signature: p256::ecdsa::DerSignature = key.sign(message);
                Ok(signature.as_bytes().to_vec())
            }
            Algorithm::EdDsa => Ok(self.ed25519().sign(message).to_bytes().to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Verifier as _;

    #[test]
    fn es256_signatures_verify_with_the_public_key() {
        let mut rng = KeyRng::seeded(1);
        let key = PrivateKey::generate(Algorithm::Es256, &mut rng);
        let signature = key.sign(b"message").unwrap();
        let PublicKey::Es256 { x, y } = key.public_key().unwrap() else { panic!("wrong kind") };
        let point = p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
        let verifier = p256::ecdsa::VerifyingKey::from_encoded_point(&point).unwrap();
        let signature = p256::ecdsa::DerSignature::try_from(signature.as_slice()).unwrap();
        verifier.verify(b"message", &signature).unwrap();
        assert!(verifier.verify(b"other", &signature).is_err());
    }

    #[test]
    fn eddsa_signatures_verify_with_the_public_key() {
        let mut rng = KeyRng::seeded(2);
        let key = PrivateKey::generate(Algorithm::EdDsa, &mut rng);
        let signature = key.sign(b"message").unwrap();
        let PublicKey::EdDsa(public) = key.public_key().unwrap() else { panic!("wrong kind") };
        let verifier = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        let signature = ed25519_dalek::Signature::from_slice(&signature).unwrap();
        verifier.verify_strict(b"message", &signature).unwrap();
    }

    #[test]
    fn zero_scalar_is_rejected() {
        assert!(PrivateKey::from_bytes(Algorithm::Es256, [0; 32]).is_err());
    }
}
