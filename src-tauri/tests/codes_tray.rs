//! The tray's pinned codes: the pure function (accounts + time -> lines) against an independent
//! RFC 6238 computation, and the real tray menu (built on Tauri's mock runtime, read back item
//! by item) following pin, unpin, lock and unlock on its own, with a click copying the code
//! and the clipboard cleared afterwards from Rust.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use hmac::{Hmac, KeyInit, Mac};
use keydesk_codes::clipboard::Clipboard;
use keydesk_codes::pinned::{pinned_codes, PinnedValue};
use keydesk_desktop::commands::codes::CodesState;
use keydesk_desktop::registry::Registry;
use keydesk_desktop::state::{AppState, Options};
use keydesk_desktop::tray;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use support::TestApp;
use tauri::Manager;

mod support;

const PASSWORD: &str = "vault password";
/// RFC 6238 Appendix B's SHA-1 seed, "12345678901234567890".
const SEED: &[u8] = b"12345678901234567890";
const RFC6238_URI: &str = "otpauth://totp/RFC:6238?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=RFC";
const ALICE: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const BOB_HOTP: &str = "otpauth://hotp/Home:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";
/// The menu items that are always there.
const FIXED: [&str; 2] = ["Show KeyDesk", "Quit"];

/// A TOTP with a 1-second period, so that a test sees periods roll over.
const FAST: &str = "otpauth://totp/Fast:tick?secret=JBSWY3DPEHPK3PXP&issuer=Fast&period=1";
/// JBSWY3DPEHPK3PXP decoded.
const ALICE_SECRET: &[u8] = b"Hello!\xde\xad\xbe\xef";

/// RFC 6238 TOTP (SHA-1, `digits`, 30 s) computed here, independently of keydesk-otp.
fn rfc6238(secret: &[u8], unix_time: u64, digits: u32) -> String {
    hotp(secret, unix_time / 30, digits)
}

/// RFC 6238 TOTP with 6 digits and `period` seconds.
fn totp(secret: &[u8], unix_time: u64, period: u64) -> String {
    hotp(secret, unix_time / period, 6)
}

/// RFC 4226 HOTP, computed here with hmac + sha1.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:0width$}", value % 10u32.pow(digits), width = digits as usize)
}

/// "123456" as the tray groups it.
fn grouped(code: &str) -> String {
    format!("{} {}", &code[..3], &code[3..])
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn account(uri: &str, pinned: bool) -> keydesk_otp::Account {
    let mut account = keydesk_otp::uri::parse(uri).unwrap().account;
    account.pinned = pinned;
    account
}

#[test]
fn pinned_codes_are_rfc_6238_codes_and_hotp_is_never_advanced() {
    let rfc = account(&format!("{RFC6238_URI}&digits=8"), true);
    let alice = account(ALICE, false);
    let bob = account(BOB_HOTP, true);
    // RFC 6238 Appendix B's times (SHA-1 rows) and a period boundary.
    for time in [59, 1_111_111_109, 1_111_111_111, 1_234_567_890, 2_000_000_000, 20_000_000_000, 89, 90] {
        let lines = pinned_codes([&rfc, &alice, &bob], time);
        assert_eq!(lines.len(), 2, "only pinned accounts, in the given order");
        assert_eq!(lines[0].label, "RFC: 6238");
        assert_eq!(lines[0].value, PinnedValue::Code(rfc6238(SEED, time, 8)), "at {time}");
        assert_eq!(lines[0].seconds_remaining, Some(u32::try_from(30 - time % 30).unwrap()));
        assert_eq!((lines[1].label.as_str(), &lines[1].value, lines[1].seconds_remaining), ("Home: bob", &PinnedValue::PressToGenerate, None));
        assert_eq!(lines[1].menu_text(), "Home: bob   press to generate");
    }
    // Appendix B's published values, as a check on the independent computation itself.
    assert_eq!(rfc6238(SEED, 59, 8), "94287082");
    assert_eq!(rfc6238(SEED, 1_111_111_109, 8), "07081804");
    assert_eq!(pinned_codes([&rfc], 59)[0].menu_text(), "RFC: 6238   9428 7082");
    // The period rolls over between 89 and 90: the line changes exactly there.
    let value = |time| pinned_codes([&rfc], time)[0].value.clone();
    assert_eq!(value(60), value(89));
    assert_ne!(value(89), value(90));
    assert!(matches!(bob.kind, keydesk_otp::OtpKind::Hotp { counter: 0 }), "listing left the counter alone");
}

/// A clipboard in memory the test can look into.
#[derive(Debug, Clone, Default)]
struct FakeClipboard(Arc<Mutex<Option<String>>>);

impl FakeClipboard {
    fn get(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
    fn put(&self, text: &str) {
        *self.0.lock().unwrap() = Some(text.to_owned());
    }
}

impl Clipboard for FakeClipboard {
    fn text(&mut self) -> Result<Option<String>, String> {
        Ok(self.get())
    }
    fn set_sensitive_text(&mut self, text: &str) -> Result<(), String> {
        self.put(text);
        Ok(())
    }
    fn clear(&mut self) -> Result<(), String> {
        *self.0.lock().unwrap() = None;
        Ok(())
    }
}

/// The app on the mock runtime with an unlocked vault (small Argon2 parameters), a fake
/// clipboard cleared 300 ms after a copy, and no tray refresher unless a test starts one.
struct App {
    test: TestApp,
    _dir: tempfile::TempDir,
    clipboard: FakeClipboard,
}

const CLEAR_AFTER: Duration = Duration::from_millis(300);

impl App {
    fn unlocked() -> Self {
        let dir = tempfile::tempdir().unwrap();
        support::create_vault(dir.path(), PASSWORD);
        let registry = Registry::with_scanner(None, support::no_hardware());
        let options = Options { data_dir: Some(dir.path().to_path_buf()), ..Options::default() };
        let mut state = AppState::new(registry, options);
        let clipboard = FakeClipboard::default();
        state.codes = Arc::new(CodesState::with_clipboard_cleared_after(Box::new(clipboard.clone()), CLEAR_AFTER));
        let app = Self { test: TestApp::new(state), _dir: dir, clipboard };
        app.ok("codes_unlock_password", json!({"password": PASSWORD}));
        app
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.test.ok(cmd, args)
    }

    fn handle(&self) -> &tauri::AppHandle<tauri::test::MockRuntime> {
        self.test.app.handle()
    }

    fn add(&self, uri: &str) -> String {
        self.ok("codes_add_uri", json!({"uri": uri, "issuer": null, "name": null}))["added"][0]["id"].as_str().unwrap().to_owned()
    }

    fn menu(&self) -> Vec<String> {
        tray::menu_texts(self.handle()).unwrap()
    }

    /// The menu once `wanted` holds, polling up to `limit` (the refresher works on its own).
    fn menu_when(&self, limit: Duration, wanted: impl Fn(&[String]) -> bool) -> Vec<String> {
        let start = Instant::now();
        loop {
            let menu = self.menu();
            if wanted(&menu) || start.elapsed() > limit {
                return menu;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn counter(&self, id: &str) -> u64 {
        let list = self.ok("codes_list", json!({"search": null, "tag": null}));
        list["accounts"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap()["counter"].as_u64().unwrap()
    }
}

/// The tray line of the RFC 6238 account at one of the instants around now (a test may
/// straddle a period boundary).
fn rfc_line_now(menu: &[String]) -> bool {
    let time = now();
    [time.saturating_sub(1), time, time + 1].iter().any(|&t| menu.iter().any(|item| item == &format!("RFC: 6238   {}", grouped(&rfc6238(SEED, t, 6)))))
}

#[test]
fn pinning_puts_the_current_code_in_the_tray_menu_and_locking_removes_it() {
    let app = App::unlocked();
    let rfc = app.add(RFC6238_URI);
    let bob = app.add(BOB_HOTP);
    app.add(ALICE);
    tray::refresh(app.handle()).unwrap();
    assert_eq!(app.menu(), FIXED, "nothing pinned: only the fixed items");

    app.ok("codes_pin", json!({"id": rfc, "pinned": true}));
    let menu = app.menu();
    assert_eq!(menu.len(), 3, "{menu:?}");
    assert!(rfc_line_now(&menu), "{menu:?}");
    assert_eq!(menu[1..], FIXED);

    app.ok("codes_pin", json!({"id": bob, "pinned": true}));
    let menu = app.menu();
    assert!(menu.contains(&"Home: bob   press to generate".to_owned()), "{menu:?}");
    assert!(!menu.iter().any(|m| m.starts_with("ACME")), "unpinned accounts stay out: {menu:?}");
    assert_eq!(app.counter(&bob), 0, "showing HOTP in the tray does not advance its counter");
    assert!(!tray::refresh(app.handle()).unwrap() || rfc_line_now(&app.menu()), "an unchanged menu is not rebuilt");

    app.ok("codes_pin", json!({"id": bob, "pinned": false}));
    assert!(!app.menu().iter().any(|m| m.starts_with("Home")));

    app.ok("codes_lock", json!({}));
    assert_eq!(app.menu(), FIXED, "a locked vault shows no codes in the tray");
    assert!(tray::pinned_lines(&app.handle().state::<AppState>(), now()).is_empty());
}

#[test]
fn the_refresher_follows_the_vault_and_the_clock_without_the_window() {
    let app = App::unlocked();
    let rfc = app.add(RFC6238_URI);
    let fast = app.add(FAST);
    app.ok("codes_pin", json!({"id": rfc, "pinned": true}));
    app.ok("codes_pin", json!({"id": fast, "pinned": true}));
    app.ok("codes_lock", json!({}));
    assert_eq!(app.menu(), FIXED);
    tray::spawn_refresher(app.handle().clone());
    // Unlocking does not touch the tray itself: the refresher notices within a second.
    app.ok("codes_unlock_password", json!({"password": PASSWORD}));
    let menu = app.menu_when(Duration::from_secs(3), rfc_line_now);
    assert!(rfc_line_now(&menu), "{menu:?}");
    // A period rolls over: the refresher puts the new code in the menu by itself.
    let fast_line = |menu: &[String]| menu.iter().find(|m| m.starts_with("Fast")).cloned().unwrap_or_default();
    let first = fast_line(&menu);
    let later = app.menu_when(Duration::from_secs(4), |m| !fast_line(m).is_empty() && fast_line(m) != first);
    let changed = fast_line(&later);
    assert_ne!(changed, first, "the 1-second code changed in the menu: {later:?}");
    let time = now();
    let expected: Vec<String> = (time.saturating_sub(2)..=time).map(|t| format!("Fast: tick   {}", grouped(&totp(ALICE_SECRET, t, 1)))).collect();
    assert!(expected.contains(&changed), "{changed} is an RFC 6238 code of the last seconds: {expected:?}");
}

#[test]
fn a_click_on_a_pinned_code_copies_it_and_rust_clears_it_later() {
    let app = App::unlocked();
    let rfc = app.add(RFC6238_URI);
    let bob = app.add(BOB_HOTP);
    app.ok("codes_pin", json!({"id": rfc, "pinned": true}));
    app.ok("codes_pin", json!({"id": bob, "pinned": true}));

    tray::activate(app.handle(), &format!("code:{rfc}"));
    let copied = app.clipboard.get().expect("the code was copied");
    let time = now();
    assert!([time.saturating_sub(1), time].iter().any(|&t| rfc6238(SEED, t, 6) == copied), "{copied}");
    std::thread::sleep(CLEAR_AFTER * 3);
    assert_eq!(app.clipboard.get(), None, "cleared after the delay, without the window");

    // HOTP: the click generates the next code (RFC 4226 Appendix D, counter 0 -> 755224).
    tray::activate(app.handle(), &format!("code:{bob}"));
    assert_eq!(app.clipboard.get().as_deref(), Some("755224"));
    assert_eq!(app.counter(&bob), 1);
    // The user copies something else before the delay ends: it is left alone.
    app.clipboard.put("the user's own text");
    std::thread::sleep(CLEAR_AFTER * 3);
    assert_eq!(app.clipboard.get().as_deref(), Some("the user's own text"));

    // A second copy restarts the delay: the first copy's timer does not clear it early.
    tray::activate(app.handle(), &format!("code:{bob}"));
    std::thread::sleep(CLEAR_AFTER / 2);
    app.ok("codes_copy", json!({"id": bob}));
    std::thread::sleep(CLEAR_AFTER * 2 / 3);
    assert_eq!(app.clipboard.get().as_deref(), Some("359152"), "RFC 4226 counter 2, still there");
    std::thread::sleep(CLEAR_AFTER);
    assert_eq!(app.clipboard.get(), None);

    // Locked meanwhile: nothing is copied (the window is shown instead).
    app.ok("codes_lock", json!({}));
    tray::activate(app.handle(), &format!("code:{rfc}"));
    assert_eq!(app.clipboard.get(), None);
}
