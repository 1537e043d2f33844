//! authenticatorMakeCredential (0x01), CTAP 2.1 §6.1.

use crate::attestation::{AttestationObject, AttestationStatement};
use crate::auth_data::AuthenticatorData;
use crate::cbor::{array, Fields, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::commands::RequestOptions;
use crate::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use crate::error::DecodeError;
use crate::extensions::MakeCredentialExtensions;
use crate::message::{require_params, CommandRequest, CommandResponse};

/// authenticatorMakeCredential request parameters (CTAP 2.1 §6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MakeCredentialRequest {
    /// 0x01 clientDataHash.
    pub client_data_hash: [u8; 32],
    /// 0x02 rp.
    pub rp: RpEntity,
    /// 0x03 user.
    pub user: UserEntity,
    /// 0x04 pubKeyCredParams, in the RP's order of preference.
    pub pub_key_cred_params: Vec<CredentialParameters>,
    /// 0x05 excludeList.
    pub exclude_list: Option<Vec<CredentialDescriptor>>,
    /// 0x06 extensions.
    pub extensions: Option<MakeCredentialExtensions>,
    /// 0x07 options (rk, up, uv).
    pub options: Option<RequestOptions>,
    /// 0x08 pinUvAuthParam: authenticate(pinUvAuthToken, clientDataHash). An empty value
    /// asks the authenticator to wait for a touch (§6.1.2 step 1).
    pub pin_uv_auth_param: Option<Vec<u8>>,
    /// 0x09 pinUvAuthProtocol.
    pub pin_uv_auth_protocol: Option<u32>,
    /// 0x0A enterpriseAttestation (1 vendor-facilitated, 2 platform-managed).
    pub enterprise_attestation: Option<u32>,
    /// 0x0B attestationFormatsPreference (CTAP 2.2).
    pub attestation_formats_preference: Option<Vec<String>>,
}

impl MakeCredentialRequest {
    /// A minimal request: no exclude list, extensions, options or PIN/UV auth.
    pub fn new(
        client_data_hash: [u8; 32],
        rp: RpEntity,
        user: UserEntity,
        pub_key_cred_params: Vec<CredentialParameters>,
    ) -> Self {
        Self {
            client_data_hash,
            rp,
            user,
            pub_key_cred_params,
            exclude_list: None,
            extensions: None,
            options: None,
            pin_uv_auth_param: None,
            pin_uv_auth_protocol: None,
            enterprise_attestation: None,
            attestation_formats_preference: None,
        }
    }
}

impl MakeCredentialRequest {
    /// The bytes pinUvAuthParam authenticates (§6.1.2): the clientDataHash itself,
    /// `authenticate(pinUvAuthToken, clientDataHash)`.
    pub fn auth_message(&self) -> &[u8] {
        &self.client_data_hash
    }
}

impl CommandRequest for MakeCredentialRequest {
    const COMMAND: Command = Command::MakeCredential;

    fn to_params(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert(0x01, self.client_data_hash.to_vec())
                .insert(0x02, self.rp.to_cbor())
                .insert(0x03, self.user.to_cbor())
                .insert(0x04, array(&self.pub_key_cred_params))
                .insert_opt(0x05, self.exclude_list.as_deref().map(array))
                .insert_opt(0x06, self.extensions.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x07, self.options.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x08, self.pin_uv_auth_param.clone())
                .insert_opt(0x09, self.pin_uv_auth_protocol)
                .insert_opt(0x0a, self.enterprise_attestation)
                .insert_opt(0x0b, self.attestation_formats_preference.as_deref().map(array))
                .build(),
        )
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(params, "makeCredential parameters")?, "makeCredential")?;
        Ok(Self {
            client_data_hash: f.required(0x01, "makeCredential.clientDataHash")?,
            rp: f.required(0x02, "makeCredential.rp")?,
            user: f.required(0x03, "makeCredential.user")?,
            pub_key_cred_params: f.required_array(0x04, "makeCredential.pubKeyCredParams")?,
            exclude_list: f.optional_array(0x05, "makeCredential.excludeList")?,
            extensions: f.optional(0x06, "makeCredential.extensions")?,
            options: f.optional(0x07, "makeCredential.options")?,
            pin_uv_auth_param: f.optional(0x08, "makeCredential.pinUvAuthParam")?,
            pin_uv_auth_protocol: f.optional(0x09, "makeCredential.pinUvAuthProtocol")?,
            enterprise_attestation: f.optional(0x0a, "makeCredential.enterpriseAttestation")?,
            attestation_formats_preference: f
                .optional_array(0x0b, "makeCredential.attestationFormatsPreference")?,
        })
    }
}

/// authenticatorMakeCredential response (CTAP 2.1 §6.1, "attestation object").
#[derive(Clone, PartialEq, Eq)]
pub struct MakeCredentialResponse {
    /// 0x01 fmt and 0x03 attStmt.
    pub attestation: AttestationStatement,
    /// 0x02 authData, kept as the exact bytes that were signed. Use
    /// [`MakeCredentialResponse::authenticator_data`] to parse.
    pub auth_data: Vec<u8>,
    /// 0x04 epAtt: whether enterprise attestation was returned.
    pub ep_att: Option<bool>,
    /// 0x05 largeBlobKey.
    pub large_blob_key: Option<crate::LargeBlobKeyBytes>,
    /// 0x06 unsignedExtensionOutputs (CTAP 2.2).
    pub unsigned_extension_outputs: Option<Value>,
}

impl MakeCredentialResponse {
    /// Parses [`MakeCredentialResponse::auth_data`].
    pub fn authenticator_data(&self) -> Result<AuthenticatorData, DecodeError> {
        AuthenticatorData::from_bytes(&self.auth_data)
    }

    /// The WebAuthn attestation object for the relying party.
    pub fn attestation_object(&self) -> AttestationObject {
        AttestationObject {
            statement: self.attestation.clone(),
            auth_data: self.auth_data.clone(),
        }
    }
}

impl CommandResponse for MakeCredentialResponse {
    fn to_body(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert(0x01, self.attestation.format())
                .insert(0x02, self.auth_data.clone())
                .insert(0x03, self.attestation.statement())
                .insert_opt(0x04, self.ep_att)
                .insert_opt(0x05, self.large_blob_key.as_ref())
                .insert_opt(0x06, self.unsigned_extension_outputs.clone())
                .build(),
        )
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(body, "makeCredential response")?, "makeCredential response")?;
        let fmt: String = f.required(0x01, "makeCredential.fmt")?;
        let statement = f
            .get(0x03)
            .ok_or(DecodeError::MissingField { field: "makeCredential.attStmt" })?;
        let auth_data: Vec<u8> = f.required(0x02, "makeCredential.authData")?;
        AuthenticatorData::from_bytes(&auth_data)?;
        Ok(Self {
            attestation: AttestationStatement::from_parts(&fmt, statement)?,
            auth_data,
            ep_att: f.optional(0x04, "makeCredential.epAtt")?,
            large_blob_key: f.optional(0x05, "makeCredential.largeBlobKey")?,
            unsigned_extension_outputs: f.optional(0x06, "makeCredential.unsignedExtensionOutputs")?,
        })
    }
}

// Hand-written so the largeBlobKey (key material) never reaches logs.
impl std::fmt::Debug for MakeCredentialResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MakeCredentialResponse")
            .field("attestation", &self.attestation)
            .field("auth_data", &self.auth_data)
            .field("ep_att", &self.ep_att)
            .field("large_blob_key", &self.large_blob_key)
            .field("unsigned_extension_outputs", &self.unsigned_extension_outputs)
            .finish()
    }
}
