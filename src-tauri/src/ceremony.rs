//! Ceremonies: long work that needs the user (touch, PIN, choices) or reports progress, told to
//! the UI over a Tauri [`Channel`] and answered or cancelled by the UI through two commands.
//!
//! ```text
//!  UI                                   Rust (worker thread)               key / library
//!  id = newCeremonyId()
//!  invoke("pin_change", {device, ceremony: id, events: channel, new_pin})
//!                                       Ceremonies::run(id, channel, work)
//!  channel <- {kind:"pin_needed", purpose, reason, retries_left}  <-- Interaction::pin_needed
//!  invoke("ceremony_answer", {ceremony: id, answer: {kind:"pin", pin}})
//!                                       the worker's recv() returns --> Some(Pin)
//!  invoke("ceremony_cancel", {ceremony: id})   (any time)
//!                                       cancel flag --> cancel_requested() --> CTAPHID_CANCEL
//!  invoke resolves with the result, or rejects with {kind, message} (kind "cancelled" after a cancel)
//! ```
//!
//! The library never retries a wrong PIN by itself: the next `pin_needed` says `wrong_pin` and
//! carries the retries left, and only a PIN the UI sends is tried. A prompt left unanswered for
//! [`PROMPT_TIMEOUT`] counts as a cancel, so a closed dialog never leaves a worker waiting.

use crate::error::{AppError, AppResult};
use crate::secret::SecretString;
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{EnrollProgress, Interaction, Pin, PinReason, PinRequest};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tauri::ipc::Channel;
use ts_rs::TS;

/// How long a prompt waits for the UI's answer before the ceremony is cancelled.
pub const PROMPT_TIMEOUT: Duration = Duration::from_secs(300);

/// What the UI is told while a ceremony runs (tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CeremonyEvent {
    /// Touch the key now (keepalive UP_NEEDED); it may blink.
    TouchNeeded,
    /// Answer with `{kind: "pin", pin}` or cancel.
    PinNeeded {
        /// What the PIN is for, in words ("to manage stored passkeys").
        purpose: String,
        /// `required`, `wrong_pin` (the last one was wrong) or `uv_fallback`.
        reason: String,
        /// Retries before the PIN blocks, when the key says.
        retries_left: Option<u32>,
    },
    /// Touch the fingerprint sensor.
    UvNeeded,
    /// The fingerprint was not recognised.
    UvFailed { retries_left: Option<u32> },
    /// Several accounts match: answer `{kind: "choice", index}` or cancel.
    ChooseAccount { accounts: Vec<AccountChoice> },
    /// Several authenticators could do this: answer `{kind: "choice", index}` or cancel.
    ChooseDevice { devices: Vec<crate::commands::devices::DeviceView> },
    /// One fingerprint sample was taken.
    FingerprintSample {
        /// The sensor's feedback, as snake_case (`good`, `too_fast`, ...).
        status: String,
        /// What the user should do next, in words.
        advice: String,
        /// Good samples still needed.
        remaining_samples: u32,
    },
    /// Progress of long work (imports): `done` of `total` items.
    Progress { done: u32, total: u32, label: String },
}

/// One account offered by `choose_account` (only what the key returned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountChoice {
    pub name: Option<String>,
    pub display_name: Option<String>,
}

/// The UI's answer to a prompt (tagged by `kind`).
#[derive(Debug, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CeremonyAnswer {
    /// The PIN typed into the prompt.
    Pin {
        #[ts(type = "string")]
        pin: SecretString,
    },
    /// The index of the chosen account or device.
    Choice { index: u32 },
    /// Stop the ceremony.
    Cancel,
}

/// One running ceremony, as the answering commands see it.
#[derive(Debug)]
struct Live {
    answers: Sender<CeremonyAnswer>,
    cancelled: Arc<AtomicBool>,
}

/// Every running ceremony by the ID the UI gave it.
#[derive(Debug, Default)]
pub struct Ceremonies {
    live: Mutex<HashMap<String, Live>>,
}

impl Ceremonies {
    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers ceremony `id` and returns the interaction its work talks through.
    /// Dropping the interaction unregisters it.
    pub fn start(self: &Arc<Self>, id: &str, events: Channel<CeremonyEvent>) -> AppResult<UiInteraction> {
        if id.is_empty() || id.len() > 100 {
            return Err(AppError::invalid_argument("a ceremony ID must have 1 to 100 characters"));
        }
        let (answers, receiver) = mpsc::channel();
        let cancelled = Arc::new(AtomicBool::new(false));
        let mut live = self.live();
        if live.contains_key(id) {
            return Err(AppError::invalid_argument(format!("ceremony {id} is already running: use a new ID")));
        }
        live.insert(id.to_owned(), Live { answers, cancelled: Arc::clone(&cancelled) });
        Ok(UiInteraction {
            id: id.to_owned(),
            events,
            answers: receiver,
            cancelled,
            registry: Arc::clone(self),
            prompt_timeout: PROMPT_TIMEOUT,
        })
    }

    /// Delivers the UI's answer to the prompt ceremony `id` waits on.
    pub fn answer(&self, id: &str, answer: CeremonyAnswer) -> AppResult<()> {
        let live = self.live();
        let ceremony = live.get(id).ok_or_else(|| unknown(id))?;
        if matches!(answer, CeremonyAnswer::Cancel) {
            ceremony.cancelled.store(true, Ordering::SeqCst);
        }
        ceremony.answers.send(answer).map_err(|_| unknown(id))
    }

    /// Cancels ceremony `id`: a waiting prompt returns at once, a key waiting for a touch is
    /// sent a cancel.
    pub fn cancel(&self, id: &str) -> AppResult<()> {
        self.answer(id, CeremonyAnswer::Cancel)
    }

    /// Runs `work` on a blocking worker thread with ceremony `id`'s interaction.
    /// Errors after a cancel are reported as `cancelled`.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        id: &str,
        events: Channel<CeremonyEvent>,
        work: impl FnOnce(&mut UiInteraction) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let mut ui = self.start(id, events)?;
        tauri::async_runtime::spawn_blocking(move || {
            let result = work(&mut ui);
            match result {
                Err(_) if ui.is_cancelled() => Err(AppError::cancelled()),
                other => other,
            }
        })
        .await
        .map_err(|e| AppError::internal(format!("the worker thread failed: {e}")))?
    }
}

fn unknown(id: &str) -> AppError {
    AppError::new("ceremony_unknown", format!("no ceremony {id} is waiting: it has already ended"))
}

/// The library's [`Interaction`], answered by the UI over the channel.
pub struct UiInteraction {
    id: String,
    events: Channel<CeremonyEvent>,
    answers: Receiver<CeremonyAnswer>,
    cancelled: Arc<AtomicBool>,
    registry: Arc<Ceremonies>,
    prompt_timeout: Duration,
}

impl std::fmt::Debug for UiInteraction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UiInteraction").field("id", &self.id).field("cancelled", &self.cancelled).finish_non_exhaustive()
    }
}

impl Drop for UiInteraction {
    fn drop(&mut self) {
        self.registry.live().remove(&self.id);
    }
}

impl UiInteraction {
    /// Tells the UI something; a closed window only means nobody listens any more.
    pub fn send(&self, event: CeremonyEvent) {
        if self.events.send(event).is_err() {
            self.cancelled.store(true, Ordering::SeqCst);
        }
    }

    /// True once the UI cancelled (or went away).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    /// Reports progress of long work (imports); returns false once cancelled.
    pub fn progress(&self, done: u32, total: u32, label: &str) -> bool {
        self.send(CeremonyEvent::Progress { done, total, label: label.to_owned() });
        !self.is_cancelled()
    }

    /// Sends a prompt and waits for the UI's answer (`None` after a cancel or timeout).
    pub fn ask(&mut self, event: CeremonyEvent) -> Option<CeremonyAnswer> {
        if self.is_cancelled() {
            return None;
        }
        // Answers are taken in order: the UI answers each prompt once, and a scripted front
        // end (tests, automation) may answer ahead of the prompt.
        self.send(event);
        match self.answers.recv_timeout(self.prompt_timeout) {
            Ok(CeremonyAnswer::Cancel) | Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                self.cancelled.store(true, Ordering::SeqCst);
                None
            }
            Ok(answer) => Some(answer),
        }
    }

    /// Asks for a choice among `count` items.
    pub fn choose(&mut self, event: CeremonyEvent, count: usize) -> Option<usize> {
        match self.ask(event)? {
            CeremonyAnswer::Choice { index } => usize::try_from(index).ok().filter(|i| *i < count),
            _ => None,
        }
    }

    #[cfg(test)]
    pub fn set_prompt_timeout(&mut self, timeout: Duration) {
        self.prompt_timeout = timeout;
    }
}

fn reason_name(reason: PinReason) -> &'static str {
    match reason {
        PinReason::Required => "required",
        PinReason::WrongPin => "wrong_pin",
        PinReason::UvFallback => "uv_fallback",
        _ => "required",
    }
}

/// The snake_case name serde gives a value (`SampleStatus::TooFast` -> `too_fast`).
fn snake_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(serde_json::Value::Object(map)) => map.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    }
}

impl Interaction for UiInteraction {
    fn touch_needed(&mut self) {
        self.send(CeremonyEvent::TouchNeeded);
    }

    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        let event = CeremonyEvent::PinNeeded {
            purpose: request.purpose.in_words().to_owned(),
            reason: reason_name(request.reason).to_owned(),
            retries_left: request.retries_left,
        };
        match self.ask(event)? {
            CeremonyAnswer::Pin { pin } => Some(pin.into_pin()),
            _ => None,
        }
    }

    fn uv_needed(&mut self) {
        self.send(CeremonyEvent::UvNeeded);
    }

    fn uv_failed(&mut self, retries_left: Option<u32>) {
        self.send(CeremonyEvent::UvFailed { retries_left });
    }

    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
        let accounts = users
            .iter()
            .map(|user| AccountChoice { name: user.name.clone(), display_name: user.display_name.clone() })
            .collect();
        self.choose(CeremonyEvent::ChooseAccount { accounts }, users.len())
    }

    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        self.send(CeremonyEvent::FingerprintSample {
            status: snake_name(&progress.last_sample),
            advice: progress.last_sample.explain().to_owned(),
            remaining_samples: progress.remaining_samples,
        });
    }

    fn cancel_requested(&mut self) -> bool {
        self.is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keydesk_ctap_client::Purpose;
    use std::sync::mpsc::channel;

    /// A channel whose events land in a std receiver (as the UI would see them, in JSON).
    fn channel_to_test() -> (Channel<CeremonyEvent>, Receiver<serde_json::Value>) {
        let (sender, receiver) = channel();
        let events = Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(json) = body {
                let _ = sender.send(serde_json::from_str(&json).unwrap_or_default());
            }
            Ok(())
        });
        (events, receiver)
    }

    fn request(reason: PinReason, retries: u32) -> PinRequest {
        PinRequest { purpose: Purpose::ManagePasskeys, reason, retries_left: Some(retries), attempts_this_session: 0 }
    }

    #[test]
    fn a_pin_prompt_carries_the_retries_and_waits_for_the_answer() {
        let ceremonies = Arc::new(Ceremonies::default());
        let (events, seen) = channel_to_test();
        let mut ui = ceremonies.start("c1", events).unwrap_or_else(|e| panic!("{e}"));
        let answering = Arc::clone(&ceremonies);
        let answerer = std::thread::spawn(move || {
            let prompt = seen.recv_timeout(Duration::from_secs(5)).unwrap_or_default();
            answering
                .answer("c1", CeremonyAnswer::Pin { pin: SecretString::from("4321") })
                .map(|()| prompt)
        });
        let pin = ui.pin_needed(&request(PinReason::WrongPin, 2));
        assert_eq!(pin.as_ref().map(Pin::as_str), Some("4321"));
        let prompt = answerer.join().unwrap_or_else(|_| panic!("answerer panicked")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            prompt,
            serde_json::json!({"kind": "pin_needed", "purpose": "to manage stored passkeys", "reason": "wrong_pin", "retries_left": 2})
        );
    }

    #[test]
    fn cancel_ends_a_waiting_prompt_and_later_polls() {
        let ceremonies = Arc::new(Ceremonies::default());
        let (events, seen) = channel_to_test();
        let mut ui = ceremonies.start("c2", events).unwrap_or_else(|e| panic!("{e}"));
        let cancelling = Arc::clone(&ceremonies);
        let canceller = std::thread::spawn(move || {
            let _prompt = seen.recv_timeout(Duration::from_secs(5));
            cancelling.cancel("c2")
        });
        assert!(ui.pin_needed(&request(PinReason::Required, 8)).is_none());
        assert!(canceller.join().is_ok_and(|r| r.is_ok()));
        assert!(ui.cancel_requested(), "the transport must be told to cancel too");
        drop(ui);
        assert_eq!(ceremonies.cancel("c2").map_err(|e| e.kind), Err("ceremony_unknown".to_owned()));
    }

    #[test]
    fn an_unanswered_prompt_times_out_as_a_cancel() {
        let ceremonies = Arc::new(Ceremonies::default());
        let (events, _seen) = channel_to_test();
        let mut ui = ceremonies.start("c3", events).unwrap_or_else(|e| panic!("{e}"));
        ui.set_prompt_timeout(Duration::from_millis(20));
        assert!(ui.pin_needed(&request(PinReason::Required, 8)).is_none());
        assert!(ui.is_cancelled());
    }

    #[test]
    fn ids_are_unique_while_running() {
        let ceremonies = Arc::new(Ceremonies::default());
        let (events, _seen) = channel_to_test();
        let _first = ceremonies.start("same", events.clone()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ceremonies.start("same", events).map(|_| ()).map_err(|e| e.kind), Err("invalid_argument".to_owned()));
    }

    #[test]
    fn a_choice_out_of_range_is_no_choice_and_answers_may_come_ahead() {
        let ceremonies = Arc::new(Ceremonies::default());
        let (events, _seen) = channel_to_test();
        let mut ui = ceremonies.start("c4", events).unwrap_or_else(|e| panic!("{e}"));
        ceremonies.answer("c4", CeremonyAnswer::Choice { index: 5 }).unwrap_or_else(|e| panic!("{e}"));
        ceremonies.answer("c4", CeremonyAnswer::Choice { index: 1 }).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ui.choose(CeremonyEvent::ChooseAccount { accounts: vec![] }, 2), None);
        assert_eq!(ui.choose(CeremonyEvent::ChooseAccount { accounts: vec![] }, 2), Some(1));
    }
}
