//! Credential IDs that carry their own private key.
//!
//! Every credential ID (discoverable or not) is the credential's private key and settings
//! sealed with ChaCha20-Poly1305 under a key derived from the device master secret, with the
//! RP ID hash as associated data: an ID presented for another RP, or by another device, fails to
//! open. Non-discoverable credentials therefore need no storage at all.
//!
//! Layout: `version (1) || nonce (12) || ciphertext (35) || tag (16)` = 64 bytes.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use keydesk_ctap::extensions::CredProtect;

use crate::keys::{Algorithm, PrivateKey};
use crate::rng::KeyRng;
use crate::secret::Secret32;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const PLAINTEXT_LEN: usize = 3 + 32;
/// Length of every credential ID this key issues.
pub const CREDENTIAL_ID_LEN: usize = 1 + NONCE_LEN + PLAINTEXT_LEN + 16;

/// What a credential ID seals.
#[derive(Clone, Debug)]
pub struct SealedCredential {
    pub key: PrivateKey,
    pub cred_protect: CredProtect,
    pub hmac_secret: bool,
    pub discoverable: bool,
}

/// Seals and opens credential IDs, derives CredRandom values.
pub struct CredentialIdCipher {
    cipher: ChaCha20Poly1305,
    cred_random_key: Zeroizing<[u8; 32]>,
}

impl CredentialIdCipher {
    pub fn new(master_secret: &Secret32) -> Self {
        let hkdf = Hkdf::<Sha256>::new(None, master_secret.expose());
        let mut wrap_key = Zeroizing::new([0u8; 32]);
        let mut cred_random_key = Zeroizing::new([0u8; 32]);
        // Both derivations have fixed, valid output lengths.
        let _ = hkdf.expand(b"keydesk virtual key: credential id v1", wrap_key.as_mut());
        let _ = hkdf.expand(b"keydesk virtual key: hmac-secret CredRandom v1", cred_random_key.as_mut());
        Self { cipher: ChaCha20Poly1305::new(Key::from_slice(wrap_key.as_ref())), cred_random_key }
    }

    pub fn seal(&self, credential: &SealedCredential, rp_id_hash: &[u8; 32], rng: &mut KeyRng) -> Vec<u8> {
        let nonce = rng.bytes::<NONCE_LEN>();
        let mut plaintext = Zeroizing::new([0u8; PLAINTEXT_LEN]);
        plaintext[0] = credential.key.algorithm().to_byte();
        plaintext[1] = credential.cred_protect.value();
        plaintext[2] = u8::from(credential.hmac_secret) | (u8::from(credential.discoverable) << 1);
        plaintext[3..].copy_from_slice(credential.key.secret_bytes());
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext.as_ref(), aad: rp_id_hash })
            .unwrap_or_default(); // ChaCha20-Poly1305 encryption of 35 bytes cannot fail.
        let mut id = Vec::with_capacity(CREDENTIAL_ID_LEN);
        id.push(VERSION);
        id.extend_from_slice(&nonce);
        id.extend_from_slice(&ciphertext);
        id
    }

    /// Opens a credential ID for this RP; `None` when it is not one of ours for this RP.
    pub fn open(&self, id: &[u8], rp_id_hash: &[u8; 32]) -> Option<SealedCredential> {
        if id.len() != CREDENTIAL_ID_LEN || id.first() != Some(&VERSION) {
            return None;
        }
        let nonce = id.get(1..1 + NONCE_LEN)?;
        let ciphertext = id.get(1 + NONCE_LEN..)?;
        let plaintext = Zeroizing::new(
            self.cipher
                .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: rp_id_hash })
                .ok()?,
        );
        let algorithm = Algorithm::from_byte(*plaintext.first()?)?;
        let cred_protect = CredProtect::from_value(u64::from(*plaintext.get(1)?))?;
        let flags = *plaintext.get(2)?;
        let mut secret = Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(plaintext.get(3..)?);
        let key = PrivateKey::from_bytes(algorithm, *secret).ok()?;
        Some(SealedCredential {
            key,
            cred_protect,
            hmac_secret: flags & 1 != 0,
            discoverable: flags & 2 != 0,
        })
    }

    /// CredRandom of the hmac-secret extension (CTAP 2.1 §12.5): one value for assertions with
    /// user verification, another without.
    pub fn cred_random(&self, credential_id: &[u8], with_uv: bool) -> Secret32 {
        let hkdf = Hkdf::<Sha256>::new(Some(credential_id), self.cred_random_key.as_ref());
        let mut out = [0u8; 32];
        // A 32-byte expansion is always within HKDF's limit.
        let _ = hkdf.expand(&[u8::from(with_uv)], &mut out);
        Secret32::new(out)
    }
}

impl std::fmt::Debug for CredentialIdCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialIdCipher(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rng: &mut KeyRng) -> SealedCredential {
        SealedCredential {
            key: PrivateKey::generate(Algorithm::Es256, rng),
            cred_protect: CredProtect::UserVerificationOptionalWithCredentialIdList,
            hmac_secret: true,
            discoverable: false,
        }
    }

    #[test]
    fn sealed_ids_open_only_for_their_rp_and_device() {
        let mut rng = KeyRng::seeded(7);
        let cipher = CredentialIdCipher::new(&Secret32::new([1; 32]));
        let other_device = CredentialIdCipher::new(&Secret32::new([2; 32]));
        let credential = sample(&mut rng);
        let id = cipher.seal(&credential, &[9; 32], &mut rng);
        assert_eq!(id.len(), CREDENTIAL_ID_LEN);
        let opened = cipher.open(&id, &[9; 32]).unwrap();
        assert_eq!(opened.key.secret_bytes(), credential.key.secret_bytes());
        assert_eq!(opened.cred_protect, CredProtect::UserVerificationOptionalWithCredentialIdList);
        assert!(opened.hmac_secret && !opened.discoverable);
        assert!(cipher.open(&id, &[8; 32]).is_none());
        assert!(other_device.open(&id, &[9; 32]).is_none());
        let mut tampered = id.clone();
        tampered[20] ^= 1;
        assert!(cipher.open(&tampered, &[9; 32]).is_none());
        assert!(cipher.open(&id[..10], &[9; 32]).is_none());
    }

    #[test]
    fn cred_random_differs_with_and_without_uv() {
        let cipher = CredentialIdCipher::new(&Secret32::new([1; 32]));
        let with = cipher.cred_random(b"id", true);
        let without = cipher.cred_random(b"id", false);
        assert_ne!(with, without);
        assert_eq!(with, cipher.cred_random(b"id", true));
    }
}
