//! The Servers commands as the UI sends them (Tauri's real invoke path, the real capability
//! file and ACL), against the real keydesk-server in process (keydesk-server-fixture: SQLite in a
//! temp dir, a manual clock starting at the real time so that codes computed from the system
//! clock are current, email codes through a real SMTP server, Debian's python3-aiosmtpd), with
//! the simulated key as the authenticator.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod support;

use keydesk_account::{Account, MemoryTokenStore, Profile};
use keydesk_desktop::registry::SIMULATED_ID;
use keydesk_server_fixture::{system_time, LocalServer, Policy, PASSWORD};
use std::time::Duration;
use serde_json::{json, Value};
use support::{pin, TestApp};

/// The simulated key's PIN (set by each test; WebAuthn registration needs one).
const PIN: &str = "2468";

/// A user on `server` logged on through keydesk-account (not through the app).
fn other_user(server: &LocalServer, name: &str) -> Account {
    server.create_user(name);
    let mut account = Account::open(Profile::new(name, &server.origin, name).unwrap(), Box::new(MemoryTokenStore::new())).unwrap();
    account.logon_password(PASSWORD).unwrap();
    account
}

/// The app with the simulated key, Codes in a temp dir and server sessions in memory, with the
/// profile "work" for `user` on `server`.
struct App {
    test: TestApp,
    dir: tempfile::TempDir,
}

impl std::ops::Deref for App {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.test
    }
}

impl App {
    fn for_user(server: &LocalServer, user: &str) -> Self {
        server.create_user(user);
        let dir = tempfile::tempdir().unwrap();
        let app = Self { test: TestApp::new(support::servers_state(dir.path())), dir };
        app.ok("servers_add", json!({"name": "work", "url": server.origin, "username": user}));
        app.ok("pin_set", json!({"device": SIMULATED_ID, "pin": PIN}));
        app
    }

    /// A ceremony on the simulated key, its PIN typed when asked (as the UI's dialog would).
    fn ceremony_ok(&self, cmd: &str, id: &str, args: Value) -> Value {
        self.ceremony_answering(cmd, id, args, &[pin(PIN)]).unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn ceremony_error(&self, cmd: &str, id: &str, args: Value) -> Value {
        let error = self.ceremony_answering(cmd, id, args, &[pin(PIN)]).err().unwrap_or_else(|| panic!("{cmd}: expected an error"));
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{error}");
        error
    }
}

fn work() -> Value {
    json!({"profile": "work"})
}

fn on_key(mut args: Value) -> Value {
    args["profile"] = json!("work");
    args["device"] = json!(SIMULATED_ID);
    args
}

fn wrong(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.to_owned()
}

#[test]
fn a_passkey_is_enrolled_by_name_logs_on_is_listed_renamed_and_deleted_after_step_up() {
    let server = LocalServer::start_now();
    let app = App::for_user(&server, "dana");
    let stage = app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    assert_eq!(stage, json!({"user": "dana@corp.example", "stage": "active", "methods": []}));

    // Enroll under a name on the chosen authenticator (the simulated key).
    let enrolled_at = server.now();
    let list = app.ceremony_ok("servers_passkey_enroll", "enroll", on_key(json!({"name": "desk key"})));
    assert_eq!(list["max"], 5);
    let passkey = list["passkeys"][0].clone();
    let id = passkey["id"].as_str().unwrap().to_owned();
    assert_eq!(passkey, json!({"id": id, "name": "desk key", "created_at": enrolled_at, "last_used_at": null, "counter_regressions": 0}));
    // The same key again is refused by the key itself (excludeCredentials).
    assert_eq!(app.ceremony_error("servers_passkey_enroll", "again", on_key(json!({"name": "other"})))["kind"], "already_registered");

    // The password now needs the passkey as second factor.
    server.clock.advance(60);
    app.ok("servers_logout", work());
    let stage = app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    assert_eq!(stage, json!({"user": "dana@corp.example", "stage": "second_factor_needed", "methods": ["passkey"]}));
    assert_eq!(app.kind("servers_passkeys", work()), "second_factor_needed");
    let stage = app.ceremony_ok("servers_logon_second_passkey", "second", on_key(json!({})));
    assert_eq!(stage["stage"], "active");
    assert_eq!(app.ok("servers_passkeys", work())["passkeys"][0]["last_used_at"], json!(server.now()));

    // A passkey alone.
    server.clock.advance(60);
    app.ok("servers_logout", work());
    assert_eq!(app.ok("servers_list", json!({}))["profiles"][0]["logged_on"], json!(false));
    let stage = app.ceremony_ok("servers_logon_passkey", "alone", on_key(json!({})));
    assert_eq!(stage, json!({"user": "dana@corp.example", "stage": "active", "methods": []}));
    let listed = app.ok("servers_passkeys", work());
    assert_eq!(listed["passkeys"][0]["last_used_at"], json!(server.now()), "the logon is the last use");
    assert_eq!(listed["passkeys"][0]["created_at"], json!(enrolled_at));

    // Rename: names are checked by the server.
    let renamed = app.ok("servers_passkey_rename", json!({"profile": "work", "id": id, "name": "travel key"}));
    assert_eq!(renamed["passkeys"][0]["name"], "travel key");
    assert_eq!(app.kind("servers_passkey_rename", json!({"profile": "work", "id": id, "name": " "})), "invalid_passkey_name");
    assert_eq!(app.kind("servers_passkey_rename", json!({"profile": "work", "id": "bm9uZQ", "name": "x"})), "passkey_not_found");

    // Delete: the logon's verification has expired after five minutes; the passkey confirms.
    server.clock.advance(301);
    let refused = app.invoke("servers_passkey_delete", json!({"profile": "work", "id": id})).unwrap_err();
    assert_eq!(refused["kind"], "step_up_required");
    assert!(refused["message"].as_str().unwrap().contains("a passkey"), "{refused}");
    assert_eq!(app.ok("servers_step_up_status", work()), json!({"methods": ["passkey"], "fresh": false}));
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD})), "stronger_verification_required");
    assert_eq!(app.ceremony_ok("servers_step_up_passkey", "step-up", on_key(json!({})))["fresh"], json!(true));
    assert_eq!(app.ok("servers_passkey_delete", json!({"profile": "work", "id": id})), json!({"passkeys": [], "max": 5}));
    assert_eq!(app.ok("servers_account", work())["passkeys"], 0);
    // With no passkey left, a passkey logon names the fix.
    app.ok("servers_logout", work());
    let error = app.ceremony_error("servers_logon_passkey", "gone", on_key(json!({})));
    assert_eq!(error["kind"], "no_passkeys", "{error}");
    assert!(error["message"].as_str().unwrap().contains("log on with the password and enroll one"), "{error}");
}

#[test]
fn the_servers_mfa_is_bound_into_codes_in_one_step_and_its_code_is_the_one_the_server_expects() {
    let server = LocalServer::start_now();
    let app = App::for_user(&server, "ivan");
    app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    // A logon with the password alone is no fresh verification.
    assert_eq!(app.kind("servers_bind_mfa", work()), "step_up_required");
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "password", "code": "guess"})), "wrong_password");
    app.ok("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD}));
    assert_eq!(app.kind("servers_bind_mfa", work()), "vault_locked", "Codes must be unlocked first");

    support::create_vault(app.dir.path(), "vault pw");
    app.ok("codes_unlock_password", json!({"password": "vault pw"}));
    let row = app.ok("servers_bind_mfa", work());
    assert_eq!((row["issuer"].clone(), row["name"].clone(), row["tags"].clone()), (json!("KeyDesk Test"), json!("ivan@corp.example"), json!(["work"])));
    assert!(!row.to_string().contains("secret"), "no secret in the answer: {row}");
    assert_eq!(app.ok("servers_account", work())["totp_bound"], json!(true), "the server accepted the code KeyDesk computed");
    assert_eq!(app.kind("servers_bind_mfa", work()), "mfa_already_bound");

    // The next logon asks for the code; the one Codes shows is the server's current code: it
    // was spent by the binding (code_already_used) unless a new 30 s step began meanwhile.
    app.ok("servers_logout", work());
    let stage = app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    assert_eq!(stage["methods"], json!(["totp"]));
    let code = app.ok("codes_list", json!({"search": null, "tag": "work"}))["accounts"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(app.kind("servers_logon_totp", json!({"profile": "work", "code": wrong(&code)})), "wrong_code");
    match app.invoke("servers_logon_totp", json!({"profile": "work", "code": code})) {
        Ok(stage) => assert_eq!(stage["stage"], "active"),
        Err(error) => assert_eq!(error["kind"], "code_already_used", "{error}"),
    }
}

#[test]
fn a_totp_step_up_takes_the_code_codes_shows_once_the_binding_code_is_past() {
    // A one-second step-up window, so the binding's verification lapses without moving the
    // server's clock away from this computer's (Codes computes codes from the system clock).
    let server = LocalServer::start_now_with(Policy { step_up_window: 1, ..Policy::default() });
    let app = App::for_user(&server, "tara");
    app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    app.ok("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD}));
    support::create_vault(app.dir.path(), "vault pw");
    app.ok("codes_unlock_password", json!({"password": "vault pw"}));
    app.ok("servers_bind_mfa", work());
    let bound_at = system_time();

    // The binding spent the code of its 30-second step (at the latest, the step it ended in):
    // wait for the next step and for the verification to lapse, then bring the server's clock
    // to this computer's time.
    while system_time() / 30 == bound_at / 30 || system_time() < bound_at + 2 {
        std::thread::sleep(Duration::from_millis(200));
    }
    server.clock.advance(system_time() - server.now());

    let refused = app.invoke("servers_email_bind", json!({"profile": "work", "address": "tara@example.com"})).unwrap_err();
    assert_eq!(refused["kind"], "step_up_required", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("authenticator app"), "the code is offered: {refused}");
    let code = app.ok("codes_list", json!({"search": null, "tag": "work"}))["accounts"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "totp", "code": wrong(&code)})), "wrong_code");
    app.ok("servers_step_up_code", json!({"profile": "work", "method": "totp", "code": code}));
    assert_eq!(app.ok("servers_email_bind", json!({"profile": "work", "address": "tara@example.com"})), json!({"sent_to": "tara@example.com"}));
}

#[test]
fn an_email_address_is_bound_with_the_mailed_code_and_then_confirms_a_deletion() {
    let server = LocalServer::start_now();
    let app = App::for_user(&server, "erin");
    app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    assert_eq!(app.ok("servers_account", work())["email"], Value::Null);

    // No address bound: email step-up says to bind one; nothing pending to confirm.
    let error = app.invoke("servers_step_up_email_start", work()).unwrap_err();
    assert_eq!(error["kind"], "email_not_bound");
    assert!(error["message"].as_str().unwrap().contains("bind one first"), "{error}");
    assert_eq!(app.kind("servers_email_confirm", json!({"profile": "work", "code": "123456"})), "email_code_expired");
    // Binding needs a fresh verification (a logon with the password alone is none): the
    // password serves while nothing stronger is bound.
    let refused = app.invoke("servers_email_bind", json!({"profile": "work", "address": "erin@example.com"})).unwrap_err();
    assert_eq!(refused["kind"], "step_up_required");
    assert!(refused["message"].as_str().unwrap().contains("your password"), "{refused}");
    app.ok("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD}));
    assert_eq!(app.kind("servers_email_bind", json!({"profile": "work", "address": "not an address"})), "invalid_email");
    let sent = app.ok("servers_email_bind", json!({"profile": "work", "address": " Erin@Example.com "}));
    assert_eq!(sent, json!({"sent_to": "Erin@Example.com"}));
    let code = server.emailed_code("erin@example.com", 1);
    let error = app.invoke("servers_email_confirm", json!({"profile": "work", "code": wrong(&code)})).unwrap_err();
    assert_eq!(error["kind"], "wrong_email_code");
    assert!(error["message"].as_str().unwrap().contains("newest message"), "{error}");
    let account = app.ok("servers_email_confirm", json!({"profile": "work", "code": code}));
    assert_eq!(account["email"], "erin@example.com", "the bound address is shown");

    // The address now confirms sensitive changes: enroll a passkey, let the verification
    // expire, confirm by email, delete it.
    let list = app.ceremony_ok("servers_passkey_enroll", "enroll", on_key(json!({"name": "desk key"})));
    let id = list["passkeys"][0]["id"].as_str().unwrap().to_owned();
    server.clock.advance(301);
    assert_eq!(app.kind("servers_passkey_delete", json!({"profile": "work", "id": id})), "step_up_required");
    assert_eq!(app.ok("servers_step_up_status", work()), json!({"methods": ["passkey", "email"], "fresh": false}));
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD})), "stronger_verification_required");
    assert_eq!(app.ok("servers_step_up_email_start", work()), json!({"sent_to": "erin@example.com"}));
    let code = server.emailed_code("erin@example.com", 2);
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "work", "method": "email", "code": wrong(&code)})), "wrong_email_code");
    assert_eq!(app.ok("servers_step_up_code", json!({"profile": "work", "method": "email", "code": code}))["fresh"], json!(true));
    assert_eq!(app.ok("servers_passkey_delete", json!({"profile": "work", "id": id}))["passkeys"], json!([]));
}

#[test]
fn an_address_already_bound_to_five_users_is_refused_with_what_to_do() {
    let server = LocalServer::start_now();
    let shared = "family@example.com";
    for (n, user) in ["ann", "ben", "cat", "dan", "eva"].into_iter().enumerate() {
        let mut account = other_user(&server, user);
        account.step_up_password(PASSWORD).unwrap();
        account.start_email_binding(shared).unwrap();
        account.confirm_email(&server.emailed_code(shared, n + 1)).unwrap();
    }
    let app = App::for_user(&server, "fay");
    app.ok("servers_logon_password", json!({"profile": "work", "password": PASSWORD}));
    app.ok("servers_step_up_code", json!({"profile": "work", "method": "password", "code": PASSWORD}));
    let error = app.invoke("servers_email_bind", json!({"profile": "work", "address": shared})).unwrap_err();
    assert_eq!(error["kind"], "email_limit_reached");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("5 users") && message.contains("bind another address"), "{message}");
    assert_eq!(server.smtp.messages_to(shared).len(), 5, "no code went out for the sixth user");
}
