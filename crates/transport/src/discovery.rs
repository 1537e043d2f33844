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

/// Scans USB and NFC. Each transport's failure becomes a [`Problem`]; the others still count.
pub fn scan() -> Inventory {
    let mut inventory = Inventory::default();
    #[cfg(feature = "usb")]
    scan_usb(&mut inventory);
    #[cfg(feature = "nfc")]
    scan_nfc(&mut inventory);
    inventory.devices.sort_by(|a, b| a.id.cmp(&b.id));
    inventory
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
