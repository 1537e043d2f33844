//! Why "this computer" could not be opened: each error says what happened to the user's
//! passkeys (nothing, in every case) and what to do.

use std::path::PathBuf;

use keydesk_virtual_key::StateFileError;

use crate::sealed::SealedFileError;
use crate::store::SERVICE;

/// Opening or checking "this computer" failed. In every case the state file was left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    #[error(
        "the login keyring is locked, so this computer's passkeys cannot be opened: unlock the login keyring \
         (sign in to the desktop again, or unlock \"Login\" in Passwords and Keys) and retry; nothing was changed ({detail})"
    )]
    KeyringLocked { detail: String },
    #[error(
        "no OS keyring is available to hold this computer's key: run a Secret Service (gnome-keyring, KWallet or \
         KeePassXC providing org.freedesktop.secrets) in your desktop session and retry; nothing was changed ({detail})"
    )]
    KeyringUnavailable { detail: String },
    #[error("the OS keyring failed; nothing was changed ({detail})")]
    KeyringFailed { detail: String },
    #[error(
        "the key of this computer's passkeys ({path}) is missing from the OS keyring (service \"{SERVICE}\", entry \
         \"{entry}\"): the file was left untouched; restore the keyring that holds the key, or move the file away to \
         start over without those passkeys"
    )]
    KeyMissing { path: PathBuf, entry: String },
    #[error("the OS keyring entry \"{entry}\" of service \"{SERVICE}\" does not hold a 32-byte key; nothing was changed")]
    KeyMalformed { entry: String },
    #[error("this computer's state file {path} cannot be used: {source}; it was left untouched")]
    SealedFile { path: PathBuf, source: SealedFileError },
    #[error("this computer's state file {path} decrypted but its content is damaged: {source}; it was left untouched")]
    State { path: PathBuf, source: StateFileError },
    #[error("could not read or write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("this computer's authenticator is in use by another KeyDesk program (lock {path}): close it and retry")]
    InUse { path: PathBuf },
    #[error("this system has no per-user data directory (is HOME set?), so this computer's passkeys have no place")]
    NoDataDirectory,
}

impl PlatformError {
    pub(crate) fn from_store(error: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match error {
            StoreError::Locked(detail) => Self::KeyringLocked { detail },
            StoreError::Unavailable(detail) => Self::KeyringUnavailable { detail },
            StoreError::Failed(detail) => Self::KeyringFailed { detail },
        }
    }
}
