//! Every authenticator the app can use: hardware found by `keydesk_transport::discovery`, and
//! the simulated key a developer attached (clearly marked `simulated`). Friendly names are kept
//! in a small JSON file in the app's data directory.

use crate::error::{AppError, AppResult};
use keydesk_ctap_client::Client;
use keydesk_transport::discovery::{self, Inventory};
use keydesk_transport::memory::{self, VirtualKeyHandle};
use keydesk_transport::{Device, DeviceDescriptor, DeviceId};
use keydesk_virtual_key::device::HidKey;
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A key client, whatever the transport.
pub type KeyClient = Client<Box<dyn Device>>;

/// The ID of the simulated key (its descriptor says `simulated: true` too).
pub const SIMULATED_ID: &str = "virtual:simulated";

/// The in-process virtual key a developer attached.
pub struct SimulatedKey {
    descriptor: DeviceDescriptor,
    client: Arc<Mutex<KeyClient>>,
    handle: VirtualKeyHandle<HidKey>,
}

impl std::fmt::Debug for SimulatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedKey").field("descriptor", &self.descriptor).finish_non_exhaustive()
    }
}

/// Scans for hardware; replaced in tests by a fixed inventory.
pub type Scanner = Arc<dyn Fn() -> Inventory + Send + Sync>;

/// Opens a device the scanner listed.
pub type Opener = Arc<dyn Fn(&DeviceId) -> AppResult<Box<dyn Device>> + Send + Sync>;

/// The device registry shared by the commands.
pub struct Registry {
    scanner: Scanner,
    opener: Opener,
    simulated: Mutex<Option<SimulatedKey>>,
    names_file: Option<PathBuf>,
    names: Mutex<BTreeMap<String, String>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("names_file", &self.names_file).finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Registry {
    /// A registry of every real authenticator (USB, NFC, BLE keys and "this computer"), keeping
    /// friendly names in `names_file`.
    pub fn new(names_file: Option<PathBuf>) -> Self {
        Self::with_scanner(names_file, Arc::new(keydesk_platform_authenticator::scan_all))
            .with_opener(Arc::new(|id| Ok(keydesk_platform_authenticator::open_any(id)?)))
    }

    /// Replaces how listed devices are opened.
    pub fn with_opener(mut self, opener: Opener) -> Self {
        self.opener = opener;
        self
    }

    /// A registry with another scanner (tests: no hardware, fixed problems); devices are
    /// opened with `keydesk_transport::discovery::open` unless [`Registry::with_opener`] says otherwise.
    pub fn with_scanner(names_file: Option<PathBuf>, scanner: Scanner) -> Self {
        let names = names_file
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let opener: Opener = Arc::new(|id| Ok(discovery::open(id)?));
        Self { scanner, opener, simulated: Mutex::new(None), names_file, names: Mutex::new(names) }
    }

    /// Hardware found now, plus the simulated key when attached.
    pub fn scan(&self) -> Inventory {
        let mut inventory = (self.scanner)();
        if let Some(key) = lock(&self.simulated).as_ref() {
            inventory.devices.push(key.descriptor.clone());
        }
        inventory
    }

    /// The friendly name given to `id`, if any.
    pub fn friendly_name(&self, id: &str) -> Option<String> {
        lock(&self.names).get(id).cloned()
    }

    /// Names `id` (an empty name removes it) and saves the names.
    pub fn rename(&self, id: &str, name: &str) -> AppResult<()> {
        let name = name.trim();
        if name.chars().count() > 64 {
            return Err(AppError::invalid_argument("a key's name may have at most 64 characters"));
        }
        let mut names = lock(&self.names);
        if name.is_empty() {
            names.remove(id);
        } else {
            names.insert(id.to_owned(), name.to_owned());
        }
        if let Some(path) = &self.names_file {
            let save = || -> std::io::Result<()> {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                std::fs::write(path, serde_json::to_vec_pretty(&*names).unwrap_or_default())
            };
            save().map_err(|e| AppError::new("storage", format!("could not save key names in {}: {e}", path.display())))?;
        }
        Ok(())
    }

    /// Attaches the simulated key (a fresh one, or the one saved in `state_file`).
    pub fn attach_simulated(&self, state_file: Option<&std::path::Path>) -> AppResult<DeviceDescriptor> {
        let mut slot = lock(&self.simulated);
        if let Some(key) = slot.as_ref() {
            return Ok(key.descriptor.clone());
        }
        let config = Config { presence: PresencePolicy::ApproveAll, ..Config::default() };
        let key = match state_file {
            Some(path) => Authenticator::open(config, KeyRng::os(), path, Duration::ZERO)
                .map_err(|e| AppError::new("storage", format!("could not open the simulated key's state {}: {e}", path.display())))?,
            None => Authenticator::new(config, KeyRng::os(), Duration::ZERO),
        };
        let (link, handle) = memory::hid(key, "simulated");
        let mut descriptor = keydesk_transport::Device::descriptor(&link).clone();
        descriptor.id = DeviceId(SIMULATED_ID.to_owned());
        descriptor.product = "Simulated security key".to_owned();
        let client = Arc::new(Mutex::new(Client::new(Box::new(link) as Box<dyn Device>)));
        *slot = Some(SimulatedKey { descriptor: descriptor.clone(), client, handle });
        Ok(descriptor)
    }

    /// Detaches the simulated key.
    pub fn detach_simulated(&self) {
        lock(&self.simulated).take();
    }

    /// The simulated key's handle (touch, power cycle) when `id` names it.
    pub fn simulated_handle(&self, id: &str) -> Option<VirtualKeyHandle<HidKey>> {
        lock(&self.simulated).as_ref().filter(|key| key.descriptor.id.0 == id).map(|key| key.handle.clone())
    }

    /// True when `id` is listed now.
    pub fn present(&self, id: &str) -> bool {
        self.scan().devices.iter().any(|device| device.id.0 == id)
    }

    /// Runs `work` with a client for device `id`: the simulated key's own client, or a fresh
    /// connection to the hardware (closed afterwards, as the CLI does).
    pub fn with_client<T>(&self, id: &str, work: impl FnOnce(&mut KeyClient) -> AppResult<T>) -> AppResult<T> {
        let simulated = lock(&self.simulated)
            .as_ref()
            .filter(|key| key.descriptor.id.0 == id)
            .map(|key| Arc::clone(&key.client));
        if let Some(client) = simulated {
            return work(&mut lock(&client));
        }
        if id.starts_with("virtual:") {
            return Err(AppError::new("no_device", "the simulated key is not attached: attach it from the developer menu"));
        }
        let device = (self.opener)(&DeviceId(id.to_owned()))?;
        work(&mut Client::new(device))
    }
}
