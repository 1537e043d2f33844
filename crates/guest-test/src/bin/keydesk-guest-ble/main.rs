//! The test program of the BLE guest (see the crate docs): `/init` has started two virtual
//! controllers (`btvirt -l2`), a system bus and bluetoothd. The virtual key is served as a FIDO
//! peripheral on hci0 (`keydesk-ble-peripheral`, BlueZ's GATT server API) and our host
//! (`keydesk-transport`'s btleplug shell + `keydesk-ctap-client`) drives it from hci1 over a real
//! LE link that BlueZ encrypts after pairing through our agent. One `PASS <name>` /
//! `FAIL <name>: <why>` line per test, `BENCH` lines, then `GUEST-DONE`.

mod bench;
mod ours_ble;
mod passkey;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keydesk_ble_peripheral::{BlePeripheral, PeripheralConfig};
use keydesk_guest_test::ceremonies::wait_until;
use keydesk_guest_test::report::{check, report, TestResult, DONE_MARKER};
use keydesk_transport::ble::central::{self, BleCandidate};
use keydesk_transport::ble::pairing::{self, PairingAnswer, PairingPrompt, PairingRequest};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};

/// The user at the pairing prompt: accepts (or refuses) and remembers what was asked.
#[derive(Debug, Default)]
pub struct User {
    pub refuse: AtomicBool,
    pub asked: Mutex<Vec<PairingRequest>>,
}

impl PairingPrompt for User {
    fn ask(&self, request: PairingRequest) -> PairingAnswer {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(request);
        }
        if self.refuse.load(Ordering::SeqCst) {
            PairingAnswer::Refuse
        } else {
            PairingAnswer::Accept
        }
    }
}

pub fn controllers_up() -> TestResult {
    let up = wait_until(Duration::from_secs(10), || {
        std::path::Path::new("/sys/class/bluetooth/hci0").exists() && std::path::Path::new("/sys/class/bluetooth/hci1").exists()
    });
    check(up, "btvirt did not create hci0 and hci1 within 10 s")
}

pub fn start_peripheral() -> Result<BlePeripheral, String> {
    let key = || Authenticator::new(Config { presence: PresencePolicy::ApproveAll, ..Config::default() }, KeyRng::os(), Duration::ZERO);
    let config = PeripheralConfig { adapter: Some("hci0".into()), local_name: "KeyDesk guest key".into(), ..PeripheralConfig::default() };
    // bluetoothd registers the adapters a moment after it starts.
    let started = Instant::now();
    loop {
        match BlePeripheral::start(key(), config.clone()) {
            Ok(peripheral) => return Ok(peripheral),
            Err(_) if started.elapsed() < Duration::from_secs(10) => std::thread::sleep(Duration::from_millis(200)),
            Err(error) => return Err(error.to_string()),
        }
    }
}

pub fn scan_finds(address: &str) -> Result<BleCandidate, String> {
    let started = Instant::now();
    let candidates = central::enumerate(Duration::from_millis(1500)).map_err(|e| e.to_string())?;
    let found = candidates.into_iter().find(|c| c.address.eq_ignore_ascii_case(address));
    let candidate = found.ok_or_else(|| format!("no FIDO BLE device at {address} after {:?}", started.elapsed()))?;
    check(candidate.descriptor.id.0 == format!("ble:{}", candidate.address), format!("id {}", candidate.descriptor.id))?;
    check(candidate.descriptor.product == "KeyDesk guest key", format!("name {:?}", candidate.descriptor.product))?;
    Ok(candidate)
}

fn main() {
    if std::env::var("BLE_PAIRING").as_deref() == Ok("passkey") {
        passkey::run();
        println!("{DONE_MARKER}");
        return;
    }
    report("ble_controllers_up", controllers_up());
    let peripheral = match start_peripheral() {
        Ok(peripheral) => {
            report("ble_peripheral_serves_fido_service", Ok(()));
            peripheral
        }
        Err(why) => {
            report("ble_peripheral_serves_fido_service", Err(why));
            println!("{DONE_MARKER}");
            return;
        }
    };
    let user = Arc::new(User::default());
    let _agent = match pairing::register(user.clone()) {
        Ok(agent) => agent,
        Err(why) => {
            report("ours_ble_pairing_agent", Err(why.to_string()));
            println!("{DONE_MARKER}");
            return;
        }
    };
    report("ours_ble_pairing_agent", Ok(()));
    let candidate = match scan_finds(peripheral.address()) {
        Ok(candidate) => {
            report("ours_ble_scan_finds_key", Ok(()));
            candidate
        }
        Err(why) => {
            report("ours_ble_scan_finds_key", Err(why));
            println!("{DONE_MARKER}");
            return;
        }
    };
    ours_ble::run(peripheral, &candidate, &user);
    println!("{DONE_MARKER}");
}
