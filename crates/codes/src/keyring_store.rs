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
