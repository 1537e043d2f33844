//! The shared ceremony sequence of the guest binaries, run in process against the virtual key
//! over CTAPHID (a report pipe in memory that can be unplugged), so a mistake in the sequence
//! shows up in an ordinary `cargo test` before a QEMU guest boots.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use keydesk_ctap_client::Client;
use keydesk_framing::hid::DeviceConfig;
use keydesk_guest_test::ceremonies::{key_waits_for_touch, Script};
use keydesk_guest_test::report::TestResult;
use keydesk_transport::hid::{HidLink, ReportPipe};
use keydesk_transport::{DeviceDescriptor, DeviceId, TransportError, TransportKind};
use keydesk_virtual_key::{Authenticator, Config, HidKey, KeyRng, PresencePolicy};

const SCRIPT: Script = Script { prefix: "memory", rp: "memory.example" };

/// The virtual key on the other end of the pipe, and whether it was pulled out.
#[derive(Clone)]
struct Plugged {
    key: Arc<Mutex<HidKey>>,
    unplugged: Arc<AtomicBool>,
    epoch: Instant,
}

impl Plugged {
    fn new() -> Self {
        let config = Config { presence: PresencePolicy::ApproveAll, ..Config::default() };
        let key = HidKey::new(Authenticator::new(config, KeyRng::os(), Duration::ZERO), DeviceConfig::default());
        Self { key: Arc::new(Mutex::new(key)), unplugged: Arc::new(AtomicBool::new(false)), epoch: Instant::now() }
    }

    fn key(&self) -> MutexGuard<'_, HidKey> {
        self.key.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_presence(&self, policy: PresencePolicy) {
        self.key().key_mut().set_presence_policy(policy);
    }

    fn is_waiting_for_touch(&self) -> bool {
        self.key().key().is_waiting_for_presence()
    }

    fn gone(&self) -> Result<(), TransportError> {
        if self.unplugged.load(Ordering::SeqCst) {
            Err(TransportError::Disconnected)
        } else {
            Ok(())
        }
    }
}

impl ReportPipe for Plugged {
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        self.gone()?;
        let now = self.epoch.elapsed();
        self.key()
            .handle_report(report, now)
            .map_err(|e| TransportError::Framing { transport: "CTAPHID (test pipe)", detail: e.to_string() })
    }

    fn read_report(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        let deadline = Instant::now() + timeout;
        loop {
            self.gone()?;
            let now = self.epoch.elapsed();
            let mut key = self.key();
            if key.next_timeout().is_some_and(|due| due <= now) {
                key.handle_timeout(now);
            }
            if let Some(report) = key.poll_transmit() {
                return Ok(Some(report));
            }
            drop(key);
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn client(plugged: &Plugged) -> Client<HidLink<Plugged>> {
    let descriptor = DeviceDescriptor {
        id: DeviceId("test:plugged".into()),
        transport: TransportKind::Usb,
        product: "KeyDesk virtual key".into(),
        simulated: true,
    };
    Client::new(HidLink::new(descriptor, plugged.clone()))
}

#[test]
fn the_shared_sequence_passes_every_step_against_the_virtual_key() {
    let plugged = Plugged::new();
    let mut client = client(&plugged);
    let mut verdicts: Vec<(String, TestResult)> = Vec::new();
    let credential = SCRIPT.run(&mut client, &|policy| plugged.set_presence(policy), &mut |name, result| {
        verdicts.push((name.to_owned(), result));
    });
    let names: Vec<&str> = verdicts.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "memory_get_info",
            "memory_set_pin",
            "memory_make_credential",
            "memory_get_assertion",
            "memory_list_credentials",
            "memory_cancel_during_touch"
        ]
    );
    let failed: Vec<_> = verdicts.iter().filter(|(_, result)| result.is_err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(!credential.is_empty());
    // The PIN stayed set and the credential still signs after the cancelled ceremony.
    assert_eq!(SCRIPT.get_assertion(&mut client, &credential), Ok(()));
    assert!(SCRIPT.ceremony_median(&mut client, 2).is_ok());
}

#[test]
fn a_key_unplugged_while_waiting_for_a_touch_ends_the_ceremony_with_disconnected() {
    let plugged = Plugged::new();
    let mut client = client(&plugged);
    plugged.set_presence(PresencePolicy::WaitForTouch);
    let unplug = || {
        key_waits_for_touch(|| plugged.is_waiting_for_touch())?;
        plugged.unplugged.store(true, Ordering::SeqCst);
        Ok(())
    };
    assert_eq!(SCRIPT.removed_mid_operation(&mut client, unplug, Duration::from_secs(3)), Ok(()));
}

#[test]
fn a_key_that_answers_although_it_was_unplugged_fails_the_check() {
    // The check must be able to fail: here the "removal" never happens and the user touches.
    let plugged = Plugged::new();
    let mut client = client(&plugged);
    plugged.set_presence(PresencePolicy::WaitForTouch);
    let touch_instead = || {
        key_waits_for_touch(|| plugged.is_waiting_for_touch())?;
        let now = plugged.epoch.elapsed();
        plugged.key().touch(now);
        Ok(())
    };
    let verdict = SCRIPT.removed_mid_operation(&mut client, touch_instead, Duration::from_secs(3));
    assert!(verdict.as_ref().is_err_and(|why| why.starts_with("expected Transport(Disconnected)")), "{verdict:?}");
}
