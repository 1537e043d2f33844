//! authenticatorClientPIN (0x06), CTAP 2.1 §6.5: PIN retries, key agreement, set/change
//! PIN, and getting pinUvAuthTokens (with permissions and RP ID binding).
//!
//! The encrypted and authenticated members are opaque bytes produced by the PIN/UV auth
//! protocol (§6.5.6, `keydesk-ctap-crypto`).

use crate::cbor::{Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::cose::CoseKey;
use crate::error::DecodeError;
use crate::message::{require_params, CommandRequest, CommandResponse};

use super::Permissions;

/// authenticatorClientPIN subcommands (CTAP 2.1 §6.5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientPinSubCommand {
    /// 0x01 getPINRetries.
    GetPinRetries,
    /// 0x02 getKeyAgreement.
    GetKeyAgreement,
    /// 0x03 setPIN.
    SetPin,
    /// 0x04 changePIN.
    ChangePin,
    /// 0x05 getPinToken (superseded by 0x09, still used with CTAP 2.0 authenticators).
    GetPinToken,
    /// 0x06 getPinUvAuthTokenUsingUvWithPermissions.
    GetPinUvAuthTokenUsingUvWithPermissions,
    /// 0x07 getUVRetries.
    GetUvRetries,
    /// 0x09 getPinUvAuthTokenUsingPinWithPermissions.
    GetPinUvAuthTokenUsingPinWithPermissions,
}

impl ClientPinSubCommand {
    /// The wire value.
    pub fn value(self) -> u8 {
        match self {
            ClientPinSubCommand::GetPinRetries => 0x01,
            ClientPinSubCommand::GetKeyAgreement => 0x02,
            ClientPinSubCommand::SetPin => 0x03,
            ClientPinSubCommand::ChangePin => 0x04,
            ClientPinSubCommand::GetPinToken => 0x05,
            ClientPinSubCommand::GetPinUvAuthTokenUsingUvWithPermissions => 0x06,
            ClientPinSubCommand::GetUvRetries => 0x07,
            ClientPinSubCommand::GetPinUvAuthTokenUsingPinWithPermissions => 0x09,
        }
    }

    /// The subcommand for a wire value.
    pub fn from_value(value: u64) -> Option<Self> {
        Some(match value {
            0x01 => ClientPinSubCommand::GetPinRetries,
            0x02 => ClientPinSubCommand::GetKeyAgreement,
            0x03 => ClientPinSubCommand::SetPin,
            0x04 => ClientPinSubCommand::ChangePin,
            0x05 => ClientPinSubCommand::GetPinToken,
            0x06 => ClientPinSubCommand::GetPinUvAuthTokenUsingUvWithPermissions,
            0x07 => ClientPinSubCommand::GetUvRetries,
            0x09 => ClientPinSubCommand::GetPinUvAuthTokenUsingPinWithPermissions,
            _ => return None,
        })
    }
}

impl FromCbor for ClientPinSubCommand {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let n = u64::from_cbor(value, field)?;
        Self::from_value(n).ok_or(DecodeError::UnknownSubCommand { field, value: n })
    }
}

/// authenticatorClientPIN request parameters (CTAP 2.1 §6.5.5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPinRequest {
    /// 0x01 pinUvAuthProtocol (1 or 2); absent only for getPINRetries and getUVRetries.
    pub pin_uv_auth_protocol: Option<u32>,
    /// 0x02 subCommand.
    pub sub_command: ClientPinSubCommand,
    /// 0x03 keyAgreement: the platform's public key.
    pub key_agreement: Option<CoseKey>,
    /// 0x04 pinUvAuthParam.
    pub pin_uv_auth_param: Option<Vec<u8>>,
    /// 0x05 newPinEnc.
    pub new_pin_enc: Option<Vec<u8>>,
    /// 0x06 pinHashEnc.
    pub pin_hash_enc: Option<Vec<u8>>,
    /// 0x09 permissions.
    pub permissions: Option<Permissions>,
    /// 0x0A rpId (permissions RP ID).
    pub rp_id: Option<String>,
}

impl ClientPinRequest {
    fn bare(sub_command: ClientPinSubCommand, pin_uv_auth_protocol: Option<u32>) -> Self {
        Self {
            pin_uv_auth_protocol,
            sub_command,
            key_agreement: None,
            pin_uv_auth_param: None,
            new_pin_enc: None,
            pin_hash_enc: None,
            permissions: None,
            rp_id: None,
        }
    }

    /// getPINRetries (§6.5.5.2).
    pub fn get_pin_retries() -> Self {
        Self::bare(ClientPinSubCommand::GetPinRetries, None)
    }

    /// getUVRetries (§6.5.5.8).
    pub fn get_uv_retries() -> Self {
        Self::bare(ClientPinSubCommand::GetUvRetries, None)
    }

    /// getKeyAgreement (§6.5.5.3).
    pub fn get_key_agreement(protocol: u32) -> Self {
        Self::bare(ClientPinSubCommand::GetKeyAgreement, Some(protocol))
    }

    /// setPIN (§6.5.5.4); `pin_uv_auth_param` = authenticate(sharedSecret, newPinEnc).
    pub fn set_pin(protocol: u32, key_agreement: CoseKey, new_pin_enc: Vec<u8>, pin_uv_auth_param: Vec<u8>) -> Self {
        Self {
            key_agreement: Some(key_agreement),
            new_pin_enc: Some(new_pin_enc),
            pin_uv_auth_param: Some(pin_uv_auth_param),
            ..Self::bare(ClientPinSubCommand::SetPin, Some(protocol))
        }
    }

    /// changePIN (§6.5.5.5); `pin_uv_auth_param` =
    /// authenticate(sharedSecret, newPinEnc || pinHashEnc).
    pub fn change_pin(
        protocol: u32,
        key_agreement: CoseKey,
        pin_hash_enc: Vec<u8>,
        new_pin_enc: Vec<u8>,
        pin_uv_auth_param: Vec<u8>,
    ) -> Self {
        Self {
            key_agreement: Some(key_agreement),
            pin_hash_enc: Some(pin_hash_enc),
            new_pin_enc: Some(new_pin_enc),
            pin_uv_auth_param: Some(pin_uv_auth_param),
            ..Self::bare(ClientPinSubCommand::ChangePin, Some(protocol))
        }
    }

    /// getPinToken (§6.5.5.6, no permissions; for CTAP 2.0 authenticators).
    pub fn get_pin_token(protocol: u32, key_agreement: CoseKey, pin_hash_enc: Vec<u8>) -> Self {
        Self {
            key_agreement: Some(key_agreement),
            pin_hash_enc: Some(pin_hash_enc),
            ..Self::bare(ClientPinSubCommand::GetPinToken, Some(protocol))
        }
    }

    /// getPinUvAuthTokenUsingPinWithPermissions (§6.5.5.7.2).
    pub fn get_pin_uv_auth_token_using_pin_with_permissions(
        protocol: u32,
        key_agreement: CoseKey,
        pin_hash_enc: Vec<u8>,
        permissions: Permissions,
        rp_id: Option<String>,
    ) -> Self {
        Self {
            key_agreement: Some(key_agreement),
            pin_hash_enc: Some(pin_hash_enc),
            permissions: Some(permissions),
            rp_id,
            ..Self::bare(ClientPinSubCommand::GetPinUvAuthTokenUsingPinWithPermissions, Some(protocol))
        }
    }

    /// getPinUvAuthTokenUsingUvWithPermissions (§6.5.5.7.3).
    pub fn get_pin_uv_auth_token_using_uv_with_permissions(
        protocol: u32,
        key_agreement: CoseKey,
        permissions: Permissions,
        rp_id: Option<String>,
    ) -> Self {
        Self {
            key_agreement: Some(key_agreement),
            permissions: Some(permissions),
            rp_id,
            ..Self::bare(ClientPinSubCommand::GetPinUvAuthTokenUsingUvWithPermissions, Some(protocol))
        }
    }
}

/// The message authenticated by setPIN's pinUvAuthParam: `newPinEnc` (§6.5.5.4).
pub fn set_pin_auth_message(new_pin_enc: &[u8]) -> Vec<u8> {
    new_pin_enc.to_vec()
}

/// The message authenticated by changePIN's pinUvAuthParam:
/// `newPinEnc || pinHashEnc` (§6.5.5.5).
pub fn change_pin_auth_message(new_pin_enc: &[u8], pin_hash_enc: &[u8]) -> Vec<u8> {
    [new_pin_enc, pin_hash_enc].concat()
}

impl CommandRequest for ClientPinRequest {
    const COMMAND: Command = Command::ClientPin;

    fn to_params(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert_opt(0x01, self.pin_uv_auth_protocol)
                .insert(0x02, self.sub_command.value())
                .insert_opt(0x03, self.key_agreement.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x04, self.pin_uv_auth_param.clone())
                .insert_opt(0x05, self.new_pin_enc.clone())
                .insert_opt(0x06, self.pin_hash_enc.clone())
                .insert_opt(0x09, self.permissions.map(|p| p.0))
                .insert_opt(0x0a, self.rp_id.as_deref())
                .build(),
        )
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(params, "clientPIN parameters")?, "clientPIN")?;
        Ok(Self {
            pin_uv_auth_protocol: f.optional(0x01, "clientPIN.pinUvAuthProtocol")?,
            sub_command: f.required(0x02, "clientPIN.subCommand")?,
            key_agreement: f.optional(0x03, "clientPIN.keyAgreement")?,
            pin_uv_auth_param: f.optional(0x04, "clientPIN.pinUvAuthParam")?,
            new_pin_enc: f.optional(0x05, "clientPIN.newPinEnc")?,
            pin_hash_enc: f.optional(0x06, "clientPIN.pinHashEnc")?,
            permissions: f.optional(0x09, "clientPIN.permissions")?,
            rp_id: f.optional(0x0a, "clientPIN.rpId")?,
        })
    }
}

/// authenticatorClientPIN response (CTAP 2.1 §6.5.5.1). Which members are present
/// depends on the subcommand; setPIN and changePIN return none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientPinResponse {
    /// 0x01 keyAgreement: the authenticator's public key.
    pub key_agreement: Option<CoseKey>,
    /// 0x02 pinUvAuthToken, encrypted with the shared secret.
    pub pin_uv_auth_token: Option<Vec<u8>>,
    /// 0x03 pinRetries.
    pub pin_retries: Option<u32>,
    /// 0x04 powerCycleState: a power cycle is needed before the next PIN attempt.
    pub power_cycle_state: Option<bool>,
    /// 0x05 uvRetries.
    pub uv_retries: Option<u32>,
}

impl CommandResponse for ClientPinResponse {
    fn to_body(&self) -> Option<Value> {
        let map = MapBuilder::new()
            .insert_opt(0x01, self.key_agreement.as_ref().map(ToCbor::to_cbor))
            .insert_opt(0x02, self.pin_uv_auth_token.clone())
            .insert_opt(0x03, self.pin_retries)
            .insert_opt(0x04, self.power_cycle_state)
            .insert_opt(0x05, self.uv_retries);
        (!map.is_empty()).then(|| map.build())
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let Some(body) = body else {
            return Ok(Self::default());
        };
        let f = Fields::new(body, "clientPIN response")?;
        Ok(Self {
            key_agreement: f.optional(0x01, "clientPIN.keyAgreement")?,
            pin_uv_auth_token: f.optional(0x02, "clientPIN.pinUvAuthToken")?,
            pin_retries: f.optional(0x03, "clientPIN.pinRetries")?,
            power_cycle_state: f.optional(0x04, "clientPIN.powerCycleState")?,
            uv_retries: f.optional(0x05, "clientPIN.uvRetries")?,
        })
    }
}
