//! Add by screen capture, through the real command on a real X server: the test starts Xvfb,
//! paints an otpauth QR code onto its root window through the X protocol, and
//! `codes_add_screen` captures that display in Rust, previews the account (nothing added),
//! and `codes_import_apply` adds it; its code then matches an independent RFC 6238
//! computation. A blank screen gives the precise `no_qr_on_screen` error.
//! Needs the Debian package xvfb (as the CLI's codes_screen test and the app's e2e do).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use hmac::{Hmac, KeyInit, Mac};
use keydesk_desktop::commands::codes::CodesState;
use keydesk_desktop::registry::Registry;
use keydesk_desktop::state::{AppState, Options};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::TestApp;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat};
use x11rb::wrapper::ConnectionExt as _;

mod support;

const PASSWORD: &str = "vault password";
const URI: &str = "otpauth://totp/ACME:erin@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME";
/// The secret of `URI`, RFC 6238 Appendix B's SHA-1 seed.
const SEED: &[u8] = b"12345678901234567890";

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), computed here with hmac + sha1.
fn rfc6238(unix_time: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SEED).unwrap();
    mac.update(&(unix_time / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:06}", value % 1_000_000)
}

/// Xvfb on a display of its own; killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        // Away from the CLI test's (90..190) and keydesk-codes' (300..500) displays.
        let number = 500 + std::process::id() % 200;
        let display = format!(":{number}");
        let child = Command::new("Xvfb")
            // -noreset: an X server resets (and clears the screen) when its last client leaves.
            .args([display.as_str(), "-screen", "0", "800x600x24", "-nolisten", "tcp", "-noreset"])
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

    /// Paints `png` at (`x`, `y`) on the root window (32-bit BGRX pixels at depth 24), in
    /// bands of rows so that no request exceeds the core protocol's size limit.
    fn paint(&self, png: &[u8], x: i16, y: i16) {
        let image = image::load_from_memory(png).expect("QR PNG").into_luma8();
        let (conn, screen_number) = x11rb::connect(Some(&self.display)).expect("connect");
        let screen = &conn.setup().roots[screen_number];
        let (root, depth) = (screen.root, screen.root_depth);
        let gc = conn.generate_id().expect("id");
        conn.create_gc(gc, root, &CreateGCAux::new()).expect("gc");
        let width = u16::try_from(image.width()).unwrap();
        for (band, rows) in image.as_raw().chunks(usize::from(width) * 64).enumerate() {
            let data: Vec<u8> = rows.iter().flat_map(|&luma| [luma, luma, luma, 0]).collect();
            let height = u16::try_from(rows.len() / usize::from(width)).unwrap();
            let top = y + i16::try_from(band * 64).unwrap();
            conn.put_image(ImageFormat::Z_PIXMAP, root, gc, width, height, x, top, 0, depth, &data).expect("put_image");
        }
        conn.sync().expect("sync");
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app on the mock runtime, capturing `display`, with an unlocked vault.
fn app(display: &str, dir: &std::path::Path) -> TestApp {
    let kdf = keydesk_otp::vault::PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    drop(keydesk_codes::open::create(&dir.join("codes.vault"), &keydesk_codes::SecretString::from(PASSWORD), kdf).unwrap());
    let registry = Registry::with_scanner(None, support::no_hardware());
    let mut state = AppState::new(registry, Options { data_dir: Some(dir.to_path_buf()), ..Options::default() });
    state.codes = Arc::new(CodesState::default().capturing_x11_display(display));
    let app = TestApp::new(state);
    app.ok("codes_unlock_password", json!({"password": PASSWORD}));
    app
}

#[test]
fn a_qr_code_on_the_screen_is_previewed_then_added_and_a_blank_screen_is_said_precisely() {
    let xvfb = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let app = app(&xvfb.display, dir.path());

    // Nothing on the screen yet.
    let blank = app.invoke("codes_add_screen", json!({})).unwrap_err();
    assert_eq!(blank["kind"], "no_qr_on_screen", "{blank}");
    assert_eq!(blank["message"], "No readable QR code found on screen: show it fully and try again.");

    xvfb.paint(&keydesk_otp::qr::encode_png(URI, 4).unwrap(), 200, 120);
    let preview = app.invoke("codes_add_screen", json!({})).unwrap();
    let entries = preview["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{preview}");
    assert_eq!((entries[0]["action"].as_str(), entries[0]["account"]["issuer"].as_str(), entries[0]["account"]["name"].as_str()), (Some("new"), Some("ACME"), Some("erin@example.com")));
    assert!(!preview.to_string().contains("GEZDGNBV"), "the secret stays in Rust: {preview}");
    let list = || app.ok("codes_list", json!({"search": null, "tag": null}));
    assert_eq!(list()["accounts"], json!([]), "a preview adds nothing");

    let applied = app.ceremony("codes_import_apply", "screen-1", json!({"preview_id": preview["preview_id"], "include": [0]})).unwrap();
    assert_eq!(applied["imported"].as_array().unwrap().len(), 1);
    let listed = list();
    let time = listed["unix_time"].as_u64().unwrap();
    assert_eq!(listed["accounts"][0]["name"], "erin@example.com");
    assert_eq!(listed["accounts"][0]["code"].as_str().unwrap(), rfc6238(time), "the captured account gives RFC 6238 codes");
    assert!(time.abs_diff(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()) < 60);

    // Scanned again: the preview says it is already there.
    let again = app.invoke("codes_add_screen", json!({})).unwrap();
    assert_eq!(again["entries"][0]["action"], "duplicate");
}
