//! One list of every authenticator, whatever its transport, with the problems that hide some of
//! them stated in plain words; and hot-plug as the difference between two scans.

use crate::{Device, DeviceDescriptor, DeviceId, TransportError, TransportKind};

/// Something that keeps an authenticator from being listed or used, with its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// NFC and smart-card readers are invisible without pcscd.
    PcscdNotRunning,
    /// A FIDO HID device exists but this user may not open it.
    NoHidrawPermission { path: String },
    /// A card sits on a reader but has no FIDO applet.
    ReaderWithoutFidoCard { reader: String },
    /// A transport could not be scanned at all.
    ScanFailed { transport: TransportKind, detail: String },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PcscdNotRunning => f.write_str(
                "pcscd is not running, so NFC readers are not visible: start it with `sudo systemctl enable --now pcscd.socket`",
            ),
            Self::NoHidrawPermission { path } => write!(
                f,
                "a security key at {path} cannot be opened by this user: install the udev rules (see udev/README.md) and replug it"
            ),
            Self::ReaderWithoutFidoCard { reader } => {
                write!(f, "the card on reader \"{reader}\" is not a FIDO security key")
            }
            Self::ScanFailed { transport, detail } => {
                write!(f, "could not look for {} devices: {detail}", transport.webauthn_name())
            }
        }
    }
}

/// The result of one scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub devices: Vec<DeviceDescriptor>,
    pub problems: Vec<Problem>,
}

/// A change between two scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotPlugEvent {
    Added(DeviceDescriptor),
    Removed(DeviceId),
}

/// What changed from `before` to `after` (removals first, then additions, each sorted by ID).
pub fn hot_plug_events(before: &[DeviceDescriptor], after: &[DeviceDescriptor]) -> Vec<HotPlugEvent> {
    let mut events: Vec<HotPlugEvent> = before
        .iter()
        .filter(|old| !after.iter().any(|new| new.id == old.id))
        .map(|old| HotPlugEvent::Removed(old.id.clone()))
        .collect();
    events.extend(
        after
            .iter()
            .filter(|new| !before.iter().any(|old| old.id == new.id))
            .map(|new| HotPlugEvent::Added(new.clone())),
    );
    events
}

/// Scans USB, NFC and (feature `ble`) BLE. Each transport's failure becomes a [`Problem`]; the
/// others still count.
pub fn scan() -> Inventory {
    let mut inventory = Inventory::default();
    #[cfg(feature = "usb")]
    scan_usb(&mut inventory);
    #[cfg(feature = "nfc")]
    scan_nfc(&mut inventory);
    #[cfg(feature = "ble")]
    scan_ble(&mut inventory);
    inventory.devices.sort_by(|a, b| a.id.cmp(&b.id));
    inventory
}

/// How long a scan listens for BLE advertisements (keys advertise every 20 ms to 1 s while
/// waiting for a host; CTAP 2.1 §11.4.3).
#[cfg(feature = "ble")]
pub const BLE_SCAN_WINDOW: std::time::Duration = std::time::Duration::from_millis(1200);

/// BLE keys advertising the FIDO service or connected; a machine without Bluetooth adds nothing.
#[cfg(feature = "ble")]
pub fn scan_ble(inventory: &mut Inventory) {
    match crate::ble::central::enumerate(BLE_SCAN_WINDOW) {
        Ok(found) => inventory.devices.extend(found.into_iter().map(|candidate| candidate.descriptor)),
        Err(error) => inventory
            .problems
            .push(Problem::ScanFailed { transport: TransportKind::Ble, detail: error.to_string() }),
    }
}

#[cfg(feature = "usb")]
fn scan_usb(inventory: &mut Inventory) {
    match crate::hid::usb::enumerate() {
        Ok(candidates) => {
            for candidate in candidates {
                let path = candidate.path.to_string_lossy().into_owned();
                match std::fs::OpenOptions::new().read(true).write(true).open(&path) {
                    Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                        inventory.problems.push(Problem::NoHidrawPermission { path });
                    }
                    _ => inventory.devices.push(candidate.descriptor),
                }
            }
        }
        Err(error) => inventory
            .problems
            .push(Problem::ScanFailed { transport: TransportKind::Usb, detail: error.to_string() }),
    }
}

#[cfg(feature = "nfc")]
fn scan_nfc(inventory: &mut Inventory) {
    use crate::nfc::pcsc_reader::{context, readers, ReaderState};
    let readers = context().and_then(|context| readers(&context));
    match readers {
        Ok(readers) => {
            for reader in readers {
                match reader.state {
                    ReaderState::Fido { descriptor, .. } => inventory.devices.push(descriptor),
                    ReaderState::NotFido => {
                        inventory.problems.push(Problem::ReaderWithoutFidoCard { reader: reader.name })
                    }
                    ReaderState::Empty => {}
                }
            }
        }
        Err(TransportError::PcscdNotRunning) => inventory.problems.push(Problem::PcscdNotRunning),
        Err(error) => inventory
            .problems
            .push(Problem::ScanFailed { transport: TransportKind::Nfc, detail: error.to_string() }),
    }
}

/// Opens a device found by [`scan`].
pub fn open(id: &DeviceId) -> Result<Box<dyn Device>, TransportError> {
    let text = id.0.as_str();
    #[cfg(feature = "nfc")]
    if let Some(reader) = text.strip_prefix("nfc:") {
        let context = crate::nfc::pcsc_reader::context()?;
        return Ok(Box::new(crate::nfc::pcsc_reader::connect(&context, reader)?));
    }
    #[cfg(feature = "usb")]
    if text.starts_with("usb:") {
        let candidates = crate::hid::usb::enumerate()?;
        let candidate = candidates
            .iter()
            .find(|c| &c.descriptor.id == id)
            .ok_or(TransportError::Disconnected)?;
        return Ok(Box::new(crate::hid::usb::open(candidate)?));
    }
    #[cfg(feature = "ble")]
    if let Some(candidate) = crate::ble::central::candidate(id) {
        return Ok(Box::new(crate::ble::central::open(&candidate)?));
    }
    Err(TransportError::Other(format!("no device {text}: run `keydesk devices` to see the connected ones")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str) -> DeviceDescriptor {
        DeviceDescriptor { id: DeviceId(id.into()), transport: TransportKind::Usb, product: String::new(), simulated: false }
    }

    #[test]
    fn hot_plug_reports_removals_then_additions() {
        let before = [device("usb:a"), device("usb:b")];
        let after = [device("usb:b"), device("nfc:c")];
        assert_eq!(
            hot_plug_events(&before, &after),
            vec![HotPlugEvent::Removed(DeviceId("usb:a".into())), HotPlugEvent::Added(device("nfc:c"))]
        );
        assert!(hot_plug_events(&after, &after).is_empty());
    }
}

/// A running hot-plug watch: scans every `interval` and sends what changed. Stops when dropped
/// or when the receiving side is gone.
#[derive(Debug)]
pub struct HotPlugWatch {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HotPlugWatch {
    /// Starts watching. The first scan reports every device present as `Added`. Neither hidapi
    /// nor PC/SC offers one event source for every transport, so this polls [`scan`] (HID devices
    /// from sysfs, a FIDO applet SELECT on every card present, and with feature `ble` the BLE keys
    /// advertising or connected: a BLE key is `Removed` once it neither advertises nor is
    /// connected).
    pub fn start(interval: std::time::Duration, events: std::sync::mpsc::Sender<HotPlugEvent>) -> std::io::Result<Self> {
        Self::start_with(interval, events, scan)
    }

    /// As [`HotPlugWatch::start`] with another scanner (tests, or a subset of transports).
    pub fn start_with(
        interval: std::time::Duration,
        events: std::sync::mpsc::Sender<HotPlugEvent>,
        mut scanner: impl FnMut() -> Inventory + Send + 'static,
    ) -> std::io::Result<Self> {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread_stop = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("hot-plug".into()).spawn(move || {
            let mut known: Vec<DeviceDescriptor> = Vec::new();
            while !thread_stop.load(std::sync::atomic::Ordering::SeqCst) {
                let now = scanner().devices;
                for event in hot_plug_events(&known, &now) {
                    if events.send(event).is_err() {
                        return;
                    }
                }
                known = now;
                std::thread::sleep(interval);
            }
        })?;
        Ok(Self { stop, thread: Some(thread) })
    }
}

impl Drop for HotPlugWatch {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod watch_tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    #[test]
    fn the_watch_reports_arrivals_and_departures_as_they_happen() {
        let present = Arc::new(Mutex::new(vec![DeviceDescriptor {
            id: DeviceId("usb:a".into()),
            transport: TransportKind::Usb,
            product: String::new(),
            simulated: false,
        }]));
        let scanned = Arc::clone(&present);
        let (sender, events) = std::sync::mpsc::channel();
        let _watch = HotPlugWatch::start_with(Duration::from_millis(5), sender, move || Inventory {
            devices: scanned.lock().map(|d| d.clone()).unwrap_or_default(),
            problems: Vec::new(),
        })
        .expect("watch");
        let next = || events.recv_timeout(Duration::from_secs(5)).expect("event");
        assert!(matches!(next(), HotPlugEvent::Added(d) if d.id.0 == "usb:a"));
        present.lock().expect("lock").clear();
        assert_eq!(next(), HotPlugEvent::Removed(DeviceId("usb:a".into())));
    }
}
