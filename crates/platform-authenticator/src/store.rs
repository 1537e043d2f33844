//! Where the state file's key lives: the OS keyring ([`OsKeyring`]: Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows, through the `keyring` crate), or memory
//! for tests ([`MemoryStore`]). One entry per state file, under the service [`SERVICE`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

/// The keyring service name of "this computer"'s state keys.
pub const SERVICE: &str = "keydesk-this-computer";

/// Why the secret store could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The keyring exists but is locked, and unlocking it failed or was refused.
    #[error("the keyring is locked ({0})")]
    Locked(String),
    /// No keyring service at all (no Secret Service on the D-Bus session, no session bus).
    #[error("no OS keyring is available ({0})")]
    Unavailable(String),
    /// The keyring answered, but not as expected.
    #[error("the keyring failed ({0})")]
    Failed(String),
}

/// What the store holds for a name, found without unlocking or prompting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// There is an entry and it can be read now.
    Readable,
    /// There is no entry, and one could be created now.
    Absent,
}

/// A place for small secrets, addressed by name.
pub trait SecretStore: std::fmt::Debug + Send + Sync {
    /// Stores `secret` under `name`, replacing any previous value.
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), StoreError>;
    /// The secret under `name`; `Ok(None)` when there is none. May ask the OS to unlock the
    /// keyring (a password prompt on a desktop).
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError>;
    /// Whether `load` of `name` (or, for an absent entry or `None`, `store` of a new one) would
    /// work now, found out without unlocking anything: `Err(Locked)` for a locked keyring.
    /// Cheap enough for every scan.
    fn probe(&self, name: Option<&str>) -> Result<Presence, StoreError>;
}

/// The operating system's keyring.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

fn keyring_error(error: keyring::Error) -> StoreError {
    match error {
        keyring::Error::NoStorageAccess(source) => StoreError::Locked(source.to_string()),
        keyring::Error::PlatformFailure(source) => StoreError::Unavailable(source.to_string()),
        other => StoreError::Failed(other.to_string()),
    }
}

impl SecretStore for OsKeyring {
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), StoreError> {
        keyring::Entry::new(SERVICE, name).and_then(|entry| entry.set_secret(secret)).map_err(keyring_error)
    }

    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        match keyring::Entry::new(SERVICE, name).and_then(|entry| entry.get_secret()) {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(keyring_error(error)),
        }
    }

    #[cfg(target_os = "linux")]
    fn probe(&self, name: Option<&str>) -> Result<Presence, StoreError> {
        secret_service_probe(name)
    }

    /// Keychain and Credential Manager are unlocked with the user's session: reading is the probe.
    #[cfg(not(target_os = "linux"))]
    fn probe(&self, name: Option<&str>) -> Result<Presence, StoreError> {
        let Some(name) = name else { return Ok(Presence::Absent) };
        self.load(name).map(|secret| if secret.is_some() { Presence::Readable } else { Presence::Absent })
    }
}

/// Looks for the entry `keyring` would use (same attributes) without unlocking: a locked item
/// or a locked default collection is reported as such instead of raising an unlock prompt.
#[cfg(target_os = "linux")]
fn secret_service_probe(name: Option<&str>) -> Result<Presence, StoreError> {
    use dbus_secret_service::{EncryptionType, SecretService};
    let unavailable = |e: dbus_secret_service::Error| StoreError::Unavailable(e.to_string());
    let service = SecretService::connect(EncryptionType::Plain).map_err(unavailable)?;
    if let Some(name) = name {
        let attributes = HashMap::from([("service", SERVICE), ("username", name), ("target", "default")]);
        let found = service.search_items(attributes).map_err(unavailable)?;
        if !found.unlocked.is_empty() {
            return Ok(Presence::Readable);
        }
        if !found.locked.is_empty() {
            return Err(StoreError::Locked("its entry is in a locked keyring".into()));
        }
    }
    let default = service.get_default_collection().map_err(|e| match e {
        dbus_secret_service::Error::NoResult => StoreError::Unavailable("the Secret Service has no default keyring".into()),
        other => StoreError::Failed(other.to_string()),
    })?;
    match default.is_locked() {
        Ok(false) => Ok(Presence::Absent),
        Ok(true) => Err(StoreError::Locked("the default collection is locked".into())),
        Err(e) => Err(StoreError::Failed(e.to_string())),
    }
}

/// What a [`MemoryStore`] pretends to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemoryStoreMode {
    Working,
    Locked,
    Unavailable,
}

#[derive(Debug)]
struct MemoryInner {
    mode: MemoryStoreMode,
    entries: HashMap<String, Zeroizing<Vec<u8>>>,
}

/// An in-memory [`SecretStore`] whose clones share entries, switchable to "locked" or
/// "unavailable" (for tests of every path without an OS keyring).
#[derive(Debug, Clone)]
pub struct MemoryStore(Arc<Mutex<MemoryInner>>);

impl Default for MemoryStore {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(MemoryInner { mode: MemoryStoreMode::Working, entries: HashMap::new() })))
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut MemoryInner) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn set_mode(&self, mode: MemoryStoreMode) {
        self.with(|inner| inner.mode = mode);
    }

    /// Removes every entry (as if the keyring had been reset).
    pub fn clear(&self) {
        self.with(|inner| inner.entries.clear());
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.with(|inner| inner.entries.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(inner: &MemoryInner) -> Result<(), StoreError> {
        match inner.mode {
            MemoryStoreMode::Working => Ok(()),
            MemoryStoreMode::Locked => Err(StoreError::Locked("memory store set to locked".into())),
            MemoryStoreMode::Unavailable => Err(StoreError::Unavailable("memory store set to unavailable".into())),
        }
    }
}

impl SecretStore for MemoryStore {
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), StoreError> {
        self.with(|inner| {
            Self::check(inner)?;
            inner.entries.insert(name.to_owned(), Zeroizing::new(secret.to_vec()));
            Ok(())
        })
    }

    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        self.with(|inner| {
            Self::check(inner)?;
            Ok(inner.entries.get(name).cloned())
        })
    }

    fn probe(&self, name: Option<&str>) -> Result<Presence, StoreError> {
        self.with(|inner| {
            Self::check(inner)?;
            Ok(match name {
                Some(name) if inner.entries.contains_key(name) => Presence::Readable,
                _ => Presence::Absent,
            })
        })
    }
}
