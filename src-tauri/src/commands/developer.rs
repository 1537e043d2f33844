//! How the app was started, and the developer menu: attach or detach the simulated key.

use crate::commands::devices::{current, DeviceList};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

/// What the UI needs to know about this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    /// Show the developer menu.
    pub developer: bool,
    /// The relying-party server this run talks to.
    pub server_url: Option<String>,
}

/// How the app was started.
#[tauri::command(rename_all = "snake_case")]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        developer: state.options.developer,
        server_url: state.options.server_url.clone(),
    }
}

fn developer_only(state: &AppState) -> AppResult<()> {
    if state.options.developer {
        Ok(())
    } else {
        Err(AppError::new("developer_only", "The simulated key is for development: start KeyDesk with --developer to use it."))
    }
}

/// Attaches the simulated security key (listed as simulated) and returns the device list.
#[tauri::command(rename_all = "snake_case")]
pub fn dev_attach_simulated_key(state: State<'_, AppState>) -> AppResult<DeviceList> {
    developer_only(&state)?;
    state.registry.attach_simulated(state.options.simulated_key_state.as_deref())?;
    Ok(current(&state.registry))
}

/// Detaches the simulated key.
#[tauri::command(rename_all = "snake_case")]
pub fn dev_detach_simulated_key(state: State<'_, AppState>) -> AppResult<DeviceList> {
    developer_only(&state)?;
    state.registry.detach_simulated();
    Ok(current(&state.registry))
}

/// The UI painted its first screen. With KEYDESK_BENCH=1 this prints the marker the start-up
/// benchmark (xtask bench) waits for; otherwise it does nothing.
#[tauri::command(rename_all = "snake_case")]
pub fn first_paint() {
    if std::env::var_os("KEYDESK_BENCH").is_some() {
        println!("keydesk-bench: first-paint");
    }
}

/// This module's TypeScript bindings.
pub(crate) const BINDINGS: &[crate::bindings::Declare] = &[crate::bindings::declare::<AppInfo>];
