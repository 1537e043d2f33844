//! Simulated fingerprint sensor (CTAP 2.1 §6.7 authenticatorBioEnrollment).
//!
//! Tests decide what the finger does: [`FingerprintSensor::queue_sample`] sets the feedback of
//! the next enrollment captures and [`FingerprintSensor::set_next_match`] the result of the next
//! verification. Without instructions samples are good and verification matches the first
//! enrolled template.

use std::collections::VecDeque;

pub use keydesk_ctap::commands::EnrollSampleStatus;
use serde::{Deserialize, Serialize};

/// Maximum number of enrolled templates.
pub const MAX_TEMPLATES: usize = 5;
/// Good samples one enrollment needs.
pub const SAMPLES_PER_ENROLLMENT: u8 = 4;
/// Longest friendly name in bytes (maxTemplateFriendlyName in getInfo).
pub const MAX_FRIENDLY_NAME_BYTES: usize = 32;
/// Maximum (and initial) uvRetries for the built-in sensor.
pub const MAX_UV_RETRIES: u8 = 8;

/// One enrolled fingerprint.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Template {
    #[serde(with = "serde_bytes")]
    pub id: Vec<u8>,
    pub friendly_name: Option<String>,
}

/// What the simulated finger does at the next verification.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum NextMatch {
    /// Match the first enrolled template (default).
    #[default]
    FirstTemplate,
    /// Match this template.
    Template(Vec<u8>),
    /// The finger matches nothing.
    NoMatch,
}

/// An enrollment in progress (volatile).
#[derive(Clone, Debug)]
struct Enrollment {
    template_id: Vec<u8>,
    remaining: u8,
}

/// Outcome of one enrollment capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    pub template_id: Vec<u8>,
    pub status: EnrollSampleStatus,
    pub remaining_samples: u8,
}

/// Errors the sensor reports to the command layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SensorError {
    /// No slot left (CTAP2_ERR_FP_DATABASE_FULL).
    DatabaseFull,
    /// enrollCaptureNextSample without a matching enrollBegin (CTAP1_ERR_INVALID_PARAMETER).
    NoEnrollment,
    /// Unknown template ID (CTAP2_ERR_INVALID_OPTION).
    UnknownTemplate,
}

/// The sensor: persistent templates plus volatile enrollment and simulation inputs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FingerprintSensor {
    templates: Vec<Template>,
    next_template_id: u8,
    #[serde(skip)]
    enrollment: Option<Enrollment>,
    #[serde(skip)]
    queued_samples: VecDeque<EnrollSampleStatus>,
    #[serde(skip)]
    next_match: NextMatch,
}

impl FingerprintSensor {
    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    pub fn is_enrolled(&self) -> bool {
        !self.templates.is_empty()
    }

    /// Test hook: the feedback of the next enrollment capture.
    pub fn queue_sample(&mut self, status: EnrollSampleStatus) {
        self.queued_samples.push_back(status);
    }

    /// Test hook: the result of the next verification.
    pub fn set_next_match(&mut self, next: NextMatch) {
        self.next_match = next;
    }

    /// enrollBegin: allocates a template ID and captures the first sample.
    pub fn begin_enrollment(&mut self) -> Result<Capture, SensorError> {
        if self.templates.len() >= MAX_TEMPLATES {
            return Err(SensorError::DatabaseFull);
        }
        let mut id_byte = self.next_template_id;
        while self.templates.iter().any(|t| t.id == [id_byte]) {
            id_byte = id_byte.wrapping_add(1);
        }
        self.next_template_id = id_byte.wrapping_add(1);
        self.enrollment = Some(Enrollment { template_id: vec![id_byte], remaining: SAMPLES_PER_ENROLLMENT });
        self.capture(&[id_byte])
    }

    /// enrollCaptureNextSample for `template_id`.
    pub fn capture(&mut self, template_id: &[u8]) -> Result<Capture, SensorError> {
        let status = self.queued_samples.pop_front().unwrap_or(EnrollSampleStatus::Good);
        let enrollment = match &mut self.enrollment {
            Some(e) if e.template_id == template_id => e,
            _ => return Err(SensorError::NoEnrollment),
        };
        if status == EnrollSampleStatus::Good {
            enrollment.remaining = enrollment.remaining.saturating_sub(1);
        }
        let capture = Capture { template_id: enrollment.template_id.clone(), status, remaining_samples: enrollment.remaining };
        if enrollment.remaining == 0 {
            self.templates.push(Template { id: enrollment.template_id.clone(), friendly_name: None });
            self.enrollment = None;
        }
        Ok(capture)
    }

    /// cancelCurrentEnrollment.
    pub fn cancel_enrollment(&mut self) {
        self.enrollment = None;
    }

    pub fn rename(&mut self, template_id: &[u8], name: String) -> Result<(), SensorError> {
        let template = self.templates.iter_mut().find(|t| t.id == template_id).ok_or(SensorError::UnknownTemplate)?;
        template.friendly_name = Some(name);
        Ok(())
    }

    pub fn remove(&mut self, template_id: &[u8]) -> Result<(), SensorError> {
        let index = self.templates.iter().position(|t| t.id == template_id).ok_or(SensorError::UnknownTemplate)?;
        self.templates.remove(index);
        Ok(())
    }

    /// Simulates a verification: the matched template's ID, or `None` for no match.
    pub fn verify(&mut self) -> Option<Vec<u8>> {
        let next = std::mem::take(&mut self.next_match);
        match next {
            NextMatch::FirstTemplate => self.templates.first().map(|t| t.id.clone()),
            NextMatch::Template(id) => self.templates.iter().find(|t| t.id == id).map(|t| t.id.clone()),
            NextMatch::NoMatch => None,
        }
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_counts_good_samples_and_reports_feedback() {
        let mut sensor = FingerprintSensor::default();
        sensor.queue_sample(EnrollSampleStatus::TooFast);
        let first = sensor.begin_enrollment().unwrap();
        assert_eq!(first.status, EnrollSampleStatus::TooFast);
        assert_eq!(first.remaining_samples, SAMPLES_PER_ENROLLMENT);
        let mut last = first.clone();
        for _ in 0..SAMPLES_PER_ENROLLMENT {
            last = sensor.capture(&first.template_id).unwrap();
        }
        assert_eq!(last.remaining_samples, 0);
        assert_eq!(sensor.templates().len(), 1);
        assert_eq!(sensor.capture(&first.template_id), Err(SensorError::NoEnrollment));
        assert_eq!(sensor.verify(), Some(first.template_id.clone()));
        sensor.set_next_match(NextMatch::NoMatch);
        assert_eq!(sensor.verify(), None);
    }

    #[test]
    fn at_most_five_templates() {
        let mut sensor = FingerprintSensor::default();
        for _ in 0..MAX_TEMPLATES {
            let first = sensor.begin_enrollment().unwrap();
            while sensor.capture(&first.template_id).is_ok() {}
        }
        assert_eq!(sensor.templates().len(), MAX_TEMPLATES);
        assert_eq!(sensor.begin_enrollment(), Err(SensorError::DatabaseFull));
    }
}
