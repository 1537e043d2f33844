//! Random tokens, digests and constant-time comparison.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `bytes` random bytes from the OS generator, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A uniformly random decimal code of `digits` digits (leading zeros kept).
pub fn random_digits(digits: u32) -> String {
    use rand::Rng;
    let bound = 10u64.pow(digits);
    let n = rand::rngs::OsRng.gen_range(0..bound);
    format!("{n:0width$}", width = digits as usize)
}

/// SHA-256 of `input`, lowercase hex. Used for high-entropy secrets (session
/// tokens, access-key secrets), where a slow KDF adds nothing.
pub fn sha256_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equality that takes the same time wherever the inputs differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Whether `id` looks like one of our identifiers (credential IDs in
/// base64url, UUIDs, access-key IDs): 1 to 1023 characters of
/// `[A-Za-z0-9_-]`. Anything else is refused before it reaches the database
/// (PostgreSQL rejects NUL bytes in text, for one).
pub fn is_plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() < 1024 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_known_vector() {
        // FIPS 180-2 example "abc".
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn digits_have_requested_length() {
        for _ in 0..100 {
            let code = random_digits(6);
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(random_token(32).len(), 43);
    }

    #[test]
    fn plain_ids() {
        assert!(is_plain_id("KDAK0123ABCD"));
        assert!(is_plain_id("3f1c0b6e-8d5f-4c1e-9a1e-1b2c3d4e5f60"));
        assert!(is_plain_id("AbC-_09"));
        assert!(!is_plain_id(""));
        assert!(!is_plain_id("a\0b"));
        assert!(!is_plain_id("../x"));
        assert!(!is_plain_id(&"a".repeat(1024)));
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
