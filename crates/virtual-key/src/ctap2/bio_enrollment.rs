//! authenticatorBioEnrollment (CTAP 2.1 §6.7) against the simulated fingerprint sensor.

use keydesk_ctap::commands::{
    BioEnrollmentRequest, BioEnrollmentResponse, BioEnrollmentSubCommand as Sub, TemplateInfo, FINGERPRINT_KIND_TOUCH,
    MODALITY_FINGERPRINT,
};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::{Permissions, RpIdRule};

use crate::authenticator::{Authenticator, CommandResult, Stop};
use crate::bio::{Capture, SensorError, MAX_FRIENDLY_NAME_BYTES, SAMPLES_PER_ENROLLMENT};

fn sensor_status(error: SensorError) -> StatusCode {
    match error {
        SensorError::DatabaseFull => StatusCode::FpDatabaseFull,
        SensorError::NoEnrollment => StatusCode::InvalidParameter,
        SensorError::UnknownTemplate => StatusCode::InvalidOption,
    }
}

fn capture_response(capture: Capture, with_template_id: bool) -> BioEnrollmentResponse {
    BioEnrollmentResponse {
        template_id: with_template_id.then_some(capture.template_id),
        last_enroll_sample_status: Some(capture.status),
        remaining_samples: Some(u32::from(capture.remaining_samples)),
        ..BioEnrollmentResponse::default()
    }
}

impl Authenticator {
    pub(crate) fn bio_enrollment(&mut self, message: &[u8]) -> CommandResult {
        if !self.config.fingerprint_sensor {
            return Err(StatusCode::InvalidCommand.into());
        }
        let request = BioEnrollmentRequest::decode(message)?;
        if request.get_modality == Some(true) {
            return Ok(BioEnrollmentResponse { modality: Some(MODALITY_FINGERPRINT), ..BioEnrollmentResponse::default() }.encode());
        }
        let sub = request.sub_command.ok_or(StatusCode::MissingParameter)?;
        if request.modality.is_some_and(|m| m != MODALITY_FINGERPRINT) {
            return Err(StatusCode::InvalidParameter.into());
        }
        if sub == Sub::GetFingerprintSensorInfo {
            return Ok(BioEnrollmentResponse {
                modality: Some(MODALITY_FINGERPRINT),
                fingerprint_kind: Some(FINGERPRINT_KIND_TOUCH),
                max_capture_samples_required_for_enroll: Some(u32::from(SAMPLES_PER_ENROLLMENT)),
                max_template_friendly_name: u32::try_from(MAX_FRIENDLY_NAME_BYTES).ok(),
                ..BioEnrollmentResponse::default()
            }
            .encode());
        }
        // Every other subcommand is authenticated except capture and cancel, which continue an
        // enrollment begun with a verified token (§6.7.3-§6.7.5 still send pinUvAuthParam; we
        // check it when present).
        let needs_auth = !matches!(sub, Sub::CancelCurrentEnrollment);
        if needs_auth || request.pin_uv_auth_param.is_some() {
            self.authorize_bio(&request)?;
        }
        let params = request.sub_command_params.clone().unwrap_or_default();
        let response = match sub {
            Sub::EnrollBegin => {
                let capture = self.state.sensor.begin_enrollment().map_err(sensor_status)?;
                if capture.remaining_samples == 0 {
                    self.mark_dirty();
                }
                capture_response(capture, true)
            }
            Sub::EnrollCaptureNextSample => {
                let template_id = params.template_id.ok_or(StatusCode::MissingParameter)?;
                let capture = self.state.sensor.capture(&template_id).map_err(sensor_status)?;
                if capture.remaining_samples == 0 {
                    self.mark_dirty();
                }
                capture_response(capture, false)
            }
            Sub::CancelCurrentEnrollment => {
                self.state.sensor.cancel_enrollment();
                BioEnrollmentResponse::default()
            }
            Sub::EnumerateEnrollments => {
                let templates = self.state.sensor.templates();
                if templates.is_empty() {
                    return Err(StatusCode::InvalidOption.into());
                }
                BioEnrollmentResponse {
                    template_infos: Some(
                        templates
                            .iter()
                            .map(|t| TemplateInfo { template_id: t.id.clone(), template_friendly_name: t.friendly_name.clone() })
                            .collect(),
                    ),
                    ..BioEnrollmentResponse::default()
                }
            }
            Sub::SetFriendlyName => {
                let template_id = params.template_id.ok_or(StatusCode::MissingParameter)?;
                let name = params.template_friendly_name.ok_or(StatusCode::MissingParameter)?;
                if name.len() > MAX_FRIENDLY_NAME_BYTES {
                    return Err(StatusCode::InvalidParameter.into());
                }
                self.state.sensor.rename(&template_id, name).map_err(sensor_status)?;
                self.mark_dirty();
                BioEnrollmentResponse::default()
            }
            Sub::RemoveEnrollment => {
                let template_id = params.template_id.ok_or(StatusCode::MissingParameter)?;
                self.state.sensor.remove(&template_id).map_err(sensor_status)?;
                self.mark_dirty();
                BioEnrollmentResponse::default()
            }
            _ => return Err(StatusCode::InvalidSubcommand.into()),
        };
        Ok(response.encode())
    }

    fn authorize_bio(&mut self, request: &BioEnrollmentRequest) -> Result<(), Stop> {
        let param = request.pin_uv_auth_param.as_deref().ok_or(StatusCode::PuatRequired)?;
        let protocol = self.pin_uv_protocol(request.pin_uv_auth_protocol)?;
        let message = request.auth_message().ok_or(StatusCode::MissingParameter)?;
        self.authorize_token(protocol, &message, param, Permissions::BIO_ENROLLMENT, RpIdRule::Ignore)
    }
}
