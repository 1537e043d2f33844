//! One place that lists and opens every authenticator: the hardware keys of
//! `keydesk_transport::discovery` and "this computer".

use keydesk_transport::discovery::{self, Inventory, Problem};
use keydesk_transport::{Device, DeviceId, TransportError, TransportKind};

use crate::error::PlatformError;
use crate::platform::{descriptor, ThisComputer, DEVICE_ID};

/// Why [`open_any`] could not open a device.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    #[error(transparent)]
    ThisComputer(#[from] PlatformError),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// Every authenticator: USB and NFC keys, then "this computer" (the user's own, see
/// [`ThisComputer::for_user`]). Nothing is unlocked, prompted for or created: a keyring
/// problem is listed as a [`Problem`] (transport `Internal`, its detail the sentence to show)
/// and "this computer" is then left out; other devices are still listed.
pub fn scan_all() -> Inventory {
    scan_with(ThisComputer::for_user())
}

/// [`scan_all`] with "this computer" at another place (tests, front ends keeping data elsewhere).
pub fn scan_with(this_computer: Result<ThisComputer, PlatformError>) -> Inventory {
    let mut inventory = discovery::scan();
    match this_computer.and_then(|this| this.check()) {
        Ok(()) => inventory.devices.push(descriptor()),
        Err(error) => inventory.problems.push(problem(&error)),
    }
    inventory
}

/// The [`Problem`] that hides "this computer": its detail is the complete sentence.
pub fn problem(error: &PlatformError) -> Problem {
    Problem::ScanFailed { transport: TransportKind::Internal, detail: error.to_string() }
}

/// Whether `id` names "this computer".
pub fn is_this_computer(id: &DeviceId) -> bool {
    id.0 == DEVICE_ID
}

/// Opens a device listed by [`scan_all`]: "this computer" (which may ask the OS to unlock the
/// keyring) or a hardware key through `keydesk_transport::discovery::open`.
pub fn open_any(id: &DeviceId) -> Result<Box<dyn Device>, OpenError> {
    open_with(id, ThisComputer::for_user())
}

/// [`open_any`] with "this computer" at another place.
pub fn open_with(id: &DeviceId, this_computer: Result<ThisComputer, PlatformError>) -> Result<Box<dyn Device>, OpenError> {
    if is_this_computer(id) {
        return Ok(Box::new(this_computer?.open()?));
    }
    Ok(discovery::open(id)?)
}
