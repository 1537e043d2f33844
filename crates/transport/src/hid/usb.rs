//! USB HID security keys through hidapi: found by the FIDO usage page, never by vendor.

use super::{HidLink, ReportPipe};
use crate::{DeviceDescriptor, DeviceId, TransportError, TransportKind};
use keydesk_framing::hid::report_id;
use std::time::Duration;

/// FIDO Alliance HID usage page (CTAP 2.1 §11.2.8.1).
pub const FIDO_USAGE_PAGE: u16 = 0xF1D0;
/// CTAPHID usage on that page.
pub const FIDO_USAGE_CTAPHID: u16 = 0x01;

/// A FIDO HID device as enumerated (not opened yet).
#[derive(Debug, Clone)]
pub struct UsbCandidate {
    pub descriptor: DeviceDescriptor,
    pub path: std::ffi::CString,
}

/// Every HID device with the FIDO usage page. Bus type and vendor are deliberately ignored:
/// hidapi reports uhid devices with odd bus types, and every vendor's key must work.
pub fn enumerate() -> Result<Vec<UsbCandidate>, TransportError> {
    let api = hidapi::HidApi::new().map_err(|e| TransportError::Other(format!("cannot list HID devices: {e}")))?;
    let mut found: Vec<UsbCandidate> = api
        .device_list()
        .filter(|info| info.usage_page() == FIDO_USAGE_PAGE && info.usage() == FIDO_USAGE_CTAPHID)
        .map(|info| {
            let path_text = info.path().to_string_lossy().into_owned();
            let serial = info.serial_number().unwrap_or_default();
            let stable = if serial.is_empty() { path_text.clone() } else { serial.to_string() };
            let product = info.product_string().unwrap_or_default().to_string();
            UsbCandidate {
                descriptor: DeviceDescriptor {
                    id: DeviceId(format!("usb:{:04x}:{:04x}:{stable}", info.vendor_id(), info.product_id())),
                    transport: TransportKind::Usb,
                    product,
                    simulated: false,
                },
                path: info.path().to_owned(),
            }
        })
        .collect();
    found.sort_by(|a, b| a.descriptor.id.cmp(&b.descriptor.id));
    found.dedup_by(|a, b| a.descriptor.id == b.descriptor.id);
    Ok(found)
}

/// Opens an enumerated key. A permission problem is reported as such, with the udev fix.
pub fn open(candidate: &UsbCandidate) -> Result<HidLink<UsbPipe>, TransportError> {
    let path_text = candidate.path.to_string_lossy().into_owned();
    // hidapi folds every open failure into one message; asking the OS directly tells
    // "no permission" apart from "gone".
    if let Err(error) = std::fs::OpenOptions::new().read(true).write(true).open(&path_text) {
        return Err(match error.kind() {
            std::io::ErrorKind::PermissionDenied => TransportError::NoPermission { path: path_text },
            std::io::ErrorKind::NotFound => TransportError::Disconnected,
            _ => TransportError::Io { context: format!("opening {path_text}"), source: error },
        });
    }
    let api = hidapi::HidApi::new().map_err(|e| TransportError::Other(format!("cannot use hidapi: {e}")))?;
    let device = api
        .open_path(&candidate.path)
        .map_err(|e| TransportError::Other(format!("cannot open {path_text}: {e}")))?;
    Ok(HidLink::new(candidate.descriptor.clone(), UsbPipe { device }))
}

/// An opened hidraw device.
pub struct UsbPipe {
    device: hidapi::HidDevice,
}

impl std::fmt::Debug for UsbPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsbPipe").finish_non_exhaustive()
    }
}

impl ReportPipe for UsbPipe {
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        // hidapi expects the report ID first; FIDO devices use none, written as 0x00.
        self.device.write(&report_id::with_report_id(report)).map(drop).map_err(|_| TransportError::Disconnected)
    }

    fn read_report(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        let mut buffer = [0u8; 64];
        let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
        match self.device.read_timeout(&mut buffer, millis) {
            Ok(0) => Ok(None),
            Ok(n) => Ok(Some(buffer.get(..n).unwrap_or_default().to_vec())),
            Err(_) => Err(TransportError::Disconnected),
        }
    }
}
