//! Every Servers command through Tauri's real invoke path (mock runtime, the real capability
//! file and ACL), with arguments named as ui/src/servers/api.ts sends them, against a small
//! loopback HTTP server that answers like keydesk-server (crates/server/docs/api.md): the
//! paths, JSON shapes and error kinds the account client relies on. It checks the bound MFA
//! code with its own RFC 6238 computation. (keydesk-account itself is tested against the real
//! server in crates/account/tests.)

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use hmac::{Hmac, KeyInit, Mac};
use keydesk_account::MemoryTokenStore;
use keydesk_desktop::commands::servers::ServersState;
use keydesk_desktop::registry::SIMULATED_ID;
use keydesk_desktop::state::{AppState, Options};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use support::TestApp;

mod support;

const PASSWORD: &str = "server password";
/// The secret the server offers for its virtual MFA (base32 of "12345678901234567890").
const MFA_SECRET: &[u8] = b"12345678901234567890";
const MFA_URI: &str = "otpauth://totp/Fake%20Server:dana@corp.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Fake%20Server";

fn rfc6238(secret: &[u8], unix_time: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).unwrap();
    mac.update(&(unix_time / 30).to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:06}", value % 1_000_000)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// What the fake server remembers.
#[derive(Debug, Default)]
struct Account {
    mfa_bound: bool,
    mfa_offered: bool,
    pending: bool,
    fresh: bool,
    passkeys: Vec<Value>,
    requests: Vec<String>,
}

fn error(status: u16, kind: &str) -> (u16, Value) {
    (status, json!({"error": {"kind": kind, "message": kind.replace('_', " ")}}))
}

fn answer(account: &mut Account, method: &str, path: &str, authorized: bool, body: &Value) -> (u16, Value) {
    account.requests.push(format!("{method} {path}"));
    let code_ok = |code: &Value| {
        let t = now();
        [t - 30, t, t + 30].iter().any(|&at| code.as_str() == Some(rfc6238(MFA_SECRET, at).as_str()))
    };
    match (method, path) {
        ("POST", "/api/logon/password") => {
            if body["password"] != PASSWORD {
                return error(401, "wrong_credentials");
            }
            let user = format!("{}@corp.example", body["username"].as_str().unwrap());
            if account.mfa_bound {
                account.pending = true;
                return (200, json!({"session_token": "pending-token", "stage": "mfa_required", "user": user, "mfa_methods": ["totp"]}));
            }
            (200, json!({"session_token": "token", "stage": "active", "user": user}))
        }
        ("POST", "/api/logon/passkey/start") => error(403, "passkey_logon_disabled"),
        ("POST", "/api/logon/mfa/totp") if account.pending => {
            if !code_ok(&body["code"]) {
                return error(401, "wrong_mfa_code");
            }
            account.pending = false;
            (200, json!({"stage": "active"}))
        }
        // A logon waiting for its second factor may do nothing else.
        _ if account.pending => error(403, "mfa_required"),
        _ if !authorized => error(401, "not_logged_on"),
        ("GET", "/api/me") => (200, json!({"user": "dana@corp.example", "id": "u1", "is_admin": false, "totp_bound": account.mfa_bound, "passkeys": account.passkeys.len(), "email": null, "created_at": 1_700_000_000})),
        ("GET", "/api/me/passkeys") => (200, json!({"passkeys": account.passkeys, "max": 5})),
        ("POST", "/api/me/passkeys/register/start") => error(409, "passkey_limit_reached"),
        ("GET", "/api/step-up") => (200, json!({"methods": ["password"], "fresh": account.fresh, "verified_until": 0})),
        ("POST", "/api/step-up/password") => {
            if body["password"] != PASSWORD {
                return error(401, "wrong_password");
            }
            account.fresh = true;
            (200, json!({}))
        }
        ("POST", "/api/step-up/passkey/start") => error(400, "no_passkeys"),
        ("POST", "/api/step-up/email/start") => error(400, "email_not_bound"),
        ("POST", "/api/me/mfa/totp/start") if !account.fresh => error(403, "step_up_required"),
        ("POST", "/api/me/mfa/totp/start") => {
            account.mfa_offered = true;
            (200, json!({"secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "otpauth_uri": MFA_URI}))
        }
        ("POST", "/api/me/mfa/totp/confirm") if account.mfa_offered => {
            if !code_ok(&body["code"]) {
                return error(401, "wrong_mfa_code");
            }
            account.mfa_bound = true;
            (200, json!({}))
        }
        ("POST", "/api/logout") => (200, json!({})),
        (method, path) if path.starts_with("/api/me/passkeys/") => {
            let id = path.trim_start_matches("/api/me/passkeys/");
            let Some(index) = account.passkeys.iter().position(|p| p["id"] == id) else { return error(404, "passkey_not_found") };
            if method == "PATCH" {
                account.passkeys[index]["name"] = body["name"].clone();
                return (200, json!({}));
            }
            if !account.fresh {
                return error(403, "step_up_required");
            }
            account.passkeys.remove(index);
            (200, json!({}))
        }
        _ => error(404, "not_found"),
    }
}

/// Serves the fake API on `http://localhost:PORT` until the test ends.
fn fake_server(account: Arc<Mutex<Account>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, path) = (parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned());
            let (mut length, mut authorized) = (0, false);
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                let header = header.trim().to_ascii_lowercase();
                if header.is_empty() {
                    break;
                }
                if let Some(value) = header.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                authorized |= header.starts_with("authorization: bearer ");
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let (status, reply) = answer(&mut account.lock().unwrap(), &method, &path, authorized, &body);
            let reply = reply.to_string();
            let _ = write!(stream, "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}", reply.len());
        }
    });
    format!("http://localhost:{port}")
}

struct App {
    test: TestApp,
    dir: tempfile::TempDir,
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
        let tokens = MemoryTokenStore::new();
        state.servers = Arc::new(ServersState::new(dir.path().join("servers.json"), Box::new(move || Box::new(tokens.clone()))));
        Self { test: TestApp::new(state), dir }
    }

    fn ceremony_kind(&self, cmd: &str, id: &str, args: Value) -> String {
        self.ceremony(cmd, id, args).err().map(|e| e["kind"].as_str().unwrap_or_default().to_owned()).unwrap_or_default()
    }
}

fn with_server(mfa_bound: bool) -> (App, Arc<Mutex<Account>>) {
    let account = Arc::new(Mutex::new(Account {
        mfa_bound,
        passkeys: vec![
            json!({"id": "b2ZmaWNl", "name": "office key", "created_at": 1_700_000_000, "last_used_at": 1_700_100_000}),
            json!({"id": "c3BhcmU", "name": "spare", "created_at": 1_700_000_500, "last_used_at": null}),
        ],
        ..Account::default()
    }));
    let url = fake_server(account.clone());
    let app = App::new();
    app.ok("servers_add", json!({"name": "work", "url": url, "username": "dana"}));
    (app, account)
}

#[test]
fn profiles_are_added_checked_listed_and_removed() {
    let app = App::new();
    assert_eq!(app.ok("servers_list", json!({})), json!({"profiles": []}));
    assert_eq!(app.kind("servers_add", json!({"name": "lab", "url": "http://example.com", "username": "eve"})), "invalid_server_url");
    assert_eq!(app.kind("servers_add", json!({"name": " ", "url": "https://login.example.com", "username": "eve"})), "invalid_profile_name");
    let view = app.ok("servers_add", json!({"name": "lab", "url": "http://localhost:8080/", "username": "eve"}));
    assert_eq!(view["profiles"], json!([{"name": "lab", "url": "http://localhost:8080", "username": "eve", "logged_on": false}]));
    assert_eq!(app.kind("servers_add", json!({"name": "lab", "url": "https://other.example", "username": "eve"})), "profile_exists");
    assert!(app.dir.path().join("servers.json").exists());
    assert_eq!(app.ok("servers_remove", json!({"profile": "lab"})), json!({"profiles": []}));
    assert_eq!(app.kind("servers_remove", json!({"profile": "lab"})), "profile_not_found");
    // A server that does not answer is said to be unreachable.
    app.ok("servers_add", json!({"name": "down", "url": "http://localhost:1", "username": "eve"}));
    assert_eq!(app.kind("servers_logon_password", json!({"profile": "down", "password": PASSWORD})), "unreachable");
}

#[test]
fn logon_with_password_and_totp_then_passkeys_are_listed_renamed_and_deleted_after_step_up() {
    let (app, server) = with_server(true);
    assert_eq!(app.kind("servers_logon_password", json!({"profile": "work", "password": "guess"})), "wrong_password");
    let stage = app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    assert_eq!(stage, json!({"user": "dana@corp.example", "stage": "second_factor_needed", "methods": ["totp"]}));
    assert_eq!(app.kind("servers_passkeys", json!({"profile": "work"})), "second_factor_needed");
    assert_eq!(app.kind("servers_logon_totp", json!({"profile": "work", "code": "000000x"})), "wrong_code");
    let code = rfc6238(MFA_SECRET, now());
    assert_eq!(app.ok("servers_logon_totp", json!({"profile": "work", "code": code}))["stage"], "active");
    assert_eq!(app.ok("servers_list", json!({}))["profiles"][0]["logged_on"], json!(true));

    let account = app.ok("servers_account", json!({"profile": "work"}));
    assert_eq!((account["user"].clone(), account["totp_bound"].clone(), account["passkeys"].clone()), (json!("dana@corp.example"), json!(true), json!(2)));
    let passkeys = app.ok("servers_passkeys", json!({"profile": "work"}));
    assert_eq!(passkeys["max"], 5);
    assert_eq!(passkeys["passkeys"][1], json!({"id": "c3BhcmU", "name": "spare", "created_at": 1_700_000_500, "last_used_at": null, "counter_regressions": 0}));
    let renamed = app.ok("servers_passkey_rename", json!({"profile": "work", "id": "c3BhcmU", "name": "drawer key"}));
    assert_eq!(renamed["passkeys"][1]["name"], "drawer key");
    assert_eq!(app.kind("servers_passkey_rename", json!({"profile": "work", "id": "bm9uZQ", "name": "x"})), "passkey_not_found");

    let refused = app.invoke("servers_passkey_delete", json!({"profile": "work", "id": "b2ZmaWNl"})).err().unwrap();
    assert_eq!(refused["kind"], "step_up_required");
    assert!(refused["message"].as_str().unwrap().contains("your password"), "{refused}");
    assert_eq!(app.ok("servers_step_up_status", json!({"profile": "work"})), json!({"methods": ["password"], "fresh": false}));
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "password", "code": "guess"})), "wrong_password");
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "sms", "code": "1"})), "invalid_argument");
    assert_eq!(app.ok("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD}))["fresh"], json!(true));
    let after = app.ok("servers_passkey_delete", json!({"profile": "work", "id": "b2ZmaWNl"}));
    assert_eq!(after["passkeys"].as_array().unwrap().len(), 1);
    assert_eq!(app.kind("servers_step_up_email_start", json!({"profile": "work"})), "email_not_bound");

    // The ceremony commands reach the server with the UI's arguments; its refusals come back as they are.
    let enroll = json!({"profile": "work", "device": SIMULATED_ID, "name": "travel key"});
    assert_eq!(app.ceremony_kind("servers_passkey_enroll", "e1", enroll), "passkey_limit_reached");
    assert_eq!(app.ceremony_kind("servers_step_up_passkey", "e2", json!({"profile": "work", "device": SIMULATED_ID})), "no_passkeys");
    assert_eq!(app.ceremony_kind("servers_logon_second_passkey", "e3", json!({"profile": "work", "device": SIMULATED_ID})), "no_second_factor_pending");

    assert_eq!(app.ok("servers_logout", json!({"profile": "work"}))["profiles"][0]["logged_on"], json!(false));
    assert!(server.lock().unwrap().requests.contains(&"POST /api/logout".to_owned()));
    assert_eq!(app.ceremony_kind("servers_logon_passkey", "e4", json!({"profile": "work", "device": SIMULATED_ID})), "passkey_logon_disabled");
}

#[test]
fn the_servers_mfa_is_bound_into_codes_in_one_step_without_the_secret_reaching_the_ui() {
    let (app, server) = with_server(false);
    app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    assert_eq!(app.kind("servers_bind_mfa", json!({"profile": "work"})), "step_up_required");
    app.ok("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD}));
    assert_eq!(app.kind("servers_bind_mfa", json!({"profile": "work"})), "vault_locked", "Codes must be unlocked first");

    let kdf = keydesk_otp::vault::PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    drop(keydesk_codes::open::create(&app.dir.path().join("codes.vault"), &keydesk_codes::SecretString::from("vault pw"), kdf).unwrap());
    app.ok("codes_unlock_password", json!({"password": "vault pw"}));
    let row = app.ok("servers_bind_mfa", json!({"profile": "work"}));
    assert_eq!((row["issuer"].clone(), row["name"].clone(), row["tags"].clone()), (json!("Fake Server"), json!("dana@corp.example"), json!(["work"])));
    assert!(!row.to_string().contains("GEZDGNBV"), "no secret in the answer: {row}");
    assert!(server.lock().unwrap().mfa_bound, "the server accepted the code KeyDesk computed");
    assert_eq!(app.ok("servers_account", json!({"profile": "work"}))["totp_bound"], json!(true));
    let list = app.ok("codes_list", json!({"search": null, "tag": "work"}));
    let code = list["accounts"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(code, rfc6238(MFA_SECRET, list["unix_time"].as_u64().unwrap()));
}
