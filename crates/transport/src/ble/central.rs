//! The btleplug shell (CTAP 2.1 §11.4): find authenticators advertising the FIDO service, connect,
//! read fidoControlPointLength and fidoServiceRevisionBitfield (selecting FIDO2 when offered),
//! subscribe to fidoStatus, then carry [`super::BleLink`]'s control-point writes and status
//! notifications. btleplug is asynchronous; this shell runs it on one small tokio runtime shared
//! by every BLE device of the process and offers the blocking [`GattPipe`] the driver expects.

use std::pin::Pin;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use btleplug::api::{Central, CharPropFlags, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::{Stream, StreamExt};
use keydesk_framing::ble::{
    ControlPointLen, ServiceRevisions, CONTROL_POINT_LENGTH_UUID, CONTROL_POINT_UUID, FIDO_SERVICE_UUID,
    SERVICE_REVISION_BITFIELD_UUID, STATUS_UUID,
};
use uuid::Uuid;

use super::{BleLink, GattPipe};
use crate::{DeviceDescriptor, DeviceId, TransportError, TransportKind};

/// How long a connection attempt (including pairing) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one GATT read or write may take.
const GATT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `open` scans for a key that is not known to BlueZ yet.
const FIND_TIMEOUT: Duration = Duration::from_secs(5);

/// A BLE authenticator found by a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BleCandidate {
    pub descriptor: DeviceDescriptor,
    /// Bluetooth address, `AA:BB:CC:DD:EE:FF`.
    pub address: String,
}

/// The process-wide runtime of the BLE shell (one worker: BLE traffic is light).
pub(crate) fn runtime() -> Result<&'static tokio::runtime::Runtime, TransportError> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("keydesk-ble")
        .enable_all()
        .build()
        .map_err(|source| TransportError::Io { context: "starting the BLE runtime".into(), source })?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Maps a btleplug failure to what the user can do about it.
fn ble_error(context: &str, error: btleplug::Error) -> TransportError {
    let text = error.to_string();
    match error {
        btleplug::Error::NotConnected | btleplug::Error::DeviceNotFound => TransportError::Disconnected,
        btleplug::Error::TimedOut(limit) => TransportError::Timeout(limit),
        btleplug::Error::PermissionDenied => TransportError::Other(format!(
            "{context}: Bluetooth access was denied; run KeyDesk as a user allowed to use BlueZ (group `bluetooth`)"
        )),
        _ if is_pairing_failure(&text) => TransportError::Other(format!(
            "{context}: the key refused to pair or pairing was rejected ({text}); put the key in pairing mode, \
             confirm the pairing (or enter the passkey the key shows) and try again"
        )),
        _ if text.contains("org.freedesktop.DBus.Error.ServiceUnknown") => TransportError::Other(format!(
            "{context}: bluetoothd is not running ({text}); start it with `sudo systemctl enable --now bluetooth`"
        )),
        _ => TransportError::Other(format!("{context}: {text}")),
    }
}

/// BlueZ's words for a failed or refused pairing (ATT "insufficient authentication/encryption",
/// SMP failures, a rejected agent request).
fn is_pairing_failure(text: &str) -> bool {
    ["AuthenticationFailed", "AuthenticationRejected", "AuthenticationCanceled", "Not paired", "Insufficient Authentication", "Insufficient Encryption", "0x05", "0x0e", "0x0f"]
        .iter()
        .any(|needle| text.contains(needle))
}

async fn with_timeout<T>(limit: Duration, context: &str, future: impl std::future::Future<Output = btleplug::Result<T>>) -> Result<T, TransportError> {
    match tokio::time::timeout(limit, future).await {
        Ok(result) => result.map_err(|e| ble_error(context, e)),
        Err(_) => Err(TransportError::Timeout(limit)),
    }
}

async fn adapters() -> Result<Vec<Adapter>, TransportError> {
    let manager = Manager::new().await.map_err(|e| ble_error("connecting to BlueZ", e))?;
    manager.adapters().await.map_err(|e| ble_error("listing Bluetooth adapters", e))
}

fn fido_service() -> Uuid {
    Uuid::from_u128(FIDO_SERVICE_UUID)
}

fn descriptor(address: &str, name: Option<String>) -> DeviceDescriptor {
    DeviceDescriptor {
        id: DeviceId(format!("ble:{address}")),
        transport: TransportKind::Ble,
        product: name.unwrap_or_default(),
        simulated: false,
    }
}

/// The FIDO peripherals present on an adapter (advertising 0xFFFD now, or connected).
async fn fido_peripherals(adapter: &Adapter) -> Result<Vec<(Peripheral, BleCandidate)>, TransportError> {
    let mut found = Vec::new();
    for peripheral in adapter.peripherals().await.map_err(|e| ble_error("listing BLE devices", e))? {
        let Ok(Some(properties)) = peripheral.properties().await else { continue };
        if !properties.services.contains(&fido_service()) && !properties.service_data.contains_key(&fido_service()) {
            continue;
        }
        // BlueZ remembers paired keys long after they left: a key is present while it is
        // connected or advertising (BlueZ reports an RSSI only for devices heard in this scan).
        if properties.rssi.is_none() && !peripheral.is_connected().await.unwrap_or(false) {
            continue;
        }
        let address = properties.address.to_string();
        let name = properties.local_name.or(properties.advertisement_name);
        found.push((peripheral, BleCandidate { descriptor: descriptor(&address, name), address }));
    }
    Ok(found)
}

/// Scans every adapter for `scan_for` and lists the FIDO authenticators present (CTAP 2.1
/// §11.4.1: they advertise the FIDO service UUID). A machine without Bluetooth (no system bus,
/// no bluetoothd, no adapter) has none: that is an empty list, not an error.
pub fn enumerate(scan_for: Duration) -> Result<Vec<BleCandidate>, TransportError> {
    runtime()?.block_on(async {
        let adapters = match adapters().await {
            Ok(adapters) => adapters,
            Err(TransportError::Other(text)) if no_bluetooth(&text) => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let filter = ScanFilter { services: vec![fido_service()] };
        for adapter in &adapters {
            let _ = adapter.start_scan(filter.clone()).await;
        }
        tokio::time::sleep(scan_for).await;
        let mut candidates: Vec<BleCandidate> = Vec::new();
        for adapter in &adapters {
            // Listed before the scan stops: stopping clears the RSSI that marks presence.
            for (_, candidate) in fido_peripherals(adapter).await.unwrap_or_default() {
                if !candidates.iter().any(|c| c.address == candidate.address) {
                    candidates.push(candidate);
                }
            }
            let _ = adapter.stop_scan().await;
        }
        candidates.sort_by(|a, b| a.descriptor.id.cmp(&b.descriptor.id));
        Ok(candidates)
    })
}

/// BlueZ's and D-Bus's words for "this machine has no Bluetooth stack running".
fn no_bluetooth(text: &str) -> bool {
    [
        "org.freedesktop.DBus.Error.FileNotFound",
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NoServer",
        "system_bus_socket",
        "org.bluez was not provided",
        "No Bluetooth adapter",
    ]
        .iter()
        .any(|needle| text.contains(needle))
}

/// What the notification and event watchers hand to the blocking side.
#[derive(Debug)]
enum Incoming {
    Status(Vec<u8>),
    Disconnected,
}

/// fidoControlPoint writes and fidoStatus notifications of one connected peripheral.
#[derive(Debug)]
pub struct BtleplugPipe {
    peripheral: Peripheral,
    control_point: Characteristic,
    control_point_len: ControlPointLen,
    revisions: ServiceRevisions,
    incoming: Receiver<Incoming>,
    watchers: Vec<tokio::task::JoinHandle<()>>,
    gone: bool,
}

impl BtleplugPipe {
    /// The revisions the authenticator offered (FIDO2 was selected when among them).
    pub fn revisions(&self) -> ServiceRevisions {
        self.revisions
    }

    /// Disconnects now (also done on drop).
    pub fn disconnect(&mut self) {
        for watcher in self.watchers.drain(..) {
            watcher.abort();
        }
        if !self.gone {
            self.gone = true;
            if let Ok(runtime) = runtime() {
                let peripheral = self.peripheral.clone();
                let _ = runtime.block_on(async { tokio::time::timeout(GATT_TIMEOUT, peripheral.disconnect()).await });
            }
        }
    }

    fn gatt_failure(&mut self, error: TransportError) -> TransportError {
        if matches!(error, TransportError::Disconnected) {
            self.gone = true;
        }
        error
    }
}

impl Drop for BtleplugPipe {
    fn drop(&mut self) {
        self.disconnect();
    }
}

impl GattPipe for BtleplugPipe {
    fn control_point_len(&mut self) -> Result<ControlPointLen, TransportError> {
        Ok(self.control_point_len)
    }

    fn write_control_point(&mut self, fragment: &[u8]) -> Result<(), TransportError> {
        if self.gone {
            return Err(TransportError::Disconnected);
        }
        let (peripheral, characteristic) = (self.peripheral.clone(), self.control_point.clone());
        let result = runtime()?.block_on(async {
            with_timeout(GATT_TIMEOUT, "writing to the key", peripheral.write(&characteristic, fragment, WriteType::WithResponse))
                .await
        });
        match result {
            Ok(()) => Ok(()),
            // A write that fails because the link dropped says so through the event watcher.
            Err(error) => match self.incoming.recv_timeout(Duration::from_millis(200)) {
                Ok(Incoming::Disconnected) => Err(self.gatt_failure(TransportError::Disconnected)),
                _ => Err(self.gatt_failure(error)),
            },
        }
    }

    fn read_status(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        if self.gone {
            return Err(TransportError::Disconnected);
        }
        match self.incoming.recv_timeout(timeout) {
            Ok(Incoming::Status(value)) => Ok(Some(value)),
            Ok(Incoming::Disconnected) | Err(RecvTimeoutError::Disconnected) => {
                self.gone = true;
                Err(TransportError::Disconnected)
            }
            Err(RecvTimeoutError::Timeout) => Ok(None),
        }
    }
}

/// Finds the peripheral with `address` on any adapter, scanning for a while if BlueZ does not
/// know it yet.
async fn find(address: &str) -> Result<(Adapter, Peripheral), TransportError> {
    let adapters = adapters().await?;
    let known = |adapters: Vec<Adapter>| async move {
        for adapter in adapters {
            for peripheral in adapter.peripherals().await.unwrap_or_default() {
                if peripheral.address().to_string().eq_ignore_ascii_case(address) {
                    return Some((adapter, peripheral));
                }
            }
        }
        None
    };
    if let Some(found) = known(adapters.clone()).await {
        return Ok(found);
    }
    let filter = ScanFilter { services: vec![fido_service()] };
    for adapter in &adapters {
        let _ = adapter.start_scan(filter.clone()).await;
    }
    let started = Instant::now();
    let found = loop {
        if let Some(found) = known(adapters.clone()).await {
            break Some(found);
        }
        if started.elapsed() > FIND_TIMEOUT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for adapter in &adapters {
        let _ = adapter.stop_scan().await;
    }
    found.ok_or(TransportError::Disconnected)
}

fn characteristic(peripheral: &Peripheral, uuid: u128) -> Result<Characteristic, TransportError> {
    peripheral
        .characteristics()
        .into_iter()
        .find(|c| c.uuid == Uuid::from_u128(uuid) && c.service_uuid == fido_service())
        .ok_or_else(|| TransportError::Framing {
            transport: "BLE",
            detail: format!("the FIDO service lacks characteristic {}", Uuid::from_u128(uuid)),
        })
}

type EventStream = Pin<Box<dyn Stream<Item = btleplug::api::CentralEvent> + Send>>;

/// Connects to the FIDO authenticator at `address` and prepares it for CTAP (CTAP 2.1 §11.4.2):
/// control point length, revision selection (FIDO2 when offered), status subscription. A key
/// that requires pairing is paired by BlueZ on the first read, through the registered agent
/// (see [`super::pairing`]).
pub fn connect(address: &str) -> Result<BtleplugPipe, TransportError> {
    runtime()?.block_on(async {
        let (adapter, peripheral) = find(address).await?;
        let events: EventStream = adapter.events().await.map_err(|e| ble_error("watching the adapter", e))?;
        if !peripheral.is_connected().await.unwrap_or(false) {
            with_timeout(CONNECT_TIMEOUT, "connecting to the key", peripheral.connect()).await?;
        }
        with_timeout(GATT_TIMEOUT, "discovering the key's services", peripheral.discover_services()).await?;
        let control_point = characteristic(&peripheral, CONTROL_POINT_UUID)?;
        let status = characteristic(&peripheral, STATUS_UUID)?;
        let length = characteristic(&peripheral, CONTROL_POINT_LENGTH_UUID)?;
        // The first encrypted read makes BlueZ pair when the key asks for it.
        let length_value = with_timeout(CONNECT_TIMEOUT, "reading the control point length", peripheral.read(&length)).await?;
        let control_point_len = ControlPointLen::parse(&length_value)
            .map_err(|e| TransportError::Framing { transport: "BLE", detail: e.to_string() })?;
        let revisions = match characteristic(&peripheral, SERVICE_REVISION_BITFIELD_UUID) {
            Ok(bitfield) => {
                let value = with_timeout(GATT_TIMEOUT, "reading the service revisions", peripheral.read(&bitfield)).await?;
                let revisions = ServiceRevisions::parse(&value)
                    .map_err(|e| TransportError::Framing { transport: "BLE", detail: e.to_string() })?;
                if let (Some(bit), true) = (revisions.preferred(), bitfield.properties.contains(CharPropFlags::WRITE)) {
                    with_timeout(GATT_TIMEOUT, "selecting the service revision", peripheral.write(&bitfield, &[bit], WriteType::WithResponse))
                        .await?;
                }
                revisions
            }
            // Only U2F 1.0 authenticators lack the bitfield (§11.4.1).
            Err(_) => ServiceRevisions(ServiceRevisions::U2F_1_1),
        };
        let mut notifications =
            peripheral.notifications().await.map_err(|e| ble_error("receiving the key's notifications", e))?;
        with_timeout(GATT_TIMEOUT, "subscribing to the key's status", peripheral.subscribe(&status)).await?;

        let (sender, incoming) = std::sync::mpsc::channel();
        let status_uuid = status.uuid;
        let forward: Sender<Incoming> = sender.clone();
        let notify_watcher = tokio::spawn(async move {
            while let Some(notification) = notifications.next().await {
                if notification.uuid == status_uuid && forward.send(Incoming::Status(notification.value)).is_err() {
                    return;
                }
            }
        });
        let id = peripheral.id();
        let event_watcher = tokio::spawn(async move {
            let mut events = events;
            while let Some(event) = events.next().await {
                if matches!(&event, btleplug::api::CentralEvent::DeviceDisconnected(gone) if *gone == id) {
                    let _ = sender.send(Incoming::Disconnected);
                    return;
                }
            }
        });
        Ok(BtleplugPipe {
            peripheral,
            control_point,
            control_point_len,
            revisions,
            incoming,
            watchers: vec![notify_watcher, event_watcher],
            gone: false,
        })
    })
}

/// Opens a BLE authenticator found by [`enumerate`].
pub fn open(candidate: &BleCandidate) -> Result<BleLink<BtleplugPipe>, TransportError> {
    BleLink::new(candidate.descriptor.clone(), connect(&candidate.address)?)
}

/// The candidate behind a `ble:ADDRESS` device ID (no scan: BlueZ finds the key on connect).
pub fn candidate(id: &DeviceId) -> Option<BleCandidate> {
    let address = id.0.strip_prefix("ble:")?;
    Some(BleCandidate { descriptor: descriptor(address, None), address: address.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wherever the tests run (no system bus, a bus without bluetoothd, or a real adapter), a
    /// scan answers: a machine without Bluetooth simply has no BLE keys.
    #[test]
    fn a_scan_without_bluetooth_lists_nothing_instead_of_failing() -> Result<(), TransportError> {
        let found = enumerate(Duration::ZERO)?;
        assert!(found.iter().all(|c| c.descriptor.id.0 == format!("ble:{}", c.address)));
        Ok(())
    }

    #[test]
    fn device_ids_name_the_address() {
        let candidate = candidate(&DeviceId("ble:AA:BB:CC:DD:EE:FF".into()));
        assert_eq!(candidate.map(|c| c.address), Some("AA:BB:CC:DD:EE:FF".to_owned()));
        assert!(super::candidate(&DeviceId("usb:1050:0407:x".into())).is_none());
        assert!(is_pairing_failure("Operation failed with ATT error: 0x0e"));
        assert!(no_bluetooth("D-Bus error org.freedesktop.DBus.Error.ServiceUnknown: The name org.bluez was not provided"));
        assert!(no_bluetooth("connecting to BlueZ: Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory"));
    }
}
