//! The same scenarios through the transport's in-memory virtual key devices
//! (`keydesk_transport::memory`) over each framing, CTAPHID, ISO 7816 and BLE, on the real
//! clock, with the user's finger played by a thread that touches the key while it waits.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Error, MakeCredentialArgs, Pin, PinReason};
use keydesk_framing::ble::BleDeviceConfig;
use keydesk_transport::memory::{self, Adapter, VirtualKeyHandle};
use keydesk_transport::Device;
use keydesk_virtual_key::{Authenticator, KeyRng};
use support::{config, TestUi};

/// Touches the key whenever it waits, until dropped.
struct Finger {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Finger {
    fn new<A: Adapter + 'static>(handle: VirtualKeyHandle<A>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                if handle.is_waiting_for_touch() {
                    handle.touch();
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Finger {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn key() -> Authenticator {
    Authenticator::new(config(), KeyRng::seeded(17), Duration::ZERO)
}

fn scenario<D: Device>(device: D) -> Result<(), Error> {
    let mut client = Client::new(device);
    client.set_pin(&Pin::new("1234"))?;
    let mut args = MakeCredentialArgs::new(
        [8; 32],
        RpEntity::new("example.com"),
        UserEntity::new(b"memory".to_vec()),
    );
    args.resident_key = true;
    let mut ui = TestUi::with_pins(&["1234"]);
    client.make_credential(&args, &mut ui)?;
    assert_eq!(ui.touches, 1, "keepalive UP_NEEDED reported once");
    let mut ui = TestUi::with_pins(&["4321", "1234"]);
    let list = client.list_passkeys(&mut ui)?;
    assert_eq!(list.capacity.existing, 1);
    assert_eq!(ui.pin_requests[1].reason, PinReason::WrongPin);
    assert_eq!(ui.pin_requests[1].retries_left, Some(7));
    Ok(())
}

#[test]
fn over_ctaphid() -> Result<(), Error> {
    let (device, handle) = memory::hid(key(), "hid");
    let _finger = Finger::new(handle);
    scenario(device)
}

#[test]
fn over_iso7816() -> Result<(), Error> {
    let (device, handle) = memory::card(key(), "card").map_err(Error::Transport)?;
    let _finger = Finger::new(handle);
    scenario(device)
}

#[test]
fn over_ble() -> Result<(), Error> {
    let (device, handle) =
        memory::ble(key(), "ble", BleDeviceConfig::default()).map_err(Error::Transport)?;
    let _finger = Finger::new(handle);
    scenario(device)
}
