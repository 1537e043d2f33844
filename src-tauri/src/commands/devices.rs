//! Keys screen: every authenticator live, with friendly names and the problems hiding others.

use crate::error::{AppError, AppResult};
use crate::registry::Registry;
use crate::state::AppState;
use keydesk_transport::discovery::Problem;
use keydesk_transport::DeviceDescriptor;
use serde::Serialize;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

/// One authenticator as the Keys screen lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceView {
    /// Stable ID (`usb:...`, `nfc:READER`, `virtual:simulated`): what other commands take.
    pub id: String,
    /// `usb`, `nfc`, `ble` or `internal`.
    pub transport: String,
    /// The product name the device reports ("" when none).
    pub product: String,
    /// The name the user gave it, else a readable default.
    pub name: String,
    /// True for a software key presented for development: show it as simulated.
    pub simulated: bool,
}

/// Something that hides an authenticator, with its fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ProblemView {
    /// `pcscd_not_running`, `no_hidraw_permission`, `reader_without_fido_card`, `scan_failed`.
    pub kind: String,
    /// What is wrong and the fix, in words.
    pub message: String,
}

/// The whole list, sent again on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
    pub problems: Vec<ProblemView>,
}

fn default_name(device: &DeviceDescriptor) -> String {
    let transport = match device.transport.webauthn_name() {
        "usb" => "USB",
        "nfc" => "NFC",
        "ble" => "Bluetooth",
        _ => "built-in",
    };
    if device.product.is_empty() {
        format!("{transport} security key")
    } else {
        device.product.clone()
    }
}

pub(crate) fn problem_view(problem: &Problem) -> ProblemView {
    let kind = match problem {
        Problem::PcscdNotRunning => "pcscd_not_running",
        Problem::NoHidrawPermission { .. } => "no_hidraw_permission",
        Problem::ReaderWithoutFidoCard { .. } => "reader_without_fido_card",
        _ => "scan_failed",
    };
    ProblemView { kind: kind.to_owned(), message: problem.to_string() }
}

/// The device list now.
pub(crate) fn current(registry: &Registry) -> DeviceList {
    let inventory = registry.scan();
    let devices = inventory
        .devices
        .iter()
        .map(|device| DeviceView {
            id: device.id.0.clone(),
            transport: device.transport.webauthn_name().to_owned(),
            product: device.product.clone(),
            name: registry.friendly_name(&device.id.0).unwrap_or_else(|| default_name(device)),
            simulated: device.simulated,
        })
        .collect();
    DeviceList { devices, problems: inventory.problems.iter().map(problem_view).collect() }
}

/// Every authenticator and problem now.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_devices(state: State<'_, AppState>) -> AppResult<DeviceList> {
    let registry = state.registry.clone();
    tauri::async_runtime::spawn_blocking(move || current(&registry))
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}

/// How often the watch rescans (hidraw from sysfs, PC/SC reader states).
const WATCH_INTERVAL: Duration = Duration::from_millis(1000);

/// Rescans every `interval` while `wanted()`, and calls `send` with the list first and then
/// on every change (a key plugged, removed, renamed; a problem appearing or fixed). Stops when
/// `send` returns false (the window went away).
pub(crate) fn watch(registry: &Registry, wanted: impl Fn() -> bool, interval: Duration, mut send: impl FnMut(DeviceList) -> bool) {
    let mut last: Option<DeviceList> = None;
    while wanted() {
        let now = current(registry);
        if last.as_ref() != Some(&now) {
            if !send(now.clone()) {
                return;
            }
            last = Some(now);
        }
        std::thread::sleep(interval);
    }
}

/// Sends the device list now and again whenever it changes (hot-plug), until the UI goes away
/// or calls `watch_devices` again (a reload): one watch runs at a time.
#[tauri::command(rename_all = "snake_case")]
pub fn watch_devices(state: State<'_, AppState>, events: Channel<DeviceList>) -> AppResult<()> {
    let registry = state.registry.clone();
    let generation = state.watch_generation.fetch_add(1, Ordering::SeqCst) + 1;
    let current_generation = state.watch_generation.clone();
    std::thread::Builder::new()
        .name("device-watch".into())
        .spawn(move || {
            watch(
                &registry,
                || current_generation.load(Ordering::SeqCst) == generation,
                WATCH_INTERVAL,
                |list| events.send(list).is_ok(),
            );
        })
        .map(|_| ())
        .map_err(|e| AppError::internal(format!("could not start watching devices: {e}")))
}

/// Gives device `device` a friendly name (empty: back to the default) and returns the list.
#[tauri::command(rename_all = "snake_case")]
pub fn rename_device(state: State<'_, AppState>, device: String, name: String) -> AppResult<DeviceList> {
    state.registry.rename(&device, &name)?;
    Ok(current(&state.registry))
}

/// This module's TypeScript bindings.
pub(crate) const BINDINGS: &[crate::bindings::Declare] = &[
    crate::bindings::declare::<DeviceView>,
    crate::bindings::declare::<ProblemView>,
    crate::bindings::declare::<DeviceList>,
];

#[cfg(test)]
mod tests {
    use super::*;
    use keydesk_transport::discovery::Inventory;
    use keydesk_transport::{DeviceId, TransportKind};
    use std::sync::{Arc, Mutex};

    fn descriptor(id: &str, transport: TransportKind, product: &str) -> DeviceDescriptor {
        DeviceDescriptor { id: DeviceId(id.to_owned()), transport, product: product.to_owned(), simulated: false }
    }

    /// A machine whose plugged devices the test changes.
    fn machine() -> (Arc<Mutex<Inventory>>, Registry) {
        let inventory = Arc::new(Mutex::new(Inventory { devices: vec![], problems: vec![] }));
        let shared = Arc::clone(&inventory);
        let scanner: crate::registry::Scanner = Arc::new(move || shared.lock().map(|i| i.clone()).unwrap_or_else(|e| e.into_inner().clone()));
        (inventory, Registry::with_scanner(None, scanner))
    }

    fn ids(list: &DeviceList) -> Vec<(String, String, String)> {
        list.devices.iter().map(|d| (d.id.clone(), d.transport.clone(), d.name.clone())).collect()
    }

    #[test]
    fn usb_nfc_and_this_computer_are_listed_with_readable_names() {
        let (inventory, registry) = machine();
        inventory.lock().map(|mut i| {
            i.devices = vec![
                descriptor("usb:1050:0407:1", TransportKind::Usb, "YubiKey 5 NFC"),
                descriptor("nfc:ACS ACR122U 00 00", TransportKind::Nfc, ""),
                descriptor("platform:this-computer", TransportKind::Internal, "This computer"),
            ];
        }).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ids(&current(&registry)),
            [
                ("usb:1050:0407:1".into(), "usb".into(), "YubiKey 5 NFC".into()),
                ("nfc:ACS ACR122U 00 00".into(), "nfc".into(), "NFC security key".into()),
                ("platform:this-computer".into(), "internal".into(), "This computer".into()),
            ]
        );
    }

    #[test]
    fn the_watch_sends_the_list_then_each_hot_plug_change_only() {
        let (inventory, registry) = machine();
        let registry = Arc::new(registry);
        let sent: Arc<Mutex<Vec<DeviceList>>> = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let worker = {
            let (registry, sent, stop) = (Arc::clone(&registry), Arc::clone(&sent), Arc::clone(&stop));
            std::thread::spawn(move || {
                watch(&registry, || !stop.load(Ordering::SeqCst), Duration::from_millis(5), |list| {
                    sent.lock().map(|mut s| s.push(list)).is_ok()
                })
            })
        };
        let count = || sent.lock().map(|s| s.len()).unwrap_or_default();
        let wait_for = |n: usize| {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while count() < n {
                assert!(std::time::Instant::now() < deadline, "the watch sent {} lists, expected {n}", count());
                std::thread::sleep(Duration::from_millis(2));
            }
        };
        wait_for(1);
        let plug = |devices: Vec<DeviceDescriptor>| inventory.lock().map(|mut i| i.devices = devices).unwrap_or_else(|e| panic!("{e}"));
        plug(vec![descriptor("usb:1050:0407:1", TransportKind::Usb, "YubiKey 5 NFC")]);
        wait_for(2);
        registry.rename("usb:1050:0407:1", "Work key").unwrap_or_else(|e| panic!("{e}"));
        wait_for(3);
        plug(vec![]);
        wait_for(4);
        // Nothing changes: nothing more is sent.
        std::thread::sleep(Duration::from_millis(50));
        stop.store(true, Ordering::SeqCst);
        worker.join().unwrap_or_else(|_| panic!("watch thread panicked"));
        let lists = sent.lock().map(|s| s.iter().map(ids).collect::<Vec<_>>()).unwrap_or_default();
        assert_eq!(
            lists,
            vec![
                vec![],
                vec![("usb:1050:0407:1".into(), "usb".into(), "YubiKey 5 NFC".into())],
                vec![("usb:1050:0407:1".into(), "usb".into(), "Work key".into())],
                vec![],
            ]
        );
    }
}
