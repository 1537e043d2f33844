//! Our host (keydesk-transport's hidapi adapter + keydesk-ctap-client) over real hidraw: the
//! shared ceremony sequence of [`keydesk_guest_test::ceremonies`], then the key unplugged
//! mid-operation.

use std::time::Duration;

use keydesk_ctap_client::Client;
use keydesk_guest_test::ceremonies::{key_waits_for_touch, Script};
use keydesk_guest_test::report::{check, report};
use keydesk_transport::hid::usb::{open, UsbPipe, FIDO_USAGE_PAGE};
use keydesk_transport::hid::HidLink;
use keydesk_virtual_key::PresencePolicy;

use crate::served::ServedKey;

pub const SCRIPT: Script = Script { prefix: "ours", rp: "guest.example" };

pub type HidClient = Client<HidLink<UsbPipe>>;

pub fn connect(served: &ServedKey) -> Result<HidClient, String> {
    Ok(Client::new(open(&served.candidate()?).map_err(|e| e.to_string())?))
}

pub fn run() {
    let mut served = match ServedKey::start(PresencePolicy::ApproveAll) {
        Ok(served) => served,
        Err(why) => {
            report("ours_enumerate_by_usage_page", Err(why));
            return;
        }
    };
    report("ours_enumerate_by_usage_page", (|| {
        let found = served.candidate()?;
        let path = found.path.to_string_lossy().into_owned();
        check(path.starts_with("/dev/hidraw"), format!("path {path}"))?;
        // Found through usage page 0xF1D0 (enumerate filters on nothing else).
        check(FIDO_USAGE_PAGE == 0xF1D0, "usage page constant")
    })());
    let mut client = match connect(&served) {
        Ok(client) => client,
        Err(why) => {
            report("ours_get_info", Err(why));
            return;
        }
    };
    SCRIPT.run(&mut client, &|policy| served.set_presence(policy), &mut report);
    served.set_presence(PresencePolicy::WaitForTouch);
    let unplug = || {
        key_waits_for_touch(|| served.is_waiting_for_touch())?;
        served.unplug()
    };
    report("ours_unplugged_mid_operation", SCRIPT.removed_mid_operation(&mut client, unplug, Duration::from_secs(3)));
}
