//! authenticatorConfig (0x0D), CTAP 2.1 §6.11: enterprise attestation, alwaysUv,
//! minimum PIN length (with RP IDs allowed to read it and forced PIN change), and the
//! vendor prototype subcommand.

use crate::cbor::{array, encode, Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::error::DecodeError;
use crate::message::{require_params, CommandRequest};

/// authenticatorConfig subcommands (CTAP 2.1 §6.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigSubCommand {
    /// 0x01 enableEnterpriseAttestation.
    EnableEnterpriseAttestation,
    /// 0x02 toggleAlwaysUv.
    ToggleAlwaysUv,
    /// 0x03 setMinPINLength.
    SetMinPinLength,
    /// 0x04 enableLongTouchForReset (CTAP 2.2).
    EnableLongTouchForReset,
    /// 0xFF vendorPrototype.
    VendorPrototype,
}

impl ConfigSubCommand {
    /// The wire value.
    pub fn value(self) -> u8 {
        match self {
            Self::EnableEnterpriseAttestation => 0x01,
            Self::ToggleAlwaysUv => 0x02,
            Self::SetMinPinLength => 0x03,
            Self::EnableLongTouchForReset => 0x04,
            Self::VendorPrototype => 0xff,
        }
    }

    /// The subcommand for a wire value.
    pub fn from_value(value: u64) -> Option<Self> {
        Some(match value {
            0x01 => Self::EnableEnterpriseAttestation,
            0x02 => Self::ToggleAlwaysUv,
            0x03 => Self::SetMinPinLength,
            0x04 => Self::EnableLongTouchForReset,
            0xff => Self::VendorPrototype,
            _ => return None,
        })
    }
}

impl FromCbor for ConfigSubCommand {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let n = u64::from_cbor(value, field)?;
        Self::from_value(n).ok_or(DecodeError::UnknownSubCommand { field, value: n })
    }
}

/// setMinPINLength parameters (§6.11.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetMinPinLengthParams {
    /// 0x01 newMinPINLength.
    pub new_min_pin_length: Option<u32>,
    /// 0x02 minPinLengthRPIDs: RPs allowed to read the minimum via the minPinLength
    /// extension.
    pub min_pin_length_rp_ids: Option<Vec<String>>,
    /// 0x03 forceChangePin.
    pub force_change_pin: Option<bool>,
}

/// subCommandParams, whose meaning depends on the subcommand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigParams {
    /// For setMinPINLength.
    SetMinPinLength(SetMinPinLengthParams),
    /// For vendorPrototype: `{0x01: vendorCommandId}`.
    VendorPrototype {
        /// 0x01 vendorCommandId.
        vendor_command_id: u64,
    },
}

impl ToCbor for ConfigParams {
    fn to_cbor(&self) -> Value {
        match self {
            ConfigParams::SetMinPinLength(p) => MapBuilder::new()
                .insert_opt(0x01, p.new_min_pin_length)
                .insert_opt(0x02, p.min_pin_length_rp_ids.as_deref().map(array))
                .insert_opt(0x03, p.force_change_pin)
                .build(),
            ConfigParams::VendorPrototype { vendor_command_id } => {
                MapBuilder::new().insert(0x01, *vendor_command_id).build()
            }
        }
    }
}

impl ConfigParams {
    fn from_cbor(sub_command: ConfigSubCommand, value: &Value) -> Result<Self, DecodeError> {
        let field = "config.subCommandParams";
        let f = Fields::new(value, field)?;
        match sub_command {
            ConfigSubCommand::SetMinPinLength => Ok(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
                new_min_pin_length: f.optional(0x01, "config.newMinPINLength")?,
                min_pin_length_rp_ids: f.optional_array(0x02, "config.minPinLengthRPIDs")?,
                force_change_pin: f.optional(0x03, "config.forceChangePin")?,
            })),
            ConfigSubCommand::VendorPrototype => Ok(ConfigParams::VendorPrototype {
                vendor_command_id: f.required(0x01, "config.vendorCommandId")?,
            }),
            ConfigSubCommand::EnableEnterpriseAttestation
            | ConfigSubCommand::ToggleAlwaysUv
            | ConfigSubCommand::EnableLongTouchForReset => {
                Err(DecodeError::InvalidValue {
                    field,
                    reason: "this subCommand takes no parameters",
                })
            }
        }
    }
}

/// authenticatorConfig request (CTAP 2.1 §6.11). Answered with
/// [`EmptyResponse`](super::EmptyResponse) (vendorPrototype responses are vendor-defined).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRequest {
    /// 0x01 subCommand.
    pub sub_command: ConfigSubCommand,
    /// 0x02 subCommandParams.
    pub sub_command_params: Option<ConfigParams>,
    /// 0x03 pinUvAuthProtocol.
    pub pin_uv_auth_protocol: Option<u32>,
    /// 0x04 pinUvAuthParam = authenticate(pinUvAuthToken, [`Self::auth_message`]).
    pub pin_uv_auth_param: Option<Vec<u8>>,
}

impl ConfigRequest {
    /// A request without parameters or authentication.
    pub fn new(sub_command: ConfigSubCommand) -> Self {
        Self {
            sub_command,
            sub_command_params: None,
            pin_uv_auth_protocol: None,
            pin_uv_auth_param: None,
        }
    }

    /// The bytes pinUvAuthParam authenticates (§6.11):
    /// `32×0xff || 0x0d || uint8(subCommand) || subCommandParams`.
    pub fn auth_message(&self) -> Vec<u8> {
        let mut message = vec![0xff; 32];
        message.push(Command::Config.byte());
        message.push(self.sub_command.value());
        if let Some(p) = &self.sub_command_params {
            message.extend_from_slice(&encode(&p.to_cbor()));
        }
        message
    }
}

impl CommandRequest for ConfigRequest {
    const COMMAND: Command = Command::Config;

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
        let f = Fields::new(require_params(params, "config parameters")?, "config")?;
        let sub_command: ConfigSubCommand = f.required(0x01, "config.subCommand")?;
        Ok(Self {
            sub_command,
            sub_command_params: f
                .get(0x02)
                .map(|v| ConfigParams::from_cbor(sub_command, v))
                .transpose()?,
            pin_uv_auth_protocol: f.optional(0x03, "config.pinUvAuthProtocol")?,
            pin_uv_auth_param: f.optional(0x04, "config.pinUvAuthParam")?,
        })
    }
}
