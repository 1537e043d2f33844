//! User interaction as events with replies (architecture: "UI requests carry their reply").
//!
//! The client never prompts on its own: whenever the key or the protocol needs the user, it
//! calls the front end's [`Interaction`] and acts on the answer. A PIN is asked for each time
//! it is needed; after a wrong PIN the next request says so and carries the retries left, and
//! the client tries again only with a PIN the front end supplies.

use keydesk_ctap::commands::EnrollSampleStatus;
use keydesk_ctap::entities::UserEntity;
use zeroize::Zeroizing;

/// A PIN as the user typed it. Not yet checked against any policy (a current PIN may predate
/// the key's rules). Zeroized on drop; Debug redacts it.
#[derive(Clone)]
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Wraps the typed text. The front end should normalize it to Unicode NFC first
    /// (CTAP 2.1 §6.5.1).
    pub fn new(pin: impl Into<String>) -> Self {
        Self(Zeroizing::new(pin.into()))
    }

    /// The PIN text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(redacted)")
    }
}

/// What the PIN (or UV) is needed for, so the front end can word the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Purpose {
    /// Creating a credential (makeCredential).
    MakeCredential,
    /// Signing in (getAssertion).
    GetAssertion,
    /// Listing, renaming or deleting stored passkeys.
    ManagePasskeys,
    /// Enrolling, renaming or deleting fingerprints.
    ManageFingerprints,
    /// Changing the key's settings.
    ChangeSettings,
    /// Writing large blobs.
    WriteLargeBlobs,
    /// Changing the PIN (the current PIN).
    ChangePin,
}

impl Purpose {
    /// What the PIN is for, in words that complete "Enter the PIN …" (shared by the CLI's
    /// prompt and the app's dialog, so both say the same).
    pub fn in_words(self) -> &'static str {
        match self {
            Self::MakeCredential => "to create a passkey",
            Self::GetAssertion => "to sign in",
            Self::ManagePasskeys => "to manage stored passkeys",
            Self::ManageFingerprints => "to manage fingerprints",
            Self::ChangeSettings => "to change the key's settings",
            Self::WriteLargeBlobs => "to write large blobs",
            Self::ChangePin => "(the current one) to change it",
        }
    }
}

/// Why this PIN request is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PinReason {
    /// The operation needs the PIN (first request).
    Required,
    /// The previous PIN was wrong (CTAP2_ERR_PIN_INVALID); one retry was used.
    WrongPin,
    /// Built-in verification (fingerprint) failed or is blocked; the PIN is the fallback.
    UvFallback,
}

/// A request for the PIN, with what the front end should show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PinRequest {
    /// What the PIN is for.
    pub purpose: Purpose,
    /// Why it is asked now.
    pub reason: PinReason,
    /// PIN retries the key has left before it blocks (getPinRetries).
    pub retries_left: Option<u32>,
    /// PINs already tried in this session (on this client).
    pub attempts_this_session: u32,
}

/// One step of a fingerprint enrollment (CTAP 2.1 §6.7.2 enrollBegin /
/// enrollCaptureNextSample).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnrollProgress {
    /// The template being enrolled (hex).
    pub template_id: String,
    /// The sensor's feedback on the last sample.
    pub last_sample: SampleStatus,
    /// Good samples still needed.
    pub remaining_samples: u32,
}

/// lastEnrollSampleStatus (CTAP 2.1 §6.7.2, "Last Enroll Sample Status" table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SampleStatus {
    /// 0x00 CTAP2_ENROLL_FEEDBACK_FP_GOOD.
    Good,
    /// 0x01.
    TooHigh,
    /// 0x02.
    TooLow,
    /// 0x03.
    TooLeft,
    /// 0x04.
    TooRight,
    /// 0x05.
    TooFast,
    /// 0x06.
    TooSlow,
    /// 0x07.
    PoorQuality,
    /// 0x08.
    TooSkewed,
    /// 0x09.
    TooShort,
    /// 0x0A.
    MergeFailure,
    /// 0x0B.
    AlreadyExists,
    /// 0x0D (0x0C is unused).
    NoUserActivity,
    /// 0x0E.
    NoUserPresenceTransition,
    /// A value the spec does not define.
    Unknown(u8),
}

/// The wire values live in keydesk-ctap ([`EnrollSampleStatus`]); this maps its variants to
/// the front end's, which also serialize and explain themselves.
impl From<EnrollSampleStatus> for SampleStatus {
    fn from(status: EnrollSampleStatus) -> Self {
        match status {
            EnrollSampleStatus::Good => Self::Good,
            EnrollSampleStatus::TooHigh => Self::TooHigh,
            EnrollSampleStatus::TooLow => Self::TooLow,
            EnrollSampleStatus::TooLeft => Self::TooLeft,
            EnrollSampleStatus::TooRight => Self::TooRight,
            EnrollSampleStatus::TooFast => Self::TooFast,
            EnrollSampleStatus::TooSlow => Self::TooSlow,
            EnrollSampleStatus::PoorQuality => Self::PoorQuality,
            EnrollSampleStatus::TooSkewed => Self::TooSkewed,
            EnrollSampleStatus::TooShort => Self::TooShort,
            EnrollSampleStatus::MergeFailure => Self::MergeFailure,
            EnrollSampleStatus::AlreadyExists => Self::AlreadyExists,
            EnrollSampleStatus::NoUserActivity => Self::NoUserActivity,
            EnrollSampleStatus::NoUserPresenceTransition => Self::NoUserPresenceTransition,
            other => Self::Unknown(u8::from(other)),
        }
    }
}

impl SampleStatus {
    /// What the user should do, in words.
    pub fn explain(self) -> &'static str {
        match self {
            Self::Good => "Good sample.",
            Self::TooHigh => "Finger too high: move it down a little.",
            Self::TooLow => "Finger too low: move it up a little.",
            Self::TooLeft => "Finger too far left: move it right a little.",
            Self::TooRight => "Finger too far right: move it left a little.",
            Self::TooFast => "Too fast: move the finger more slowly.",
            Self::TooSlow => "Too slow: move the finger a little faster.",
            Self::PoorQuality => {
                "Poor sample: clean and dry the finger and the sensor, then try again."
            }
            Self::TooSkewed => "Finger at an angle: place it straight on the sensor.",
            Self::TooShort => "Contact too short: keep the finger on the sensor a little longer.",
            Self::MergeFailure => {
                "The sample did not match the previous ones: use the same finger."
            }
            Self::AlreadyExists => "This fingerprint is already enrolled.",
            Self::NoUserActivity => "No finger detected: touch the sensor.",
            Self::NoUserPresenceTransition => "Lift the finger and place it again.",
            Self::Unknown(_) => "The sensor reported an unknown problem: try again.",
        }
    }
}

/// The front end's side of every interaction. Implementations show the event and return the
/// user's answer; the client blocks until they return, so a GUI implements the replies with a
/// channel (send the request to the UI thread, wait for the answer).
///
/// # Example: a terminal front end
///
/// ```
/// use keydesk_ctap_client::{Client, Error, Interaction, Pin, PinReason, PinRequest};
/// use keydesk_ctap::entities::UserEntity;
///
/// struct Terminal {
///     /// The PIN from the environment, used once: a wrong PIN is not sent again.
///     pin_from_env: Option<String>,
/// }
///
/// impl Interaction for Terminal {
///     fn touch_needed(&mut self) {
///         eprintln!("Touch your security key.");
///     }
///     fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
///         if request.reason == PinReason::WrongPin {
///             eprintln!("Wrong PIN ({} tries left).", request.retries_left.unwrap_or(0));
///         }
///         self.pin_from_env.take().map(Pin::new) // or prompt without echo
///     }
///     fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
///         (!users.is_empty()).then_some(0)
///     }
/// }
///
/// fn list<D: keydesk_transport::Device>(client: &mut Client<D>) -> Result<(), Error> {
///     let mut ui = Terminal { pin_from_env: std::env::var("KEYDESK_PIN").ok() };
///     let passkeys = client.list_passkeys(&mut ui)?;
///     for site in &passkeys.sites {
///         println!("{}: {} passkey(s)", site.rp_id, site.passkeys.len());
///     }
///     Ok(())
/// }
/// ```
pub trait Interaction {
    /// The key waits for a touch (keepalive STATUS_UPNEEDED); reported once per request.
    fn touch_needed(&mut self);

    /// A PIN is needed. Return `None` to stop (the operation then fails with
    /// [`crate::Error::PinRequired`], or [`crate::Error::WrongPin`] after a wrong PIN).
    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin>;

    /// Built-in verification (fingerprint) is about to be asked: "touch the sensor".
    fn uv_needed(&mut self) {}

    /// Built-in verification failed; `retries_left` is the key's UV retry counter when known.
    /// The client then tries again or falls back to the PIN.
    fn uv_failed(&mut self, retries_left: Option<u32>) {
        let _ = retries_left;
    }

    /// Several accounts matched a sign-in: return the index of the one to use, or `None` to
    /// stop. Only user IDs are guaranteed; names are present when the key verified the user.
    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize>;

    /// A fingerprint sample was taken during enrollment.
    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        let _ = progress;
    }

    /// Polled while waiting for the key; `true` cancels the operation at the transport
    /// (CTAPHID_CANCEL / NFCCTAP cancel) and between enrollment samples.
    fn cancel_requested(&mut self) -> bool {
        false
    }
}
