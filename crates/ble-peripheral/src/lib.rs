//! # keydesk-ble-peripheral: the virtual key as a FIDO BLE peripheral
//!
//! Serves KeyDesk's virtual key through BlueZ's GATT server API (D-Bus, via `bluer`) as the FIDO
//! service of CTAP 2.1 §11.4.1: service 0xFFFD with fidoControlPoint (write), fidoStatus
//! (notify), fidoControlPointLength (read) and fidoServiceRevisionBitfield (read/write), plus the
//! deprecated fidoServiceRevision ("1.0"). Every characteristic requires an encrypted link, as
//! FIDO demands (§11.4.1 "Security"), so a host pairs before its first read.
//!
//! The framing is `keydesk_framing::ble` behind `keydesk_virtual_key::device::BleKey`; this crate
//! only moves bytes between BlueZ and that state machine and runs its timers (keepalives every
//! 100 ms while a request waits for a touch). It runs on a thread of its own so that synchronous
//! callers (the `keydesk` CLI, tests) can start it, touch the key and stop it.

mod gatt;

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use keydesk_framing::ble::{BleDeviceConfig, ControlPointLen};
use keydesk_virtual_key::device::BleKey;
use keydesk_virtual_key::Authenticator;

/// How the peripheral presents itself.
#[derive(Debug, Clone)]
pub struct PeripheralConfig {
    /// The BlueZ adapter to serve on (`hci0`); `None` takes BlueZ's default adapter.
    pub adapter: Option<String>,
    /// The advertised local name.
    pub local_name: String,
    /// fidoControlPointLength: the largest control-point write accepted.
    pub control_point_len: ControlPointLen,
    /// FIDO requires an encrypted link; `false` only to diagnose a host that cannot pair.
    pub require_encryption: bool,
}

impl Default for PeripheralConfig {
    fn default() -> Self {
        Self {
            adapter: None,
            local_name: "KeyDesk virtual key".into(),
            control_point_len: DEFAULT_CONTROL_POINT_LEN,
            require_encryption: true,
        }
    }
}

/// 244 bytes: one write fits a 247-byte ATT MTU (the LE data length extension's sweet spot)
/// and every CTAP request but large blobs goes in one or two writes.
pub const DEFAULT_CONTROL_POINT_LEN: ControlPointLen = match ControlPointLen::new(244) {
    Some(len) => len,
    None => ControlPointLen::SMALLEST,
};

/// The longest attribute value ATT carries.
const MAX_ATTRIBUTE_LEN: usize = 512;

/// Why the peripheral could not be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeripheralError {
    #[error(
        "BlueZ could not serve the key (bluetoothd must be running on the system D-Bus with a powered \
         adapter; `bluetoothctl list` shows the adapters)"
    )]
    Bluez(#[from] bluer::Error),
    #[error("no Bluetooth adapter named {0}; `bluetoothctl list` shows the adapters")]
    NoSuchAdapter(String),
    #[error("could not start the peripheral's thread: {0}")]
    Thread(#[from] std::io::Error),
    #[error("the peripheral stopped before it was ready")]
    Stopped,
}

/// State shared by the GATT callbacks, the timer pump and the owner.
#[derive(Debug)]
pub(crate) struct Shared {
    key: Mutex<Option<BleKey>>,
    framing: BleDeviceConfig,
    started: Instant,
    /// Wakes the pump: notifications queued or the next timer changed.
    pub(crate) wake: tokio::sync::Notify,
}

impl Shared {
    pub(crate) fn now(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Option<BleKey>> {
        self.key.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new connection read fidoControlPointLength: start its framing afresh, with
    /// notifications as long as its ATT MTU allows (MTU - 3, at least 20) but no longer than an
    /// attribute value may be (512 bytes, Core 5.3 Vol 3 Part F §3.2.9): BlueZ cuts longer
    /// notifications short without a word.
    pub(crate) fn restart_framing(&self, mtu: u16) {
        let notify_len = usize::from(mtu).saturating_sub(3).clamp(usize::from(ControlPointLen::MIN), MAX_ATTRIBUTE_LEN);
        let mut slot = self.lock();
        if let Some(old) = slot.take() {
            let config = BleDeviceConfig { notify_len, ..self.framing.clone() };
            *slot = Some(BleKey::new(old.into_key(), config));
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut BleKey) -> R) -> Option<R> {
        let result = self.lock().as_mut().map(f);
        self.wake.notify_one();
        result
    }
}

/// A virtual key being served as a BLE peripheral. Dropping it stops serving.
#[derive(Debug)]
pub struct BlePeripheral {
    shared: Arc<Shared>,
    address: String,
    adapter: String,
    stop: Option<tokio::sync::oneshot::Sender<Stop>>,
    thread: Option<JoinHandle<Result<(), PeripheralError>>>,
}

/// How serving ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Withdraw the service and advertisement; the adapter stays on.
    Withdraw,
    /// Power the adapter off: connected hosts lose the link at once, as when a key goes out of
    /// range or its battery dies.
    Vanish,
}

impl BlePeripheral {
    /// Registers the FIDO service and starts advertising it; returns once BlueZ accepted both.
    pub fn start(key: Authenticator, config: PeripheralConfig) -> Result<Self, PeripheralError> {
        let framing = BleDeviceConfig { control_point_len: config.control_point_len, ..BleDeviceConfig::default() };
        let shared = Arc::new(Shared {
            key: Mutex::new(Some(BleKey::new(key, framing.clone()))),
            framing,
            started: Instant::now(),
            wake: tokio::sync::Notify::new(),
        });
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("ble-peripheral".into()).spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(gatt::serve(thread_shared, config, ready_tx, stop_rx))
        })?;
        match ready_rx.recv() {
            Ok((adapter, address)) => {
                Ok(Self { shared, address, adapter, stop: Some(stop_tx), thread: Some(thread) })
            }
            // The thread ended before it was ready: its result says why.
            Err(_) => Err(thread.join().map_err(|_| PeripheralError::Stopped)?.err().unwrap_or(PeripheralError::Stopped)),
        }
    }

    /// The adapter's Bluetooth address (`AA:BB:CC:DD:EE:FF`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The adapter serving the key (`hci0`).
    pub fn adapter(&self) -> &str {
        &self.adapter
    }

    /// The user touches the key.
    pub fn touch(&self) {
        let now = self.shared.now();
        self.shared.with(|key| key.touch(now));
    }

    /// The user refuses (CTAP2_ERR_OPERATION_DENIED).
    pub fn deny(&self) {
        let now = self.shared.now();
        self.shared.with(|key| key.deny(now));
    }

    /// Runs `f` on the engine (presence policy, state).
    pub fn with_key<R>(&self, f: impl FnOnce(&mut Authenticator) -> R) -> Option<R> {
        self.shared.with(|key| f(key.key_mut()))
    }

    /// True while a request waits for a touch.
    pub fn is_waiting_for_touch(&self) -> bool {
        self.with_key(|key| key.is_waiting_for_presence()).unwrap_or(false)
    }

    /// Stops serving and hands the engine back (to save its state).
    pub fn stop(mut self) -> Result<Option<Authenticator>, PeripheralError> {
        self.finish(Stop::Withdraw)?;
        Ok(self.shared.lock().take().map(BleKey::into_key))
    }

    /// The key disappears mid-operation: the adapter is powered off, so every host loses the
    /// link without a goodbye.
    pub fn vanish(mut self) -> Result<(), PeripheralError> {
        self.finish(Stop::Vanish)
    }

    fn finish(&mut self, how: Stop) -> Result<(), PeripheralError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(how);
        }
        self.shared.wake.notify_one();
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| PeripheralError::Stopped)?,
            None => Ok(()),
        }
    }
}

impl Drop for BlePeripheral {
    fn drop(&mut self) {
        let _ = self.finish(Stop::Withdraw);
    }
}
