//! Authenticator-side dispatch: decode any CTAP2 request from its raw bytes
//! (command byte + CBOR parameters) into one [`Request`] value.

use crate::cbor::DecodeOptions;
use crate::command::Command;
use crate::commands::{
    BioEnrollmentRequest, ClientPinRequest, ConfigRequest, CredentialManagementRequest,
    GetAssertionRequest, GetInfoRequest, GetNextAssertionRequest, LargeBlobsRequest,
    MakeCredentialRequest, ResetRequest, SelectionRequest,
};
use crate::error::DecodeError;
use crate::message::{encode_request, CommandRequest};

/// Any CTAP2 request.
// One request exists per message and is matched on immediately; boxing the large
// variants would only make that match clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// 0x01 authenticatorMakeCredential.
    MakeCredential(MakeCredentialRequest),
    /// 0x02 authenticatorGetAssertion.
    GetAssertion(GetAssertionRequest),
    /// 0x04 authenticatorGetInfo.
    GetInfo,
    /// 0x06 authenticatorClientPIN.
    ClientPin(ClientPinRequest),
    /// 0x07 authenticatorReset.
    Reset,
    /// 0x08 authenticatorGetNextAssertion.
    GetNextAssertion,
    /// 0x09 authenticatorBioEnrollment.
    BioEnrollment(BioEnrollmentRequest),
    /// 0x0A authenticatorCredentialManagement.
    CredentialManagement(CredentialManagementRequest),
    /// 0x0B authenticatorSelection.
    Selection,
    /// 0x0C authenticatorLargeBlobs.
    LargeBlobs(LargeBlobsRequest),
    /// 0x0D authenticatorConfig.
    Config(ConfigRequest),
    /// 0x40 prototype authenticatorBioEnrollment (FIDO_2_1_PRE).
    PrototypeBioEnrollment(BioEnrollmentRequest),
    /// 0x41 prototype authenticatorCredentialManagement (FIDO_2_1_PRE).
    PrototypeCredentialManagement(CredentialManagementRequest),
}

impl Request {
    /// Decodes a complete request message, tolerant of non-canonical CBOR.
    pub fn decode(message: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_with(message, DecodeOptions::TOLERANT)
    }

    /// Decodes a complete request message with explicit CBOR strictness.
    ///
    /// On error, [`DecodeError::status_code`] gives the status to answer with.
    pub fn decode_with(message: &[u8], options: DecodeOptions) -> Result<Self, DecodeError> {
        let (&byte, cbor) = message.split_first().ok_or(DecodeError::EmptyMessage)?;
        let command = Command::from_byte(byte).ok_or(DecodeError::UnknownCommand(byte))?;
        Ok(match command {
            Command::MakeCredential => {
                Request::MakeCredential(MakeCredentialRequest::decode_params(cbor, options)?)
            }
            Command::GetAssertion => {
                Request::GetAssertion(GetAssertionRequest::decode_params(cbor, options)?)
            }
            Command::GetInfo => {
                GetInfoRequest::decode_params(cbor, options)?;
                Request::GetInfo
            }
            Command::ClientPin => Request::ClientPin(ClientPinRequest::decode_params(cbor, options)?),
            Command::Reset => {
                ResetRequest::decode_params(cbor, options)?;
                Request::Reset
            }
            Command::GetNextAssertion => {
                GetNextAssertionRequest::decode_params(cbor, options)?;
                Request::GetNextAssertion
            }
            Command::BioEnrollment => {
                Request::BioEnrollment(BioEnrollmentRequest::decode_params(cbor, options)?)
            }
            Command::CredentialManagement => Request::CredentialManagement(
                CredentialManagementRequest::decode_params(cbor, options)?,
            ),
            Command::Selection => {
                SelectionRequest::decode_params(cbor, options)?;
                Request::Selection
            }
            Command::LargeBlobs => Request::LargeBlobs(LargeBlobsRequest::decode_params(cbor, options)?),
            Command::Config => Request::Config(ConfigRequest::decode_params(cbor, options)?),
            Command::PrototypeBioEnrollment => {
                Request::PrototypeBioEnrollment(BioEnrollmentRequest::decode_params(cbor, options)?)
            }
            Command::PrototypeCredentialManagement => Request::PrototypeCredentialManagement(
                CredentialManagementRequest::decode_params(cbor, options)?,
            ),
        })
    }

    /// The command this request is sent with.
    pub fn command(&self) -> Command {
        match self {
            Request::MakeCredential(_) => Command::MakeCredential,
            Request::GetAssertion(_) => Command::GetAssertion,
            Request::GetInfo => Command::GetInfo,
            Request::ClientPin(_) => Command::ClientPin,
            Request::Reset => Command::Reset,
            Request::GetNextAssertion => Command::GetNextAssertion,
            Request::BioEnrollment(_) => Command::BioEnrollment,
            Request::CredentialManagement(_) => Command::CredentialManagement,
            Request::Selection => Command::Selection,
            Request::LargeBlobs(_) => Command::LargeBlobs,
            Request::Config(_) => Command::Config,
            Request::PrototypeBioEnrollment(_) => Command::PrototypeBioEnrollment,
            Request::PrototypeCredentialManagement(_) => Command::PrototypeCredentialManagement,
        }
    }

    /// The complete message: command byte then canonical CBOR parameters.
    pub fn encode(&self) -> Vec<u8> {
        let params = match self {
            Request::MakeCredential(r) => r.to_params(),
            Request::GetAssertion(r) => r.to_params(),
            Request::ClientPin(r) => r.to_params(),
            Request::BioEnrollment(r) | Request::PrototypeBioEnrollment(r) => r.to_params(),
            Request::CredentialManagement(r) | Request::PrototypeCredentialManagement(r) => r.to_params(),
            Request::LargeBlobs(r) => r.to_params(),
            Request::Config(r) => r.to_params(),
            Request::GetInfo | Request::Reset | Request::GetNextAssertion | Request::Selection => None,
        };
        encode_request(self.command(), params.as_ref())
    }
}
