//! One error type for every codes operation, with a stable [`CodesError::kind`] that front-ends
//! map to their own error shapes (the desktop app's `{kind, message}`, the CLI's hints).

use keydesk_otp::export::ExportError;
use keydesk_otp::import::ImportError;
use keydesk_otp::qr::QrError;
use keydesk_otp::vault::providers::ProviderError;
use keydesk_otp::vault::VaultError;

/// Why a codes operation failed. Messages are sentences for the user; none holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodesError {
    /// The vault file refused or failed an operation (wrong password, damaged file, IO).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// A file or QR payload could not be imported as a whole.
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Qr(#[from] QrError),
    #[error("no vault exists at {0}")]
    NoVault(String),
    #[error("a vault already exists at {0}")]
    VaultExists(String),
    #[error("{op} {path}: {source}")]
    Io { op: &'static str, path: String, source: std::io::Error },
    #[error("{0} exists: an existing file is never overwritten")]
    FileExists(String),
    #[error("no account \"{0}\"")]
    NoSuchAccount(String),
    #[error("\"{wanted}\" matches several accounts; use an ID: {candidates}")]
    AmbiguousAccount { wanted: String, candidates: String },
    #[error("nothing to undo: no account was deleted")]
    NothingToUndo,
    /// An edit that does not fit the account (a period on HOTP, an unknown algorithm).
    #[error("{0}")]
    InvalidEdit(String),
    #[error("no otpauth URI was given")]
    NoInput,
    #[error("no account to export")]
    NothingToExport,
    /// The OS keyring (Secret Service, Keychain, Credential Manager) failed.
    #[error("the OS keyring failed: {0}")]
    Keyring(String),
    #[error("the OS keyring already unlocks this vault")]
    KeyringAlreadyEnabled,
    #[error("the OS keyring does not unlock this vault")]
    KeyringNotEnabled,
    #[error("no security key is enrolled in this vault")]
    NoSecurityKeySlot,
    #[error("no security-key slot {0}")]
    NoSuchSecurityKeySlot(String),
    #[error("this security key does not support the hmac-secret extension, so it cannot unlock the vault")]
    NoHmacSecret,
    #[error("this security key is not enrolled in the vault ({0} security-key slot(s) belong to other keys); use an enrolled key or the password")]
    SecurityKeyNotEnrolled(usize),
    /// The security key failed or refused (PIN cancelled, no touch, transport error).
    #[error("{context}: {source}")]
    SecurityKey { context: &'static str, source: keydesk_ctap_client::Error },
    /// The security key's answer did not have the expected shape.
    #[error("{0}")]
    SecurityKeyAnswer(&'static str),
    /// The user cancelled (an import stopped before anything was written).
    #[error("cancelled: nothing was changed")]
    Cancelled,
    /// The screen was captured but shows no readable QR code.
    #[error("no readable QR code found on screen: show it fully and try again")]
    NoQrOnScreen,
    /// Capturing the screen failed (no display, unsupported pixel format, no grim).
    #[error("{0}")]
    Screen(String),
    /// The system clipboard could not be used.
    #[error("the clipboard is not available: {0}")]
    Clipboard(String),
    /// The time server could not be reached or answered nonsense.
    #[error("{0}")]
    Clock(String),
}

impl CodesError {
    /// A stable, machine-readable name for the failure (front-ends branch on it; the message is
    /// for people).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Vault(VaultError::WrongPassword) => "wrong_password",
            Self::Vault(VaultError::WrongKey(_)) => "wrong_key",
            Self::Vault(VaultError::ChangedOnDisk { .. }) => "changed_on_disk",
            Self::Vault(VaultError::Invalid(_)) => "invalid_account",
            Self::Vault(VaultError::UnknownAccount(_)) | Self::NoSuchAccount(_) => "no_such_account",
            Self::Vault(VaultError::NotInTrash(_)) | Self::NothingToUndo => "nothing_to_undo",
            Self::Vault(_) => "vault",
            Self::Import(ImportError::PasswordRequired(_)) => "import_password_required",
            Self::Import(ImportError::WrongPassword(_)) => "import_wrong_password",
            Self::Import(_) => "import",
            Self::Export(_) => "export",
            Self::Qr(_) => "qr",
            Self::NoVault(_) => "no_vault",
            Self::VaultExists(_) => "vault_exists",
            Self::Io { .. } => "io",
            Self::FileExists(_) => "file_exists",
            Self::AmbiguousAccount { .. } => "ambiguous_account",
            Self::InvalidEdit(_) => "invalid_edit",
            Self::NoInput => "no_input",
            Self::NothingToExport => "nothing_to_export",
            Self::Keyring(_) | Self::KeyringAlreadyEnabled | Self::KeyringNotEnabled => "keyring",
            Self::NoSecurityKeySlot | Self::NoSuchSecurityKeySlot(_) | Self::SecurityKeyNotEnrolled(_) => "security_key_slot",
            Self::NoHmacSecret | Self::SecurityKey { .. } | Self::SecurityKeyAnswer(_) => "security_key",
            Self::Screen(_) => "screen_capture",
            Self::NoQrOnScreen => "no_qr_on_screen",
            Self::Cancelled => "cancelled",
            Self::Clipboard(_) => "clipboard",
            Self::Clock(_) => "clock",
        }
    }
}

impl From<ProviderError> for CodesError {
    fn from(error: ProviderError) -> Self {
        match error {
            ProviderError::Vault(vault) => Self::Vault(vault),
            other => Self::Keyring(other.to_string()),
        }
    }
}

pub(crate) fn io_error<'a>(op: &'static str, path: &'a std::path::Path) -> impl FnOnce(std::io::Error) -> CodesError + 'a {
    move |source| CodesError::Io { op, path: path.display().to_string(), source }
}
