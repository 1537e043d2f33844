//! The virtual key as an in-process [`Device`](crate::Device), behind each real framing: our
//! host's CTAPHID, ISO 7816 and BLE drivers talk to the virtual key's device-side state machines
//! through in-memory pipes, so framing bugs cannot hide behind a shortcut at the CBOR layer.
//!
//! A [`VirtualKeyHandle`] plays the user and the power supply: touch, deny, power cycle.

use crate::ble::{BleLink, GattPipe};
use crate::hid::{HidLink, ReportPipe};
use crate::nfc::{ApduLink, ApduPipe};
use crate::{DeviceDescriptor, DeviceId, TransportError, TransportKind};
use keydesk_framing::ble::{BleDeviceConfig, ControlPointLen};
use keydesk_framing::hid::DeviceConfig;
use keydesk_framing::iso7816::CardConfig;
use keydesk_virtual_key::device::{BleKey, CardKey, HidKey};
use keydesk_virtual_key::Authenticator;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What the handle can do to any of the virtual key's device-side adapters.
pub trait Adapter: Send {
    fn touch(&mut self, now: Duration);
    fn deny(&mut self, now: Duration);
    fn power_cycle(&mut self, now: Duration);
    fn key_mut(&mut self) -> &mut Authenticator;
}

macro_rules! adapter {
    ($type:ty) => {
        impl Adapter for $type {
            fn touch(&mut self, now: Duration) {
                <$type>::touch(self, now)
            }
            fn deny(&mut self, now: Duration) {
                <$type>::deny(self, now)
            }
            fn power_cycle(&mut self, now: Duration) {
                <$type>::power_cycle(self, now)
            }
            fn key_mut(&mut self) -> &mut Authenticator {
                <$type>::key_mut(self)
            }
        }
    };
}
adapter!(HidKey);
adapter!(CardKey);

impl Adapter for BleKey {
    fn touch(&mut self, now: Duration) {
        BleKey::touch(self, now)
    }
    fn deny(&mut self, now: Duration) {
        BleKey::deny(self, now)
    }
    /// A BLE peripheral has no framing state that outlives a connection; the engine cycles.
    fn power_cycle(&mut self, now: Duration) {
        self.key_mut().power_cycle(now)
    }
    fn key_mut(&mut self) -> &mut Authenticator {
        BleKey::key_mut(self)
    }
}

/// The virtual key with the clock both sides share.
#[derive(Debug)]
struct Shared<A> {
    adapter: Mutex<A>,
    epoch: Instant,
}

impl<A> Shared<A> {
    fn lock(&self) -> MutexGuard<'_, A> {
        self.adapter.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}

/// Acts on the virtual key from outside the host: the user's finger and the power supply.
#[derive(Debug)]
pub struct VirtualKeyHandle<A> {
    shared: Arc<Shared<A>>,
}

impl<A> Clone for VirtualKeyHandle<A> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared) }
    }
}

impl<A: Adapter> VirtualKeyHandle<A> {
    /// The user touches the key (completing a request that waits for presence).
    pub fn touch(&self) {
        let now = self.shared.now();
        self.shared.lock().touch(now);
    }

    /// The user refuses (CTAP2_ERR_OPERATION_DENIED).
    pub fn deny(&self) {
        let now = self.shared.now();
        self.shared.lock().deny(now);
    }

    /// Unplug and replug: clears the PIN power-cycle block and opens the reset window.
    pub fn power_cycle(&self) {
        let now = self.shared.now();
        self.shared.lock().power_cycle(now);
    }

    /// Runs `f` on the engine (inspect state, change the presence policy, queue sensor results).
    pub fn with_key<R>(&self, f: impl FnOnce(&mut Authenticator) -> R) -> R {
        f(self.shared.lock().key_mut())
    }

    /// True while a request waits for a touch.
    pub fn is_waiting_for_touch(&self) -> bool {
        self.with_key(|key| key.is_waiting_for_presence())
    }
}

fn descriptor(name: &str, transport: TransportKind) -> DeviceDescriptor {
    DeviceDescriptor {
        id: DeviceId(format!("virtual:{name}")),
        transport,
        product: "KeyDesk virtual key".into(),
        simulated: true,
    }
}

fn share<A>(adapter: A) -> Arc<Shared<A>> {
    Arc::new(Shared { adapter: Mutex::new(adapter), epoch: Instant::now() })
}

/// Polls `next` until it yields or `timeout` passes, running the adapter's timers meanwhile.
fn wait_for<A, T>(shared: &Shared<A>, timeout: Duration, mut next: impl FnMut(&mut A, Duration) -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(item) = next(&mut shared.lock(), shared.now()) {
            return Some(item);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// CTAPHID reports between our host and the virtual key.
#[derive(Debug)]
pub struct HidPipe {
    shared: Arc<Shared<HidKey>>,
}

impl ReportPipe for HidPipe {
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        let now = self.shared.now();
        self.shared
            .lock()
            .handle_report(report, now)
            .map_err(|e| TransportError::Framing { transport: "CTAPHID (virtual key)", detail: e.to_string() })
    }

    fn read_report(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        Ok(wait_for(&self.shared, timeout, |key, now| {
            if key.next_timeout().is_some_and(|due| due <= now) {
                key.handle_timeout(now);
            }
            key.poll_transmit()
        }))
    }
}

/// The virtual key over CTAPHID in memory.
pub fn hid(key: Authenticator, name: &str) -> (HidLink<HidPipe>, VirtualKeyHandle<HidKey>) {
    let shared = share(HidKey::new(key, DeviceConfig::default()));
    let link = HidLink::new(descriptor(name, TransportKind::Usb), HidPipe { shared: Arc::clone(&shared) });
    (link, VirtualKeyHandle { shared })
}

/// APDUs between our host and the virtual key as a card.
#[derive(Debug)]
pub struct CardPipe {
    shared: Arc<Shared<CardKey>>,
}

impl ApduPipe for CardPipe {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let now = self.shared.now();
        Ok(self.shared.lock().handle_apdu(command, now))
    }
}

/// The virtual key over ISO 7816 in memory (as on an NFC reader), its FIDO applet selected.
pub fn card(key: Authenticator, name: &str) -> Result<(ApduLink<CardPipe>, VirtualKeyHandle<CardKey>), TransportError> {
    let shared = share(CardKey::new(key, CardConfig::default()));
    let link = ApduLink::select(descriptor(name, TransportKind::Nfc), CardPipe { shared: Arc::clone(&shared) })?;
    Ok((link, VirtualKeyHandle { shared }))
}

/// GATT writes and notifications between our host and the virtual key as a BLE peripheral.
#[derive(Debug)]
pub struct BlePipe {
    shared: Arc<Shared<BleKey>>,
    control_point_len: ControlPointLen,
}

impl GattPipe for BlePipe {
    fn control_point_len(&mut self) -> Result<ControlPointLen, TransportError> {
        Ok(self.control_point_len)
    }

    fn write_control_point(&mut self, fragment: &[u8]) -> Result<(), TransportError> {
        let now = self.shared.now();
        self.shared
            .lock()
            .handle_write(fragment, now)
            .map_err(|e| TransportError::Framing { transport: "BLE (virtual key)", detail: e.to_string() })
    }

    fn read_status(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        Ok(wait_for(&self.shared, timeout, |key, now| {
            if key.next_timeout().is_some_and(|due| due <= now) {
                key.handle_timeout(now);
            }
            key.poll_transmit()
        }))
    }
}

/// The virtual key over BLE framing in memory, with the given control point length.
pub fn ble(
    key: Authenticator,
    name: &str,
    config: BleDeviceConfig,
) -> Result<(BleLink<BlePipe>, VirtualKeyHandle<BleKey>), TransportError> {
    let control_point_len = config.control_point_len;
    let shared = share(BleKey::new(key, config));
    let pipe = BlePipe { shared: Arc::clone(&shared), control_point_len };
    Ok((BleLink::new(descriptor(name, TransportKind::Ble), pipe)?, VirtualKeyHandle { shared }))
}
