//! Password hashing with Argon2id (PHC string format, salt per password).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use crate::config::Argon2Params;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted (bounds hashing work per request).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Errors of password hashing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password is shorter or longer than allowed.
    #[error("password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters")]
    BadLength,
    /// The configured Argon2 parameters are invalid.
    #[error("argon2: {0}")]
    Argon2(String),
}

fn hasher(params: Argon2Params) -> Result<Argon2<'static>, PasswordError> {
    let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
        .map_err(|e| PasswordError::Argon2(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

/// Check the length rules for a new password.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    let len = password.chars().count();
    if (MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len) {
        Ok(())
    } else {
        Err(PasswordError::BadLength)
    }
}

/// Hash `password` with a fresh random salt; returns the PHC string.
pub fn hash_password(password: &str, params: Argon2Params) -> Result<String, PasswordError> {
    check_new_password(password)?;
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let password = Zeroizing::new(password.as_bytes().to_vec());
    hasher(params)?
        .hash_password(&password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Argon2(e.to_string()))
}

/// Whether `password` matches the stored PHC string. The parameters stored in
/// the hash are used, so changing the configured cost keeps old hashes valid.
pub fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD_LEN * 4 {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// [`hash_password`] on the blocking thread pool: Argon2id takes tens of
/// milliseconds by design and must not stall the async workers.
pub async fn hash_password_off_thread(password: &str, params: Argon2Params) -> Result<String, PasswordError> {
    let password = Zeroizing::new(password.to_owned());
    tokio::task::spawn_blocking(move || hash_password(&password, params))
        .await
        .map_err(|e| PasswordError::Argon2(e.to_string()))?
}

/// [`verify_password`] on the blocking thread pool.
pub async fn verify_password_off_thread(password: &str, phc: &str) -> bool {
    let password = Zeroizing::new(password.to_owned());
    let phc = phc.to_owned();
    tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Argon2Params = Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 };

    #[test]
    fn hash_and_verify() {
        let h = hash_password("correct horse", SMALL).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn default_parameters_follow_owasp() {
        assert_eq!(Argon2Params::default(), Argon2Params { memory_kib: 19456, iterations: 2, parallelism: 1 });
    }

    #[test]
    fn rejects_short_password() {
        assert!(matches!(hash_password("short", SMALL), Err(PasswordError::BadLength)));
    }
}
