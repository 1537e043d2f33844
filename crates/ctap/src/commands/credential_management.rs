//! authenticatorCredentialManagement (0x0A, prototype 0x41), CTAP 2.1 §6.8: metadata,
//! enumerating RPs and credentials, deleting credentials and updating user information.

use crate::cbor::{encode, Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::cose::CoseKey;
use crate::entities::{CredentialDescriptor, RpEntity, UserEntity};
use crate::error::DecodeError;
use crate::extensions::CredProtect;
use crate::message::{require_params, CommandRequest, CommandResponse};

/// authenticatorCredentialManagement subcommands (CTAP 2.1 §6.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialManagementSubCommand {
    /// 0x01 getCredsMetadata.
    GetCredsMetadata,
    /// 0x02 enumerateRPsBegin.
    EnumerateRpsBegin,
    /// 0x03 enumerateRPsGetNextRP.
    EnumerateRpsGetNextRp,
    /// 0x04 enumerateCredentialsBegin.
    EnumerateCredentialsBegin,
    /// 0x05 enumerateCredentialsGetNextCredential.
    EnumerateCredentialsGetNextCredential,
    /// 0x06 deleteCredential.
    DeleteCredential,
    /// 0x07 updateUserInformation.
    UpdateUserInformation,
}

impl CredentialManagementSubCommand {
    /// The wire value.
    pub fn value(self) -> u8 {
        match self {
            Self::GetCredsMetadata => 0x01,
            Self::EnumerateRpsBegin => 0x02,
            Self::EnumerateRpsGetNextRp => 0x03,
            Self::EnumerateCredentialsBegin => 0x04,
            Self::EnumerateCredentialsGetNextCredential => 0x05,
            Self::DeleteCredential => 0x06,
            Self::UpdateUserInformation => 0x07,
        }
    }

    /// The subcommand for a wire value.
    pub fn from_value(value: u64) -> Option<Self> {
        Some(match value {
            0x01 => Self::GetCredsMetadata,
            0x02 => Self::EnumerateRpsBegin,
            0x03 => Self::EnumerateRpsGetNextRp,
            0x04 => Self::EnumerateCredentialsBegin,
            0x05 => Self::EnumerateCredentialsGetNextCredential,
            0x06 => Self::DeleteCredential,
            0x07 => Self::UpdateUserInformation,
            _ => return None,
        })
    }

    /// Whether the subcommand carries a pinUvAuthParam (the "GetNext" ones do not).
    pub fn is_authenticated(self) -> bool {
        !matches!(self, Self::EnumerateRpsGetNextRp | Self::EnumerateCredentialsGetNextCredential)
    }
}

impl FromCbor for CredentialManagementSubCommand {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let n = u64::from_cbor(value, field)?;
        Self::from_value(n).ok_or(DecodeError::UnknownSubCommand { field, value: n })
    }
}

/// subCommandParams (CTAP 2.1 §6.8, member 0x02).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CredentialManagementParams {
    /// 0x01 rpIDHash (enumerateCredentialsBegin).
    pub rp_id_hash: Option<[u8; 32]>,
    /// 0x02 credentialID (deleteCredential, updateUserInformation).
    pub credential_id: Option<CredentialDescriptor>,
    /// 0x03 user (updateUserInformation).
    pub user: Option<UserEntity>,
}

impl ToCbor for CredentialManagementParams {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert_opt(0x01, self.rp_id_hash.map(|h| h.to_vec()))
            .insert_opt(0x02, self.credential_id.as_ref().map(ToCbor::to_cbor))
            .insert_opt(0x03, self.user.as_ref().map(ToCbor::to_cbor))
            .build()
    }
}

impl FromCbor for CredentialManagementParams {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            rp_id_hash: f.optional(0x01, "credentialManagement.rpIDHash")?,
            credential_id: f.optional(0x02, "credentialManagement.credentialID")?,
            user: f.optional(0x03, "credentialManagement.user")?,
        })
    }
}

/// authenticatorCredentialManagement request (CTAP 2.1 §6.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialManagementRequest {
    /// 0x01 subCommand.
    pub sub_command: CredentialManagementSubCommand,
    /// 0x02 subCommandParams.
    pub sub_command_params: Option<CredentialManagementParams>,
    /// 0x03 pinUvAuthProtocol.
    pub pin_uv_auth_protocol: Option<u32>,
    /// 0x04 pinUvAuthParam = authenticate(pinUvAuthToken, [`Self::auth_message`]).
    pub pin_uv_auth_param: Option<Vec<u8>>,
}

impl CredentialManagementRequest {
    /// A request without parameters or authentication (fill in as needed).
    pub fn new(sub_command: CredentialManagementSubCommand) -> Self {
        Self {
            sub_command,
            sub_command_params: None,
            pin_uv_auth_protocol: None,
            pin_uv_auth_param: None,
        }
    }

    /// The bytes pinUvAuthParam authenticates: `subCommand || subCommandParams` (the
    /// canonical CBOR of the params, omitted when absent), e.g.
    /// `authenticate(pinUvAuthToken, getCredsMetadata (0x01))` and
    /// `authenticate(pinUvAuthToken, enumerateCredentialsBegin (0x04) || subCommandParams)`.
    pub fn auth_message(&self) -> Vec<u8> {
        auth_message(self.sub_command, self.sub_command_params.as_ref())
    }
}

/// `subCommand || subCommandParams`, see [`CredentialManagementRequest::auth_message`].
pub fn auth_message(
    sub_command: CredentialManagementSubCommand,
    params: Option<&CredentialManagementParams>,
) -> Vec<u8> {
    let mut message = vec![sub_command.value()];
    if let Some(p) = params {
        message.extend_from_slice(&encode(&p.to_cbor()));
    }
    message
}

impl CommandRequest for CredentialManagementRequest {
    const COMMAND: Command = Command::CredentialManagement;

    fn accepts_command(byte: u8) -> bool {
        byte == Command::CredentialManagement.byte()
            || byte == Command::PrototypeCredentialManagement.byte()
    }

    fn to_params(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert(0x01, self.sub_command.value())
                .insert_opt(0x02, self.sub_command_params.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x03, self.pin_uv_auth_protocol)
                .insert_opt(0x04, self.pin_uv_auth_param.clone())
                .build(),
        )
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(
            require_params(params, "credentialManagement parameters")?,
            "credentialManagement",
        )?;
        Ok(Self {
            sub_command: f.required(0x01, "credentialManagement.subCommand")?,
            sub_command_params: f.optional(0x02, "credentialManagement.subCommandParams")?,
            pin_uv_auth_protocol: f.optional(0x03, "credentialManagement.pinUvAuthProtocol")?,
            pin_uv_auth_param: f.optional(0x04, "credentialManagement.pinUvAuthParam")?,
        })
    }
}

/// authenticatorCredentialManagement response (CTAP 2.1 §6.8). Which members are present
/// depends on the subcommand; deleteCredential and updateUserInformation return none.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct CredentialManagementResponse {
    /// 0x01 existingResidentCredentialsCount.
    pub existing_resident_credentials_count: Option<u32>,
    /// 0x02 maxPossibleRemainingResidentCredentialsCount.
    pub max_possible_remaining_resident_credentials_count: Option<u32>,
    /// 0x03 rp.
    pub rp: Option<RpEntity>,
    /// 0x04 rpIDHash.
    pub rp_id_hash: Option<[u8; 32]>,
    /// 0x05 totalRPs.
    pub total_rps: Option<u32>,
    /// 0x06 user.
    pub user: Option<UserEntity>,
    /// 0x07 credentialID.
    pub credential_id: Option<CredentialDescriptor>,
    /// 0x08 publicKey.
    pub public_key: Option<CoseKey>,
    /// 0x09 totalCredentials.
    pub total_credentials: Option<u32>,
    /// 0x0A credProtect.
    pub cred_protect: Option<CredProtect>,
    /// 0x0B largeBlobKey.
    pub large_blob_key: Option<crate::LargeBlobKeyBytes>,
    /// 0x0C thirdPartyPayment (CTAP 2.2).
    pub third_party_payment: Option<bool>,
}

impl CommandResponse for CredentialManagementResponse {
    fn to_body(&self) -> Option<Value> {
        let map = MapBuilder::new()
            .insert_opt(0x01, self.existing_resident_credentials_count)
            .insert_opt(0x02, self.max_possible_remaining_resident_credentials_count)
            .insert_opt(0x03, self.rp.as_ref().map(ToCbor::to_cbor))
            .insert_opt(0x04, self.rp_id_hash.map(|h| h.to_vec()))
            .insert_opt(0x05, self.total_rps)
            .insert_opt(0x06, self.user.as_ref().map(ToCbor::to_cbor))
            .insert_opt(0x07, self.credential_id.as_ref().map(ToCbor::to_cbor))
            .insert_opt(0x08, self.public_key.as_ref().map(ToCbor::to_cbor))
            .insert_opt(0x09, self.total_credentials)
            .insert_opt(0x0a, self.cred_protect.map(|c| c.to_cbor()))
            .insert_opt(0x0b, self.large_blob_key.as_ref())
            .insert_opt(0x0c, self.third_party_payment);
        (!map.is_empty()).then(|| map.build())
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let Some(body) = body else {
            return Ok(Self::default());
        };
        let f = Fields::new(body, "credentialManagement response")?;
        Ok(Self {
            existing_resident_credentials_count: f
                .optional(0x01, "credentialManagement.existingResidentCredentialsCount")?,
            max_possible_remaining_resident_credentials_count: f.optional(
                0x02,
                "credentialManagement.maxPossibleRemainingResidentCredentialsCount",
            )?,
            rp: f.optional(0x03, "credentialManagement.rp")?,
            rp_id_hash: f.optional(0x04, "credentialManagement.rpIDHash")?,
            total_rps: f.optional(0x05, "credentialManagement.totalRPs")?,
            user: f.optional(0x06, "credentialManagement.user")?,
            credential_id: f.optional(0x07, "credentialManagement.credentialID")?,
            public_key: f.optional(0x08, "credentialManagement.publicKey")?,
            total_credentials: f.optional(0x09, "credentialManagement.totalCredentials")?,
            cred_protect: f.optional(0x0a, "credentialManagement.credProtect")?,
            large_blob_key: f.optional(0x0b, "credentialManagement.largeBlobKey")?,
            third_party_payment: f.optional(0x0c, "credentialManagement.thirdPartyPayment")?,
        })
    }
}

// Hand-written so the largeBlobKey (key material) never reaches logs.
impl std::fmt::Debug for CredentialManagementResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialManagementResponse")
            .field("existing_resident_credentials_count", &self.existing_resident_credentials_count)
            .field("max_possible_remaining_resident_credentials_count", &self.max_possible_remaining_resident_credentials_count)
            .field("rp", &self.rp)
            .field("rp_id_hash", &self.rp_id_hash)
            .field("total_rps", &self.total_rps)
            .field("user", &self.user)
            .field("credential_id", &self.credential_id)
            .field("public_key", &self.public_key)
            .field("total_credentials", &self.total_credentials)
            .field("cred_protect", &self.cred_protect)
            .field("large_blob_key", &self.large_blob_key)
            .field("third_party_payment", &self.third_party_payment)
            .finish()
    }
}
