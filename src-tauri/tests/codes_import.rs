//! The import's apply step is a ceremony: progress events over a Channel entry by entry, then
//! the single save; a cancel before the save writes nothing and keeps the preview. The command
//! is called with a Channel whose messages the test reads (and answers with a cancel), the
//! preview is made through the real invoke path.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use keydesk_desktop::commands::codes::codes_import_apply;
use keydesk_desktop::registry::Registry;
use keydesk_desktop::state::{AppState, Options};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use support::TestApp;
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::Manager;

mod support;

const PASSWORD: &str = "vault password";
const BACKUP: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME
otpauth://hotp/Home:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0
otpauth://totp/RFC:6238?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=RFC
otpauth://totp/bad?secret=JBSWY3DPEHPK3PXP&digits=99
";

struct App {
    test: TestApp,
    _dir: tempfile::TempDir,
}

impl App {
    fn unlocked() -> Self {
        let dir = tempfile::tempdir().unwrap();
        support::create_vault(dir.path(), PASSWORD);
        let registry = Registry::with_scanner(None, support::no_hardware());
        let state = AppState::new(registry, Options { data_dir: Some(dir.path().to_path_buf()), ..Options::default() });
        let app = Self { test: TestApp::new(state), _dir: dir };
        app.ok("codes_unlock_password", json!({"password": PASSWORD}));
        app
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.test.ok(cmd, args)
    }

    fn preview(&self) -> String {
        let bytes: Vec<u8> = BACKUP.as_bytes().to_vec();
        let preview = self.ok("codes_import_preview", json!({"source": {"kind": "bytes", "name": "codes.txt", "bytes": bytes}, "format": null, "password": null}));
        preview["preview_id"].as_str().unwrap().to_owned()
    }

    fn names(&self) -> Vec<String> {
        let list = self.ok("codes_list", json!({"search": null, "tag": null}));
        list["accounts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_owned()).collect()
    }

    /// Runs `codes_import_apply` as ceremony `id` with a Channel that records every event and,
    /// with `cancel_at`, cancels the ceremony when that progress event arrives.
    fn apply(&self, id: &str, preview: &str, include: Vec<u32>, cancel_at: Option<u32>) -> (Result<Value, Value>, Vec<Value>) {
        let events = Arc::new(Mutex::new(Vec::new()));
        let state: AppState = self.test.app.state::<AppState>().inner().clone();
        let (seen, ceremonies, ceremony) = (events.clone(), state.ceremonies.clone(), id.to_owned());
        let channel = Channel::new(move |body| {
            let event: Value = match body {
                InvokeResponseBody::Json(text) => serde_json::from_str(&text).unwrap(),
                InvokeResponseBody::Raw(bytes) => serde_json::from_slice(&bytes).unwrap(),
            };
            if cancel_at.is_some() && event["done"].as_u64() == cancel_at.map(u64::from) {
                ceremonies.cancel(&ceremony).unwrap();
            }
            seen.lock().unwrap().push(event);
            Ok(())
        });
        let result = tauri::async_runtime::block_on(codes_import_apply(self.test.app.state::<AppState>(), id.to_owned(), channel, preview.to_owned(), include));
        let result = result.map(|view| serde_json::to_value(view).unwrap()).map_err(|e| serde_json::to_value(e).unwrap());
        let events = events.lock().unwrap().clone();
        (result, events)
    }
}

fn progress(events: &[Value]) -> Vec<(u64, u64, String)> {
    events
        .iter()
        .filter(|e| e["kind"] == "progress")
        .map(|e| (e["done"].as_u64().unwrap(), e["total"].as_u64().unwrap(), e["label"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn an_import_reports_progress_entry_by_entry_then_saves_once() {
    let app = App::unlocked();
    let preview = app.preview();
    let (result, events) = app.apply("imp-1", &preview, vec![0, 2], None);
    let result = result.unwrap();
    assert_eq!((result["imported"].as_array().unwrap().len(), result["not_imported"].clone()), (2, json!(2)));
    let steps = progress(&events);
    assert_eq!(
        steps,
        [(0, 3, "ACME:alice".to_owned()), (1, 3, "RFC:6238".to_owned()), (2, 3, "Saving the vault".to_owned()), (3, 3, "Imported".to_owned())],
        "{events:?}"
    );
    assert_eq!(app.names(), ["alice", "6238"]);
}

#[test]
fn a_cancelled_import_writes_nothing_and_keeps_its_preview() {
    let app = App::unlocked();
    let preview = app.preview();
    let (result, events) = app.apply("imp-2", &preview, vec![0, 1, 2], Some(1));
    assert_eq!(result.unwrap_err()["kind"], "cancelled");
    assert!(progress(&events).iter().all(|(_, _, label)| label != "Saving the vault"), "stopped before the save: {events:?}");
    assert_eq!(app.names(), Vec::<String>::new(), "nothing was imported");

    let (again, _) = app.apply("imp-3", &preview, vec![1], None);
    assert_eq!(again.unwrap()["imported"].as_array().unwrap().len(), 1, "the preview survived the cancel");
    // The vault on disk holds only what the second apply saved.
    app.ok("codes_lock", json!({}));
    app.ok("codes_unlock_password", json!({"password": PASSWORD}));
    assert_eq!(app.names(), ["bob"]);
}
