//! Transport failures, each saying what the user can do about it.

/// Why a message could not be carried to or from an authenticator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    #[error("the security key was removed or lost power; reconnect it (or tap it again) and retry")]
    Disconnected,
    #[error("the operation was cancelled")]
    Cancelled,
    #[error("the security key did not answer within {0:?}; reconnect it and retry")]
    Timeout(std::time::Duration),
    #[error("this key does not speak {0}")]
    Unsupported(&'static str),
    #[error("the message is {size} bytes, more than the {limit} bytes this transport can carry")]
    MessageTooLarge { size: usize, limit: usize },
    #[error("the security key broke the {transport} framing: {detail}")]
    Framing { transport: &'static str, detail: String },
    #[error("pcscd is not running, so NFC and smart-card readers cannot be used; start it with `sudo systemctl enable --now pcscd.socket`")]
    PcscdNotRunning,
    #[error("no permission to open {path}; install KeyDesk's udev rules (see udev/README.md) and replug the key")]
    NoPermission { path: String },
    #[error("the reader has no FIDO card: the card on it did not accept the FIDO applet selection")]
    NotAFidoCard,
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}
