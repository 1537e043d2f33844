//! `keydesk codes add --screen` reads a QR code shown on a real X display: the test starts
//! Xvfb, paints an otpauth QR code onto its root window through the X protocol, and the
//! keydesk binary captures the screen and adds the account. Needs the Debian package xvfb.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use x11rb::connection::Connection;
use x11rb::wrapper::ConnectionExt as _;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat};

const URI: &str = "otpauth://totp/ACME:carol@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

/// Xvfb on a display of its own; killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        // A display number unlikely to be taken by a desktop session on a developer machine.
        let number = 90 + std::process::id() % 100;
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            // -noreset: an X server resets (and clears the screen) when its last client leaves.
            .args([display.as_str(), "-screen", "0", "640x480x24", "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (Debian package xvfb) must be installed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while x11rb::connect(Some(&display)).is_err() {
            assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, display }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Paints `png` at (40, 40) on the root window (32-bit BGRX pixels, as Xvfb at depth 24 uses).
fn paint(display: &str, png: &[u8]) {
    let image = image::load_from_memory(png).expect("QR PNG").into_luma8();
    let (conn, screen_number) = x11rb::connect(Some(display)).expect("connect");
    let root = conn.setup().roots[screen_number].root;
    let depth = conn.setup().roots[screen_number].root_depth;
    let gc = conn.generate_id().expect("id");
    conn.create_gc(gc, root, &CreateGCAux::new()).expect("gc");
    let data: Vec<u8> = image.pixels().flat_map(|p| [p.0[0], p.0[0], p.0[0], 0]).collect();
    let (w, h) = (u16::try_from(image.width()).unwrap(), u16::try_from(image.height()).unwrap());
    conn.put_image(ImageFormat::Z_PIXMAP, root, gc, w, h, 40, 40, 0, depth, &data).expect("put_image");
    conn.sync().expect("sync");
}

#[test]
fn an_account_is_added_from_a_qr_code_on_the_screen() {
    let xvfb = Xvfb::start();
    let png = keydesk_otp::qr::encode_png(URI, 4).expect("QR");
    paint(&xvfb.display, &png);

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
            .env("DISPLAY", &xvfb.display)
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
    let blank = Xvfb::start();
    let output = Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .args(["codes", "add", "--screen", "--vault"])
        .arg(&vault)
        .env("KEYDESK_VAULT_PASSWORD", "vault password")
        .env("DISPLAY", &blank.display)
        .stdin(Stdio::null())
        .output()
        .expect("keydesk");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no readable QR code"), "{}", String::from_utf8_lossy(&output.stderr));
}
