//! authenticatorGetInfo (0x04), CTAP 2.1 §6.4, with the members CTAP 2.2 §6.4 adds
//! (0x16..=0x1D).

use std::collections::BTreeMap;

use crate::cbor::{array, Fields, FromCbor, MapBuilder, Value};
use crate::command::Command;
use crate::entities::CredentialParameters;
use crate::error::DecodeError;
use crate::message::{expect_no_params, require_params, CommandRequest, CommandResponse};

/// authenticatorGetInfo request: the command byte alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetInfoRequest;

impl CommandRequest for GetInfoRequest {
    const COMMAND: Command = Command::GetInfo;

    fn to_params(&self) -> Option<Value> {
        None
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        expect_no_params(Self::COMMAND, params)?;
        Ok(GetInfoRequest)
    }
}

/// Version strings of getInfo member 0x01.
pub mod versions {
    /// CTAP1/U2F.
    pub const U2F_V2: &str = "U2F_V2";
    /// CTAP 2.0.
    pub const FIDO_2_0: &str = "FIDO_2_0";
    /// CTAP 2.1 pre-release features (prototype commands 0x40, 0x41).
    pub const FIDO_2_1_PRE: &str = "FIDO_2_1_PRE";
    /// CTAP 2.1.
    pub const FIDO_2_1: &str = "FIDO_2_1";
    /// CTAP 2.2.
    pub const FIDO_2_2: &str = "FIDO_2_2";
}

/// authenticatorGetInfo response (CTAP 2.1 §6.4). Absent members are `None`; the
/// spec's defaults (e.g. maxMsgSize 1024, minPINLength 4) are left to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetInfoResponse {
    /// 0x01 versions, e.g. `["U2F_V2", "FIDO_2_0", "FIDO_2_1"]`.
    pub versions: Vec<String>,
    /// 0x02 extensions supported.
    pub extensions: Option<Vec<String>>,
    /// 0x03 aaguid.
    pub aaguid: [u8; 16],
    /// 0x04 options: option ID to value (plat, rk, clientPin, up, uv, pinUvAuthToken, ...).
    pub options: Option<BTreeMap<String, bool>>,
    /// 0x05 maxMsgSize.
    pub max_msg_size: Option<u32>,
    /// 0x06 pinUvAuthProtocols, in order of preference.
    pub pin_uv_auth_protocols: Option<Vec<u32>>,
    /// 0x07 maxCredentialCountInList.
    pub max_credential_count_in_list: Option<u32>,
    /// 0x08 maxCredentialIdLength.
    pub max_credential_id_length: Option<u32>,
    /// 0x09 transports.
    pub transports: Option<Vec<String>>,
    /// 0x0A algorithms.
    pub algorithms: Option<Vec<CredentialParameters>>,
    /// 0x0B maxSerializedLargeBlobArray.
    pub max_serialized_large_blob_array: Option<u32>,
    /// 0x0C forcePINChange.
    pub force_pin_change: Option<bool>,
    /// 0x0D minPINLength.
    pub min_pin_length: Option<u32>,
    /// 0x0E firmwareVersion.
    pub firmware_version: Option<u64>,
    /// 0x0F maxCredBlobLength.
    pub max_cred_blob_length: Option<u32>,
    /// 0x10 maxRPIDsForSetMinPINLength.
    pub max_rp_ids_for_set_min_pin_length: Option<u32>,
    /// 0x11 preferredPlatformUvAttempts.
    pub preferred_platform_uv_attempts: Option<u32>,
    /// 0x12 uvModality (FIDO registry bit flags, e.g. 0x02 fingerprint).
    pub uv_modality: Option<u32>,
    /// 0x13 certifications: certification name to level.
    pub certifications: Option<BTreeMap<String, u64>>,
    /// 0x14 remainingDiscoverableCredentials.
    pub remaining_discoverable_credentials: Option<u32>,
    /// 0x15 vendorPrototypeConfigCommands.
    pub vendor_prototype_config_commands: Option<Vec<u64>>,
    /// 0x16 attestationFormats (CTAP 2.2).
    pub attestation_formats: Option<Vec<String>>,
    /// 0x17 uvCountSinceLastPinEntry (CTAP 2.2).
    pub uv_count_since_last_pin_entry: Option<u32>,
    /// 0x18 longTouchForReset (CTAP 2.2).
    pub long_touch_for_reset: Option<bool>,
    /// 0x19 encIdentifier (CTAP 2.2).
    pub enc_identifier: Option<Vec<u8>>,
    /// 0x1A transportsForReset (CTAP 2.2).
    pub transports_for_reset: Option<Vec<String>>,
    /// 0x1B pinComplexityPolicy (CTAP 2.2).
    pub pin_complexity_policy: Option<bool>,
    /// 0x1C pinComplexityPolicyURL (CTAP 2.2).
    pub pin_complexity_policy_url: Option<Vec<u8>>,
    /// 0x1D maxPINLength (CTAP 2.2).
    pub max_pin_length: Option<u32>,
}

impl GetInfoResponse {
    /// maxMsgSize, or the spec's default of 1024 bytes when absent (§6.4).
    pub fn max_msg_size_or_default(&self) -> u32 {
        self.max_msg_size.unwrap_or(1024)
    }

    /// minPINLength, or the spec's default of 4 code points when absent (§6.4).
    pub fn min_pin_length_or_default(&self) -> u32 {
        self.min_pin_length.unwrap_or(4)
    }

    /// pinUvAuthProtocols, or `[1]` for an authenticator that lists `clientPin` but no
    /// protocols (CTAP 2.0 authenticators support protocol 1 only).
    pub fn pin_uv_auth_protocols_or_default(&self) -> Vec<u32> {
        match &self.pin_uv_auth_protocols {
            Some(p) => p.clone(),
            None if self.option("clientPin").is_some() => vec![1],
            None => Vec::new(),
        }
    }

    /// The value of option `id`, `None` if the authenticator did not list it.
    pub fn option(&self, id: &str) -> Option<bool> {
        self.options.as_ref()?.get(id).copied()
    }

    /// Whether `versions` contains `version`.
    pub fn supports_version(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }

    /// Whether `extensions` contains `extension`.
    pub fn supports_extension(&self, extension: &str) -> bool {
        self.extensions
            .as_ref()
            .is_some_and(|e| e.iter().any(|x| x == extension))
    }
}

fn bool_map(map: &BTreeMap<String, bool>) -> Value {
    Value::Map(
        map.iter()
            .map(|(k, v)| (Value::text(k.as_str()), Value::Bool(*v)))
            .collect(),
    )
}

fn read_map<T: FromCbor>(value: &Value, field: &'static str) -> Result<BTreeMap<String, T>, DecodeError> {
    let f = Fields::new(value, field)?;
    f.entries()
        .iter()
        .map(|(k, v)| Ok((String::from_cbor(k, field)?, T::from_cbor(v, field)?)))
        .collect()
}

impl CommandResponse for GetInfoResponse {
    fn to_body(&self) -> Option<Value> {
        let certifications = self.certifications.as_ref().map(|m| {
            Value::Map(
                m.iter()
                    .map(|(k, v)| (Value::text(k.as_str()), Value::Unsigned(*v)))
                    .collect(),
            )
        });
        Some(
            MapBuilder::new()
                .insert(0x01, array(&self.versions))
                .insert_opt(0x02, self.extensions.as_deref().map(array))
                .insert(0x03, self.aaguid.to_vec())
                .insert_opt(0x04, self.options.as_ref().map(bool_map))
                .insert_opt(0x05, self.max_msg_size)
                .insert_opt(0x06, self.pin_uv_auth_protocols.as_deref().map(array))
                .insert_opt(0x07, self.max_credential_count_in_list)
                .insert_opt(0x08, self.max_credential_id_length)
                .insert_opt(0x09, self.transports.as_deref().map(array))
                .insert_opt(0x0a, self.algorithms.as_deref().map(array))
                .insert_opt(0x0b, self.max_serialized_large_blob_array)
                .insert_opt(0x0c, self.force_pin_change)
                .insert_opt(0x0d, self.min_pin_length)
                .insert_opt(0x0e, self.firmware_version)
                .insert_opt(0x0f, self.max_cred_blob_length)
                .insert_opt(0x10, self.max_rp_ids_for_set_min_pin_length)
                .insert_opt(0x11, self.preferred_platform_uv_attempts)
                .insert_opt(0x12, self.uv_modality)
                .insert_opt(0x13, certifications)
                .insert_opt(0x14, self.remaining_discoverable_credentials)
                .insert_opt(0x15, self.vendor_prototype_config_commands.as_deref().map(array))
                .insert_opt(0x16, self.attestation_formats.as_deref().map(array))
                .insert_opt(0x17, self.uv_count_since_last_pin_entry)
                .insert_opt(0x18, self.long_touch_for_reset)
                .insert_opt(0x19, self.enc_identifier.clone())
                .insert_opt(0x1a, self.transports_for_reset.as_deref().map(array))
                .insert_opt(0x1b, self.pin_complexity_policy)
                .insert_opt(0x1c, self.pin_complexity_policy_url.clone())
                .insert_opt(0x1d, self.max_pin_length)
                .build(),
        )
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(body, "getInfo response")?, "getInfo response")?;
        Ok(Self {
            versions: f.required_array(0x01, "getInfo.versions")?,
            extensions: f.optional_array(0x02, "getInfo.extensions")?,
            aaguid: f.required(0x03, "getInfo.aaguid")?,
            options: f.get(0x04).map(|v| read_map(v, "getInfo.options")).transpose()?,
            max_msg_size: f.optional(0x05, "getInfo.maxMsgSize")?,
            pin_uv_auth_protocols: f.optional_array(0x06, "getInfo.pinUvAuthProtocols")?,
            max_credential_count_in_list: f.optional(0x07, "getInfo.maxCredentialCountInList")?,
            max_credential_id_length: f.optional(0x08, "getInfo.maxCredentialIdLength")?,
            transports: f.optional_array(0x09, "getInfo.transports")?,
            algorithms: f.optional_array(0x0a, "getInfo.algorithms")?,
            max_serialized_large_blob_array: f.optional(0x0b, "getInfo.maxSerializedLargeBlobArray")?,
            force_pin_change: f.optional(0x0c, "getInfo.forcePINChange")?,
            min_pin_length: f.optional(0x0d, "getInfo.minPINLength")?,
            firmware_version: f.optional(0x0e, "getInfo.firmwareVersion")?,
            max_cred_blob_length: f.optional(0x0f, "getInfo.maxCredBlobLength")?,
            max_rp_ids_for_set_min_pin_length: f.optional(0x10, "getInfo.maxRPIDsForSetMinPINLength")?,
            preferred_platform_uv_attempts: f.optional(0x11, "getInfo.preferredPlatformUvAttempts")?,
            uv_modality: f.optional(0x12, "getInfo.uvModality")?,
            certifications: f.get(0x13).map(|v| read_map(v, "getInfo.certifications")).transpose()?,
            remaining_discoverable_credentials: f.optional(0x14, "getInfo.remainingDiscoverableCredentials")?,
            vendor_prototype_config_commands: f.optional_array(0x15, "getInfo.vendorPrototypeConfigCommands")?,
            attestation_formats: f.optional_array(0x16, "getInfo.attestationFormats")?,
            uv_count_since_last_pin_entry: f.optional(0x17, "getInfo.uvCountSinceLastPinEntry")?,
            long_touch_for_reset: f.optional(0x18, "getInfo.longTouchForReset")?,
            enc_identifier: f.optional(0x19, "getInfo.encIdentifier")?,
            transports_for_reset: f.optional_array(0x1a, "getInfo.transportsForReset")?,
            pin_complexity_policy: f.optional(0x1b, "getInfo.pinComplexityPolicy")?,
            pin_complexity_policy_url: f.optional(0x1c, "getInfo.pinComplexityPolicyURL")?,
            max_pin_length: f.optional(0x1d, "getInfo.maxPINLength")?,
        })
    }
}
