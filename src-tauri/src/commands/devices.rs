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
            let mut last: Option<DeviceList> = None;
            while current_generation.load(Ordering::SeqCst) == generation {
                let now = current(&registry);
                if last.as_ref() != Some(&now) {
                    if events.send(now.clone()).is_err() {
                        return;
                    }
                    last = Some(now);
                }
                std::thread::sleep(WATCH_INTERVAL);
            }
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
