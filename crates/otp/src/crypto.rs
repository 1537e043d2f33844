//! Bounded key derivation and AEAD helpers shared by importers, exporters and the vault.
//!
//! Every KDF parameter that can come from a file is checked against [`KdfLimits`] before any
//! memory is allocated: a hostile file can ask for 64 GiB of Argon2 memory or scrypt N = 2^40.

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit};
use zeroize::Zeroizing;

/// Upper bounds for KDF parameters read from files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfLimits {
    /// Largest scrypt N (a power of two).
    pub max_scrypt_n: u64,
    pub max_scrypt_r: u32,
    pub max_scrypt_p: u32,
    /// Largest scrypt memory, 128 * r * N bytes.
    pub max_scrypt_memory_bytes: u64,
    /// Largest Argon2 memory in bytes.
    pub max_argon2_memory_bytes: u64,
    /// Largest Argon2 time cost (libsodium's opsLimit).
    pub max_argon2_iterations: u32,
    pub max_argon2_parallelism: u32,
    pub max_pbkdf2_iterations: u32,
}

impl Default for KdfLimits {
    /// Generous enough for every real app's defaults and "sensitive" presets (Ente's
    /// 1 GiB, Aegis' N = 2^15), small enough that a file cannot exhaust the machine.
    fn default() -> Self {
        Self {
            max_scrypt_n: 1 << 20,
            max_scrypt_r: 32,
            max_scrypt_p: 16,
            max_scrypt_memory_bytes: 1 << 30,
            max_argon2_memory_bytes: 1 << 30,
            max_argon2_iterations: 64,
            max_argon2_parallelism: 16,
            max_pbkdf2_iterations: 10_000_000,
        }
    }
}

/// A KDF request that is refused or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KdfError {
    #[error("{parameter} = {value} exceeds the allowed maximum {max}: refusing a file that asks for that much work or memory")]
    TooExpensive { parameter: &'static str, value: u64, max: u64 },
    #[error("invalid {parameter}: {reason}")]
    Invalid { parameter: &'static str, reason: String },
}

fn cap(parameter: &'static str, value: u64, max: u64) -> Result<(), KdfError> {
    if value > max {
        Err(KdfError::TooExpensive { parameter, value, max })
    } else {
        Ok(())
    }
}

/// scrypt (RFC 7914) to a 32-byte key, with N, r, p and memory bounded.
pub fn scrypt_key(
    password: &[u8],
    salt: &[u8],
    n: u64,
    r: u64,
    p: u64,
    limits: &KdfLimits,
) -> Result<Zeroizing<[u8; 32]>, KdfError> {
    if n < 2 || !n.is_power_of_two() {
        return Err(KdfError::Invalid { parameter: "scrypt N", reason: format!("{n} is not a power of two >= 2") });
    }
    cap("scrypt N", n, limits.max_scrypt_n)?;
    cap("scrypt r", r, u64::from(limits.max_scrypt_r))?;
    cap("scrypt p", p, u64::from(limits.max_scrypt_p))?;
    let memory = 128u64.saturating_mul(r).saturating_mul(n);
    cap("scrypt memory (bytes)", memory, limits.max_scrypt_memory_bytes)?;
    let invalid = |reason: &str| KdfError::Invalid { parameter: "scrypt parameters", reason: reason.to_owned() };
    let params = scrypt::Params::new(n.trailing_zeros() as u8, r as u32, p as u32)
        .map_err(|_| invalid("rejected by scrypt"))?;
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, out.as_mut()).map_err(|_| invalid("bad output length"))?;
    Ok(out)
}

/// PBKDF2-HMAC-SHA256 (RFC 8018 §5.2) to a 32-byte key.
pub fn pbkdf2_sha256_key(
    password: &[u8],
    salt: &[u8],
    iterations: u64,
    limits: &KdfLimits,
) -> Result<Zeroizing<[u8; 32]>, KdfError> {
    if iterations == 0 {
        return Err(KdfError::Invalid { parameter: "PBKDF2 iterations", reason: "zero".into() });
    }
    cap("PBKDF2 iterations", iterations, u64::from(limits.max_pbkdf2_iterations))?;
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations as u32, out.as_mut());
    Ok(out)
}

/// PBKDF2-HMAC-SHA1 (RFC 8018 §5.2) to a 32-byte key (andOTP backups).
pub fn pbkdf2_sha1_key(
    password: &[u8],
    salt: &[u8],
    iterations: u64,
    limits: &KdfLimits,
) -> Result<Zeroizing<[u8; 32]>, KdfError> {
    if iterations == 0 {
        return Err(KdfError::Invalid { parameter: "PBKDF2 iterations", reason: "zero".into() });
    }
    cap("PBKDF2 iterations", iterations, u64::from(limits.max_pbkdf2_iterations))?;
    let mut out = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations as u32, out.as_mut());
    Ok(out)
}

/// Argon2id v1.3 (RFC 9106) to a 32-byte key; `memory_bytes` as libsodium's memlimit.
pub fn argon2id_key(
    password: &[u8],
    salt: &[u8],
    iterations: u64,
    memory_bytes: u64,
    parallelism: u32,
    limits: &KdfLimits,
) -> Result<Zeroizing<[u8; 32]>, KdfError> {
    cap("Argon2 memory (bytes)", memory_bytes, limits.max_argon2_memory_bytes)?;
    cap("Argon2 iterations", iterations, u64::from(limits.max_argon2_iterations))?;
    cap("Argon2 parallelism", u64::from(parallelism), u64::from(limits.max_argon2_parallelism))?;
    let invalid = |reason: String| KdfError::Invalid { parameter: "Argon2 parameters", reason };
    let params = argon2::Params::new((memory_bytes / 1024) as u32, iterations as u32, parallelism, Some(32))
        .map_err(|e| invalid(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon.hash_password_into(password, salt, out.as_mut()).map_err(|e| invalid(e.to_string()))?;
    Ok(out)
}

/// AES-256-GCM failure: wrong key or tampered data (the two are indistinguishable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("authentication failed: wrong password/key or corrupted data")]
pub struct AeadError;

fn aes(key: &[u8]) -> Result<Aes256Gcm, AeadError> {
    Aes256Gcm::new_from_slice(key).map_err(|_| AeadError)
}

fn gcm_nonce(nonce: &[u8]) -> Result<aes_gcm::Nonce<aes_gcm::aead::consts::U12>, AeadError> {
    aes_gcm::Nonce::<aes_gcm::aead::consts::U12>::try_from(nonce).map_err(|_| AeadError)
}

/// AES-256-GCM decryption of `ciphertext || tag` with a 12-byte nonce.
pub fn aes_gcm_decrypt(key: &[u8], nonce: &[u8], ciphertext_and_tag: &[u8]) -> Result<Zeroizing<Vec<u8>>, AeadError> {
    let plain = aes(key)?.decrypt(&gcm_nonce(nonce)?, ciphertext_and_tag).map_err(|_| AeadError)?;
    Ok(Zeroizing::new(plain))
}

/// AES-256-GCM encryption; returns `ciphertext || tag`.
pub fn aes_gcm_encrypt(key: &[u8], nonce: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, AeadError> {
    aes(key)?.encrypt(&gcm_nonce(nonce)?, plaintext).map_err(|_| AeadError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_parameters_are_refused_before_work() {
        let l = KdfLimits::default();
        assert!(matches!(scrypt_key(b"p", b"s", 1 << 40, 8, 1, &l), Err(KdfError::TooExpensive { parameter: "scrypt N", .. })));
        assert!(matches!(scrypt_key(b"p", b"s", 1000, 8, 1, &l), Err(KdfError::Invalid { .. })));
        assert!(matches!(scrypt_key(b"p", b"s", 1 << 20, 32, 1, &l), Err(KdfError::TooExpensive { .. })));
        assert!(matches!(argon2id_key(b"p", b"saltsalt", 2, 64 << 30, 1, &l), Err(KdfError::TooExpensive { .. })));
        assert!(matches!(argon2id_key(b"p", b"saltsalt", 1000, 1 << 20, 1, &l), Err(KdfError::TooExpensive { .. })));
        assert!(matches!(argon2id_key(b"p", b"short", 1, 1 << 16, 1, &l), Err(KdfError::Invalid { .. })));
        assert!(matches!(pbkdf2_sha256_key(b"p", b"s", u64::MAX, &l), Err(KdfError::TooExpensive { .. })));
        assert!(matches!(pbkdf2_sha256_key(b"p", b"s", 0, &l), Err(KdfError::Invalid { .. })));
    }

    /// RFC 7914 §12 scrypt vector (N=16, r=1, p=1, empty password and salt), first 32 bytes.
    #[test]
    fn scrypt_rfc7914_vector() {
        let key = scrypt_key(b"", b"", 16, 1, 1, &KdfLimits::default()).unwrap();
        assert_eq!(hex::encode(key.as_ref()), "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442");
    }

    /// RFC 7914 §11 PBKDF2-HMAC-SHA256 vector (P="passwd", S="salt", c=1), first 32 bytes.
    #[test]
    fn pbkdf2_rfc7914_vector() {
        let key = pbkdf2_sha256_key(b"passwd", b"salt", 1, &KdfLimits::default()).unwrap();
        assert_eq!(hex::encode(key.as_ref()), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    }

    /// RFC 6070 PBKDF2-HMAC-SHA1 vector (P="password", S="salt", c=2), first 20 bytes.
    #[test]
    fn pbkdf2_sha1_rfc6070_vector() {
        let key = pbkdf2_sha1_key(b"password", b"salt", 2, &KdfLimits::default()).unwrap();
        assert_eq!(hex::encode(&key[..20]), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    }

    #[test]
    fn gcm_round_trip_and_tamper() {
        let key = [7u8; 32];
        let nonce = [1u8; 12];
        let mut ct = aes_gcm_encrypt(&key, &nonce, b"hello").unwrap();
        assert_eq!(aes_gcm_decrypt(&key, &nonce, &ct).unwrap().as_slice(), b"hello");
        ct[0] ^= 1;
        assert_eq!(aes_gcm_decrypt(&key, &nonce, &ct), Err(AeadError));
        assert_eq!(aes_gcm_decrypt(&key, &nonce[..5], &ct), Err(AeadError));
    }
}
