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

pub mod apdu;
mod der;
mod messages;
mod signed;
mod status;

#[cfg(test)]
mod tests;

pub use apdu::{ApduEncoding, ApduError, CommandApdu, ResponseApdu};
pub use messages::{
    decode_version_response, encode_version_response, AuthenticateControl, AuthenticateRequest,
    AuthenticateResponse, EncodeError, RegisterRequest, RegisterResponse, Request, RequestError,
    ResponseError, INS_AUTHENTICATE, INS_REGISTER, INS_VERSION, MAX_KEY_HANDLE_LEN, PUBLIC_KEY_LEN,
    REGISTER_RESERVED_BYTE, U2F_CLA, U2F_V2, USER_PRESENT_FLAG,
};
pub use signed::{authenticate_signed_data, register_signed_data};
pub use status::StatusWord;
