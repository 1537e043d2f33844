//! Several authenticators connected: the user picks one by touching it (CTAP 2.1 §6.9
//! authenticatorSelection sent to all at once; the first touched wins and the others are
//! cancelled), or the caller names one. The transports block, so each key's request runs
//! on its own scoped thread; the front end is only called from the caller's thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keydesk_ctap::commands::{versions, EmptyResponse, MakeCredentialRequest, SelectionRequest};
use keydesk_ctap::entities::{CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::StatusCode;
use keydesk_ctap_client::{Client, Error, Interaction, Pin, PinRequest};
use keydesk_transport::{Device, DeviceId};

use crate::authenticate::authenticate;
use crate::client_data::{CeremonyType, CollectedClientData};
use crate::common::{attachment, ctap_descriptors, find_held_credential, DeadlineUi};
use crate::error::WebAuthnError;
use crate::options::{CreationOptionsJson, RequestOptionsJson};
use crate::origin::CallerOrigin;
use crate::register::register;
use crate::response::{AuthenticationResponseJson, RegistrationResponseJson};

/// How often the caller's thread looks at the front end's cancel and the deadline.
const POLL: Duration = Duration::from_millis(20);

/// The index of the client whose device is `id`.
pub fn find_named<D: Device>(clients: &[Client<D>], id: &DeviceId) -> Option<usize> {
    clients.iter().position(|c| &c.descriptor().id == id)
}

/// The front end a key's thread sees: it cancels when told to and raises a flag when the
/// key waits for a touch.
struct Watcher<'a> {
    stop: &'a AtomicBool,
    touch: &'a AtomicBool,
}

impl Interaction for Watcher<'_> {
    fn touch_needed(&mut self) {
        self.touch.store(true, Ordering::SeqCst);
    }
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        None
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        None
    }
    fn cancel_requested(&mut self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// Waits for a touch on one key: authenticatorSelection on CTAP 2.1 keys; on older keys a
/// makeCredential with an empty pinUvAuthParam, which CTAP 2.1 §6.1 step 1 (and 2.0 keys
/// in practice) answer after a touch with PIN_NOT_SET / PIN_INVALID, creating nothing.
fn wait_for_touch<D: Device>(
    client: &mut Client<D>,
    ui: &mut dyn Interaction,
) -> Result<(), Error> {
    let info = client.ctap2_info()?.clone();
    if info.supports_version(versions::FIDO_2_1) || info.supports_version(versions::FIDO_2_1_PRE) {
        return client
            .send::<_, EmptyResponse>(&SelectionRequest, ui)
            .map(drop);
    }
    let mut probe = MakeCredentialRequest::new(
        [0; 32],
        RpEntity::new(".dummy"),
        UserEntity::new(vec![1]),
        vec![CredentialParameters::public_key(
            keydesk_ctap::cose::ALG_ES256,
        )],
    );
    probe.pin_uv_auth_param = Some(Vec::new());
    probe.pin_uv_auth_protocol = Some(1);
    match client.send::<_, keydesk_ctap::commands::MakeCredentialResponse>(&probe, ui) {
        Err(Error::Ctap(StatusCode::PinNotSet | StatusCode::PinInvalid))
        | Err(Error::PinNotSet) => Ok(()),
        Err(other) => Err(other),
        Ok(_) => Ok(()),
    }
}

/// Asks every client's key for a touch at once and returns the index of the first one
/// touched; the others are cancelled. One client is chosen without asking.
pub fn select_by_touch<D: Device>(
    clients: &mut [Client<D>],
    ui: &mut dyn Interaction,
    deadline: Instant,
) -> Result<usize, WebAuthnError> {
    match clients.len() {
        0 => return Err(WebAuthnError::NoAuthenticator(String::new())),
        1 => return Ok(0),
        _ => {}
    }
    let mut ui = DeadlineUi::new(ui, deadline);
    let stop = AtomicBool::new(false);
    let touch = AtomicBool::new(false);
    let count = clients.len();
    let outcome = std::thread::scope(|scope| {
        let (sender, results) = mpsc::channel();
        for (index, client) in clients.iter_mut().enumerate() {
            let sender = sender.clone();
            let (stop, touch) = (&stop, &touch);
            scope.spawn(move || {
                let mut watcher = Watcher { stop, touch };
                let result = wait_for_touch(client, &mut watcher);
                // The receiver outlives every sender inside the scope.
                let _ = sender.send((index, result));
            });
        }
        drop(sender);
        let mut failures: Vec<Error> = Vec::new();
        let mut touch_reported = false;
        loop {
            if !touch_reported && touch.load(Ordering::SeqCst) {
                touch_reported = true;
                ui.touch_needed();
            }
            if ui.cancel_requested() {
                stop.store(true, Ordering::SeqCst);
                return Err(ui.explain(WebAuthnError::Cancelled));
            }
            match results.recv_timeout(POLL) {
                Ok((index, Ok(()))) => {
                    stop.store(true, Ordering::SeqCst);
                    return Ok(index);
                }
                Ok((_, Err(error))) => {
                    failures.push(error);
                    if failures.len() == count {
                        return Err(match failures.pop() {
                            Some(last) => WebAuthnError::from(last),
                            None => WebAuthnError::NoAuthenticator(String::new()),
                        });
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(WebAuthnError::NoAuthenticator(
                        " (every key stopped answering)".to_owned(),
                    ))
                }
            }
        }
    });
    outcome
}

/// Registers on one of several keys: those whose attachment the RP accepts, chosen by
/// touch when more than one remains; then [`register`] on it. Returns the chosen index too.
pub fn register_on_any<D: Device>(
    clients: &mut [Client<D>],
    options: &CreationOptionsJson,
    origin: &str,
    ui: &mut dyn Interaction,
    deadline: Instant,
) -> Result<(usize, RegistrationResponseJson), WebAuthnError> {
    // Refuse a phishing origin before any key blinks.
    let caller = CallerOrigin::parse(origin)?;
    caller.rp_id(options.rp.id.as_deref())?;
    let wanted = options
        .authenticator_selection
        .as_ref()
        .and_then(|s| s.authenticator_attachment.clone())
        .filter(|a| a == "platform" || a == "cross-platform");
    let mut candidates: Vec<usize> = (0..clients.len())
        .filter(|&i| {
            let kind = attachment(clients[i].descriptor().transport);
            wanted.as_deref().is_none_or(|w| w == kind)
        })
        .collect();
    let chosen = pick(
        clients,
        &mut candidates,
        ui,
        deadline,
        "for the attachment the site wants",
    )?;
    let response = register(&mut clients[chosen], options, origin, ui, deadline)?;
    Ok((chosen, response))
}

/// Signs in with one of several keys: with allowCredentials, the keys are probed silently
/// and only those holding one of them are offered (one holding it is used without a
/// touch to choose); otherwise the user chooses by touch. Then [`authenticate`] on it.
pub fn authenticate_on_any<D: Device>(
    clients: &mut [Client<D>],
    options: &RequestOptionsJson,
    origin: &str,
    ui: &mut dyn Interaction,
    deadline: Instant,
) -> Result<(usize, AuthenticationResponseJson), WebAuthnError> {
    let caller = CallerOrigin::parse(origin)?;
    let rp_id = caller.rp_id(options.rp_id.as_deref())?;
    let allow = ctap_descriptors(&options.allow_credentials);
    let mut candidates: Vec<usize> = (0..clients.len()).collect();
    if !allow.is_empty() {
        let hash = CollectedClientData::hash(
            &CollectedClientData::new(CeremonyType::Get, &options.challenge.0, caller.serialized())
                .to_json(),
        );
        let holding: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| {
                matches!(
                    find_held_credential(&mut clients[i], &rp_id, &hash, &allow),
                    Ok(Some(_))
                )
            })
            .collect();
        if !holding.is_empty() {
            candidates = holding;
        }
    }
    let chosen = pick(clients, &mut candidates, ui, deadline, "")?;
    let response = authenticate(&mut clients[chosen], options, origin, ui, deadline)?;
    Ok((chosen, response))
}

fn pick<D: Device>(
    clients: &mut [Client<D>],
    candidates: &mut [usize],
    ui: &mut dyn Interaction,
    deadline: Instant,
    why: &str,
) -> Result<usize, WebAuthnError> {
    match candidates {
        [] => Err(WebAuthnError::NoAuthenticator(if why.is_empty() {
            String::new()
        } else {
            format!(" {why}")
        })),
        [only] => Ok(*only),
        _ => {
            // Move the candidates to the front so one slice holds them all.
            candidates.sort_unstable();
            for (slot, &index) in candidates.iter().enumerate() {
                clients.swap(slot, index);
            }
            let picked = select_by_touch(&mut clients[..candidates.len()], ui, deadline);
            // Undo the moves in reverse so indices keep meaning what the caller passed.
            for (slot, &index) in candidates.iter().enumerate().rev() {
                clients.swap(slot, index);
            }
            Ok(candidates[picked?])
        }
    }
}
