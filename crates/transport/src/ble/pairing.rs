//! Pairing with BLE security keys. FIDO requires an encrypted link (CTAP 2.1 §11.4.1), so a key
//! answers the host's first read with "insufficient authentication" and BlueZ pairs. BlueZ asks
//! a registered agent how: this module registers one (through `bluer`) that turns each request
//! into a question for the user, so a front end can guide them through Just Works (confirm) or
//! passkey entry (type the 6 digits the key shows or came with). A refusal makes the pairing,
//! and so the connection, fail with a clear error from [`super::central::connect`].

use std::sync::Arc;

use bluer::agent::{Agent, AgentHandle, ReqError};
use futures::FutureExt;

use crate::TransportError;

/// A pairing step the user must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PairingRequest {
    /// Just Works: nothing to compare; the user only agrees to pair with `device`.
    Confirm { device: String },
    /// Numeric comparison: the key and the host show the same 6 digits.
    ConfirmPasskey { device: String, passkey: u32 },
    /// Passkey entry: the user types the 6-digit passkey the key shows.
    EnterPasskey { device: String },
    /// This side shows a passkey for the other side to type (shown to the user).
    ShowPasskey { device: String, passkey: u32 },
}

/// The user's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairingAnswer {
    /// Pair (Confirm, ConfirmPasskey, ShowPasskey).
    Accept,
    /// The passkey typed by the user (EnterPasskey).
    Passkey(u32),
    /// Do not pair.
    Refuse,
}

/// Asks the user. Called on a blocking thread of the BLE runtime: it may wait for the user
/// (BlueZ cancels the pairing after its own timeout).
pub trait PairingPrompt: Send + Sync + 'static {
    fn ask(&self, request: PairingRequest) -> PairingAnswer;
}

/// Asks on a blocking thread, so that a waiting user holds up no other Bluetooth traffic (the
/// other side of a passkey entry may need to be shown its passkey meanwhile).
async fn ask(prompt: Arc<dyn PairingPrompt>, request: PairingRequest) -> PairingAnswer {
    tokio::task::spawn_blocking(move || prompt.ask(request)).await.unwrap_or(PairingAnswer::Refuse)
}

/// A registered BlueZ pairing agent; unregistered when dropped.
pub struct PairingAgent {
    handle: Option<AgentHandle>,
    _session: bluer::Session,
}

impl std::fmt::Debug for PairingAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairingAgent").finish_non_exhaustive()
    }
}

impl Drop for PairingAgent {
    fn drop(&mut self) {
        if let Ok(runtime) = super::central::runtime() {
            // Unregistering runs on the runtime.
            let _guard = runtime.enter();
            self.handle.take();
        }
    }
}

fn accepted(answer: PairingAnswer) -> Result<(), ReqError> {
    match answer {
        PairingAnswer::Accept => Ok(()),
        PairingAnswer::Passkey(_) | PairingAnswer::Refuse => Err(ReqError::Rejected),
    }
}

/// Registers `prompt` as BlueZ's default agent (keyboard and display: BlueZ picks Just Works,
/// numeric comparison or passkey entry from what the key can do).
pub fn register(prompt: Arc<dyn PairingPrompt>) -> Result<PairingAgent, TransportError> {
    let failed = |e: bluer::Error| TransportError::Other(format!("registering the Bluetooth pairing agent with BlueZ: {e}"));
    let runtime = super::central::runtime()?;
    runtime.block_on(async {
        let session = bluer::Session::new().await.map_err(failed)?;
        let (confirm, passkey, show, compare) = (prompt.clone(), prompt.clone(), prompt.clone(), prompt);
        let agent = Agent {
            request_default: true,
            request_authorization: Some(Box::new(move |request| {
                let question = PairingRequest::Confirm { device: request.device.to_string() };
                ask(Arc::clone(&confirm), question).map(accepted).boxed()
            })),
            request_confirmation: Some(Box::new(move |request| {
                let question = PairingRequest::ConfirmPasskey { device: request.device.to_string(), passkey: request.passkey };
                ask(Arc::clone(&compare), question).map(accepted).boxed()
            })),
            request_passkey: Some(Box::new(move |request| {
                let question = PairingRequest::EnterPasskey { device: request.device.to_string() };
                ask(Arc::clone(&passkey), question)
                    .map(|answer| match answer {
                        PairingAnswer::Passkey(value) if value <= 999_999 => Ok(value),
                        _ => Err(ReqError::Rejected),
                    })
                    .boxed()
            })),
            display_passkey: Some(Box::new(move |request| {
                let question = PairingRequest::ShowPasskey { device: request.device.to_string(), passkey: request.passkey };
                ask(Arc::clone(&show), question).map(|_| Ok(())).boxed()
            })),
            ..Agent::default()
        };
        let handle = session.register_agent(agent).await.map_err(failed)?;
        Ok(PairingAgent { handle: Some(handle), _session: session })
    })
}
