//! The one error shape every command returns to the UI: `{kind, message}`.
//!
//! `kind` is a stable snake_case name the UI may branch on (for key errors it is
//! [`keydesk_ctap_client::Error::code`], e.g. `wrong_pin`, `pin_blocked`, `disconnected`);
//! `message` is a sentence for the person that says what to do next.

use serde::Serialize;
use ts_rs::TS;

/// An error as the UI receives it (the rejected value of `invoke`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppError {
    /// Stable machine-readable name: a key error's code, or one of the app's own
    /// (`no_device`, `invalid_argument`, `cancelled`, `ceremony_unknown`, `storage`,
    /// `internal`).
    pub kind: String,
    /// What happened and what to do next, in words.
    pub message: String,
}

impl AppError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self { kind: kind.to_owned(), message: message.into() }
    }

    /// The UI sent an argument the command cannot use.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new("invalid_argument", message)
    }

    /// The user cancelled (from the UI).
    pub fn cancelled() -> Self {
        Self::new("cancelled", "Cancelled; nothing more was done.")
    }

    /// A worker thread ended without an answer: a bug, said plainly.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("internal", message)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.kind)
    }
}

impl std::error::Error for AppError {}

impl From<keydesk_ctap_client::Error> for AppError {
    fn from(error: keydesk_ctap_client::Error) -> Self {
        Self::new(error.code(), error.to_string())
    }
}

impl From<keydesk_transport::TransportError> for AppError {
    fn from(error: keydesk_transport::TransportError) -> Self {
        keydesk_ctap_client::Error::Transport(error).into()
    }
}

impl From<keydesk_platform_authenticator::OpenError> for AppError {
    fn from(error: keydesk_platform_authenticator::OpenError) -> Self {
        match error {
            keydesk_platform_authenticator::OpenError::Transport(error) => error.into(),
            // "This computer" could not be opened: its keyring is locked or missing (the message
            // says which and what to do; nothing was changed).
            other => Self::new("this_computer_unavailable", other.to_string()),
        }
    }
}

/// What every command returns.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_errors_keep_their_code_and_advice() {
        let error = AppError::from(keydesk_ctap_client::Error::WrongPin { retries_left: 2 });
        assert_eq!(error.kind, "wrong_pin");
        assert!(error.message.contains("2 tries left"), "{}", error.message);
        let json = serde_json::to_value(&error).unwrap_or_default();
        assert_eq!(json, serde_json::json!({"kind": "wrong_pin", "message": error.message}));
    }
}
