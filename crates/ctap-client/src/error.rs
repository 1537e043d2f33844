//! The one error type of the client: every variant's message says what happened in plain words
//! and what the user can do next, so front ends print it as is.

use keydesk_ctap::{DecodeError, StatusCode};
use keydesk_ctap_crypto::CryptoError;
use keydesk_transport::TransportError;

/// A feature a key may or may not offer; named in [`Error::Unsupported`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Feature {
    /// CTAP2 itself (a U2F-only key offers none of the management features).
    Ctap2,
    /// A PIN (clientPin option).
    Pin,
    /// Built-in user verification (fingerprint) tokens.
    BuiltInUv,
    /// Listing and editing stored passkeys (credMgmt option).
    CredentialManagement,
    /// Changing a stored passkey's user name (CTAP 2.1 updateUserInformation).
    UpdateUserInformation,
    /// The CTAP 2.2 persistent read-only credential-management token (perCredMgmtRO option).
    PersistentCredentialManagementToken,
    /// Fingerprint enrollment (bioEnroll option).
    Fingerprints,
    /// authenticatorConfig (authnrCfg option).
    Configuration,
    /// Toggling always-UV (alwaysUv option).
    AlwaysUv,
    /// Setting the minimum PIN length (setMinPINLength option).
    MinPinLength,
    /// Enterprise attestation (ep option).
    EnterpriseAttestation,
    /// Large blobs (largeBlobs option).
    LargeBlobs,
    /// The hmac-secret extension.
    HmacSecret,
    /// Discoverable credentials (rk option).
    DiscoverableCredentials,
}

impl Feature {
    /// What the feature is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Feature::Ctap2 => "FIDO2 (it is a U2F-only key)",
            Feature::Pin => "a PIN",
            Feature::BuiltInUv => "built-in user verification",
            Feature::CredentialManagement => "managing stored passkeys",
            Feature::UpdateUserInformation => "renaming a stored passkey's user",
            Feature::PersistentCredentialManagementToken => {
                "read-only passkey listing without the PIN (CTAP 2.2 persistent token)"
            }
            Feature::Fingerprints => "fingerprints",
            Feature::Configuration => "changing its settings",
            Feature::AlwaysUv => "the always-require-verification setting",
            Feature::MinPinLength => "setting a minimum PIN length",
            Feature::EnterpriseAttestation => "enterprise attestation",
            Feature::LargeBlobs => "large blobs",
            Feature::HmacSecret => "the hmac-secret extension",
            Feature::DiscoverableCredentials => {
                "discoverable credentials (passkeys stored on the key)"
            }
        }
    }
}

impl std::fmt::Display for Feature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why an operation on a key did not complete. The message says what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed; its message already says what to do (e.g. the key was removed).
    #[error(transparent)]
    Transport(TransportError),
    /// The user (through the front end) cancelled the operation.
    #[error("Cancelled.")]
    Cancelled,
    /// The key does not advertise the feature in getInfo, so it was not attempted.
    #[error("This key does not support {0}.")]
    Unsupported(Feature),
    /// A wrong PIN was entered and no new PIN was given.
    #[error("Wrong PIN: {retries_left} {} left", tries(*retries_left))]
    WrongPin {
        /// PIN retries the key has left.
        retries_left: u32,
    },
    /// The PIN retry counter reached zero (CTAP2_ERR_PIN_BLOCKED).
    #[error("PIN blocked: reset the key to use it again (this deletes all its passkeys)")]
    PinBlocked,
    /// Three wrong PINs in a row since power-up (CTAP2_ERR_PIN_AUTH_BLOCKED).
    #[error("Too many wrong PINs in a row: remove and reinsert the key (or lift it off the reader and tap again), then try again")]
    PinAuthBlocked,
    /// The operation needs a PIN and the key has none (CTAP2_ERR_PIN_NOT_SET).
    #[error("This key has no PIN yet: set a PIN first")]
    PinNotSet,
    /// A PIN was needed and the front end gave none.
    #[error("A PIN is needed for this and none was given")]
    PinRequired,
    /// setPIN on a key that already has one.
    #[error("This key already has a PIN: change it instead (you need the current PIN)")]
    PinAlreadySet,
    /// The new PIN has fewer code points than the key's minimum PIN length.
    #[error("The new PIN is too short: it has {code_points} characters and this key requires at least {min}")]
    PinTooShort {
        /// Code points in the rejected PIN.
        code_points: usize,
        /// The key's minimum PIN length.
        min: usize,
    },
    /// The new PIN is longer than 63 bytes in UTF-8.
    #[error("The new PIN is too long: {bytes} bytes in UTF-8, at most 63 are allowed")]
    PinTooLong {
        /// UTF-8 length of the rejected PIN.
        bytes: usize,
    },
    /// The new PIN contains a character the protocol cannot carry (NUL).
    #[error("The new PIN contains a character a PIN may not contain")]
    PinInvalidCharacters,
    /// The key rejected the new PIN under its own policy (CTAP2_ERR_PIN_POLICY_VIOLATION on
    /// setPIN/changePIN: e.g. the same as the old PIN, or a complexity rule).
    #[error("The key rejected the new PIN under its PIN policy (too short, too simple, or the same as the current one): choose another")]
    PinPolicyViolation,
    /// forcePINChange is set: the key accepts no PIN-authorized command until the PIN is changed.
    #[error("The key requires a PIN change before it can be used: change the PIN first")]
    PinChangeRequired,
    /// Built-in user verification failed and no PIN fallback exists.
    #[error("Fingerprint verification failed ({} left) and this key has no PIN to fall back on", retries_text(*retries_left))]
    UvFailed {
        /// UV retries left, when the key reports them.
        retries_left: Option<u32>,
    },
    /// Built-in UV is blocked and no PIN fallback exists.
    #[error("Fingerprint verification is blocked after too many failures: set or use the PIN to unblock it")]
    UvBlocked,
    /// The key accepts a reset only shortly after power-up (CTAP2_ERR_NOT_ALLOWED on reset).
    #[error("The key accepts a reset only within a few seconds of being plugged in: remove and reinsert it (or lift it off the reader and tap it again), then confirm the reset straight away")]
    ResetOutsideWindow,
    /// The user declined on the key, or the key refused (CTAP2_ERR_OPERATION_DENIED).
    #[error("The key refused the operation (it was declined on the key)")]
    OperationDenied,
    /// No touch arrived in time (CTAP2_ERR_USER_ACTION_TIMEOUT / ACTION_TIMEOUT).
    #[error("No touch in time: try again and touch the key when it blinks")]
    UserActionTimeout,
    /// A touch is required and was not given (CTAP2_ERR_UP_REQUIRED).
    #[error("The key needs a touch to do this: try again and touch the key")]
    UserPresenceRequired,
    /// No matching credential on the key (CTAP2_ERR_NO_CREDENTIALS).
    #[error("This key holds no matching passkey")]
    NoCredentials,
    /// A passkey the caller named is not on the key.
    #[error("No passkey with this credential ID is stored on the key")]
    PasskeyNotFound,
    /// A fingerprint the caller named is not enrolled.
    #[error("No fingerprint with this ID is enrolled on the key")]
    FingerprintNotFound,
    /// makeCredential found a credential of the exclude list (CTAP2_ERR_CREDENTIAL_EXCLUDED).
    #[error("This key already holds a passkey for this account")]
    CredentialExcluded,
    /// A stored persistent token was refused (CTAP2_ERR_PIN_AUTH_INVALID): the PIN changed,
    /// the key was reset, or it is another key.
    #[error("The saved permission to list passkeys without the PIN is no longer valid (the PIN changed or the key was reset): enter the PIN once to renew it")]
    PersistentTokenRejected,
    /// The key's passkey storage is full (CTAP2_ERR_KEY_STORE_FULL).
    #[error(
        "The key's passkey storage is full: delete a passkey you no longer need and try again"
    )]
    KeyStoreFull,
    /// The fingerprint database is full (CTAP2_ERR_FP_DATABASE_FULL).
    #[error("The key cannot hold more fingerprints: delete one first")]
    FingerprintStorageFull,
    /// The large-blob storage is full (CTAP2_ERR_LARGE_BLOB_STORAGE_FULL).
    #[error("The key's large-blob storage is full: delete another blob first or store less data")]
    LargeBlobStorageFull,
    /// Data given by the caller is unusable.
    #[error("{0}")]
    InvalidInput(String),
    /// The key answered with a status this client has no better words for.
    #[error("The key answered {0}")]
    Ctap(StatusCode),
    /// The key's answer is malformed.
    #[error("The key sent a malformed answer ({0}); try again, or update the key's firmware")]
    InvalidResponse(String),
    /// A cryptographic check of the key's answer failed.
    #[error("The key's answer failed a cryptographic check ({0}); try again")]
    Crypto(CryptoError),
}

/// An [`Error`] as serializable data; see [`Error::to_report`] for the JSON shape.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorReport {
    /// [`Error::code`].
    pub code: &'static str,
    /// The Display text: what happened and what to do next.
    pub message: String,
    /// Retries left, for wrong PINs and failed built-in UV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries_left: Option<u32>,
    /// The CTAP status byte the key answered, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctap_status: Option<u8>,
}

fn tries(n: u32) -> &'static str {
    if n == 1 {
        "try"
    } else {
        "tries"
    }
}

fn retries_text(retries: Option<u32>) -> String {
    match retries {
        Some(n) => format!("{n} {}", tries(n)),
        None => "tries".to_owned(),
    }
}

impl Error {
    /// A stable machine-readable name for the error (for `--json` output and the desktop
    /// app), e.g. `"wrong_pin"`, `"pin_blocked"`, `"unsupported"`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Transport(TransportError::Disconnected) => "disconnected",
            Error::Transport(_) => "transport",
            Error::Cancelled => "cancelled",
            Error::Unsupported(_) => "unsupported",
            Error::WrongPin { .. } => "wrong_pin",
            Error::PinBlocked => "pin_blocked",
            Error::PinAuthBlocked => "pin_auth_blocked",
            Error::PinNotSet => "pin_not_set",
            Error::PinRequired => "pin_required",
            Error::PinAlreadySet => "pin_already_set",
            Error::PinTooShort { .. } => "pin_too_short",
            Error::PinTooLong { .. } => "pin_too_long",
            Error::PinInvalidCharacters => "pin_invalid_characters",
            Error::PinPolicyViolation => "pin_policy_violation",
            Error::PinChangeRequired => "pin_change_required",
            Error::UvFailed { .. } => "uv_failed",
            Error::UvBlocked => "uv_blocked",
            Error::ResetOutsideWindow => "reset_outside_window",
            Error::OperationDenied => "operation_denied",
            Error::UserActionTimeout => "user_action_timeout",
            Error::UserPresenceRequired => "user_presence_required",
            Error::NoCredentials => "no_credentials",
            Error::PasskeyNotFound => "passkey_not_found",
            Error::FingerprintNotFound => "fingerprint_not_found",
            Error::CredentialExcluded => "credential_excluded",
            Error::PersistentTokenRejected => "persistent_token_rejected",
            Error::KeyStoreFull => "key_store_full",
            Error::FingerprintStorageFull => "fingerprint_storage_full",
            Error::LargeBlobStorageFull => "large_blob_storage_full",
            Error::InvalidInput(_) => "invalid_input",
            Error::Ctap(_) => "ctap_status",
            Error::InvalidResponse(_) => "invalid_response",
            Error::Crypto(_) => "crypto",
        }
    }

    /// The error as JSON-ready data: `{"code": "wrong_pin", "message": "Wrong PIN: 5 tries
    /// left", "retries_left": 5}` (`retries_left` only for wrong PINs and failed UV,
    /// `ctap_status` only when the key answered a status byte).
    pub fn to_report(&self) -> ErrorReport {
        ErrorReport {
            code: self.code(),
            message: self.to_string(),
            retries_left: match self {
                Error::WrongPin { retries_left } => Some(*retries_left),
                Error::UvFailed { retries_left } => *retries_left,
                _ => None,
            },
            ctap_status: self.status().map(u8::from),
        }
    }

    /// The error for a status byte the key answered, with no command-specific meaning.
    pub fn from_status(status: StatusCode) -> Self {
        match status {
            StatusCode::PinBlocked => Error::PinBlocked,
            StatusCode::PinAuthBlocked => Error::PinAuthBlocked,
            StatusCode::PinNotSet => Error::PinNotSet,
            StatusCode::KeepaliveCancel => Error::Cancelled,
            StatusCode::OperationDenied => Error::OperationDenied,
            StatusCode::UserActionTimeout | StatusCode::ActionTimeout => Error::UserActionTimeout,
            StatusCode::UpRequired => Error::UserPresenceRequired,
            StatusCode::NoCredentials => Error::NoCredentials,
            StatusCode::CredentialExcluded => Error::CredentialExcluded,
            StatusCode::KeyStoreFull => Error::KeyStoreFull,
            StatusCode::FpDatabaseFull => Error::FingerprintStorageFull,
            StatusCode::LargeBlobStorageFull => Error::LargeBlobStorageFull,
            StatusCode::UvBlocked => Error::UvBlocked,
            other => Error::Ctap(other),
        }
    }

    /// The CTAP status behind this error, if the key answered one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Ctap(s) => Some(*s),
            Error::PinBlocked => Some(StatusCode::PinBlocked),
            Error::PinAuthBlocked => Some(StatusCode::PinAuthBlocked),
            Error::PinNotSet => Some(StatusCode::PinNotSet),
            Error::OperationDenied => Some(StatusCode::OperationDenied),
            Error::NoCredentials => Some(StatusCode::NoCredentials),
            Error::CredentialExcluded => Some(StatusCode::CredentialExcluded),
            Error::KeyStoreFull => Some(StatusCode::KeyStoreFull),
            Error::FingerprintStorageFull => Some(StatusCode::FpDatabaseFull),
            Error::LargeBlobStorageFull => Some(StatusCode::LargeBlobStorageFull),
            Error::UvBlocked => Some(StatusCode::UvBlocked),
            _ => None,
        }
    }
}

impl From<TransportError> for Error {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Cancelled => Error::Cancelled,
            other => Error::Transport(other),
        }
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        match error {
            DecodeError::Status(status) => Error::from_status(status),
            other => Error::InvalidResponse(other.to_string()),
        }
    }
}

impl From<CryptoError> for Error {
    fn from(error: CryptoError) -> Self {
        Error::Crypto(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do_next() {
        assert_eq!(
            Error::WrongPin { retries_left: 5 }.to_string(),
            "Wrong PIN: 5 tries left"
        );
        assert_eq!(
            Error::WrongPin { retries_left: 1 }.to_string(),
            "Wrong PIN: 1 try left"
        );
        assert!(Error::PinBlocked.to_string().contains("reset the key"));
        assert!(Error::PinAuthBlocked.to_string().contains("reinsert"));
        assert!(Error::ResetOutsideWindow
            .to_string()
            .contains("within a few seconds"));
        assert_eq!(
            Error::Unsupported(Feature::Fingerprints).to_string(),
            "This key does not support fingerprints."
        );
    }

    #[test]
    fn reports_carry_code_message_and_retries() {
        let report = Error::WrongPin { retries_left: 5 }.to_report();
        assert_eq!(report.code, "wrong_pin");
        assert_eq!(report.retries_left, Some(5));
        assert_eq!(Error::PinBlocked.to_report().ctap_status, Some(0x32));
        assert_eq!(Error::Cancelled.to_report().ctap_status, None);
    }

    #[test]
    fn statuses_map_to_explained_errors() {
        assert!(matches!(
            Error::from_status(StatusCode::PinBlocked),
            Error::PinBlocked
        ));
        assert!(matches!(
            Error::from_status(StatusCode::PinAuthBlocked),
            Error::PinAuthBlocked
        ));
        assert!(matches!(
            Error::from_status(StatusCode::KeyStoreFull),
            Error::KeyStoreFull
        ));
        assert!(matches!(
            Error::from(DecodeError::Status(StatusCode::InvalidParameter)),
            Error::Ctap(StatusCode::InvalidParameter)
        ));
        assert!(matches!(
            Error::from(TransportError::Cancelled),
            Error::Cancelled
        ));
        assert!(matches!(
            Error::from(TransportError::Disconnected),
            Error::Transport(TransportError::Disconnected)
        ));
    }
}
