//! The USB HID end-to-end test in a QEMU guest (issue 8, crate `keydesk-guest-test`).
//!
//! The test itself is an ordinary integration test (`crates/guest-test/tests/guest.rs`), so
//! `cargo xtask test` runs it with the rest; this module installs what it needs on the host and
//! makes sure `apt-get download` can find the pinned kernel and the libfido2 tools.
//! `cargo xtask guest` runs only that test, with its console output shown.

use crate::cmd::{cargo, repo_root, run, Result};
use crate::system_packages::ensure;
use std::process::Command;

/// Host packages of the guest tests: QEMU (TCG, microvm), busybox for the guest's userland and
/// for `cpio`, xz for the kernel image, libudev headers for ctap-hid-fido2's hidapi C backend;
/// for the BLE guest the system bus daemon and the libraries of the pinned BlueZ's bluetoothd
/// (copied into the guest from the host).
pub const PACKAGES: &[&str] =
    &["qemu-system-x86", "busybox-static", "xz-utils", "libudev-dev", "dbus-daemon", "libglib2.0-0", "libdw1", "libasound2"];

/// Whether apt knows a downloadable candidate for `package` (package lists present).
fn apt_knows(package: &str) -> bool {
    Command::new("apt-cache")
        .args(["policy", package])
        .output()
        .map(|out| {
            let text = String::from_utf8_lossy(&out.stdout);
            text.lines().any(|l| l.trim().starts_with("Candidate:") && !l.contains("(none)"))
        })
        .unwrap_or(false)
}

/// Installs the host packages and refreshes apt's package lists when they cannot serve
/// `apt-get download` (a fresh machine has none).
pub fn prepare() -> Result {
    ensure(PACKAGES)?;
    if !apt_knows("fido2-tools") {
        eprintln!("xtask: apt package lists are missing or stale; running apt-get update");
        let mut update = if keydesk_testkit::is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        run(update.args(["update", "-q"]))?;
    }
    Ok(())
}

/// `cargo xtask guest [args]`: only the guest tests (USB and BLE), output shown.
pub fn guest(extra: &[String]) -> Result {
    prepare()?;
    run(cargo()
        .current_dir(repo_root())
        .args(["test", "-p", "keydesk-guest-test", "--test", "guest", "--test", "ble"])
        .args(extra)
        .args(["--", "--nocapture"]))
}
