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
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use support::TestApp;
use keydesk_testkit::Xvfb;

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


/// Shows `png` with its top left corner at (`x`, `y`) on the display.
fn show(xvfb: &Xvfb, png: &[u8], x: i16, y: i16) {
    let picture = image::load_from_memory(png).expect("QR PNG").into_luma8();
    xvfb.paint_gray(picture.as_raw(), u16::try_from(picture.width()).unwrap(), x, y).expect("paint");
}

/// The app on the mock runtime, capturing `display`, with an unlocked vault.
fn app(display: &str, dir: &std::path::Path) -> TestApp {
    support::create_vault(dir, PASSWORD);
    let registry = Registry::with_scanner(None, support::no_hardware());
    let mut state = AppState::new(registry, Options { data_dir: Some(dir.to_path_buf()), ..Options::default() });
    state.codes = Arc::new(CodesState::default().capturing_x11_display(display));
    let app = TestApp::new(state);
    app.ok("codes_unlock_password", json!({"password": PASSWORD}));
    app
}

#[test]
fn a_qr_code_on_the_screen_is_previewed_then_added_and_a_blank_screen_is_said_precisely() {
    let xvfb = Xvfb::start(800, 600).expect("Xvfb");
    let dir = tempfile::tempdir().unwrap();
    let app = app(xvfb.display(), dir.path());

    // Nothing on the screen yet.
    let blank = app.invoke("codes_add_screen", json!({})).unwrap_err();
    assert_eq!(blank["kind"], "no_qr_on_screen", "{blank}");
    assert_eq!(blank["message"], "No readable QR code found on screen: show it fully and try again.");

    show(&xvfb, &keydesk_otp::qr::encode_png(URI, 4).unwrap(), 200, 120);
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
