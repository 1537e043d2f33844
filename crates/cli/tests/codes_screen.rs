//! `keydesk codes add --screen` reads a QR code shown on a real X display: the test starts
//! Xvfb, paints an otpauth QR code onto its root window through the X protocol, and the
//! keydesk binary captures the screen and adds the account. Needs the Debian package xvfb.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_testkit::Xvfb;
use std::process::{Command, Stdio};

const URI: &str = "otpauth://totp/ACME:carol@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

/// Shows `png` at (40, 40) on the display.
fn paint(xvfb: &Xvfb, png: &[u8]) {
    let picture = image::load_from_memory(png).expect("QR PNG").into_luma8();
    xvfb.paint_gray(picture.as_raw(), u16::try_from(picture.width()).unwrap(), 40, 40).expect("paint");
}


#[test]
fn an_account_is_added_from_a_qr_code_on_the_screen() {
    let xvfb = Xvfb::start(640, 480).expect("Xvfb");
    let png = keydesk_otp::qr::encode_png(URI, 4).expect("QR");
    paint(&xvfb, &png);

    let dir = tempfile::tempdir().expect("temp dir");
    let vault = dir.path().join("codes.vault");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_keydesk"))
            .arg("codes")
            .args(args)
            .arg("--vault")
            .arg(&vault)
            .args(["--argon2-memory-kib", "64", "--argon2-iterations", "1"])
            .env("KEYDESK_VAULT_PASSWORD", "vault password")
            .env("DISPLAY", xvfb.display())
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .output()
            .expect("keydesk")
    };
    let added = run(&["add", "--screen", "--json"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let listed = run(&["list", "--json"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("carol@example.com"), "{}", String::from_utf8_lossy(&listed.stdout));

    // An empty screen is a clear error, and adds nothing.
    drop(xvfb);
    let blank = Xvfb::start(640, 480).expect("Xvfb");
    let output = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(["codes", "add", "--screen", "--vault"])
        .arg(&vault)
        .env("KEYDESK_VAULT_PASSWORD", "vault password")
        .env("DISPLAY", blank.display())
        .stdin(Stdio::null())
        .output()
        .expect("keydesk");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no readable QR code"), "{}", String::from_utf8_lossy(&output.stderr));
}
