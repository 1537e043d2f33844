//! authenticatorGetAssertion (0x02), CTAP 2.1 §6.2. The response type is shared with
//! authenticatorGetNextAssertion (§6.3).

use crate::auth_data::AuthenticatorData;
use crate::cbor::{array, Fields, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::commands::RequestOptions;
use crate::entities::{CredentialDescriptor, UserEntity};
use crate::error::DecodeError;
use crate::extensions::GetAssertionExtensions;
use crate::message::{require_params, CommandRequest, CommandResponse};

/// authenticatorGetAssertion request parameters (CTAP 2.1 §6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAssertionRequest {
    /// 0x01 rpId.
    pub rp_id: String,
    /// 0x02 clientDataHash.
    pub client_data_hash: [u8; 32],
    /// 0x03 allowList.
    pub allow_list: Option<Vec<CredentialDescriptor>>,
    /// 0x04 extensions.
    pub extensions: Option<GetAssertionExtensions>,
    /// 0x05 options (up, uv; rk is invalid here).
    pub options: Option<RequestOptions>,
    /// 0x06 pinUvAuthParam: authenticate(pinUvAuthToken, clientDataHash).
    pub pin_uv_auth_param: Option<Vec<u8>>,
    /// 0x07 pinUvAuthProtocol.
    pub pin_uv_auth_protocol: Option<u32>,
}

impl GetAssertionRequest {
    /// A minimal request for `rp_id`.
    pub fn new(rp_id: impl Into<String>, client_data_hash: [u8; 32]) -> Self {
        Self {
            rp_id: rp_id.into(),
            client_data_hash,
            allow_list: None,
            extensions: None,
            options: None,
            pin_uv_auth_param: None,
            pin_uv_auth_protocol: None,
        }
    }
}

impl GetAssertionRequest {
    /// The bytes pinUvAuthParam authenticates (§6.2.2): the clientDataHash itself,
    /// `authenticate(pinUvAuthToken, clientDataHash)`.
    pub fn auth_message(&self) -> &[u8] {
        &self.client_data_hash
    }
}

impl CommandRequest for GetAssertionRequest {
    const COMMAND: Command = Command::GetAssertion;

    fn to_params(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert(0x01, self.rp_id.as_str())
                .insert(0x02, self.client_data_hash.to_vec())
                .insert_opt(0x03, self.allow_list.as_deref().map(array))
                .insert_opt(0x04, self.extensions.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x05, self.options.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x06, self.pin_uv_auth_param.clone())
                .insert_opt(0x07, self.pin_uv_auth_protocol)
                .build(),
        )
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(params, "getAssertion parameters")?, "getAssertion")?;
        Ok(Self {
            rp_id: f.required(0x01, "getAssertion.rpId")?,
            client_data_hash: f.required(0x02, "getAssertion.clientDataHash")?,
            allow_list: f.optional_array(0x03, "getAssertion.allowList")?,
            extensions: f.optional(0x04, "getAssertion.extensions")?,
            options: f.optional(0x05, "getAssertion.options")?,
            pin_uv_auth_param: f.optional(0x06, "getAssertion.pinUvAuthParam")?,
            pin_uv_auth_protocol: f.optional(0x07, "getAssertion.pinUvAuthProtocol")?,
        })
    }
}

/// authenticatorGetAssertion / authenticatorGetNextAssertion response (CTAP 2.1 §6.2).
#[derive(Clone, PartialEq, Eq)]
pub struct GetAssertionResponse {
    /// 0x01 credential; may be omitted if the allowList had exactly one entry.
    pub credential: Option<CredentialDescriptor>,
    /// 0x02 authData, the exact signed bytes.
    pub auth_data: Vec<u8>,
    /// 0x03 signature over authData || clientDataHash.
    pub signature: Vec<u8>,
    /// 0x04 user (discoverable credentials).
    pub user: Option<UserEntity>,
    /// 0x05 numberOfCredentials (first response only).
    pub number_of_credentials: Option<u32>,
    /// 0x06 userSelected.
    pub user_selected: Option<bool>,
    /// 0x07 largeBlobKey.
    pub large_blob_key: Option<crate::LargeBlobKeyBytes>,
    /// 0x08 unsignedExtensionOutputs (CTAP 2.2).
    pub unsigned_extension_outputs: Option<Value>,
}

impl GetAssertionResponse {
    /// Parses [`GetAssertionResponse::auth_data`].
    pub fn authenticator_data(&self) -> Result<AuthenticatorData, DecodeError> {
        AuthenticatorData::from_bytes(&self.auth_data)
    }
}

impl CommandResponse for GetAssertionResponse {
    fn to_body(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert_opt(0x01, self.credential.as_ref().map(ToCbor::to_cbor))
                .insert(0x02, self.auth_data.clone())
                .insert(0x03, self.signature.clone())
                .insert_opt(0x04, self.user.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x05, self.number_of_credentials)
                .insert_opt(0x06, self.user_selected)
                .insert_opt(0x07, self.large_blob_key.as_ref())
                .insert_opt(0x08, self.unsigned_extension_outputs.clone())
                .build(),
        )
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(body, "getAssertion response")?, "getAssertion response")?;
        let auth_data: Vec<u8> = f.required(0x02, "getAssertion.authData")?;
        AuthenticatorData::from_bytes(&auth_data)?;
        Ok(Self {
            credential: f.optional(0x01, "getAssertion.credential")?,
            auth_data,
            signature: f.required(0x03, "getAssertion.signature")?,
            user: f.optional(0x04, "getAssertion.user")?,
            number_of_credentials: f.optional(0x05, "getAssertion.numberOfCredentials")?,
            user_selected: f.optional(0x06, "getAssertion.userSelected")?,
            large_blob_key: f.optional(0x07, "getAssertion.largeBlobKey")?,
            unsigned_extension_outputs: f.optional(0x08, "getAssertion.unsignedExtensionOutputs")?,
        })
    }
}

// Hand-written so the largeBlobKey (key material) never reaches logs.
impl std::fmt::Debug for GetAssertionResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GetAssertionResponse")
            .field("credential", &self.credential)
            .field("auth_data", &self.auth_data)
            .field("signature", &self.signature)
            .field("user", &self.user)
            .field("number_of_credentials", &self.number_of_credentials)
            .field("user_selected", &self.user_selected)
            .field("large_blob_key", &self.large_blob_key)
            .field("unsigned_extension_outputs", &self.unsigned_extension_outputs)
            .finish()
    }
}
