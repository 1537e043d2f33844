//! Every Codes command through Tauri's real invoke path (mock runtime, the real capability file
//! and ACL), with arguments named and shaped as ui/src/codes/api.ts sends them. Errors are
//! checked as the UI receives them: `{kind, message}`. The vault lives in a temp data dir;
//! codes are checked against an independent RFC 6238 computation (hmac + sha1 here).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use hmac::{Hmac, KeyInit, Mac};
use keydesk_codes::clipboard::Clipboard;
use keydesk_desktop::commands::codes::CodesState;
use keydesk_desktop::registry::SIMULATED_ID;
use keydesk_desktop::state::{AppState, Options};
use serde_json::{json, Value};
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use support::TestApp;

mod support;

const PASSWORD: &str = "vault password";
/// RFC 6238 Appendix B's SHA-1 seed, "12345678901234567890".
const SEED: &[u8] = b"12345678901234567890";
const RFC6238_URI: &str = "otpauth://totp/RFC:6238?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=RFC";
const ALICE: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";
const BOB_HOTP: &str = "otpauth://hotp/Home:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0";

/// RFC 6238 TOTP (SHA-1, 6 digits, 30 s) computed here, independently of keydesk-otp.
fn rfc6238(secret: &[u8], unix_time: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&(unix_time / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:06}", value % 1_000_000)
}

/// A clipboard in memory the test can look into.
#[derive(Debug, Clone, Default)]
struct FakeClipboard(Arc<Mutex<Option<String>>>);

impl Clipboard for FakeClipboard {
    fn text(&mut self) -> Result<Option<String>, String> {
        Ok(self.0.lock().unwrap().clone())
    }
    fn set_sensitive_text(&mut self, text: &str) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(text.to_owned());
        Ok(())
    }
    fn clear(&mut self) -> Result<(), String> {
        *self.0.lock().unwrap() = None;
        Ok(())
    }
}

struct App {
    test: TestApp,
    dir: tempfile::TempDir,
    clipboard: FakeClipboard,
}

/// `app.ok(..)`, `app.kind(..)`, `app.ceremony(..)`: the shared helpers of tests/support.
impl std::ops::Deref for App {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.test
    }
}

impl App {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let options = Options { data_dir: Some(dir.path().to_path_buf()), ..Options::default() };
        let mut state = AppState::new(support::simulated_registry(), options);
        let clipboard = FakeClipboard::default();
        state.codes = Arc::new(CodesState::with_clipboard(Box::new(clipboard.clone())));
        Self { test: TestApp::new(state), dir, clipboard }
    }

    /// A new app whose vault already exists with small Argon2 parameters (the command creates
    /// it with RFC 9106's defaults; that path is tested once, in the lifecycle test).
    fn unlocked() -> Self {
        let app = Self::new();
        support::create_vault(app.dir.path(), PASSWORD);
        app.ok("codes_unlock_password", json!({"password": PASSWORD}));
        app
    }

    fn add(&self, uri: &str) -> String {
        let report = self.ok("codes_add_uri", json!({"uri": uri, "issuer": null, "name": null}));
        report["added"][0]["id"].as_str().unwrap().to_owned()
    }

    fn list(&self) -> Value {
        self.ok("codes_list", json!({"search": null, "tag": null}))
    }

    fn names(&self) -> Vec<String> {
        self.list()["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_owned()).collect()
    }
}

#[test]
fn the_vault_is_created_locked_and_unlocked_with_its_password() {
    let app = App::new();
    let status = app.ok("codes_status", json!({}));
    assert_eq!((status["exists"].clone(), status["unlocked"].clone()), (json!(false), json!(false)));
    assert_eq!(app.kind("codes_list", json!({"search": null, "tag": null})), "vault_locked");
    assert_eq!(app.kind("codes_unlock_password", json!({"password": PASSWORD})), "no_vault");

    let created = app.ok("codes_create", json!({"password": PASSWORD}));
    assert_eq!(created["unlocked"], json!(true));
    assert_eq!(created["slots"], json!([{"id": created["slots"][0]["id"], "label": "password", "kind": "password"}]));
    assert!(created["path"].as_str().unwrap().ends_with("codes.vault"));
    assert_eq!(app.kind("codes_create", json!({"password": PASSWORD})), "vault_exists");

    let locked = app.ok("codes_lock", json!({}));
    assert_eq!((locked["exists"].clone(), locked["unlocked"].clone()), (json!(true), json!(false)));
    assert_eq!(app.kind("codes_show", json!({"id": "x"})), "vault_locked");
    assert_eq!(app.kind("codes_unlock_password", json!({"password": "guess"})), "wrong_password");
    assert_eq!(app.ok("codes_unlock_password", json!({"password": PASSWORD}))["unlocked"], json!(true));
    // The keyring slot is not enabled: both keyring commands say so (no OS keyring is touched).
    assert_eq!(app.kind("codes_slot_keyring", json!({"enable": false})), "keyring");
    app.ok("codes_lock", json!({}));
    assert_eq!(app.kind("codes_unlock_keyring", json!({})), "keyring");
}

#[test]
fn a_totp_added_by_uri_shows_the_code_an_independent_computation_gives() {
    let app = App::unlocked();
    let report = app.ok("codes_add_uri", json!({"uri": RFC6238_URI, "issuer": null, "name": "rfc"}));
    assert_eq!(report["added"][0]["name"], "rfc");
    assert_eq!(report["not_added"], json!([]));
    let list = app.list();
    let time = list["unix_time"].as_u64().unwrap();
    let row = &list["accounts"][0];
    assert_eq!(row["code"].as_str().unwrap(), rfc6238(SEED, time));
    let left = row["seconds_remaining"].as_u64().unwrap();
    assert_eq!(left, 30 - time % 30);
    assert!(!list.to_string().contains("GEZDGNBV"), "no secret reaches the UI: {list}");

    let again = app.ok("codes_add_uri", json!({"uri": format!("{RFC6238_URI}\notpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=99"), "issuer": null, "name": null}));
    assert_eq!(again["added"], json!([]));
    let not_added = again["not_added"].as_array().unwrap();
    assert_eq!(not_added[0]["duplicate_of"], row["id"]);
    assert!(not_added[1]["reason"].as_str().unwrap().contains("99"));

    let shown = app.ok("codes_show", json!({"id": row["id"]}));
    let expected: Vec<String> = (0..2).map(|step| rfc6238(SEED, time + step * 30)).collect();
    assert!(expected.contains(&shown["code"].as_str().unwrap().to_owned()), "{shown}");
    assert_eq!(app.kind("codes_show", json!({"id": "nobody"})), "no_such_account");
}

#[test]
fn hotp_is_shown_on_request_and_copy_clears_only_our_code() {
    let app = App::unlocked();
    let bob = app.add(BOB_HOTP);
    assert_eq!(app.list()["accounts"][0]["code"], Value::Null, "HOTP codes are not computed for the list");
    // RFC 4226 Appendix D: counter 0 -> 755224, 1 -> 287082.
    assert_eq!(app.ok("codes_show", json!({"id": bob}))["code"], "755224");
    let copied = app.ok("codes_copy", json!({"id": bob}));
    assert_eq!((copied["account"]["code"].clone(), copied["clear_after_seconds"].clone()), (json!("287082"), json!(30)));
    assert_eq!(app.clipboard.0.lock().unwrap().as_deref(), Some("287082"));
    assert_eq!(app.ok("codes_clipboard_clear", json!({})), json!({"cleared": true}));
    assert_eq!(*app.clipboard.0.lock().unwrap(), None);

    app.ok("codes_copy", json!({"id": bob}));
    *app.clipboard.0.lock().unwrap() = Some("the user's own text".into());
    assert_eq!(app.ok("codes_clipboard_clear", json!({})), json!({"cleared": false}));
    assert_eq!(app.clipboard.0.lock().unwrap().as_deref(), Some("the user's own text"));
    assert_eq!(app.list()["accounts"][0]["counter"], 3, "every shown code advanced the saved counter");
}

#[test]
fn edit_tags_pin_order_delete_and_undo_with_the_ui_arguments() {
    let app = App::unlocked();
    let alice = app.add(ALICE);
    let bob = app.add(BOB_HOTP);
    let rfc = app.add(RFC6238_URI);

    let edit = json!({"issuer": "ACME Corp", "name": null, "note": "work phone", "digits": 8, "period": 60, "counter": null, "algorithm": "SHA256"});
    let edited = app.ok("codes_edit", json!({"id": alice, "edit": edit}));
    assert_eq!((edited["issuer"].clone(), edited["digits"].clone(), edited["period"].clone(), edited["algorithm"].clone()), (json!("ACME Corp"), json!(8), json!(60), json!("SHA256")));
    let period_on_hotp = json!({"issuer": null, "name": null, "note": null, "digits": null, "period": 60, "counter": null, "algorithm": null});
    assert_eq!(app.kind("codes_edit", json!({"id": bob, "edit": period_on_hotp})), "invalid_edit");
    let eleven = json!({"issuer": null, "name": null, "note": null, "digits": 11, "period": null, "counter": null, "algorithm": null});
    assert_eq!(app.kind("codes_edit", json!({"id": alice, "edit": eleven})), "invalid_account");

    let tagged = app.ok("codes_set_tags", json!({"id": bob, "tags": ["home", " ", "Home", "family"]}));
    assert_eq!(tagged["tags"], json!(["home", "family"]));
    let list = app.ok("codes_list", json!({"search": null, "tag": "FAMILY"}));
    assert_eq!(list["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(list["tags"], json!(["family", "home"]));
    assert_eq!(app.ok("codes_list", json!({"search": "work phone", "tag": null}))["accounts"][0]["id"], json!(alice));

    assert_eq!(app.ok("codes_pin", json!({"id": rfc, "pinned": true}))["pinned"], json!(true));
    assert_eq!(app.ok("codes_reorder", json!({"ids": [bob, alice]})), Value::Null);
    assert_eq!(app.names(), ["6238", "bob", "alice"], "pinned first, then the manual order");
    assert_eq!(app.kind("codes_reorder", json!({"ids": ["nobody"]})), "no_such_account");

    assert_eq!(app.ok("codes_delete", json!({"id": alice}))["name"], "alice");
    app.ok("codes_delete", json!({"id": bob}));
    assert_eq!(app.names(), ["6238"]);
    assert_eq!(app.ok("codes_undo", json!({"id": null}))["id"], json!(bob), "the newest deletion first");
    assert_eq!(app.ok("codes_undo", json!({"id": alice}))["id"], json!(alice));
    assert_eq!(app.kind("codes_undo", json!({"id": null})), "nothing_to_undo");
}

#[test]
fn imports_are_previewed_then_only_the_chosen_entries_are_added() {
    let app = App::unlocked();
    app.add(ALICE);
    let file = format!("{ALICE}\n{BOB_HOTP}\n{RFC6238_URI}\notpauth://totp/bad?secret=JBSWY3DPEHPK3PXP&digits=99\n");
    let bytes: Vec<u8> = file.clone().into_bytes();
    let preview = app.ok("codes_import_preview", json!({"source": {"kind": "bytes", "name": "codes.txt", "bytes": bytes}, "format": null, "password": null}));
    let actions: Vec<&str> = preview["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["duplicate", "new", "new", "skipped"]);
    assert!(!preview.to_string().contains("GEZDGNBV"), "no secret in the preview");
    let id = preview["preview_id"].clone();
    let result = app.ceremony("codes_import_apply", "i1", json!({"preview_id": id, "include": [2]})).unwrap();
    assert_eq!((result["imported"].as_array().unwrap().len(), result["not_imported"].clone()), (1, json!(3)));
    assert_eq!(app.names(), ["alice", "6238"]);
    assert_eq!(support::kind(app.ceremony("codes_import_apply", "i2", json!({"preview_id": id, "include": [1]}))), "preview_unknown");

    let path = app.dir.path().join("backup.txt");
    std::fs::write(&path, &file).unwrap();
    let from_path = app.ok("codes_import_preview", json!({"source": {"kind": "path", "path": path}, "format": "uris", "password": null}));
    assert_eq!(from_path["format"], "otpauth URI list");
    assert_eq!(app.kind("codes_import_preview", json!({"source": {"kind": "path", "path": path}, "format": "pdf", "password": null})), "invalid_argument");
    assert_eq!(app.kind("codes_import_preview", json!({"source": {"kind": "path", "path": app.dir.path().join("none")}, "format": null, "password": null})), "io");

    // An encrypted Aegis backup, written by the export command.
    let aegis = app.dir.path().join("aegis.json");
    app.ok("codes_export", json!({"format": "aegis", "path": aegis, "password": "backup pw", "search": null}));
    let other = App::unlocked();
    let source = json!({"kind": "path", "path": aegis});
    assert_eq!(other.kind("codes_import_preview", json!({"source": source, "format": null, "password": null})), "import_password_required");
    assert_eq!(other.kind("codes_import_preview", json!({"source": source, "format": null, "password": "nope"})), "import_wrong_password");
    let preview = other.ok("codes_import_preview", json!({"source": source, "format": "aegis", "password": "backup pw"}));
    assert_eq!(preview["entries"].as_array().unwrap().len(), 2);
}

#[test]
fn exports_write_new_private_files_and_a_qr_code_is_shown_on_request() {
    let app = App::unlocked();
    let alice = app.add(ALICE);
    app.add(BOB_HOTP);
    let uris = app.dir.path().join("codes.txt");
    let written = app.ok("codes_export", json!({"format": "uris", "path": uris, "password": null, "search": "acme"}));
    assert_eq!(written["files"], json!([uris.display().to_string()]));
    assert_eq!(std::fs::read_to_string(&uris).unwrap().trim(), ALICE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&uris).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(app.kind("codes_export", json!({"format": "uris", "path": uris, "password": null, "search": null})), "file_exists");
    assert_eq!(app.kind("codes_export", json!({"format": "aegis", "path": app.dir.path().join("a.json"), "password": null, "search": null})), "invalid_argument");
    assert_eq!(app.kind("codes_export", json!({"format": "csv", "path": app.dir.path().join("a.csv"), "password": null, "search": null})), "invalid_argument");
    assert_eq!(app.kind("codes_export", json!({"format": "uris", "path": app.dir.path().join("n.txt"), "password": null, "search": "nobody"})), "nothing_to_export");

    let pngs = app.ok("codes_export", json!({"format": "qr", "path": app.dir.path().join("qr.png"), "password": null, "search": null}));
    assert_eq!(pngs["files"].as_array().unwrap().len(), 2);
    let google = app.ok("codes_export", json!({"format": "google_qr", "path": app.dir.path().join("google.png"), "password": null, "search": null}));
    assert_eq!((google["files"].as_array().unwrap().len(), google["not_exported"].clone()), (1, json!([])));

    // A QR image (from the export) is read back by the add-from-image command.
    let other = App::unlocked();
    let image: Vec<u8> = std::fs::read(app.dir.path().join("qr-1.png")).unwrap();
    let added = other.ok("codes_add_qr_image", json!({"source": {"kind": "bytes", "name": "qr-1.png", "bytes": image}}));
    assert_eq!(added["added"][0]["name"], "alice");
    // Dropped onto the window, an image arrives as a path (Tauri's drag-and-drop event).
    let dropped = other.ok("codes_add_qr_image", json!({"source": {"kind": "path", "path": app.dir.path().join("qr-2.png")}}));
    assert_eq!(dropped["added"][0]["name"], "bob");
    assert_eq!(other.kind("codes_add_qr_image", json!({"source": {"kind": "bytes", "name": "x.png", "bytes": [1, 2, 3]}})), "qr");

    let qr = app.ok("codes_qr", json!({"id": alice}));
    assert_eq!(qr["label"], "ACME: alice");
    assert!(qr["data_url"].as_str().unwrap().starts_with("data:image/png;base64,"));
}

#[test]
fn a_security_key_slot_is_added_used_and_removed_through_ceremonies() {
    let app = App::unlocked();
    app.add(ALICE);
    let bad = app.ceremony("codes_slot_security_key_add", "k0", json!({"device": SIMULATED_ID, "label": " "}));
    assert_eq!(bad.err().map(|e| e["kind"].clone()), Some(json!("invalid_argument")));
    let view = app.ceremony("codes_slot_security_key_add", "k1", json!({"device": SIMULATED_ID, "label": "Simulated key"})).unwrap();
    let slot = view["slots"].as_array().unwrap().iter().find(|s| s["kind"] == "fido2-hmac-secret").cloned().unwrap();
    assert_eq!(slot["label"], "Simulated key");
    app.ok("codes_lock", json!({}));
    let unlocked = app.ceremony("codes_unlock_security_key", "k2", json!({"device": SIMULATED_ID})).unwrap();
    assert_eq!(unlocked["unlocked"], json!(true));
    assert_eq!(app.names(), ["alice"]);
    assert_eq!(app.kind("codes_slot_security_key_remove", json!({"slot": "nope"})), "security_key_slot");
    let removed = app.ok("codes_slot_security_key_remove", json!({"slot": slot["id"]}));
    assert!(removed["slots"].as_array().unwrap().iter().all(|s| s["kind"] != "fido2-hmac-secret"));
    app.ok("codes_lock", json!({}));
    let refused = app.ceremony("codes_unlock_security_key", "k3", json!({"device": SIMULATED_ID})).err().unwrap();
    assert_eq!(refused["kind"], "security_key_slot");
    let absent = app.ceremony("codes_unlock_security_key", "k4", json!({"device": "usb:absent"})).err().unwrap();
    assert!(!absent["kind"].as_str().unwrap().is_empty());
}

/// Answers one SNTP request (RFC 4330) with this computer's time.
fn time_server() -> (String, std::thread::JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let address = socket.local_addr().unwrap().to_string();
    let thread = std::thread::spawn(move || {
        let mut request = [0u8; 48];
        let (_, client) = socket.recv_from(&mut request).unwrap();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let mut reply = [0u8; 48];
        reply[0] = 0b00_100_100; // version 4, mode 4 (server)
        reply[1] = 1;
        reply[40..44].copy_from_slice(&u32::try_from(now + 2_208_988_800).unwrap().to_be_bytes());
        socket.send_to(&reply, client).unwrap();
    });
    (address, thread)
}

#[test]
fn the_clock_check_and_screen_capture_answer_as_the_ui_expects() {
    let app = App::unlocked();
    let (server, thread) = time_server();
    let clock = app.ok("codes_check_clock", json!({"server": server}));
    thread.join().unwrap();
    assert_eq!(clock["severity"], "in_sync", "{clock}");
    assert!(clock["explanation"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(app.kind("codes_check_clock", json!({"server": "no-such-host.invalid"})), "clock");
    // No QR code on this test machine's screen (or no screen at all): said, not hidden
    // (tests/codes_screen.rs shows a QR code on a real X server).
    let kind = app.kind("codes_add_screen", json!({}));
    assert!(["screen_capture", "no_qr_on_screen"].contains(&kind.as_str()), "{kind}");
}
