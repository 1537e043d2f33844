//! # keydesk-uhid: a CTAPHID device served as a real HID device through Linux `/dev/uhid`
//!
//! [`UhidServer`] plugs in a HID device with the FIDO report descriptor (usage page 0xF1D0,
//! usage 0x01, 64-byte input and output reports, CTAP 2.1 §11.2.8.1) and pumps
//! `UHID_OUTPUT` → [`CtapHidDevice`] → `UHID_INPUT2`, emitting keepalives while the device waits
//! (e.g. for a touch). Every host on the machine (hidapi, libfido2, browsers) then sees an
//! ordinary USB security key on `/dev/hidrawN`. Dropping the server, or stopping its loop,
//! sends `UHID_DESTROY`: the key is unplugged, mid-operation if a host was waiting.
//!
//! The uhid events of `linux/uhid.h` are written and read as bytes ([`event`]); no `unsafe`,
//! no C. The virtual key's [`keydesk_virtual_key::HidKey`] implements [`CtapHidDevice`].
//!
//! ```no_run
//! use std::sync::{atomic::AtomicBool, Arc, Mutex};
//! use std::time::Duration;
//! use keydesk_framing::hid::DeviceConfig;
//! use keydesk_uhid::{DeviceIdentity, UhidServer};
//! use keydesk_virtual_key::{Authenticator, Config, HidKey, KeyRng};
//!
//! let key = Authenticator::new(Config::default(), KeyRng::os(), Duration::ZERO);
//! let device = Arc::new(Mutex::new(HidKey::new(key, DeviceConfig::default())));
//! let server = UhidServer::create(&DeviceIdentity::default(), device)?;
//! let stop = AtomicBool::new(false); // set from a signal handler or another thread
//! server.serve(&stop)?;
//! # Ok::<(), keydesk_uhid::UhidError>(())
//! ```

mod descriptor;
pub mod event;
mod server;

pub use descriptor::FIDO_REPORT_DESCRIPTOR;
pub use event::{DeviceIdentity, BUS_USB};
pub use server::{Clock, CtapHidDevice, UhidError, UhidServer, Waker};
