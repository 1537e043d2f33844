//! What every command test needs: the app on Tauri's mock runtime with the real capability file
//! and ACL, and `invoke` as the UI's `invoke(cmd, args)` (JSON arguments in snake_case; errors
//! as the UI receives them, `{kind, message}`). Used by the test files through `mod support;`.

#![allow(dead_code, reason = "each test file uses the helpers it needs")]
#![allow(clippy::panic, reason = "test helpers: a failed setup or command ends the test with its message")]

use keydesk_desktop::registry::{Registry, Scanner};
use keydesk_desktop::state::AppState;
use keydesk_transport::discovery::{Inventory, Problem};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

pub type Webview = WebviewWindow<MockRuntime>;

/// Creates an empty Codes vault `codes.vault` in `dir` under `password`, with a cheap KDF (tests
/// only: the defaults stay strong).
pub fn create_vault(dir: &std::path::Path, password: &str) {
    let kdf = keydesk_otp::vault::PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    let created = keydesk_codes::open::create(&dir.join("codes.vault"), &keydesk_codes::SecretString::from(password), kdf);
    drop(created.unwrap_or_else(|e| panic!("cannot create the test vault: {e}")));
}

/// A machine with no hardware, where pcscd is not running.
pub fn no_hardware() -> Scanner {
    Arc::new(|| Inventory { devices: vec![], problems: vec![Problem::PcscdNotRunning] })
}

/// A registry with no hardware and the simulated key attached (no PIN, approves presence itself).
pub fn simulated_registry() -> Registry {
    let registry = Registry::with_scanner(None, no_hardware());
    registry.attach_simulated(None).unwrap_or_else(|e| panic!("{e}"));
    registry
}

/// The app state the Servers tests use: the simulated key, the app's data in `dir`, and server
/// sessions in memory instead of the OS keyring.
pub fn servers_state(dir: &std::path::Path) -> AppState {
    let options = keydesk_desktop::state::Options { data_dir: Some(dir.to_path_buf()), ..Default::default() };
    let mut state = AppState::new(simulated_registry(), options);
    let tokens = keydesk_account::MemoryTokenStore::new();
    state.servers = Arc::new(keydesk_desktop::commands::servers::ServersState::new(
        dir.join("servers.json"),
        Box::new(move || Box::new(tokens.clone())),
    ));
    state
}

/// The app with all commands, built on the mock runtime, and its "main" window.
pub struct TestApp {
    pub app: tauri::App<MockRuntime>,
    pub webview: Webview,
}

impl TestApp {
    pub fn new(state: AppState) -> Self {
        let app = keydesk_desktop::with_commands(mock_builder(), state)
            .build(tauri::generate_context!())
            .unwrap_or_else(|e| panic!("{e}"));
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        Self { app, webview }
    }

    pub fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke(&self.webview, cmd, args)
    }

    /// The answer of a command expected to succeed.
    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        self.invoke(cmd, args).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    /// The error kind of a command expected to fail (its message must say something).
    pub fn kind(&self, cmd: &str, args: Value) -> String {
        kind(self.invoke(cmd, args))
    }

    /// A ceremony command with the arguments the UI adds (`ceremony`, `events`), nothing answered.
    pub fn ceremony(&self, cmd: &str, id: &str, args: Value) -> Result<Value, Value> {
        invoke_answering(&self.webview, cmd, id, args, &[])
    }

    /// A ceremony command whose prompts are answered in order, as the UI would.
    pub fn ceremony_answering(&self, cmd: &str, id: &str, args: Value, answers: &[Value]) -> Result<Value, Value> {
        invoke_answering(&self.webview, cmd, id, args, answers)
    }
}

/// Invokes `cmd` with JSON `args` as the UI's `invoke(cmd, args)` does.
pub fn invoke(webview: &Webview, cmd: &str, args: Value) -> Result<Value, Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap_or_else(|e| panic!("{e}")),
        body: tauri::ipc::InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(webview, request).map(|body| body.deserialize::<Value>().unwrap_or(Value::Null))
}

pub fn ok(result: Result<Value, Value>) -> Value {
    result.unwrap_or_else(|e| panic!("command failed: {e}"))
}

/// The error kind of a result expected to be an error (its message must say something).
pub fn kind(result: Result<Value, Value>) -> String {
    match result {
        Err(error) => {
            assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "no message in {error}");
            error["kind"].as_str().unwrap_or_default().to_owned()
        }
        Ok(value) => panic!("expected an error, got {value}"),
    }
}

/// Runs a ceremony command on another thread and answers its prompts in order, as the UI
/// would: each answer goes through `ceremony_answer` once the ceremony is registered.
pub fn invoke_answering(webview: &Webview, cmd: &str, id: &str, mut args: Value, answers: &[Value]) -> Result<Value, Value> {
    args["ceremony"] = json!(id);
    args["events"] = json!("__CHANNEL__:7");
    let running = webview.clone();
    let cmd = cmd.to_owned();
    let worker = std::thread::spawn(move || invoke(&running, &cmd, args));
    // A prompt may not come at all (the simulated key's client keeps its PIN token for the
    // session): answering stops when the ceremony has ended.
    'answers: for answer in answers {
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Err(error) = invoke(webview, "ceremony_answer", json!({"ceremony": id, "answer": answer})) {
            if worker.is_finished() {
                break 'answers;
            }
            assert!(Instant::now() < deadline, "ceremony {id} did not take the answer {answer}: {error}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    worker.join().unwrap_or_else(|_| panic!("invoke thread panicked"))
}

/// A PIN answer to a `pin_needed` prompt.
pub fn pin(value: &str) -> Value {
    json!({"kind": "pin", "pin": value})
}
