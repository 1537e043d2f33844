//! The OS keyring as the vault's key store: one entry per vault under the service
//! `keydesk-codes`, holding the 32-byte slot key (Secret Service on Linux, the Keychain on
//! macOS, Credential Manager on Windows), through the `keyring` crate.

use std::path::Path;

use keydesk_otp::vault::providers::KeyStore;
use zeroize::Zeroizing;

/// The keyring service name of KeyDesk's vault keys.
pub const SERVICE: &str = "keydesk-codes";

/// The platform's default keyring.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

impl KeyStore for OsKeyring {
    type Error = keyring::Error;

    fn store(&self, name: &str, secret: &[u8]) -> Result<(), keyring::Error> {
        keyring::Entry::new(SERVICE, name)?.set_secret(secret)
    }

    fn load(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, keyring::Error> {
        keyring::Entry::new(SERVICE, name)?.get_secret().map(Zeroizing::new)
    }
}

/// A key store that can also forget what it stored (disabling the slot deletes the key).
pub trait ForgettingKeyStore: KeyStore {
    /// Deletes a stored key; a key that is already gone is not an error.
    fn forget(&self, name: &str) -> Result<(), Self::Error>;
}

impl ForgettingKeyStore for OsKeyring {
    fn forget(&self, name: &str) -> Result<(), keyring::Error> {
        match keyring::Entry::new(SERVICE, name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// The keyring entry of a vault: one per vault file (its absolute path).
pub fn entry_name(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("vault:{}", absolute.display())
}

/// Why a [`FrontEndKeyring`] failed (the OS keyring's own message, or a missing entry).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyringError(String);

/// Keys kept in this process's memory only: a keyring for tests of front-ends, which must not
/// touch the user's real keyring. Clones share their entries.
#[derive(Debug, Clone, Default)]
pub struct MemoryKeyring(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Zeroizing<Vec<u8>>>>>);

impl MemoryKeyring {
    fn entries(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Zeroizing<Vec<u8>>>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many keys it holds.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The keyring a front-end unlocks the vault with: the OS keyring, or (tests) one in memory.
#[derive(Debug, Clone, Default)]
pub enum FrontEndKeyring {
    #[default]
    Os,
    Memory(MemoryKeyring),
}

impl KeyStore for FrontEndKeyring {
    type Error = KeyringError;

    fn store(&self, name: &str, secret: &[u8]) -> Result<(), KeyringError> {
        match self {
            Self::Os => OsKeyring.store(name, secret).map_err(|e| KeyringError(e.to_string())),
            Self::Memory(memory) => {
                memory.entries().insert(name.to_owned(), Zeroizing::new(secret.to_vec()));
                Ok(())
            }
        }
    }

    fn load(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, KeyringError> {
        match self {
            Self::Os => OsKeyring.load(name).map_err(|e| KeyringError(e.to_string())),
            Self::Memory(memory) => memory.entries().get(name).cloned().ok_or_else(|| KeyringError(format!("no entry {name} in the keyring"))),
        }
    }
}

impl ForgettingKeyStore for FrontEndKeyring {
    fn forget(&self, name: &str) -> Result<(), KeyringError> {
        match self {
            Self::Os => OsKeyring.forget(name).map_err(|e| KeyringError(e.to_string())),
            Self::Memory(memory) => {
                memory.entries().remove(name);
                Ok(())
            }
        }
    }
}
