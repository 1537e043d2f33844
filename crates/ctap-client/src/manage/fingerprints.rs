//! Fingerprints: authenticatorBioEnrollment (CTAP 2.1 §6.7; the FIDO_2_1_PRE prototype
//! command 0x40 where only `userVerificationMgmtPreview` is offered).

use keydesk_ctap::commands::{
    BioEnrollmentParams, BioEnrollmentRequest, BioEnrollmentResponse,
    BioEnrollmentSubCommand as Sub, Permissions, FINGERPRINT_KIND_SWIPE,
};
use keydesk_ctap::{Command, CommandRequest, StatusCode};
use keydesk_transport::Device;
use serde::Serialize;

use crate::client::Client;
use crate::error::{Error, Feature};
use crate::interaction::{EnrollProgress, Interaction, Purpose, SampleStatus};
use crate::pin::Silent;
use crate::token::PinUvToken;

/// The fingerprint sensor (getFingerprintSensorInfo).
///
/// JSON: `{"kind": "touch" | "swipe", "samples_per_enrollment": 4, "max_name_bytes": 32}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SensorInfo {
    /// fingerprintKind.
    pub kind: SensorKind,
    /// maxCaptureSamplesRequiredForEnroll.
    pub samples_per_enrollment: Option<u32>,
    /// maxTemplateFriendlyName (bytes).
    pub max_name_bytes: Option<u32>,
}

/// fingerprintKind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    /// 1: touch sensor.
    Touch,
    /// 2: swipe sensor.
    Swipe,
}

/// One enrolled fingerprint.
///
/// JSON: `{"template_id": "hex", "name": "right thumb" | null}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fingerprint {
    /// templateId, hex.
    pub template_id: String,
    /// templateFriendlyName.
    pub name: Option<String>,
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex (template IDs as shown in [`Fingerprint`]).
pub fn from_hex(text: &str) -> Result<Vec<u8>, Error> {
    let invalid = || Error::InvalidInput(format!("{text:?} is not a hex fingerprint ID"));
    if !text.len().is_multiple_of(2) {
        return Err(invalid());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(invalid)
        })
        .collect()
}

impl<D: Device> Client<D> {
    /// The bioEnrollment command byte: 0x09 (bioEnroll option) or the prototype 0x40.
    fn bio_command(&mut self) -> Result<u8, Error> {
        let info = self.ctap2_info()?;
        if info.option("bioEnroll").is_some() {
            Ok(Command::BioEnrollment.byte())
        } else if info.option("userVerificationMgmtPreview").is_some() {
            Ok(Command::PrototypeBioEnrollment.byte())
        } else {
            Err(Error::Unsupported(Feature::Fingerprints))
        }
    }

    fn bio(
        &mut self,
        sub_command: Sub,
        params: Option<BioEnrollmentParams>,
        token: Option<&PinUvToken>,
        ui: &mut dyn Interaction,
    ) -> Result<BioEnrollmentResponse, Error> {
        let command = self.bio_command()?;
        let mut request = BioEnrollmentRequest::fingerprint(sub_command);
        request.sub_command_params = params;
        if let Some(token) = token {
            let message = request.auth_message().ok_or_else(|| {
                Error::InvalidInput("bioEnrollment request without modality".to_owned())
            })?;
            request.pin_uv_auth_protocol = Some(token.protocol_number());
            request.pin_uv_auth_param = Some(token.auth_param(&message));
        }
        let mut bytes = request.encode();
        if let Some(first) = bytes.first_mut() {
            *first = command;
        }
        self.send_encoded(&bytes, ui)
    }

    /// The sensor's kind and limits (no PIN needed).
    pub fn fingerprint_sensor(&mut self) -> Result<SensorInfo, Error> {
        let response = self.bio(Sub::GetFingerprintSensorInfo, None, None, &mut Silent)?;
        Ok(SensorInfo {
            kind: if response.fingerprint_kind == Some(FINGERPRINT_KIND_SWIPE) {
                SensorKind::Swipe
            } else {
                SensorKind::Touch
            },
            samples_per_enrollment: response.max_capture_samples_required_for_enroll,
            max_name_bytes: response.max_template_friendly_name,
        })
    }

    /// The enrolled fingerprints (enumerateEnrollments).
    pub fn list_fingerprints(
        &mut self,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<Fingerprint>, Error> {
        self.bio_command()?;
        let outcome = self.with_token(
            Permissions::BIO_ENROLLMENT,
            None,
            Purpose::ManageFingerprints,
            ui,
            |client, token, ui| client.bio(Sub::EnumerateEnrollments, None, Some(token), ui),
        );
        let response = match outcome {
            // §6.7.5: no enrollments is answered with CTAP2_ERR_INVALID_OPTION.
            Err(Error::Ctap(StatusCode::InvalidOption)) => return Ok(Vec::new()),
            other => other?,
        };
        Ok(response
            .template_infos
            .unwrap_or_default()
            .into_iter()
            .map(|t| Fingerprint {
                template_id: hex(&t.template_id),
                name: t.template_friendly_name,
            })
            .collect())
    }

    /// Enrolls a new fingerprint: enrollBegin, then enrollCaptureNextSample until no samples
    /// remain, reporting each sample's feedback to [`Interaction::enroll_progress`]. A cancel
    /// from the front end (between samples, or at the transport while a sample is awaited)
    /// sends cancelCurrentEnrollment and ends with [`Error::Cancelled`]. `name` is set with
    /// setFriendlyName afterwards; `timeout_ms` is the per-sample timeout to ask for.
    pub fn enroll_fingerprint(
        &mut self,
        name: Option<&str>,
        timeout_ms: Option<u32>,
        ui: &mut dyn Interaction,
    ) -> Result<Fingerprint, Error> {
        if self.option("clientPin")? != Some(true) {
            // §6.7.2: enrollment needs a PIN as the fallback for the sensor.
            return Err(Error::PinNotSet);
        }
        self.bio_command()?;
        let timeout = BioEnrollmentParams {
            timeout_milliseconds: timeout_ms,
            ..Default::default()
        };
        let (token, begin) = self.with_token(
            Permissions::BIO_ENROLLMENT,
            None,
            Purpose::ManageFingerprints,
            ui,
            |client, token, ui| {
                let begin = client.bio(Sub::EnrollBegin, Some(timeout.clone()), Some(token), ui)?;
                Ok((token.clone(), begin))
            },
        )?;
        self.enroll_with(&token, &begin, name, timeout_ms, ui)
    }

    fn enroll_with(
        &mut self,
        token: &PinUvToken,
        begin: &BioEnrollmentResponse,
        name: Option<&str>,
        timeout_ms: Option<u32>,
        ui: &mut dyn Interaction,
    ) -> Result<Fingerprint, Error> {
        let template_id = begin
            .template_id
            .clone()
            .ok_or_else(|| Error::InvalidResponse("enrollBegin without templateId".to_owned()))?;
        let mut remaining = report_sample(&template_id, begin, ui)?;
        let mut samples: u32 = 0;
        while remaining > 0 {
            samples += 1;
            if samples > crate::client::MAX_ITEMS {
                self.cancel_enrollment();
                return Err(Error::InvalidResponse(
                    "the key kept asking for fingerprint samples".to_owned(),
                ));
            }
            if ui.cancel_requested() {
                self.cancel_enrollment();
                return Err(Error::Cancelled);
            }
            let params = BioEnrollmentParams {
                template_id: Some(template_id.clone()),
                timeout_milliseconds: timeout_ms,
                ..Default::default()
            };
            let sample = match self.bio(Sub::EnrollCaptureNextSample, Some(params), Some(token), ui)
            {
                Ok(sample) => sample,
                Err(Error::Cancelled) => {
                    self.cancel_enrollment();
                    return Err(Error::Cancelled);
                }
                Err(other) => return Err(other),
            };
            remaining = report_sample(&template_id, &sample, ui)?;
        }
        if let Some(name) = name {
            self.rename_fingerprint_with(token, &template_id, name, ui)?;
        }
        Ok(Fingerprint {
            template_id: hex(&template_id),
            name: name.map(str::to_owned),
        })
    }

    /// cancelCurrentEnrollment; best effort (the key may already have dropped it).
    fn cancel_enrollment(&mut self) {
        let _ = self.bio(Sub::CancelCurrentEnrollment, None, None, &mut Silent);
    }

    fn rename_fingerprint_with(
        &mut self,
        token: &PinUvToken,
        template_id: &[u8],
        name: &str,
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        let params = BioEnrollmentParams {
            template_id: Some(template_id.to_vec()),
            template_friendly_name: Some(name.to_owned()),
            ..Default::default()
        };
        match self.bio(Sub::SetFriendlyName, Some(params), Some(token), ui) {
            // §6.7.6/§6.7.7: an unknown templateId is CTAP2_ERR_INVALID_OPTION (some keys say
            // INVALID_PARAMETER).
            Err(Error::Ctap(StatusCode::InvalidOption | StatusCode::InvalidParameter)) => {
                Err(Error::FingerprintNotFound)
            }
            other => other.map(drop),
        }
    }

    /// Renames an enrolled fingerprint (setFriendlyName).
    pub fn rename_fingerprint(
        &mut self,
        template_id: &[u8],
        name: &str,
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        self.bio_command()?;
        self.with_token(
            Permissions::BIO_ENROLLMENT,
            None,
            Purpose::ManageFingerprints,
            ui,
            |client, token, ui| client.rename_fingerprint_with(token, template_id, name, ui),
        )
    }

    /// Deletes an enrolled fingerprint (removeEnrollment).
    pub fn delete_fingerprint(
        &mut self,
        template_id: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        self.bio_command()?;
        let params = BioEnrollmentParams {
            template_id: Some(template_id.to_vec()),
            ..Default::default()
        };
        let outcome = self.with_token(
            Permissions::BIO_ENROLLMENT,
            None,
            Purpose::ManageFingerprints,
            ui,
            |client, token, ui| {
                client.bio(Sub::RemoveEnrollment, Some(params.clone()), Some(token), ui)
            },
        );
        match outcome {
            // §6.7.6/§6.7.7: an unknown templateId is CTAP2_ERR_INVALID_OPTION (some keys say
            // INVALID_PARAMETER).
            Err(Error::Ctap(StatusCode::InvalidOption | StatusCode::InvalidParameter)) => {
                Err(Error::FingerprintNotFound)
            }
            other => other.map(drop),
        }
    }
}

/// Reports one sample's feedback and returns the samples still needed.
fn report_sample(
    template_id: &[u8],
    response: &BioEnrollmentResponse,
    ui: &mut dyn Interaction,
) -> Result<u32, Error> {
    let remaining = response.remaining_samples.ok_or_else(|| {
        Error::InvalidResponse("enrollment answer without remainingSamples".to_owned())
    })?;
    let last_sample = response
        .last_enroll_sample_status
        .map_or(SampleStatus::Good, SampleStatus::from);
    ui.enroll_progress(&EnrollProgress {
        template_id: hex(template_id),
        last_sample,
        remaining_samples: remaining,
    });
    Ok(remaining)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(hex(&[0x01, 0xab]), "01ab");
        assert_eq!(from_hex("01ab").ok(), Some(vec![0x01, 0xab]));
        assert!(from_hex("1").is_err());
        assert!(from_hex("zz").is_err());
        assert!(from_hex("é1").is_err());
    }
}
