//! The passkey-entry boot: the key's adapter can only display (DisplayOnly), the host's can only
//! type (KeyboardOnly), so BlueZ pairs with LE passkey entry. Our agent shows the user the
//! passkey on one side and asks for it on the other; the user types what was shown.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use keydesk_ctap_client::Client;
use keydesk_guest_test::report::{check, report, TestResult};
use keydesk_transport::ble::central;
use keydesk_transport::ble::pairing::{self, PairingAnswer, PairingPrompt, PairingRequest};

use crate::{controllers_up, scan_finds, start_peripheral};

/// The user: reads the passkey the key displays and types it when asked.
#[derive(Debug, Default)]
struct Typist {
    shown: Mutex<Option<u32>>,
    shown_changed: Condvar,
    asked: Mutex<Vec<PairingRequest>>,
}

impl Typist {
    /// Forgets the passkey and questions of a failed attempt.
    fn restart(&self) {
        if let Ok(mut shown) = self.shown.lock() {
            *shown = None;
        }
        if let Ok(mut asked) = self.asked.lock() {
            asked.clear();
        }
    }
}

impl PairingPrompt for Typist {
    fn ask(&self, request: PairingRequest) -> PairingAnswer {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(request.clone());
        }
        match request {
            PairingRequest::ShowPasskey { passkey, .. } => {
                if let Ok(mut shown) = self.shown.lock() {
                    *shown = Some(passkey);
                }
                self.shown_changed.notify_all();
                PairingAnswer::Accept
            }
            PairingRequest::EnterPasskey { .. } => {
                let Ok(shown) = self.shown.lock() else { return PairingAnswer::Refuse };
                match self.shown_changed.wait_timeout_while(shown, Duration::from_secs(5), |shown| shown.is_none()) {
                    Ok((shown, _)) => shown.map_or(PairingAnswer::Refuse, PairingAnswer::Passkey),
                    Err(_) => PairingAnswer::Refuse,
                }
            }
            _ => PairingAnswer::Refuse,
        }
    }
}

/// Sets a controller's SMP IO capability through the kernel's management interface.
fn io_capability(index: &str, capability: &str) -> TestResult {
    let output = std::process::Command::new("btmgmt")
        .args(["--index", index, "io-cap", capability])
        .output()
        .map_err(|e| format!("btmgmt: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    check(output.status.success() && !text.contains("failed"), format!("btmgmt --index {index} io-cap {capability}: {text}"))
}

pub fn run() {
    report("ble_controllers_up", controllers_up());
    let typist = Arc::new(Typist::default());
    let _agent = match pairing::register(typist.clone()) {
        Ok(agent) => {
            report("ours_ble_pairing_agent", Ok(()));
            agent
        }
        Err(why) => return report("ours_ble_pairing_agent", Err(why.to_string())),
    };
    let peripheral = match start_peripheral() {
        Ok(peripheral) => {
            report("ble_peripheral_serves_fido_service", Ok(()));
            peripheral
        }
        Err(why) => return report("ble_peripheral_serves_fido_service", Err(why)),
    };
    let candidate = match scan_finds(peripheral.address()) {
        Ok(candidate) => {
            report("ours_ble_scan_finds_key", Ok(()));
            candidate
        }
        Err(why) => return report("ours_ble_scan_finds_key", Err(why)),
    };
    // Only now: registering the agent, and bluetoothd bringing up each adapter (both are up once
    // the scan found the key), set the capability of every adapter from the agent's.
    report(
        "ble_io_capabilities_display_and_keyboard",
        io_capability("0", "0").and_then(|()| io_capability("1", "2")),
    );
    report("ours_ble_pairs_with_passkey_entry", (|| {
        // About one run in four, the first passkey pairing over btvirt fails with ATT error 0x0e
        // although the right digits were typed (cause not found yet); a user told "try again"
        // does so: one retry, reported on the console.
        let mut link = central::open(&candidate);
        if let Err(first) = &link {
            let asked = typist.asked.lock().map(|a| a.clone()).unwrap_or_default();
            println!("NOTE passkey pairing: first attempt failed ({first}; the user was asked {asked:?}); trying again");
            typist.restart();
            link = central::open(&candidate);
        }
        let asked = typist.asked.lock().map(|a| a.clone()).unwrap_or_default();
        let link = link.map_err(|e| format!("{e}; the user was asked {asked:?}"))?;
        check(asked.iter().any(|r| matches!(r, PairingRequest::EnterPasskey { .. })), format!("never asked for the passkey: {asked:?}"))?;
        check(asked.iter().any(|r| matches!(r, PairingRequest::ShowPasskey { .. })), format!("no passkey shown: {asked:?}"))?;
        let mut client = Client::new(link);
        let info = client.ctap2_info().map_err(|e| e.to_string())?;
        check(info.versions.iter().any(|v| v == "FIDO_2_1"), format!("versions {:?}", info.versions))
    })());
}
