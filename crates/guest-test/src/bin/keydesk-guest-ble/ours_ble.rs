//! Our host over BLE: pairing (refused, then Just Works), the shared ceremony sequence of
//! [`keydesk_guest_test::ceremonies`] (getInfo, PIN, makeCredential, getAssertion, credential
//! management, cancel while the key waits for a touch), a touch completing a waiting request,
//! the benchmark, discovery, and the key vanishing mid-operation with hot-plug events.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use keydesk_ble_peripheral::BlePeripheral;
use keydesk_ctap_client::{Client, UserVerification};
use keydesk_framing::ble::ServiceRevisions;
use keydesk_guest_test::ceremonies::{key_waits_for_touch, text, Script, Ui};
use keydesk_guest_test::report::{check, report, TestResult};
use keydesk_transport::ble::central::{self, BleCandidate, BtleplugPipe};
use keydesk_transport::ble::pairing::PairingRequest;
use keydesk_transport::ble::BleLink;
use keydesk_transport::discovery::{self, HotPlugEvent, HotPlugWatch, Inventory};
use keydesk_transport::{TransportError, TransportKind};
use keydesk_virtual_key::PresencePolicy;

use crate::User;

pub const SCRIPT: Script = Script { prefix: "ours_ble", rp: "ble.guest.example" };

pub type BleClient = Client<BleLink<Traced>>;

/// The btleplug pipe, printing every fragment with a timestamp when `/init` got `BLE_TRACE=1`.
#[derive(Debug)]
pub struct Traced {
    pipe: BtleplugPipe,
    on: bool,
    started: Instant,
}

impl Traced {
    pub fn pipe(&mut self) -> &mut BtleplugPipe {
        &mut self.pipe
    }

    fn trace(&self, what: &str, bytes: &[u8]) {
        if self.on {
            let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
            println!("TRACE {:>8.1} ms {what} {} bytes [{}]", self.started.elapsed().as_secs_f64() * 1e3, bytes.len(), head.join(" "));
        }
    }
}

impl keydesk_transport::ble::GattPipe for Traced {
    fn control_point_len(&mut self) -> Result<keydesk_framing::ble::ControlPointLen, TransportError> {
        self.pipe.control_point_len()
    }

    fn write_control_point(&mut self, fragment: &[u8]) -> Result<(), TransportError> {
        self.trace("write", fragment);
        let result = self.pipe.write_control_point(fragment);
        if let Err(error) = &result {
            self.trace(&format!("write failed: {error}"), &[]);
        }
        result
    }

    fn read_status(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        let result = self.pipe.read_status(timeout);
        if let Ok(Some(value)) = &result {
            self.trace("notification", value);
        }
        result
    }
}

/// The key demands an encrypted link; the user refuses to pair: the connection fails and says
/// so plainly.
fn refused_pairing(candidate: &BleCandidate, user: &User) -> TestResult {
    user.refuse.store(true, Ordering::SeqCst);
    let result = central::open(candidate);
    user.refuse.store(false, Ordering::SeqCst);
    let asked = user.asked.lock().map(|a| a.len()).unwrap_or(0);
    check(asked > 0, "the agent was never asked: the key did not require pairing")?;
    match result {
        Ok(_) => Err("connected although pairing was refused".into()),
        Err(error) => {
            let text = error.to_string();
            check(text.contains("refused to pair"), format!("unclear error: {text}"))
        }
    }
}

fn paired_connection(candidate: &BleCandidate, user: &User) -> Result<BleLink<Traced>, String> {
    if let Ok(mut asked) = user.asked.lock() {
        asked.clear();
    }
    let started = Instant::now();
    let pipe = central::connect(&candidate.address).map_err(|e| e.to_string())?;
    let on = std::env::var_os("BLE_TRACE").is_some();
    let mut link = BleLink::new(candidate.descriptor.clone(), Traced { pipe, on, started: Instant::now() }).map_err(|e| e.to_string())?;
    let asked = user.asked.lock().map(|a| a.clone()).unwrap_or_default();
    check(!asked.is_empty(), "connected without pairing: the link is not encrypted")?;
    check(
        asked.iter().all(|r| matches!(r, PairingRequest::Confirm { .. } | PairingRequest::ConfirmPasskey { .. })),
        format!("unexpected pairing requests {asked:?}"),
    )?;
    check(link.pipe_mut().pipe().revisions().fido2(), format!("revisions {:?}", link.pipe_mut().pipe().revisions()))?;
    check(link.pipe_mut().pipe().revisions().preferred() == Some(ServiceRevisions::FIDO2), "FIDO2 not preferred")?;
    println!("BENCH ble_connect_and_pair {:.0} ms (scan result to subscribed, pairing included)", started.elapsed().as_secs_f64() * 1e3);
    Ok(link)
}

pub fn run(peripheral: BlePeripheral, candidate: &BleCandidate, user: &User) {
    report("ours_ble_refused_pairing_is_a_clear_error", refused_pairing(candidate, user));
    let link = match paired_connection(candidate, user) {
        Ok(link) => {
            report("ours_ble_pairs_just_works_and_selects_fido2", Ok(()));
            link
        }
        Err(why) => {
            report("ours_ble_pairs_just_works_and_selects_fido2", Err(why));
            return;
        }
    };
    let mut client: BleClient = Client::new(link);
    let set_presence = |policy| {
        peripheral.with_key(|key| key.set_presence_policy(policy));
    };
    let credential = SCRIPT.run(&mut client, &set_presence, &mut report);
    report("ours_ble_touch_completes_waiting_request", (|| {
        peripheral.with_key(|key| key.set_presence_policy(PresencePolicy::WaitForTouch));
        let result = std::thread::scope(|scope| {
            let ceremony = scope.spawn(|| {
                let mut ui = Ui::with_pin();
                let result = client.get_assertion(&SCRIPT.sign_in(credential.clone(), UserVerification::Preferred), &mut ui);
                (result, ui.touches)
            });
            key_waits_for_touch(|| peripheral.is_waiting_for_touch())?;
            std::thread::sleep(Duration::from_millis(300));
            peripheral.touch();
            ceremony.join().map_err(|_| "the ceremony thread panicked".to_owned())
        })?;
        peripheral.with_key(|key| key.set_presence_policy(PresencePolicy::ApproveAll));
        let (result, touches) = result;
        result.map_err(text)?;
        check(touches > 0, "no touch prompt reached the front end")
    })());
    report("bench_ble_ceremony_vs_round_trip", crate::bench::run(&mut client));
    let inventory = discovery::scan();
    let listed = inventory.devices.iter().any(|d| d.id == candidate.descriptor.id && d.transport == TransportKind::Ble);
    report("ours_ble_discovery_lists_key", check(listed, format!("{inventory:?}")));
    // Hot-plug over BLE only (the other transports have nothing here): Added while the key is
    // connected, Removed once it vanished.
    let (sender, events) = std::sync::mpsc::channel();
    let watch = HotPlugWatch::start_with(Duration::from_millis(100), sender, || {
        let mut inventory = Inventory::default();
        discovery::scan_ble(&mut inventory);
        inventory
    });
    let added = match &watch {
        Ok(_) => matches!(events.recv_timeout(Duration::from_secs(10)), Ok(HotPlugEvent::Added(d)) if d.id == candidate.descriptor.id),
        Err(_) => false,
    };
    report("ours_ble_peripheral_vanishes_mid_operation", vanish(peripheral, &mut client));
    report("ours_ble_hot_plug_added_then_removed", (|| {
        check(added, "no Added event for the key")?;
        let removed = events.recv_timeout(Duration::from_secs(10)).map_err(|e| format!("no Removed event within 10 s: {e}"))?;
        check(removed == HotPlugEvent::Removed(candidate.descriptor.id.clone()), format!("{removed:?}"))
    })());
    drop(watch);
}

/// The key disappears (its adapter powers off) while it waits for a touch: the ceremony ends
/// with `Disconnected` promptly, not after a timeout.
fn vanish(peripheral: BlePeripheral, client: &mut BleClient) -> TestResult {
    peripheral.with_key(|key| key.set_presence_policy(PresencePolicy::WaitForTouch));
    let power_off = || {
        key_waits_for_touch(|| peripheral.is_waiting_for_touch())?;
        peripheral.vanish().map_err(|e| e.to_string())
    };
    SCRIPT.removed_mid_operation(client, power_off, Duration::from_secs(5))
}
