//! Key management (issue 3) end to end through the operating system: the virtual key is a
//! contactless card on vsmartcard's vpcd reader inside the real pcscd, and our key manager
//! (`keydesk_ctap_client::Client`) reaches it through libpcsclite, our ISO 7816 framing and
//! CTAP, as it would reach a key on a USB NFC reader. Every capability is driven this way,
//! with its failure paths: PIN status/set/change, passkeys (list, rename, delete, capacity
//! full), fingerprints (progress per sample, rename, delete, cancel mid-enrollment, UV falling
//! back to the PIN), settings, large blobs, and wrong PINs down to the power-cycle block and
//! to blocked. A power cycle is the card lifted off the reader and put back.
//!
//! Outcomes are checked on the key itself where it exposes them (credential count, PIN
//! retries, enrolled templates), not only through the client's own answers.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_ctap::commands::EnrollSampleStatus;
use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap::extensions::{CredProtect, MakeCredentialExtensions};
use keydesk_ctap_client::manage::{base64url, from_hex, CredProtectLevel, MinPinLengthChange};
use keydesk_ctap_client::{
    Client, EnrollProgress, PersistentToken, Error, Interaction, MakeCredentialArgs, Pin, PinReason, PinRequest, Purpose, SampleStatus,
};
use keydesk_testkit::Pcscd;
use keydesk_transport::discovery::{self, scan};
use keydesk_transport::{Device, DeviceId, TransportError};
use keydesk_virtual_key::bio::NextMatch;
use keydesk_virtual_key::{Authenticator, Config, KeyRng};
use keydesk_vpcd::{CardServer, VirtualKeyCard};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const READER: &str = "nfc:Virtual PCD 00 00";
const PIN: &str = "4821";

/// pcscd, and the virtual key on the vpcd reader, for one test.
struct Bench {
    card: Arc<Mutex<VirtualKeyCard>>,
    server: CardServer,
    _pcscd: Pcscd,
}

impl Bench {
    fn start(config: Config) -> Self {
        let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
        let key = Authenticator::new(config, KeyRng::os(), Duration::ZERO);
        let card = Arc::new(Mutex::new(VirtualKeyCard::new(key)));
        let server = CardServer::start(pcscd.vpcd_address(), Arc::clone(&card)).expect("card server");
        let bench = Self { card, server, _pcscd: pcscd };
        bench.wait_until_listed();
        bench
    }

    /// A key with a PIN, set through pcscd.
    fn with_pin(config: Config) -> (Self, Client<Box<dyn Device>>) {
        let bench = Self::start(config);
        let mut client = bench.client();
        client.set_pin(&Pin::new(PIN)).expect("set PIN");
        (bench, client)
    }

    /// Waits until discovery (pcscd's view) lists the virtual key.
    fn wait_until_listed(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !scan().devices.iter().any(|d| d.id.0 == READER) {
            assert!(Instant::now() < deadline, "the virtual key was not listed in time: {:?}", scan());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn client(&self) -> Client<Box<dyn Device>> {
        Client::new(discovery::open(&DeviceId(READER.into())).expect("open the NFC key"))
    }

    /// Runs `f` on the key's engine (its own view of its state).
    fn key<R>(&self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
        f(self.card.lock().unwrap().key_mut())
    }

    /// Lifts the card off the reader and puts it back (a power cycle); the old client's card
    /// handle is gone with it, so it is consumed and a new client returned.
    fn power_cycle(&self, client: Client<Box<dyn Device>>) -> Client<Box<dyn Device>> {
        drop(client);
        self.server.remove();
        keydesk_vpcd::wait_for_card(keydesk_vpcd::VPCD_READER, false, Duration::from_secs(5)).expect("pcscd sees the reader empty");
        self.server.insert();
        self.wait_until_listed();
        self.client()
    }
}

/// A front end that answers PIN requests from a queue and records everything it was told.
#[derive(Default)]
struct Ui {
    pins: VecDeque<&'static str>,
    pin_requests: Vec<PinRequest>,
    uv_needed: usize,
    uv_failures: Vec<Option<u32>>,
    progress: Vec<EnrollProgress>,
    /// Runs before each built-in UV attempt (the finger on the sensor).
    on_uv: Option<Box<dyn FnMut(usize)>>,
    /// Cancel once this many enrollment samples were reported.
    cancel_after_samples: Option<usize>,
}

impl Ui {
    fn pins(pins: &[&'static str]) -> Self {
        Self { pins: pins.iter().copied().collect(), ..Self::default() }
    }
}

impl Interaction for Ui {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        self.pin_requests.push(request.clone());
        self.pins.pop_front().map(Pin::new)
    }
    fn uv_needed(&mut self) {
        self.uv_needed += 1;
        if let Some(finger) = self.on_uv.as_mut() {
            finger(self.uv_needed);
        }
    }
    fn uv_failed(&mut self, retries_left: Option<u32>) {
        self.uv_failures.push(retries_left);
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        self.progress.push(progress.clone());
    }
    fn cancel_requested(&mut self) -> bool {
        self.cancel_after_samples.is_some_and(|n| self.progress.len() >= n)
    }
}

/// Registers a discoverable credential (one PIN prompt); returns its credential ID.
fn register(
    client: &mut Client<Box<dyn Device>>,
    rp: &str,
    user: &str,
    extensions: Option<MakeCredentialExtensions>,
) -> Result<Vec<u8>, Error> {
    let mut args = MakeCredentialArgs::new([0x11; 32], RpEntity::new(rp), UserEntity::new(user.as_bytes().to_vec()));
    args.user.name = Some(format!("{user}@{rp}"));
    args.user.display_name = Some(user.to_uppercase());
    args.resident_key = true;
    args.extensions = extensions;
    let made = client.make_credential(&args, &mut Ui::pins(&[PIN]))?;
    Ok(made.authenticator_data()?.attested_credential.expect("attested credential").credential_id)
}

#[test]
fn pin_status_set_and_change_through_pcscd() {
    let bench = Bench::start(Config::default());
    let mut client = bench.client();
    let fresh = client.pin_status().unwrap();
    assert!(fresh.pin_supported && !fresh.pin_set);
    assert_eq!((fresh.pin_retries, fresh.min_pin_length), (None, 4));
    assert!(fresh.uv_supported, "the virtual key has a fingerprint sensor");

    // Too short for the key's minimum: refused before anything is sent, no PIN set.
    assert!(matches!(client.set_pin(&Pin::new("123")), Err(Error::PinTooShort { code_points: 3, min: 4 })));
    assert!(!client.pin_status().unwrap().pin_set);
    client.set_pin(&Pin::new(PIN)).unwrap();
    let status = client.pin_status().unwrap();
    assert!(status.pin_set && !status.power_cycle_required && !status.force_pin_change);
    assert_eq!(status.pin_retries, Some(8));
    assert!(matches!(client.set_pin(&Pin::new("9999")), Err(Error::PinAlreadySet)));

    // Change: a wrong current PIN first (one retry spent, the user is told), then the right one.
    let mut ui = Ui::pins(&["0000", PIN]);
    client.change_pin(&Pin::new("135790"), &mut ui).unwrap();
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!((ui.pin_requests[0].purpose, ui.pin_requests[0].reason), (Purpose::ChangePin, PinReason::Required));
    assert_eq!((ui.pin_requests[1].reason, ui.pin_requests[1].retries_left), (PinReason::WrongPin, Some(7)));
    assert_eq!(bench.key(|k| k.pin_retries()), 8, "the right PIN restored the retries");

    // The old PIN no longer works, the new one does.
    let error = client.list_passkeys(&mut Ui::pins(&[PIN])).unwrap_err();
    assert!(matches!(error, Error::WrongPin { retries_left: 7 }), "{error:?}");
    client.list_passkeys(&mut Ui::pins(&["135790"])).unwrap();
    assert_eq!(bench.key(|k| k.pin_retries()), 8);
}

#[test]
fn passkeys_listed_renamed_and_deleted_with_capacity_through_pcscd() {
    let (bench, mut client) = Bench::with_pin(Config { resident_capacity: 5, ..Config::default() });
    let alice = register(
        &mut client,
        "example.com",
        "alice",
        Some(MakeCredentialExtensions {
            cred_protect: Some(CredProtect::UserVerificationRequired),
            large_blob_key: Some(true),
            ..Default::default()
        }),
    )
    .unwrap();
    let bob = register(&mut client, "example.com", "bob", None).unwrap();
    let carol = register(&mut client, "other.example", "carol", None).unwrap();
    assert_eq!(bench.key(|k| k.discoverable_credential_count()), 3);

    let mut ui = Ui::pins(&[PIN]);
    let list = client.list_passkeys(&mut ui).unwrap();
    assert_eq!((list.capacity.existing, list.capacity.remaining), (3, 2));
    assert_eq!(list.sites.len(), 2);
    let example = list.sites.iter().find(|s| s.rp_id == "example.com").expect("example.com");
    assert_eq!(example.passkeys.len(), 2);
    let alice_entry = example.passkeys.iter().find(|p| p.credential_id == base64url(&alice)).expect("alice");
    assert_eq!(alice_entry.user_id, base64url(b"alice"));
    assert_eq!(alice_entry.user_name.as_deref(), Some("alice@example.com"));
    assert_eq!(alice_entry.display_name.as_deref(), Some("ALICE"));
    assert_eq!(alice_entry.cred_protect, Some(CredProtectLevel::UvRequired));
    assert!(alice_entry.large_blob_key);
    let bob_entry = example.passkeys.iter().find(|p| p.credential_id == base64url(&bob)).expect("bob");
    assert_eq!(bob_entry.cred_protect, Some(CredProtectLevel::UvOptional));
    assert!(!bob_entry.large_blob_key);
    let other = list.sites.iter().find(|s| s.rp_id == "other.example").expect("other.example");
    assert_eq!(other.passkeys[0].credential_id, base64url(&carol));

    // Rename (the cm token is reused: one PIN for the whole session).
    client.update_passkey_user(&bob, Some("robert@example.com"), Some("Robert"), &mut ui).unwrap();
    client.update_passkey_user(&carol, None, Some(""), &mut ui).unwrap();
    let renamed = client.list_passkeys(&mut ui).unwrap();
    let passkeys: Vec<_> = renamed.sites.iter().flat_map(|s| &s.passkeys).collect();
    let bob_now = passkeys.iter().find(|p| p.credential_id == base64url(&bob)).expect("bob");
    assert_eq!((bob_now.user_name.as_deref(), bob_now.display_name.as_deref()), (Some("robert@example.com"), Some("Robert")));
    assert_eq!(bob_now.user_id, base64url(b"bob"), "renaming keeps the user handle");
    let carol_now = passkeys.iter().find(|p| p.credential_id == base64url(&carol)).expect("carol");
    assert_eq!((carol_now.user_name.as_deref(), carol_now.display_name.as_deref()), (Some("carol@other.example"), None));

    // Delete; a second delete and a rename of the deleted passkey are "not found".
    client.delete_passkey(&alice, &mut ui).unwrap();
    assert!(matches!(client.delete_passkey(&alice, &mut ui), Err(Error::PasskeyNotFound)));
    assert!(matches!(client.update_passkey_user(&alice, Some("x"), None, &mut ui), Err(Error::PasskeyNotFound)));
    let capacity = client.passkey_capacity(&mut ui).unwrap();
    assert_eq!((capacity.existing, capacity.remaining), (2, 3));
    assert_eq!(bench.key(|k| k.discoverable_credential_count()), 2);
    assert_eq!(ui.pin_requests.len(), 1);
}

#[test]
fn a_full_key_is_explained_and_deleting_makes_room_through_pcscd() {
    let (bench, mut client) = Bench::with_pin(Config { resident_capacity: 2, ..Config::default() });
    register(&mut client, "example.com", "alice", None).unwrap();
    let bob = register(&mut client, "example.com", "bob", None).unwrap();
    let mut ui = Ui::pins(&[PIN]);
    let capacity = client.passkey_capacity(&mut ui).unwrap();
    assert_eq!((capacity.existing, capacity.remaining), (2, 0));

    let error = register(&mut client, "example.com", "carol", None).unwrap_err();
    assert!(matches!(error, Error::KeyStoreFull), "{error:?}");
    assert!(error.to_string().contains("delete a passkey"), "the message says what to do: {error}");
    assert_eq!(bench.key(|k| k.discoverable_credential_count()), 2, "nothing was stored");

    // makeCredential used up the session's token: the PIN is asked again to delete.
    client.delete_passkey(&bob, &mut Ui::pins(&[PIN])).unwrap();
    register(&mut client, "example.com", "carol", None).unwrap();
    assert_eq!(bench.key(|k| k.discoverable_credential_count()), 2);
}

#[test]
fn fingerprints_enroll_with_progress_rename_delete_and_cancel_through_pcscd() {
    let (bench, mut client) = Bench::with_pin(Config::default());
    let sensor = client.fingerprint_sensor().unwrap();
    assert_eq!(sensor.samples_per_enrollment, Some(4));
    assert!(client.list_fingerprints(&mut Ui::pins(&[PIN])).unwrap().is_empty());

    // The sensor's feedback on each sample reaches the front end: two bad samples, four good.
    bench.key(|k| {
        k.sensor_mut().queue_sample(EnrollSampleStatus::TooHigh);
        k.sensor_mut().queue_sample(EnrollSampleStatus::PoorQuality);
    });
    let mut ui = Ui::default();
    let print = client.enroll_fingerprint(Some("left thumb"), Some(5000), &mut ui).unwrap();
    let feedback: Vec<(SampleStatus, u32)> = ui.progress.iter().map(|p| (p.last_sample, p.remaining_samples)).collect();
    assert_eq!(
        feedback,
        [
            (SampleStatus::TooHigh, 4),
            (SampleStatus::PoorQuality, 4),
            (SampleStatus::Good, 3),
            (SampleStatus::Good, 2),
            (SampleStatus::Good, 1),
            (SampleStatus::Good, 0),
        ]
    );
    assert!(ui.progress.iter().all(|p| p.template_id == print.template_id));
    let id = from_hex(&print.template_id).unwrap();
    let templates = bench.key(|k| k.sensor_mut().templates().to_vec());
    assert_eq!(templates.len(), 1);
    assert_eq!((templates[0].id.clone(), templates[0].friendly_name.as_deref()), (id.clone(), Some("left thumb")));

    assert_eq!(client.list_fingerprints(&mut ui).unwrap(), vec![print.clone()]);
    client.rename_fingerprint(&id, "right thumb", &mut ui).unwrap();
    assert_eq!(bench.key(|k| k.sensor_mut().templates()[0].friendly_name.clone()).as_deref(), Some("right thumb"));
    assert_eq!(client.list_fingerprints(&mut ui).unwrap()[0].name.as_deref(), Some("right thumb"));
    client.delete_fingerprint(&id, &mut ui).unwrap();
    assert!(bench.key(|k| k.sensor_mut().templates().is_empty()));
    assert!(client.list_fingerprints(&mut ui).unwrap().is_empty());
    assert!(matches!(client.delete_fingerprint(&id, &mut ui), Err(Error::FingerprintNotFound)));
    assert!(matches!(client.rename_fingerprint(&id, "x", &mut ui), Err(Error::FingerprintNotFound)));
    assert!(ui.pin_requests.is_empty(), "the PIN of the first listing covered the session");

    // Cancelled after two samples: nothing enrolled, and the key dropped the enrollment
    // (cancelCurrentEnrollment reached it: its next capture for that template is refused).
    let mut ui = Ui { cancel_after_samples: Some(2), ..Ui::default() };
    let error = client.enroll_fingerprint(Some("never"), None, &mut ui).unwrap_err();
    assert!(matches!(error, Error::Cancelled), "{error:?}");
    assert_eq!(ui.progress.len(), 2);
    let cancelled = from_hex(&ui.progress[0].template_id).unwrap();
    bench.key(|k| {
        assert!(k.sensor_mut().templates().is_empty());
        assert!(k.sensor_mut().capture(&cancelled).is_err(), "the enrollment is still open on the key");
    });

    // The card lifted off the reader after two samples: a clear disconnect.
    let mut ui = Ui::default();
    let mut lifting = LiftingUi { inner: &mut ui, server: &bench.server, after_samples: 2 };
    let error = client.enroll_fingerprint(None, None, &mut lifting).unwrap_err();
    assert!(matches!(error, Error::Transport(TransportError::Disconnected)), "{error:?}");
    assert_eq!(ui.progress.len(), 2);
    drop(client);
    bench.server.insert();
    bench.wait_until_listed();
    assert!(bench.key(|k| k.sensor_mut().templates().is_empty()), "a half enrollment is not a fingerprint");
    let mut client = bench.client();
    assert!(client.list_fingerprints(&mut Ui::pins(&[PIN])).unwrap().is_empty());
}

/// Wraps a front end and lifts the card off the reader once `after_samples` samples were
/// reported (as a user pulling the key away mid-enrollment).
struct LiftingUi<'a> {
    inner: &'a mut Ui,
    server: &'a CardServer,
    after_samples: usize,
}

impl Interaction for LiftingUi<'_> {
    fn touch_needed(&mut self) {
        self.inner.touch_needed();
    }
    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        self.inner.pin_needed(request)
    }
    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
        self.inner.choose_credential(users)
    }
    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        self.inner.enroll_progress(progress);
        if self.inner.progress.len() == self.after_samples {
            self.server.remove();
            keydesk_vpcd::wait_for_card(keydesk_vpcd::VPCD_READER, false, Duration::from_secs(5)).expect("pcscd sees the reader empty");
        }
    }
}

#[test]
fn failed_fingerprints_fall_back_to_the_pin_through_pcscd() {
    let (bench, mut client) = Bench::with_pin(Config::default());
    client.enroll_fingerprint(Some("thumb"), None, &mut Ui::pins(&[PIN])).unwrap();

    // A fresh session: the finger matches, so no PIN is asked.
    let mut client = bench.power_cycle(client);
    let mut ui = Ui::default();
    client.list_passkeys(&mut ui).unwrap();
    assert_eq!(ui.uv_needed, 1);
    assert!(ui.pin_requests.is_empty() && ui.uv_failures.is_empty());

    // The finger matches nothing at every attempt: each failure is reported with the key's
    // UV retries, then the PIN is asked as the fallback (preferredPlatformUvAttempts = 3).
    client.forget_token();
    let card = Arc::clone(&bench.card);
    let mut ui = Ui {
        pins: VecDeque::from([PIN]),
        on_uv: Some(Box::new(move |_| card.lock().unwrap().key_mut().sensor_mut().set_next_match(NextMatch::NoMatch))),
        ..Ui::default()
    };
    client.list_passkeys(&mut ui).unwrap();
    assert_eq!(ui.uv_failures, [Some(7), Some(6), Some(5)]);
    assert_eq!(ui.pin_requests.len(), 1);
    assert_eq!(ui.pin_requests[0].reason, PinReason::UvFallback);
    // The correct PIN restored the key's UV retries (CTAP 2.1 §6.5.5.7.2).
    assert_eq!(client.pin_status().unwrap().uv_retries, Some(8));

    // One miss, then a match: no PIN.
    client.forget_token();
    let card = Arc::clone(&bench.card);
    let mut ui = Ui {
        on_uv: Some(Box::new(move |attempt| {
            if attempt == 1 {
                card.lock().unwrap().key_mut().sensor_mut().set_next_match(NextMatch::NoMatch);
            }
        })),
        ..Ui::default()
    };
    client.list_passkeys(&mut ui).unwrap();
    assert_eq!((ui.uv_needed, ui.uv_failures.len()), (2, 1));
    assert!(ui.pin_requests.is_empty());

    // A finger that never matches and a user who gives no PIN: the UV retries run down to
    // zero (built-in UV blocked), and the PIN is then the only way in; it unblocks UV.
    let mut failures = Vec::new();
    for _ in 0..3 {
        client.forget_token();
        let card = Arc::clone(&bench.card);
        let mut ui = Ui {
            on_uv: Some(Box::new(move |_| card.lock().unwrap().key_mut().sensor_mut().set_next_match(NextMatch::NoMatch))),
            ..Ui::default()
        };
        let error = client.list_passkeys(&mut ui).unwrap_err();
        assert!(matches!(error, Error::PinRequired), "{error:?}");
        assert_eq!(ui.pin_requests.last().map(|r| r.reason), Some(PinReason::UvFallback));
        failures.extend(ui.uv_failures);
    }
    assert_eq!(failures, [Some(7), Some(6), Some(5), Some(4), Some(3), Some(2), Some(1), Some(0)]);
    assert_eq!(client.pin_status().unwrap().uv_retries, Some(0));
    client.forget_token();
    let mut ui = Ui::pins(&[PIN]);
    client.list_passkeys(&mut ui).unwrap();
    assert_eq!(ui.uv_failures, [Some(0)], "the blocked sensor is reported, not retried");
    assert_eq!(ui.pin_requests[0].reason, PinReason::UvFallback);
    assert_eq!(client.pin_status().unwrap().uv_retries, Some(8), "the PIN unblocked built-in UV");
}

#[test]
fn settings_always_uv_min_pin_length_force_change_and_enterprise_attestation_through_pcscd() {
    let (_bench, mut client) = Bench::with_pin(Config::default());
    let before = client.settings().unwrap();
    assert!(before.configurable && before.min_pin_length_settable);
    assert_eq!((before.always_uv, before.enterprise_attestation, before.min_pin_length), (Some(false), Some(false), 4));

    let mut ui = Ui::pins(&[PIN]);
    client.set_always_uv(true, &mut ui).unwrap();
    // settings() reads getInfo afresh from the key.
    assert_eq!(client.settings().unwrap().always_uv, Some(true));
    client.set_always_uv(false, &mut ui).unwrap();
    assert_eq!(client.settings().unwrap().always_uv, Some(false));

    // Force a PIN change: the key refuses PIN use until the PIN changes.
    client.force_pin_change(&mut ui).unwrap();
    assert!(client.pin_status().unwrap().force_pin_change);
    client.forget_token();
    let error = client.list_passkeys(&mut Ui::pins(&[PIN])).unwrap_err();
    assert!(matches!(error, Error::PinChangeRequired), "{error:?}");
    client.change_pin(&Pin::new("135790"), &mut Ui::pins(&[PIN])).unwrap();
    assert!(!client.pin_status().unwrap().force_pin_change);
    let pin = "135790";

    // Minimum PIN length 6 (the 6-digit PIN still meets it), readable by example.com only,
    // through the minPinLength extension.
    let mut ui = Ui::pins(&[pin]);
    let change = MinPinLengthChange { new_min_length: Some(6), rp_ids: vec!["example.com".into()], force_change_pin: false };
    client.set_min_pin_length(&change, &mut ui).unwrap();
    let settings = client.settings().unwrap();
    assert_eq!((settings.min_pin_length, settings.force_pin_change), (6, false));
    let lower = MinPinLengthChange { new_min_length: Some(5), ..MinPinLengthChange::default() };
    assert!(matches!(client.set_min_pin_length(&lower, &mut ui), Err(Error::InvalidInput(_))));
    assert!(matches!(client.change_pin(&Pin::new("13579"), &mut ui), Err(Error::PinTooShort { min: 6, .. })));
    let mut args = MakeCredentialArgs::new([0x11; 32], RpEntity::new("example.com"), UserEntity::new(b"dora".to_vec()));
    args.extensions = Some(MakeCredentialExtensions { min_pin_length: Some(true), ..Default::default() });
    let made = client.make_credential(&args, &mut Ui::pins(&[pin])).unwrap();
    let outputs = made.authenticator_data().unwrap().extensions.expect("extension outputs");
    assert_eq!(outputs.min_pin_length, Some(6), "the key tells the allowed RP the minimum");
    args.rp = RpEntity::new("other.example");
    let made = client.make_credential(&args, &mut Ui::pins(&[pin])).unwrap();
    let outputs = made.authenticator_data().unwrap().extensions.unwrap_or_default();
    assert_eq!(outputs.min_pin_length, None, "other RPs are not told");

    // Enterprise attestation: enabled, then granted to the configured enterprise RP.
    client.enable_enterprise_attestation(&mut Ui::pins(&[pin])).unwrap();
    assert_eq!(client.settings().unwrap().enterprise_attestation, Some(true));
    let mut args =
        MakeCredentialArgs::new([0x11; 32], RpEntity::new("enterprise.example"), UserEntity::new(b"erin".to_vec()));
    args.enterprise_attestation = Some(1);
    let made = client.make_credential(&args, &mut Ui::pins(&[pin])).unwrap();
    assert_eq!(made.ep_att, Some(true), "enterprise attestation returned");

    // A minimum above the current PIN's length forces a change by itself (CTAP 2.1 §6.11.4).
    let change = MinPinLengthChange { new_min_length: Some(7), ..MinPinLengthChange::default() };
    client.set_min_pin_length(&change, &mut Ui::pins(&[pin])).unwrap();
    assert!(client.pin_status().unwrap().force_pin_change);
}

#[test]
fn large_blobs_written_read_and_deleted_through_pcscd() {
    // A small maxMsgSize so the array travels in several largeBlobs fragments.
    let (bench, client) = Bench::with_pin(Config { max_msg_size: 1024, ..Config::default() });
    let mut client = client;
    let with_key = Some(MakeCredentialExtensions { large_blob_key: Some(true), ..Default::default() });
    let alice = register(&mut client, "example.com", "alice", with_key.clone()).unwrap();
    let bob = register(&mut client, "example.com", "bob", with_key).unwrap();
    let plain = register(&mut client, "example.com", "carol", None).unwrap();
    let empty = client.large_blob_info().unwrap();
    assert_eq!((empty.entries, empty.valid), (0, true));

    let certificate = incompressible(2500);
    let mut ui = Ui::pins(&[PIN]);
    client.write_large_blob(&alice, &certificate, &mut ui).unwrap();
    client.write_large_blob(&bob, b"bob's note", &mut ui).unwrap();
    let info = client.large_blob_info().unwrap();
    assert_eq!(info.entries, 2);
    assert!(info.size > 2500 && info.valid, "{info:?}");

    // After a power cycle, a new client (new session, new token) reads what the first wrote.
    let mut client = bench.power_cycle(client);
    let mut ui = Ui::pins(&[PIN, PIN]);
    assert_eq!(client.read_large_blob(&alice, &mut ui).unwrap().map(|d| d.to_vec()), Some(certificate));
    assert_eq!(client.read_large_blob(&bob, &mut ui).unwrap().map(|d| d.to_vec()), Some(b"bob's note".to_vec()));
    assert_eq!(ui.pin_requests.len(), 1, "reading needs the cm permission only");
    // Writing needs cm and lbw: one more PIN, then the passkey without a large-blob key is refused.
    assert!(matches!(client.write_large_blob(&plain, b"x", &mut ui), Err(Error::InvalidInput(_))));
    assert_eq!(ui.pin_requests.len(), 2);

    assert!(client.delete_large_blob(&alice, &mut ui).unwrap());
    assert!(!client.delete_large_blob(&alice, &mut ui).unwrap(), "nothing left to delete");
    assert_eq!(client.read_large_blob(&alice, &mut ui).unwrap(), None);
    assert_eq!(client.large_blob_info().unwrap().entries, 1);
    assert_eq!(client.read_large_blob(&bob, &mut ui).unwrap().map(|d| d.to_vec()), Some(b"bob's note".to_vec()));
    let error = client.write_large_blob(&bob, &incompressible(8000), &mut ui).unwrap_err();
    assert!(matches!(error, Error::LargeBlobStorageFull), "{error:?}");
}

/// Bytes DEFLATE cannot shrink (large blobs are compressed before encryption).
fn incompressible(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn wrong_pins_down_to_the_power_cycle_block_and_to_blocked_through_pcscd() {
    let (bench, client) = Bench::with_pin(Config::default());
    let mut client = client;

    // Three wrong PINs in a row: the key wants a power cycle; the client does not even ask
    // for a fourth.
    let mut ui = Ui::pins(&["0000", "0001", "0002", "0003"]);
    let error = client.list_passkeys(&mut ui).unwrap_err();
    assert!(matches!(error, Error::PinAuthBlocked), "{error:?}");
    assert!(error.to_string().contains("reinsert"), "{error}");
    assert_eq!(ui.pins.len(), 1, "the fourth PIN was not asked for");
    let retries: Vec<_> = ui.pin_requests.iter().map(|r| r.retries_left).collect();
    assert_eq!(retries, [Some(8), Some(7), Some(6)]);
    assert_eq!(bench.key(|k| k.pin_retries()), 5);
    let status = client.pin_status().unwrap();
    assert!(status.power_cycle_required);
    assert_eq!(status.pin_retries, Some(5));
    // Even the right PIN is refused until the card is lifted and tapped again.
    assert!(matches!(client.list_passkeys(&mut Ui::pins(&[PIN])), Err(Error::PinAuthBlocked)));
    assert_eq!(bench.key(|k| k.pin_retries()), 5, "the right PIN was not even sent");

    let mut client = bench.power_cycle(client);
    assert!(!client.pin_status().unwrap().power_cycle_required, "the power cycle lifted the block");
    let error = client.list_passkeys(&mut Ui::pins(&["1000", "1001", "1002"])).unwrap_err();
    assert!(matches!(error, Error::PinAuthBlocked), "{error:?}");
    assert_eq!(bench.key(|k| k.pin_retries()), 2);

    let mut client = bench.power_cycle(client);
    let mut ui = Ui::pins(&["2000", "2001"]);
    let error = client.list_passkeys(&mut ui).unwrap_err();
    assert!(matches!(error, Error::PinBlocked), "{error:?}");
    assert!(error.to_string().contains("reset the key"), "{error}");
    assert_eq!(ui.pin_requests[1].retries_left, Some(1), "the last try was announced");
    assert_eq!(bench.key(|k| k.pin_retries()), 0);

    // Blocked survives a power cycle and is reported before any PIN is asked.
    let mut client = bench.power_cycle(client);
    assert_eq!(client.pin_status().unwrap().pin_retries, Some(0));
    let mut ui = Ui::pins(&[PIN]);
    assert!(matches!(client.list_passkeys(&mut ui), Err(Error::PinBlocked)));
    assert!(ui.pin_requests.is_empty());
}

#[test]
fn the_persistent_read_only_token_lists_without_the_pin_after_a_power_cycle_through_pcscd() {
    let (bench, mut client) = Bench::with_pin(Config::default());
    register(&mut client, "example.com", "alice", None).unwrap();
    let stored = client.persistent_token(&mut Ui::pins(&[PIN])).unwrap().to_bytes();

    // Later (the card tapped again, a new client): listing asks for nothing.
    let mut client = bench.power_cycle(client);
    let token = PersistentToken::from_bytes(&stored).unwrap();
    let list = client.list_passkeys_read_only(&token).unwrap();
    assert_eq!(list.sites.len(), 1);
    assert_eq!(list.sites[0].passkeys[0].user_name.as_deref(), Some("alice@example.com"));
    assert_eq!(list.capacity.existing, 1);

    // A PIN change invalidates it, with an explained error.
    client.change_pin(&Pin::new("135790"), &mut Ui::pins(&[PIN])).unwrap();
    let error = client.list_passkeys_read_only(&token).unwrap_err();
    assert!(matches!(error, Error::PersistentTokenRejected), "{error:?}");
}
