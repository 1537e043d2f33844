//! The session token: a bearer secret, zeroized in memory, redacted from Debug, and kept
//! between runs in the OS keyring ([`KeyringTokenStore`]) or, in tests, in memory
//! ([`MemoryTokenStore`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

use crate::error::{AccountError, Result};

/// A server session token (`Authorization: Bearer ...`).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(Zeroizing<String>);

impl SessionToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(Zeroizing::new(token.into()))
    }

    /// The token text (for the Authorization header only).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// Where session tokens live between runs, one per profile name.
pub trait TokenStore: std::fmt::Debug + Send {
    /// The token kept for `profile`, if any.
    fn load(&self, profile: &str) -> Result<Option<SessionToken>>;
    /// Keeps `token` for `profile`, replacing any other.
    fn save(&self, profile: &str, token: &SessionToken) -> Result<()>;
    /// Forgets the token of `profile` (no error when there is none).
    fn delete(&self, profile: &str) -> Result<()>;
}

/// The OS keyring (Secret Service, Keychain, Credential Manager) through `keyring`.
#[derive(Debug, Clone)]
pub struct KeyringTokenStore {
    service: String,
}

/// Keyring service name of KeyDesk's server sessions; the entry's user is the profile name.
pub const KEYRING_SERVICE: &str = "keydesk-server-session";

impl Default for KeyringTokenStore {
    fn default() -> Self {
        Self { service: KEYRING_SERVICE.to_owned() }
    }
}

impl KeyringTokenStore {
    /// The store under [`KEYRING_SERVICE`].
    pub fn new() -> Self {
        Self::default()
    }

    fn entry(&self, profile: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, profile).map_err(|e| AccountError::TokenStore(e.to_string()))
    }
}

impl TokenStore for KeyringTokenStore {
    fn load(&self, profile: &str) -> Result<Option<SessionToken>> {
        match self.entry(profile)?.get_password() {
            Ok(token) => Ok(Some(SessionToken(Zeroizing::new(token)))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(AccountError::TokenStore(e.to_string())),
        }
    }

    fn save(&self, profile: &str, token: &SessionToken) -> Result<()> {
        self.entry(profile)?.set_password(token.expose()).map_err(|e| AccountError::TokenStore(e.to_string()))
    }

    fn delete(&self, profile: &str) -> Result<()> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(AccountError::TokenStore(e.to_string())),
        }
    }
}

/// Tokens in memory: for tests and for front ends that do not keep sessions. Clones share
/// their tokens.
#[derive(Clone, Default)]
pub struct MemoryTokenStore {
    tokens: Arc<Mutex<HashMap<String, SessionToken>>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, SessionToken>) -> R) -> R {
        f(&mut self.tokens.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let profiles: Vec<String> = self.with(|t| t.keys().cloned().collect());
        f.debug_struct("MemoryTokenStore").field("profiles", &profiles).finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, profile: &str) -> Result<Option<SessionToken>> {
        Ok(self.with(|t| t.get(profile).cloned()))
    }

    fn save(&self, profile: &str, token: &SessionToken) -> Result<()> {
        self.with(|t| t.insert(profile.to_owned(), token.clone()));
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<()> {
        self.with(|t| t.remove(profile));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_redacted_and_kept_per_profile() {
        let token = SessionToken::new("s3cret-token");
        assert!(!format!("{token:?}").contains("s3cret"));
        let store = MemoryTokenStore::new();
        store.save("work", &token).unwrap();
        assert_eq!(store.clone().load("work").unwrap(), Some(token));
        assert_eq!(store.load("lab").unwrap(), None);
        store.delete("work").unwrap();
        store.delete("work").unwrap();
        assert_eq!(store.load("work").unwrap(), None);
    }
}
