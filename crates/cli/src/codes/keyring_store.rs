//! The OS keyring as the vault's key store: one entry per vault under the service
//! `keydesk-codes`, holding the 32-byte slot key (Secret Service on Linux, the Keychain on
//! macOS, Credential Manager on Windows), through the `keyring` crate.

use keydesk_otp::vault::providers::KeyStore;
use zeroize::Zeroizing;

/// The keyring service name of KeyDesk's vault keys.
pub const SERVICE: &str = "keydesk-codes";

/// The platform's default keyring.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

impl OsKeyring {
    /// Deletes a stored key; a key that is already gone is not an error.
    pub fn forget(name: &str) -> Result<(), keyring::Error> {
        match keyring::Entry::new(SERVICE, name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

impl KeyStore for OsKeyring {
    type Error = keyring::Error;

    fn store(&self, name: &str, secret: &[u8]) -> Result<(), keyring::Error> {
        keyring::Entry::new(SERVICE, name)?.set_secret(secret)
    }

    fn load(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, keyring::Error> {
        keyring::Entry::new(SERVICE, name)?.get_secret().map(Zeroizing::new)
    }
}
