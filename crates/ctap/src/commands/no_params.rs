//! The commands sent as a bare command byte and answered with a bare status byte:
//! authenticatorReset (0x07, CTAP 2.1 §6.6), authenticatorSelection (0x0B, §6.9) and the
//! request of authenticatorGetNextAssertion (0x08, §6.3, answered with a
//! [`GetAssertionResponse`](super::GetAssertionResponse)).

use crate::cbor::Value;
use crate::command::Command;
use crate::error::DecodeError;
use crate::message::{expect_no_params, CommandRequest, CommandResponse};

macro_rules! bare_request {
    ($(#[$doc:meta])* $name:ident, $command:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name;

        impl CommandRequest for $name {
            const COMMAND: Command = $command;

            fn to_params(&self) -> Option<Value> {
                None
            }

            fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
                expect_no_params(Self::COMMAND, params)?;
                Ok($name)
            }
        }
    };
}

bare_request!(
    /// authenticatorReset request (CTAP 2.1 §6.6). Answered with [`EmptyResponse`].
    ResetRequest,
    Command::Reset
);
bare_request!(
    /// authenticatorSelection request (CTAP 2.1 §6.9). Answered with [`EmptyResponse`].
    SelectionRequest,
    Command::Selection
);
bare_request!(
    /// authenticatorGetNextAssertion request (CTAP 2.1 §6.3).
    GetNextAssertionRequest,
    Command::GetNextAssertion
);

/// A success response without a body (reset, selection, and several subcommands).
/// Decoding also accepts an empty map, which some authenticators send instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmptyResponse;

impl CommandResponse for EmptyResponse {
    fn to_body(&self) -> Option<Value> {
        None
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        match body {
            None => Ok(EmptyResponse),
            Some(Value::Map(m)) if m.is_empty() => Ok(EmptyResponse),
            Some(_) => Err(DecodeError::InvalidValue {
                field: "response body",
                reason: "a response without members was expected",
            }),
        }
    }
}
