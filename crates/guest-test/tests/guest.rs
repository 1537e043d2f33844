//! USB HID end to end (issue 8): boots the QEMU guest and requires a PASS for every guest test.
//! Needs qemu-system-x86, busybox-static, xz-utils, libudev-dev and apt access (cargo xtask
//! test installs them); a missing tool fails the test with what to install.

use keydesk_guest_test::harness::{run_guest, Layout};
use keydesk_guest_test::GUEST_TESTS;

#[test]
fn virtual_key_over_real_hidraw_in_a_qemu_guest() -> Result<(), String> {
    let layout = Layout::from_env();
    let run = run_guest(&layout)?;
    let t = &run.timings;
    eprintln!(
        "guest harness: packages {:.1?}, builds {:.1?}, initramfs {:.1?}, boot + tests {:.1?}",
        t.packages, t.build, t.initramfs, t.boot_and_tests
    );
    for line in &run.outcome.bench {
        eprintln!("guest bench: {line}");
    }
    let missing = run.outcome.missing(GUEST_TESTS);
    if missing.is_empty() && run.outcome.done && run.outcome.failed.is_empty() {
        return Ok(());
    }
    Err(format!(
        "guest tests without PASS: {missing:?}\nfailures: {:#?}\nrun complete: {}\nconsole (also in {}):\n{}",
        run.outcome.failed,
        run.outcome.done,
        layout.work.join("console.log").display(),
        run.console
    ))
}
