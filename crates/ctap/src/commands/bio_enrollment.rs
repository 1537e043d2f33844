//! authenticatorBioEnrollment (0x09, prototype 0x40), CTAP 2.1 §6.7: fingerprint
//! enrollment with sample feedback, listing, renaming and removing templates.

use crate::cbor::{array, Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::command::Command;
use crate::error::DecodeError;
use crate::message::{CommandRequest, CommandResponse};

use crate::cbor::encode;
use crate::message::require_params;

/// Modality `fingerprint` (0x01), the only one CTAP 2.1 defines.
pub const MODALITY_FINGERPRINT: u32 = 0x01;
/// fingerprintKind 1: touch sensor.
pub const FINGERPRINT_KIND_TOUCH: u32 = 1;
/// fingerprintKind 2: swipe sensor.
pub const FINGERPRINT_KIND_SWIPE: u32 = 2;

/// authenticatorBioEnrollment subcommands (CTAP 2.1 §6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BioEnrollmentSubCommand {
    /// 0x01 enrollBegin.
    EnrollBegin,
    /// 0x02 enrollCaptureNextSample.
    EnrollCaptureNextSample,
    /// 0x03 cancelCurrentEnrollment.
    CancelCurrentEnrollment,
    /// 0x04 enumerateEnrollments.
    EnumerateEnrollments,
    /// 0x05 setFriendlyName.
    SetFriendlyName,
    /// 0x06 removeEnrollment.
    RemoveEnrollment,
    /// 0x07 getFingerprintSensorInfo.
    GetFingerprintSensorInfo,
}

impl BioEnrollmentSubCommand {
    /// The wire value.
    pub fn value(self) -> u8 {
        match self {
            Self::EnrollBegin => 0x01,
            Self::EnrollCaptureNextSample => 0x02,
            Self::CancelCurrentEnrollment => 0x03,
            Self::EnumerateEnrollments => 0x04,
            Self::SetFriendlyName => 0x05,
            Self::RemoveEnrollment => 0x06,
            Self::GetFingerprintSensorInfo => 0x07,
        }
    }

    /// The subcommand for a wire value.
    pub fn from_value(value: u64) -> Option<Self> {
        Some(match value {
            0x01 => Self::EnrollBegin,
            0x02 => Self::EnrollCaptureNextSample,
            0x03 => Self::CancelCurrentEnrollment,
            0x04 => Self::EnumerateEnrollments,
            0x05 => Self::SetFriendlyName,
            0x06 => Self::RemoveEnrollment,
            0x07 => Self::GetFingerprintSensorInfo,
            _ => return None,
        })
    }
}

impl FromCbor for BioEnrollmentSubCommand {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let n = u64::from_cbor(value, field)?;
        Self::from_value(n).ok_or(DecodeError::UnknownSubCommand { field, value: n })
    }
}

/// lastEnrollSampleStatus values (CTAP 2.1 §6.7, "CTAP2_ENROLL_FEEDBACK_*").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnrollSampleStatus {
    /// 0x00 CTAP2_ENROLL_FEEDBACK_FP_GOOD: good fingerprint capture.
    Good,
    /// 0x01 FP_TOO_HIGH: fingerprint was too high.
    TooHigh,
    /// 0x02 FP_TOO_LOW: fingerprint was too low.
    TooLow,
    /// 0x03 FP_TOO_LEFT: fingerprint was too left.
    TooLeft,
    /// 0x04 FP_TOO_RIGHT: fingerprint was too right.
    TooRight,
    /// 0x05 FP_TOO_FAST: fingerprint was too fast.
    TooFast,
    /// 0x06 FP_TOO_SLOW: fingerprint was too slow.
    TooSlow,
    /// 0x07 FP_POOR_QUALITY: fingerprint was of poor quality.
    PoorQuality,
    /// 0x08 FP_TOO_SKEWED: fingerprint was too skewed.
    TooSkewed,
    /// 0x09 FP_TOO_SHORT: fingerprint was too short.
    TooShort,
    /// 0x0A FP_MERGE_FAILURE: merge failure of the capture.
    MergeFailure,
    /// 0x0B FP_EXISTS: fingerprint already exists.
    AlreadyExists,
    /// 0x0D NO_USER_ACTIVITY: user did not touch or swipe the authenticator.
    NoUserActivity,
    /// 0x0E NO_UP_TRANSITION: user did not lift the finger off the sensor.
    NoUserPresenceTransition,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for EnrollSampleStatus {
    fn from(v: u8) -> Self {
        match v {
            0x00 => Self::Good,
            0x01 => Self::TooHigh,
            0x02 => Self::TooLow,
            0x03 => Self::TooLeft,
            0x04 => Self::TooRight,
            0x05 => Self::TooFast,
            0x06 => Self::TooSlow,
            0x07 => Self::PoorQuality,
            0x08 => Self::TooSkewed,
            0x09 => Self::TooShort,
            0x0a => Self::MergeFailure,
            0x0b => Self::AlreadyExists,
            0x0d => Self::NoUserActivity,
            0x0e => Self::NoUserPresenceTransition,
            other => Self::Unknown(other),
        }
    }
}

impl From<EnrollSampleStatus> for u8 {
    fn from(s: EnrollSampleStatus) -> u8 {
        match s {
            EnrollSampleStatus::Good => 0x00,
            EnrollSampleStatus::TooHigh => 0x01,
            EnrollSampleStatus::TooLow => 0x02,
            EnrollSampleStatus::TooLeft => 0x03,
            EnrollSampleStatus::TooRight => 0x04,
            EnrollSampleStatus::TooFast => 0x05,
            EnrollSampleStatus::TooSlow => 0x06,
            EnrollSampleStatus::PoorQuality => 0x07,
            EnrollSampleStatus::TooSkewed => 0x08,
            EnrollSampleStatus::TooShort => 0x09,
            EnrollSampleStatus::MergeFailure => 0x0a,
            EnrollSampleStatus::AlreadyExists => 0x0b,
            EnrollSampleStatus::NoUserActivity => 0x0d,
            EnrollSampleStatus::NoUserPresenceTransition => 0x0e,
            EnrollSampleStatus::Unknown(v) => v,
        }
    }
}

impl FromCbor for EnrollSampleStatus {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        u8::from_cbor(value, field).map(Self::from)
    }
}

/// subCommandParams (CTAP 2.1 §6.7, member 0x03).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BioEnrollmentParams {
    /// 0x01 templateId.
    pub template_id: Option<Vec<u8>>,
    /// 0x02 templateFriendlyName.
    pub template_friendly_name: Option<String>,
    /// 0x03 timeoutMilliseconds.
    pub timeout_milliseconds: Option<u32>,
}

impl ToCbor for BioEnrollmentParams {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert_opt(0x01, self.template_id.clone())
            .insert_opt(0x02, self.template_friendly_name.as_deref())
            .insert_opt(0x03, self.timeout_milliseconds)
            .build()
    }
}

impl FromCbor for BioEnrollmentParams {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            template_id: f.optional(0x01, "bioEnrollment.templateId")?,
            template_friendly_name: f.optional(0x02, "bioEnrollment.templateFriendlyName")?,
            timeout_milliseconds: f.optional(0x03, "bioEnrollment.timeoutMilliseconds")?,
        })
    }
}

/// authenticatorBioEnrollment request (CTAP 2.1 §6.7). A getModality request carries
/// only `get_modality: Some(true)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BioEnrollmentRequest {
    /// 0x01 modality.
    pub modality: Option<u32>,
    /// 0x02 subCommand.
    pub sub_command: Option<BioEnrollmentSubCommand>,
    /// 0x03 subCommandParams.
    pub sub_command_params: Option<BioEnrollmentParams>,
    /// 0x04 pinUvAuthProtocol.
    pub pin_uv_auth_protocol: Option<u32>,
    /// 0x05 pinUvAuthParam = authenticate(pinUvAuthToken, [`Self::auth_message`]).
    pub pin_uv_auth_param: Option<Vec<u8>>,
    /// 0x06 getModality.
    pub get_modality: Option<bool>,
}

impl BioEnrollmentRequest {
    /// A fingerprint request for `sub_command` without parameters or authentication.
    pub fn fingerprint(sub_command: BioEnrollmentSubCommand) -> Self {
        Self {
            modality: Some(MODALITY_FINGERPRINT),
            sub_command: Some(sub_command),
            ..Self::default()
        }
    }

    /// The getModality request.
    pub fn get_modality() -> Self {
        Self {
            get_modality: Some(true),
            ..Self::default()
        }
    }

    /// The bytes pinUvAuthParam authenticates: `modality || subCommand ||
    /// subCommandParams` (one byte each, then the params' canonical CBOR when present).
    /// `None` if modality or subCommand is missing or modality exceeds one byte.
    pub fn auth_message(&self) -> Option<Vec<u8>> {
        let modality = u8::try_from(self.modality?).ok()?;
        let mut message = vec![modality, self.sub_command?.value()];
        if let Some(p) = &self.sub_command_params {
            message.extend_from_slice(&encode(&p.to_cbor()));
        }
        Some(message)
    }
}

impl CommandRequest for BioEnrollmentRequest {
    const COMMAND: Command = Command::BioEnrollment;

    fn accepts_command(byte: u8) -> bool {
        byte == Command::BioEnrollment.byte() || byte == Command::PrototypeBioEnrollment.byte()
    }

    fn to_params(&self) -> Option<Value> {
        Some(
            MapBuilder::new()
                .insert_opt(0x01, self.modality)
                .insert_opt(0x02, self.sub_command.map(BioEnrollmentSubCommand::value))
                .insert_opt(0x03, self.sub_command_params.as_ref().map(ToCbor::to_cbor))
                .insert_opt(0x04, self.pin_uv_auth_protocol)
                .insert_opt(0x05, self.pin_uv_auth_param.clone())
                .insert_opt(0x06, self.get_modality)
                .build(),
        )
    }

    fn from_params(params: Option<&Value>) -> Result<Self, DecodeError> {
        let f = Fields::new(require_params(params, "bioEnrollment parameters")?, "bioEnrollment")?;
        Ok(Self {
            modality: f.optional(0x01, "bioEnrollment.modality")?,
            sub_command: f.optional(0x02, "bioEnrollment.subCommand")?,
            sub_command_params: f.optional(0x03, "bioEnrollment.subCommandParams")?,
            pin_uv_auth_protocol: f.optional(0x04, "bioEnrollment.pinUvAuthProtocol")?,
            pin_uv_auth_param: f.optional(0x05, "bioEnrollment.pinUvAuthParam")?,
            get_modality: f.optional(0x06, "bioEnrollment.getModality")?,
        })
    }
}

/// One enrolled template (member 0x07 templateInfos).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    /// 0x01 templateId.
    pub template_id: Vec<u8>,
    /// 0x02 templateFriendlyName.
    pub template_friendly_name: Option<String>,
}

impl ToCbor for TemplateInfo {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert(0x01, self.template_id.clone())
            .insert_opt(0x02, self.template_friendly_name.as_deref())
            .build()
    }
}

impl FromCbor for TemplateInfo {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            template_id: f.required(0x01, "templateInfo.templateId")?,
            template_friendly_name: f.optional(0x02, "templateInfo.templateFriendlyName")?,
        })
    }
}

/// authenticatorBioEnrollment response (CTAP 2.1 §6.7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BioEnrollmentResponse {
    /// 0x01 modality.
    pub modality: Option<u32>,
    /// 0x02 fingerprintKind (1 touch, 2 swipe).
    pub fingerprint_kind: Option<u32>,
    /// 0x03 maxCaptureSamplesRequiredForEnroll.
    pub max_capture_samples_required_for_enroll: Option<u32>,
    /// 0x04 templateId.
    pub template_id: Option<Vec<u8>>,
    /// 0x05 lastEnrollSampleStatus.
    pub last_enroll_sample_status: Option<EnrollSampleStatus>,
    /// 0x06 remainingSamples.
    pub remaining_samples: Option<u32>,
    /// 0x07 templateInfos.
    pub template_infos: Option<Vec<TemplateInfo>>,
    /// 0x08 maxTemplateFriendlyName.
    pub max_template_friendly_name: Option<u32>,
}

impl CommandResponse for BioEnrollmentResponse {
    fn to_body(&self) -> Option<Value> {
        let map = MapBuilder::new()
            .insert_opt(0x01, self.modality)
            .insert_opt(0x02, self.fingerprint_kind)
            .insert_opt(0x03, self.max_capture_samples_required_for_enroll)
            .insert_opt(0x04, self.template_id.clone())
            .insert_opt(0x05, self.last_enroll_sample_status.map(u8::from))
            .insert_opt(0x06, self.remaining_samples)
            .insert_opt(0x07, self.template_infos.as_deref().map(array))
            .insert_opt(0x08, self.max_template_friendly_name);
        (!map.is_empty()).then(|| map.build())
    }

    fn from_body(body: Option<&Value>) -> Result<Self, DecodeError> {
        let Some(body) = body else {
            return Ok(Self::default());
        };
        let f = Fields::new(body, "bioEnrollment response")?;
        Ok(Self {
            modality: f.optional(0x01, "bioEnrollment.modality")?,
            fingerprint_kind: f.optional(0x02, "bioEnrollment.fingerprintKind")?,
            max_capture_samples_required_for_enroll: f
                .optional(0x03, "bioEnrollment.maxCaptureSamplesRequiredForEnroll")?,
            template_id: f.optional(0x04, "bioEnrollment.templateId")?,
            last_enroll_sample_status: f.optional(0x05, "bioEnrollment.lastEnrollSampleStatus")?,
            remaining_samples: f.optional(0x06, "bioEnrollment.remainingSamples")?,
            template_infos: f.optional_array(0x07, "bioEnrollment.templateInfos")?,
            max_template_friendly_name: f.optional(0x08, "bioEnrollment.maxTemplateFriendlyName")?,
        })
    }
}
