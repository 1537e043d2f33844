//! The two traits every command implements, and the response framing of CTAP 2.1 §8
//! ("a status byte, followed by the CBOR-encoded response map, if any").

use crate::cbor::{decode_with, encode, DecodeOptions, Value};
use crate::command::Command;
use crate::error::DecodeError;
use crate::status::StatusCode;

/// A command's request parameters: the host encodes, the authenticator decodes.
pub trait CommandRequest: Sized {
    /// The command byte this request is sent with.
    const COMMAND: Command;

    /// The parameters map, or `None` for commands sent without parameters.
    fn to_params(&self) -> Option<Value>;

    /// Reads the parameters (`None` when the message held only the command byte).
    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError>;

    /// Whether `byte` is a command byte this request may arrive with (the prototype
    /// commands 0x40 and 0x41 carry the same requests as 0x09 and 0x0A).
    fn accepts_command(byte: u8) -> bool {
        byte == Self::COMMAND.byte()
    }

    /// Host side: the complete message, command byte then canonical CBOR.
    fn encode(&self) -> Vec<u8> {
        encode_request(Self::COMMAND, self.to_params().as_ref())
    }

    /// Authenticator side: parses a complete message (command byte then CBOR), tolerant
    /// of non-canonical encodings.
    fn decode(message: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(message, DecodeOptions::TOLERANT)
    }

    /// Like [`CommandRequest::decode`] with explicit CBOR strictness.
    fn decode_with(message: &[u8], options: DecodeOptions) -> Result<Self, DecodeError> {
        let (&byte, cbor) = message.split_first().ok_or(DecodeError::EmptyMessage)?;
        if !Self::accepts_command(byte) {
            return Err(DecodeError::WrongCommand {
                expected: Self::COMMAND.byte(),
                found: byte,
            });
        }
        Self::decode_params(cbor, options)
    }

    /// Parses the CBOR parameters that follow the command byte (may be empty).
    fn decode_params(cbor: &[u8], options: DecodeOptions) -> Result<Self, DecodeError> {
        if cbor.is_empty() {
            Self::from_params(None)
        } else {
            let value = decode_with(cbor, options)?;
            Self::from_params(Some(&value))
        }
    }
}

/// A command's successful response: the authenticator encodes, the host decodes.
pub trait CommandResponse: Sized {
    /// The response map, or `None` for responses with no CBOR body.
    fn to_body(&self) -> Option<Value>;

    /// Reads the response map (`None` when the status byte was alone).
    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError>;

    /// Authenticator side: the complete response, status 0x00 then canonical CBOR.
    fn encode(&self) -> Vec<u8> {
        encode_ok_response(self.to_body().as_ref())
    }

    /// Host side: parses a complete response; an error status becomes
    /// [`DecodeError::Status`].
    fn decode(response: &[u8]) -> Result<Self, DecodeError> {
        let body = parse_response(response)?;
        Self::from_body(body.as_ref())
    }
}

/// Encodes a request: command byte, then the canonical CBOR of `params` if any.
pub fn encode_request(command: Command, params: Option<&Value>) -> Vec<u8> {
    let mut out = vec![command.byte()];
    if let Some(p) = params {
        out.extend_from_slice(&encode(p));
    }
    out
}

/// A success response: 0x00 then the canonical CBOR of `body` if any.
pub fn encode_ok_response(body: Option<&Value>) -> Vec<u8> {
    let mut out = vec![u8::from(StatusCode::Ok)];
    if let Some(b) = body {
        out.extend_from_slice(&encode(b));
    }
    out
}

/// An error response: the status byte alone.
pub fn encode_error_response(status: StatusCode) -> Vec<u8> {
    vec![u8::from(status)]
}

/// Splits a response into its status and body bytes without interpreting the body.
pub fn split_response(response: &[u8]) -> Result<(StatusCode, &[u8]), DecodeError> {
    let (&status, body) = response.split_first().ok_or(DecodeError::EmptyResponse)?;
    Ok((StatusCode::from(status), body))
}

/// Parses a response: an error status becomes [`DecodeError::Status`]; a success
/// yields the decoded body, `None` if there was none.
pub fn parse_response(response: &[u8]) -> Result<Option<Value>, DecodeError> {
    let (status, body) = split_response(response)?;
    if !status.is_ok() {
        return Err(DecodeError::Status(status));
    }
    if body.is_empty() {
        Ok(None)
    } else {
        Ok(Some(decode_with(body, DecodeOptions::TOLERANT)?))
    }
}

/// Reads a required parameters map.
pub(crate) fn require_params<'a>(params: Option<&'a Value>, field: &'static str) -> Result<&'a Value, DecodeError> {
    params.ok_or(DecodeError::MissingField { field })
}

/// Checks that a parameterless command got no parameters.
pub(crate) fn expect_no_params(command: Command, params: Option<&Value>) -> Result<(), DecodeError> {
    match params {
        None => Ok(()),
        Some(v) => Err(DecodeError::UnexpectedParameters {
            command: command.byte(),
            length: encode(v).len(),
        }),
    }
}
