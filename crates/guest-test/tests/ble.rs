//! BLE end to end (issue 7): boots the QEMU guest with two virtual Bluetooth controllers, BlueZ
//! and the `keydesk-guest-ble` program, and requires a PASS for every name in
//! [`BLE_GUEST_TESTS`]: a test that did not run is a failure. Needs what the USB guest test needs
//! plus dbus-daemon and BlueZ's runtime libraries on the host (cargo xtask test installs them);
//! BlueZ itself comes from pinned Debian packages. For diagnosis, `KEYDESK_BLE_GUEST_ENV="BLE_LOGS=1
//! BLE_TRACE=1"` appends btvirt's and bluetoothd's logs to the console and traces every fragment.

use keydesk_guest_test::ble_harness::run_ble_guest;
use keydesk_guest_test::harness::Layout;
use keydesk_guest_test::{BLE_GUEST_TESTS, BLE_PASSKEY_GUEST_TESTS};

fn boot_and_check(guest_env: &str, console_name: &str, expected: &[&str]) -> Result<(), String> {
    let layout = Layout::from_env();
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_keydesk-guest-ble"));
    let run = run_ble_guest(&layout, binary, guest_env, console_name)?;
    let t = &run.timings;
    eprintln!("BLE guest harness ({console_name}): packages {:.1?}, initramfs {:.1?}, boot + tests {:.1?}", t.packages, t.initramfs, t.boot_and_tests);
    for line in &run.outcome.bench {
        eprintln!("BLE guest bench: {line}");
    }
    let missing = run.outcome.missing(expected);
    if missing.is_empty() && run.outcome.done && run.outcome.failed.is_empty() {
        return Ok(());
    }
    Err(format!(
        "BLE guest tests without PASS: {missing:?}\nfailures: {:#?}\nrun complete: {}\nconsole (also in {}):\n{}",
        run.outcome.failed,
        run.outcome.done,
        layout.work.join(console_name).display(),
        run.console
    ))
}

/// Both boots in one test: they share the guest's work directory, so they must not overlap.
#[test]
fn virtual_key_as_a_ble_peripheral_in_a_qemu_guest() -> Result<(), String> {
    let extra = std::env::var("KEYDESK_BLE_GUEST_ENV").unwrap_or_default();
    let ceremonies = boot_and_check(&extra, "console-ble.log", BLE_GUEST_TESTS);
    let passkey = boot_and_check(&format!("BLE_PAIRING=passkey {extra}"), "console-ble-passkey.log", BLE_PASSKEY_GUEST_TESTS);
    match (ceremonies, passkey) {
        (Ok(()), Ok(())) => Ok(()),
        (first, second) => Err(format!("{}\n{}", first.err().unwrap_or_default(), second.err().unwrap_or_default())),
    }
}
