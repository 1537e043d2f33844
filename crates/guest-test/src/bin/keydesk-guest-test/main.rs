//! The test program of the QEMU guest (see the crate docs): serves the virtual key through
//! /dev/uhid and drives it over hidraw with our host, libfido2 and ctap-hid-fido2. One
//! `PASS <name>` / `FAIL <name>: <why>` line per test, `BENCH` lines, then `GUEST-DONE`.

mod bench;
mod libfido2;
mod ours;
mod peer;
mod permission;
mod served;

use keydesk_guest_test::report::DONE_MARKER;

fn main() {
    // The child started as an unprivileged user by the permission test.
    if std::env::args().nth(1).as_deref() == Some(permission::SCAN_COMMAND) {
        permission::print_scan();
        return;
    }
    ours::run();
    permission::run();
    libfido2::run();
    peer::run();
    bench::run();
    println!("{DONE_MARKER}");
}
