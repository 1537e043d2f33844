//! End to end through real framing: the client over the transport's CTAPHID driver
//! (`keydesk_transport::hid::HidLink`) and an in-memory report pipe to the virtual key's
//! CTAPHID device side, with keepalives while it waits for a touch and CTAPHID_CANCEL.

mod support;

use std::time::Duration;

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Error, MakeCredentialArgs, Pin};
use keydesk_framing::hid::DeviceConfig;
use keydesk_transport::hid::{HidLink, ReportPipe};
use keydesk_transport::{DeviceDescriptor, DeviceId, TransportError, TransportKind};
use keydesk_virtual_key::device::HidKey;
use keydesk_virtual_key::{Authenticator, KeyRng};
use support::{config, TestUi};

/// CTAPHID_KEEPALIVE with the initialization-packet bit (CTAP 2.1 §11.2.9.1.5).
const KEEPALIVE: u8 = 0xbb;

/// Reports between the driver and the virtual key, on a simulated clock; the user touches
/// the key after the first keepalive.
struct MemoryPipe {
    key: HidKey,
    now: Duration,
    saw_keepalive: bool,
}

impl ReportPipe for MemoryPipe {
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError> {
        self.now += Duration::from_millis(1);
        self.key
            .handle_report(report, self.now)
            .map_err(|e| TransportError::Other(format!("{e:?}")))
    }

    fn read_report(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        if let Some(report) = self.key.poll_transmit() {
            if report.get(4) == Some(&KEEPALIVE) {
                self.saw_keepalive = true;
            }
            return Ok(Some(report));
        }
        self.now += timeout;
        if self.key.next_timeout().is_some_and(|t| t <= self.now) {
            self.key.handle_timeout(self.now);
        }
        if self.saw_keepalive && self.key.key().is_waiting_for_presence() {
            self.saw_keepalive = false;
            self.key.touch(self.now);
        }
        Ok(self.key.poll_transmit())
    }
}

fn hid_client() -> Client<HidLink<MemoryPipe>> {
    let key = Authenticator::new(config(), KeyRng::seeded(11), Duration::ZERO);
    let pipe = MemoryPipe {
        key: HidKey::new(key, DeviceConfig::default()),
        now: Duration::ZERO,
        saw_keepalive: false,
    };
    let descriptor = DeviceDescriptor {
        id: DeviceId("virtual:hid".to_owned()),
        transport: TransportKind::Usb,
        product: "KeyDesk virtual key".to_owned(),
        simulated: true,
    };
    Client::new(HidLink::new(descriptor, pipe))
}

fn registration(user: &[u8]) -> MakeCredentialArgs {
    let mut args = MakeCredentialArgs::new(
        [6; 32],
        RpEntity::new("example.com"),
        UserEntity::new(user.to_vec()),
    );
    args.resident_key = true;
    args
}

#[test]
fn pin_registration_and_listing_over_ctaphid() -> Result<(), Error> {
    let mut client = hid_client();
    client.set_pin(&Pin::new("1234"))?;
    let mut ui = TestUi::with_pins(&["1234"]);
    client.make_credential(&registration(b"alice"), &mut ui)?;
    assert_eq!(
        ui.touches, 1,
        "the keepalive UP_NEEDED became one touch event"
    );
    let mut ui = TestUi::with_pins(&["0000", "1234"]);
    let list = client.list_passkeys(&mut ui)?;
    assert_eq!(list.capacity.existing, 1);
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!(ui.pin_requests[1].retries_left, Some(7));
    Ok(())
}

#[test]
fn cancel_while_waiting_for_a_touch_over_ctaphid() -> Result<(), Error> {
    let mut client = hid_client();
    let mut ui = TestUi {
        cancel_now: true,
        ..TestUi::default()
    };
    let err = client.make_credential(&registration(b"bob"), &mut ui).err();
    assert!(matches!(err, Some(Error::Cancelled)), "{err:?}");
    // The key is usable afterwards.
    let mut ui = TestUi::default();
    client.make_credential(&registration(b"bob"), &mut ui)?;
    Ok(())
}
