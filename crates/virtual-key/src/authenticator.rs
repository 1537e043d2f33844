//! The authenticator engine: request bytes and the current time in, response bytes out.
//!
//! ```text
//!  owner (tests, CTAPHID / ISO 7816 / BLE adapters)
//!    │ handle(request, now) ──▶ Reply::Response(bytes)
//!    │                     └─▶ Reply::WaitingForUserPresence ── keepalive_status() = UpNeeded
//!    │ touch(now) / deny(now) / cancel(now) / poll(now) ──▶ Some(response bytes)
//!    │ power_cycle(now)
//! ```
//!
//! User presence is sans-IO: a command that needs a touch under
//! [`PresencePolicy::WaitForTouch`] stops before changing any state and is re-run from its
//! request bytes once the owner reports the touch. Commands therefore collect presence before
//! their first state change.

use std::path::Path;
use std::time::Duration;

use keydesk_ctap::command::Command;
use keydesk_ctap::message::encode_error_response;
use keydesk_ctap::{DecodeError, StatusCode};
use keydesk_ctap_crypto::{KeyAgreementKeyPair, TokenState};
use keydesk_framing::KeepaliveStatus;

use crate::bio::FingerprintSensor;
use crate::config::{Config, PresencePolicy};
use crate::credential_id::CredentialIdCipher;
use crate::persist::{AtomicFile, StateFileError};
use crate::rng::KeyRng;
use crate::state::PersistentState;

/// What [`Authenticator::handle`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The complete CTAP response: status byte, then CBOR if any.
    Response(Vec<u8>),
    /// The request waits for user presence: call `touch`, `deny`, `cancel` or `poll`.
    WaitingForUserPresence,
}

/// Why a command stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Answer with this status.
    Status(StatusCode),
    /// Wait for a touch, then re-run the request. `regardless` is the answer to give whatever
    /// the user does (deny or timeout), for steps that say so.
    NeedPresence { regardless: Option<StatusCode> },
}

impl From<StatusCode> for Stop {
    fn from(status: StatusCode) -> Self {
        Stop::Status(status)
    }
}

impl From<DecodeError> for Stop {
    fn from(error: DecodeError) -> Self {
        Stop::Status(error.status_code())
    }
}

pub(crate) type CommandResult = Result<Vec<u8>, Stop>;

#[derive(Debug)]
struct Pending {
    request: Vec<u8>,
    received_at: Duration,
    regardless: Option<StatusCode>,
}

/// State of the power-up session: lost at every power cycle.
#[derive(Debug)]
pub(crate) struct Session {
    pub key_agreement: KeyAgreementKeyPair,
    pub token: TokenState,
    pub powered_up_at: Duration,
    pub assertions: Option<crate::ctap2::get_assertion::AssertionBatch>,
    pub enumeration: Option<crate::ctap2::credential_management::Enumeration>,
}

/// A software CTAP 2.1 authenticator.
#[derive(Debug)]
pub struct Authenticator {
    pub(crate) config: Config,
    pub(crate) rng: KeyRng,
    pub(crate) state: PersistentState,
    pub(crate) cipher: CredentialIdCipher,
    pub(crate) session: Session,
    /// The time of the request being processed.
    pub(crate) now: Duration,
    /// The owner's answer to a presence request while re-running a request.
    presence_answer: Option<bool>,
    pending: Option<Pending>,
    /// A touch with no CTAP2 request waiting: consumed by the next U2F request needing presence.
    pub(crate) u2f_touch_latched: bool,
    file: Option<AtomicFile>,
    dirty: bool,
    last_save_error: Option<String>,
}

impl Authenticator {
    /// A factory-fresh key kept only in memory, powered up at `now`.
    pub fn new(config: Config, mut rng: KeyRng, now: Duration) -> Self {
        let state = PersistentState::new(&mut rng);
        Self::with_state(config, rng, state, now)
    }

    /// A key restored from state file bytes (see [`Authenticator::state_file_bytes`]).
    pub fn from_state_file_bytes(config: Config, rng: KeyRng, bytes: &[u8], now: Duration) -> Result<Self, StateFileError> {
        let state = PersistentState::from_file_bytes(bytes)?;
        Ok(Self::with_state(config, rng, state, now))
    }

    /// A key backed by the state file at `path`: loaded when it exists, created (and saved)
    /// otherwise; every later state change is saved atomically before the response is returned.
    pub fn open(config: Config, mut rng: KeyRng, path: impl AsRef<Path>, now: Duration) -> Result<Self, StateFileError> {
        let file = AtomicFile::new(path.as_ref());
        let (state, fresh) = match file.read()? {
            Some(bytes) => (PersistentState::from_file_bytes(&bytes)?, false),
            None => (PersistentState::new(&mut rng), true),
        };
        let mut key = Self::with_state(config, rng, state, now);
        key.file = Some(file);
        if fresh {
            key.save().map_err(|source| StateFileError::Io { path: path.as_ref().to_path_buf(), source })?;
        }
        Ok(key)
    }

    fn with_state(config: Config, mut rng: KeyRng, state: PersistentState, now: Duration) -> Self {
        let cipher = CredentialIdCipher::new(&state.master_secret);
        let session = Session {
            key_agreement: KeyAgreementKeyPair::generate(&mut rng),
            token: TokenState::new(&mut rng, config.token_limits),
            powered_up_at: now,
            assertions: None,
            enumeration: None,
        };
        Self {
            config,
            rng,
            state,
            cipher,
            session,
            now,
            presence_answer: None,
            pending: None,
            u2f_touch_latched: false,
            file: None,
            dirty: false,
            last_save_error: None,
        }
    }

    /// The configuration this key was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes how presence requests are answered (tests switch policies mid-scenario).
    pub fn set_presence_policy(&mut self, policy: PresencePolicy) {
        self.config.presence = policy;
    }

    /// The simulated fingerprint sensor (tests queue sample feedback and match results).
    pub fn sensor_mut(&mut self) -> &mut FingerprintSensor {
        &mut self.state.sensor
    }

    /// The complete persistent state as state file bytes.
    pub fn state_file_bytes(&self) -> Vec<u8> {
        self.state.to_file_bytes()
    }

    /// The error of the last failed save, if the last save failed.
    pub fn last_save_error(&self) -> Option<&str> {
        self.last_save_error.as_deref()
    }

    /// Number of discoverable credentials stored.
    pub fn discoverable_credential_count(&self) -> usize {
        self.state.resident.len()
    }

    /// pinRetries left.
    pub fn pin_retries(&self) -> u8 {
        self.state.pin.retries()
    }

    /// Processes one CTAP request (command byte then CBOR). A request still waiting for
    /// presence is abandoned.
    pub fn handle(&mut self, request: &[u8], now: Duration) -> Reply {
        self.pending = None;
        self.presence_answer = None;
        self.run(request, now)
    }

    /// The user touched the key: completes the waiting request. With none waiting, the touch
    /// is remembered for the next U2F request (U2F hosts poll until the user touches).
    pub fn touch(&mut self, _now: Duration) -> Option<Vec<u8>> {
        let Some(pending) = self.pending.take() else {
            self.u2f_touch_latched = true;
            return None;
        };
        self.presence_answer = Some(true);
        // Re-run as of the original request time, so the reset window and token timers judge
        // the request, not the touch.
        let reply = self.run(&pending.request, pending.received_at);
        self.presence_answer = None;
        match reply {
            Reply::Response(bytes) => Some(bytes),
            Reply::WaitingForUserPresence => {
                // Re-running with presence granted never waits again; answer rather than hang.
                self.pending = None;
                Some(encode_error_response(StatusCode::Other))
            }
        }
    }

    /// The user refused (CTAP2_ERR_OPERATION_DENIED).
    pub fn deny(&mut self, _now: Duration) -> Option<Vec<u8>> {
        let pending = self.pending.take()?;
        Some(encode_error_response(pending.regardless.unwrap_or(StatusCode::OperationDenied)))
    }

    /// The host cancelled (CTAPHID_CANCEL, NFC cancel): CTAP2_ERR_KEEPALIVE_CANCEL.
    pub fn cancel(&mut self, _now: Duration) -> Option<Vec<u8>> {
        self.pending.take()?;
        self.state.sensor.cancel_enrollment();
        Some(encode_error_response(StatusCode::KeepaliveCancel))
    }

    /// Applies the presence timeout: CTAP2_ERR_USER_ACTION_TIMEOUT once it has passed.
    pub fn poll(&mut self, now: Duration) -> Option<Vec<u8>> {
        let pending = self.pending.as_ref()?;
        if now.saturating_sub(pending.received_at) < self.config.user_presence_timeout {
            return None;
        }
        let regardless = self.pending.take().and_then(|p| p.regardless);
        Some(encode_error_response(regardless.unwrap_or(StatusCode::UserActionTimeout)))
    }

    /// When [`Authenticator::poll`] next has something to do.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.pending.as_ref().map(|p| p.received_at.saturating_add(self.config.user_presence_timeout))
    }

    /// What a keepalive should report now: `UpNeeded` while waiting for a touch.
    pub fn keepalive_status(&self) -> Option<KeepaliveStatus> {
        self.pending.as_ref().map(|_| KeepaliveStatus::UpNeeded)
    }

    /// Whether a request waits for presence.
    pub fn is_waiting_for_presence(&self) -> bool {
        self.pending.is_some()
    }

    /// Simulated power cycle (unplug and replug, or a new NFC field): clears the PIN
    /// mismatch block, regenerates the key agreement key and pinUvAuthToken
    /// (CTAP 2.1 §6.5.5.1 initialize()), drops pending and continuation state, and restarts
    /// the reset window.
    pub fn power_cycle(&mut self, now: Duration) {
        self.pending = None;
        self.state.pin.power_cycle();
        self.state.sensor.cancel_enrollment();
        self.session = Session {
            key_agreement: KeyAgreementKeyPair::generate(&mut self.rng),
            token: TokenState::new(&mut self.rng, self.config.token_limits),
            powered_up_at: now,
            assertions: None,
            enumeration: None,
        };
    }

    fn run(&mut self, request: &[u8], now: Duration) -> Reply {
        self.now = now;
        self.session.token.observe(now);
        match self.dispatch(request) {
            Ok(response) => Reply::Response(self.finish(response)),
            Err(Stop::Status(status)) => Reply::Response(self.finish(encode_error_response(status))),
            Err(Stop::NeedPresence { regardless }) => {
                self.pending = Some(Pending { request: request.to_vec(), received_at: now, regardless });
                Reply::WaitingForUserPresence
            }
        }
    }

    /// Saves changed state before the response leaves: a response never reports a change that
    /// a crash could still lose.
    fn finish(&mut self, response: Vec<u8>) -> Vec<u8> {
        if !self.dirty {
            return response;
        }
        match self.save() {
            Ok(()) => response,
            Err(_) => encode_error_response(StatusCode::Other),
        }
    }

    /// Saves pending changes for responses produced outside `run` (U2F); false when the save
    /// failed.
    pub(crate) fn save_changes(&mut self) -> bool {
        !self.dirty || self.save().is_ok()
    }

    fn save(&mut self) -> std::io::Result<()> {
        self.dirty = false;
        let Some(file) = &self.file else { return Ok(()) };
        let bytes = zeroize::Zeroizing::new(self.state.to_file_bytes());
        let result = file.write(&bytes);
        self.last_save_error = result.as_ref().err().map(ToString::to_string);
        result
    }

    /// Records that persistent state changed.
    pub(crate) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    fn dispatch(&mut self, request: &[u8]) -> CommandResult {
        let Some(&command_byte) = request.first() else {
            return Err(StatusCode::InvalidLength.into());
        };
        let command = Command::from_byte(command_byte).ok_or(StatusCode::InvalidCommand)?;
        if command != Command::GetNextAssertion {
            self.session.assertions = None;
        }
        if !matches!(command, Command::CredentialManagement | Command::PrototypeCredentialManagement) {
            self.session.enumeration = None;
        }
        match command {
            Command::GetInfo => self.get_info(request),
            Command::MakeCredential => self.make_credential(request),
            Command::GetAssertion => self.get_assertion(request),
            Command::GetNextAssertion => self.get_next_assertion(request),
            Command::ClientPin => self.client_pin(request),
            Command::Reset => self.reset(request),
            Command::Selection => self.selection(request),
            Command::CredentialManagement | Command::PrototypeCredentialManagement => self.credential_management(request),
            Command::BioEnrollment | Command::PrototypeBioEnrollment => self.bio_enrollment(request),
            Command::LargeBlobs => self.large_blobs(request),
            Command::Config => self.authenticator_config(request),
            _ => Err(StatusCode::InvalidCommand.into()),
        }
    }

    /// Collects user presence: granted, refused (CTAP2_ERR_OPERATION_DENIED), or
    /// (WaitForTouch) stop and wait.
    pub(crate) fn collect_presence(&mut self) -> Result<(), Stop> {
        match (self.presence_answer, self.config.presence) {
            (Some(true), _) | (None, PresencePolicy::ApproveAll) => Ok(()),
            (Some(false), _) | (None, PresencePolicy::DenyAll) => Err(StatusCode::OperationDenied.into()),
            (None, PresencePolicy::WaitForTouch) => Err(Stop::NeedPresence { regardless: None }),
        }
    }

    /// Waits for presence, then answers `status` whether the user touched, refused or let it
    /// time out (makeCredential's excludeList step, CTAP 2.1 §6.1.2 step 12).
    pub(crate) fn collect_presence_then_answer(&mut self, status: StatusCode) -> Stop {
        match (self.presence_answer, self.config.presence) {
            (None, PresencePolicy::WaitForTouch) => Stop::NeedPresence { regardless: Some(status) },
            _ => Stop::Status(status),
        }
    }
}
