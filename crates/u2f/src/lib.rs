//! `keydesk-u2f`: CTAP1/U2F raw messages (FIDO U2F Raw Message Formats v1.2, CTAP 2.1 §11)
//! and their ISO 7816-4 APDU encoding, short and extended, for both sides:
//!
//! - the host encodes [`Request`]s and decodes [`RegisterResponse`],
//!   [`AuthenticateResponse`] and the version response;
//! - the authenticator decodes [`Request`]s (answering [`RequestError::status_word`] when
//!   they are malformed) and encodes the responses.
//!
//! [`register_signed_data`] and [`authenticate_signed_data`] give the bytes the signatures
//! cover. The crate does no IO and no cryptography; decoders never panic and bound every
//! length by the bytes they are given.
//!
//! The APDUs themselves (ISO 7816-4 command and response APDUs, status words) are
//! `keydesk-framing`'s, the one APDU codec of the workspace; this crate re-exports them.
//!
//! # Example: a register round trip
//!
//! ```
//! use keydesk_u2f::{ApduEncoding, RegisterRequest, RegisterResponse, Request, StatusWord};
//!
//! // Host: encode the request.
//! let request = Request::Register(RegisterRequest { challenge: [1; 32], application: [2; 32] });
//! let apdu = request.encode(ApduEncoding::Extended)?;
//!
//! // Authenticator: decode it, or answer a malformed one with its status word.
//! let Request::Register(register) = Request::decode(&apdu)? else { unreachable!() };
//! assert_eq!(register.application, [2; 32]);
//! assert_eq!(Request::decode(&[0x00, 0x7f, 0, 0]).unwrap_err().status_word(),
//!            StatusWord::InstructionNotSupported);
//! # let mut user_public_key = [0u8; 65]; user_public_key[0] = 0x04;
//! let response = RegisterResponse {
//!     user_public_key,
//!     key_handle: vec![7; 64],
//!     attestation_certificate: vec![0x30, 0x00],
//!     signature: vec![0x30, 0x00],
//! };
//! let answer = response.encode_response_apdu()?;
//!
//! // Host: decode the response (a non-9000 status is an error).
//! assert_eq!(RegisterResponse::decode_response_apdu(&answer)?, response);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod der;
mod messages;
mod signed;

#[cfg(test)]
mod tests;

pub use keydesk_framing::iso7816::apdu::{
    self, CommandApdu, CommandDecodeError, CommandEncodeError, LengthForm, ResponseApdu,
    ResponseDecodeError, StatusWord,
};
/// Short or extended APDU length fields: the name U2F callers use for [`LengthForm`].
pub use keydesk_framing::iso7816::apdu::LengthForm as ApduEncoding;
pub use messages::{
    decode_version_response, encode_version_response, AuthenticateControl, AuthenticateRequest,
    AuthenticateResponse, EncodeError, RegisterRequest, RegisterResponse, Request, RequestError,
    ResponseError, INS_AUTHENTICATE, INS_REGISTER, INS_VERSION, MAX_KEY_HANDLE_LEN, PUBLIC_KEY_LEN,
    REGISTER_RESERVED_BYTE, U2F_CLA, U2F_V2, USER_PRESENT_FLAG, smallest_encoding_for,
};
pub use signed::{authenticate_signed_data, register_signed_data};
