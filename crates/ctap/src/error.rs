//! Errors for typed CTAP messages built on top of [`CborError`].

use crate::cbor::CborError;
use crate::status::StatusCode;

/// Why bytes or a CBOR value are not a valid CTAP message (or part of one).
///
/// `field` names use the spec's member names, e.g. `"makeCredential.clientDataHash"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The CBOR itself is malformed.
    #[error("invalid CBOR: {0}")]
    Cbor(#[from] CborError),
    /// A member has the wrong CBOR type.
    #[error("{field}: expected {expected}, found {found}")]
    WrongType {
        /// Member name.
        field: &'static str,
        /// Type the spec requires.
        expected: &'static str,
        /// Type that was sent.
        found: &'static str,
    },
    /// A required member is absent.
    #[error("required member {field} is missing")]
    MissingField {
        /// Member name.
        field: &'static str,
    },
    /// A fixed-size byte string has the wrong length.
    #[error("{field}: {actual} bytes where {expected} are required")]
    WrongLength {
        /// Member name.
        field: &'static str,
        /// Required length.
        expected: usize,
        /// Length sent.
        actual: usize,
    },
    /// An integer does not fit the member's range.
    #[error("{field}: integer out of range")]
    IntegerOutOfRange {
        /// Member name.
        field: &'static str,
    },
    /// A member has a value the spec does not allow.
    #[error("{field}: {reason}")]
    InvalidValue {
        /// Member name.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A request with no command byte.
    #[error("empty message: no command byte")]
    EmptyMessage,
    /// A command byte this crate does not know.
    #[error("unknown CTAP command byte 0x{0:02x}")]
    UnknownCommand(u8),
    /// A request decoder was handed a message for another command.
    #[error("expected command 0x{expected:02x}, message starts with 0x{found:02x}")]
    WrongCommand {
        /// The command byte the decoder handles.
        expected: u8,
        /// The byte the message starts with.
        found: u8,
    },
    /// A subCommand value the spec does not define.
    #[error("{field}: unknown subCommand 0x{value:02x}")]
    UnknownSubCommand {
        /// Which command's subCommand.
        field: &'static str,
        /// The value sent.
        value: u64,
    },
    /// A command that takes no parameters was sent with a CBOR body.
    #[error("command 0x{command:02x} takes no parameters but {length} byte(s) followed")]
    UnexpectedParameters {
        /// The command byte.
        command: u8,
        /// Bytes that followed it.
        length: usize,
    },
    /// A response with no status byte.
    #[error("empty response: no status byte")]
    EmptyResponse,
    /// The authenticator answered with an error status instead of a response body.
    #[error("authenticator returned {0}")]
    Status(StatusCode),
    /// Authenticator data (a byte structure, not CBOR) is malformed.
    #[error("authenticator data: {0}")]
    AuthData(#[from] crate::auth_data::AuthDataError),
}

impl DecodeError {
    /// The status an authenticator returns for a request that failed to decode
    /// (CTAP 2.1 §8.2 semantics).
    pub fn status_code(&self) -> StatusCode {
        match self {
            DecodeError::Cbor(_) => StatusCode::InvalidCbor,
            DecodeError::WrongType { .. } => StatusCode::CborUnexpectedType,
            DecodeError::MissingField { .. } => StatusCode::MissingParameter,
            DecodeError::EmptyMessage | DecodeError::EmptyResponse => StatusCode::InvalidLength,
            DecodeError::UnknownCommand(_) | DecodeError::WrongCommand { .. } => {
                StatusCode::InvalidCommand
            }
            DecodeError::UnknownSubCommand { .. } => StatusCode::InvalidSubcommand,
            DecodeError::UnexpectedParameters { .. } => StatusCode::InvalidLength,
            DecodeError::Status(s) => *s,
            DecodeError::WrongLength { .. }
            | DecodeError::IntegerOutOfRange { .. }
            | DecodeError::InvalidValue { .. }
            | DecodeError::AuthData(_) => StatusCode::InvalidParameter,
        }
    }
}
