//! # keydesk-ctap: the CTAP 2.1 message layer
//!
//! Every CTAP 2.1 command's request and response, encoded and decoded on both sides: the
//! host encodes requests and decodes responses, the authenticator (our virtual key)
//! decodes requests and encodes responses. Plus the canonical CTAP2 CBOR codec, status
//! codes, authenticator data, COSE keys, attestation statements and extension data.
//!
//! ## No IO
//!
//! This crate is sans-IO: it never touches a device, socket, file or clock. Bytes go in,
//! typed messages come out, and back:
//!
//! ```text
//!  host                                             authenticator
//!  MakeCredentialRequest --encode()--> [0x01|CBOR] --Request::decode()--> Request::MakeCredential
//!  MakeCredentialResponse <--decode()-- [0x00|CBOR] <--encode()-- MakeCredentialResponse
//! ```
//!
//! Framing (CTAPHID, ISO 7816, BLE) and cryptography (PIN/UV auth protocols, hmac-secret)
//! live in other crates; this one carries their outputs as bytes.
//!
//! ## Map of the crate
//!
//! - [`cbor`]: [`cbor::Value`], the canonical encoder, the strict decoder
//!   ([`cbor::DecodeOptions::TOLERANT`] for peers, [`cbor::DecodeOptions::CANONICAL`] for
//!   exactly CTAP 2.1 §8), and the typed map helpers every message uses.
//! - [`commands`]: one module per command; each request implements [`CommandRequest`]
//!   (`encode` on the host, `decode` on the authenticator) and each response
//!   [`CommandResponse`] (`encode` on the authenticator, `decode` on the host). Requests
//!   authenticated with a pinUvAuthParam expose the exact bytes to authenticate
//!   (`auth_message`).
//! - [`Request`]: decodes any request message for dispatch on the authenticator side.
//! - [`message`]: status byte + CBOR body framing of responses.
//! - [`status`], [`command`]: status codes and command bytes.
//! - [`auth_data`], [`cose`], [`attestation`], [`extensions`], [`entities`]: the data
//!   structures carried inside messages.
//! - [`DecodeError`]: what was wrong with a message, with
//!   [`DecodeError::status_code`] giving the status an authenticator answers with.

pub mod attestation;
pub mod auth_data;
pub mod cbor;
pub mod command;
pub mod commands;
pub mod cose;
pub mod entities;
pub mod error;
pub mod extensions;
pub mod large_blob_key;
pub mod message;
pub mod request;
pub mod status;

pub use command::Command;
pub use error::DecodeError;
pub use large_blob_key::LargeBlobKeyBytes;
pub use message::{CommandRequest, CommandResponse};
pub use request::Request;
pub use status::StatusCode;
