//! What every command can reach (Tauri managed state).

use crate::ceremony::Ceremonies;
use crate::registry::Registry;
use std::path::PathBuf;
use std::sync::Arc;

/// The app's state, managed by Tauri and cheap to clone into worker threads.
#[derive(Debug, Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
    pub ceremonies: Arc<Ceremonies>,
    pub options: Arc<Options>,
    /// Bumped by each `watch_devices`: older watches stop (one per window).
    pub watch_generation: Arc<std::sync::atomic::AtomicU64>,
    /// The Codes screen: the unlocked vault, import previews, the copied code.
    pub codes: Arc<crate::commands::codes::CodesState>,
    /// The Servers screen: server profiles and open accounts.
    pub servers: Arc<crate::commands::servers::ServersState>,
}

/// How the app was started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Developer mode: the developer menu (attach the simulated key) is shown.
    pub developer: bool,
    /// Attach the simulated key at start.
    pub simulated_key: bool,
    /// Where the simulated key keeps its state (passkeys, PIN) between runs; none = in memory.
    pub simulated_key_state: Option<PathBuf>,
    /// The app's data directory (key names, ...).
    pub data_dir: Option<PathBuf>,
    /// The relying-party server the app talks to (the local reference server by default).
    pub server_url: Option<String>,
}

impl AppState {
    pub fn new(registry: Registry, options: Options) -> Self {
        // Server profiles live beside the app's other data (so `--data-dir` isolates them too).
        let servers = Arc::new(crate::commands::servers::ServersState::in_data_dir(options.data_dir.as_deref()));
        Self { registry: Arc::new(registry), ceremonies: Arc::default(), options: Arc::new(options), watch_generation: Arc::default(), codes: Arc::default(), servers }
    }
}
