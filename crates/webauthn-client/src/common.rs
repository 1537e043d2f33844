//! What registration and authentication share: the ceremony deadline, the user-verification
//! requirement, the authenticator's attachment and transports, and silent credential probes.

use std::time::{Duration, Instant};

use keydesk_ctap::commands::{
    GetAssertionRequest, GetAssertionResponse, GetInfoResponse, RequestOptions,
};
use keydesk_ctap::entities::{CredentialDescriptor, UserEntity, PUBLIC_KEY};
use keydesk_ctap_client::{Client, EnrollProgress, Interaction, Pin, PinRequest, UserVerification};
use keydesk_transport::{Device, TransportKind};

use crate::error::WebAuthnError;
use crate::options::CredentialDescriptorJson;

/// The default ceremony timeout and the range an RP's `timeout` is clamped to
/// (WebAuthn L3 §15.1 recommends 5 minutes by default, at most 10).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
const MIN_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_TIMEOUT: Duration = Duration::from_secs(600);

/// The deadline of a ceremony that starts at `now` with the RP's `timeout` (milliseconds),
/// clamped to a range the user can work with (§5.1.3 step 11, §5.1.4.1 step 9).
pub fn ceremony_deadline(timeout_ms: Option<u32>, now: Instant) -> Instant {
    let wanted = timeout_ms.map_or(DEFAULT_TIMEOUT, |ms| Duration::from_millis(u64::from(ms)));
    now + wanted.clamp(MIN_TIMEOUT, MAX_TIMEOUT)
}

/// UserVerificationRequirement (§5.8.6); unknown values count as the default, preferred.
pub fn user_verification(value: Option<&str>) -> UserVerification {
    match value {
        Some("required") => UserVerification::Required,
        Some("discouraged") => UserVerification::Discouraged,
        _ => UserVerification::Preferred,
    }
}

/// AuthenticatorAttachment (§5.4.5) of a device: "platform" for the computer's own
/// authenticator, "cross-platform" for roaming keys.
pub fn attachment(transport: TransportKind) -> &'static str {
    match transport {
        TransportKind::Internal => "platform",
        _ => "cross-platform",
    }
}

/// getTransports() (§5.2.1): the key's getInfo transports and the one in use, sorted
/// lexicographically without duplicates.
pub fn transports(info: &GetInfoResponse, in_use: TransportKind) -> Vec<String> {
    let mut list: Vec<String> = info.transports.clone().unwrap_or_default();
    list.push(in_use.webauthn_name().to_owned());
    list.sort();
    list.dedup();
    list
}

/// The CTAP descriptors of the RP's list: only "public-key" entries (§5.8.3: others are
/// ignored), transports dropped (keys need only the ID and some reject unknown hints).
pub fn ctap_descriptors(list: &[CredentialDescriptorJson]) -> Vec<CredentialDescriptor> {
    list.iter()
        .filter(|d| d.cred_type == PUBLIC_KEY)
        .map(|d| CredentialDescriptor::public_key(d.id.0.clone()))
        .collect()
}

/// Wraps the front end: reports the deadline as a cancel request and remembers that it did,
/// so the ceremony can say "timed out" instead of "cancelled".
pub struct DeadlineUi<'a> {
    inner: &'a mut dyn Interaction,
    deadline: Instant,
    expired: bool,
}

impl std::fmt::Debug for DeadlineUi<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadlineUi")
            .field("deadline", &self.deadline)
            .field("expired", &self.expired)
            .finish_non_exhaustive()
    }
}

impl<'a> DeadlineUi<'a> {
    /// The front end `inner`, cancelled at `deadline`.
    pub fn new(inner: &'a mut dyn Interaction, deadline: Instant) -> Self {
        Self {
            inner,
            deadline,
            expired: false,
        }
    }

    /// Maps a cancel caused by the deadline to [`WebAuthnError::Timeout`].
    pub fn explain(&self, error: WebAuthnError) -> WebAuthnError {
        let late = self.expired || Instant::now() >= self.deadline;
        match error {
            // A PIN prompt refused at the deadline surfaces as "PIN required".
            WebAuthnError::Cancelled
            | WebAuthnError::Authenticator(keydesk_ctap_client::Error::PinRequired)
                if late =>
            {
                WebAuthnError::Timeout
            }
            other => other,
        }
    }

    /// Fails with Timeout if the deadline already passed.
    pub fn check(&mut self) -> Result<(), WebAuthnError> {
        if Instant::now() >= self.deadline {
            self.expired = true;
            return Err(WebAuthnError::Timeout);
        }
        Ok(())
    }
}

impl Interaction for DeadlineUi<'_> {
    fn touch_needed(&mut self) {
        self.inner.touch_needed();
    }

    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        if Instant::now() >= self.deadline {
            self.expired = true;
            return None;
        }
        self.inner.pin_needed(request)
    }

    fn uv_needed(&mut self) {
        self.inner.uv_needed();
    }

    fn uv_failed(&mut self, retries_left: Option<u32>) {
        self.inner.uv_failed(retries_left);
    }

    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
        self.inner.choose_credential(users)
    }

    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        self.inner.enroll_progress(progress);
    }

    fn cancel_requested(&mut self) -> bool {
        if Instant::now() >= self.deadline {
            self.expired = true;
            return true;
        }
        self.inner.cancel_requested()
    }
}

/// A front end for silent probes: no touch, no PIN, nothing to choose.
struct Quiet;

impl Interaction for Quiet {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        None
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        None
    }
}

/// Which of `list` the key holds, found without the user: getAssertion with `up=false` and
/// no PIN/UV (CTAP 2.1 §6.2 "pre-flight"), in batches of maxCredentialCountInList, IDs
/// longer than maxCredentialIdLength skipped. Credentials with credProtect level 3 stay
/// invisible to such probes.
pub fn find_held_credential<D: Device>(
    client: &mut Client<D>,
    rp_id: &str,
    client_data_hash: &[u8; 32],
    list: &[CredentialDescriptor],
) -> Result<Option<CredentialDescriptor>, WebAuthnError> {
    let info = client.ctap2_info()?.clone();
    let max_id = info
        .max_credential_id_length
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(usize::MAX);
    let max_count = info
        .max_credential_count_in_list
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(1)
        .max(1);
    let usable: Vec<CredentialDescriptor> = list
        .iter()
        .filter(|d| d.id.len() <= max_id)
        .cloned()
        .collect();
    for batch in usable.chunks(max_count) {
        let mut probe = GetAssertionRequest::new(rp_id, *client_data_hash);
        probe.allow_list = Some(batch.to_vec());
        probe.options = Some(RequestOptions {
            rk: None,
            up: Some(false),
            uv: None,
        });
        match client.send::<_, GetAssertionResponse>(&probe, &mut Quiet) {
            Ok(response) => {
                return match (response.credential, batch) {
                    (Some(found), _) => Ok(Some(found)),
                    (None, [only]) => Ok(Some(only.clone())),
                    (None, _) => Err(WebAuthnError::InvalidResponse(
                        "a probe with several credentials was answered without naming one"
                            .to_owned(),
                    )),
                };
            }
            Err(keydesk_ctap_client::Error::NoCredentials) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Ok(None)
}
