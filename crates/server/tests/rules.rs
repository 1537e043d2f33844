//! Every account rule of the reference server, over HTTP, on SQLite and (with
//! KEYDESK_TEST_POSTGRES_URL) on PostgreSQL. Every passkey ceremony runs through OUR WebAuthn
//! client with the virtual key behind CTAPHID (`common::passkey_device`), as a browser with a
//! security key would: the server verifies what our client and key really produce.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use keydesk_webauthn_client::WebAuthnError;
use reqwest::StatusCode;
use serde_json::json;

/// Each scenario runs once per backend: `sqlite::name` and `postgres::name`.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                if let Some(url) = super::postgres_url() {
                    super::$name(super::Backend::Postgres(url)).await
                }
            })*
        }
    };
}

on_every_backend!(
    password_logon_without_mfa,
    password_attempts_are_rate_limited,
    totp_bind_logon_replay_skew_and_rate_limit,
    passkey_register_list_rename_delete_and_limits,
    passkey_second_factor_updates_last_use,
    passkey_only_logon_and_admin_switch,
    counter_regression_is_flagged,
    a_passkey_ceremony_finishes_once,
    sensitive_operations_need_fresh_verification,
    email_binding_codes_and_per_address_limit,
    email_code_expiry_and_attempt_limit,
    access_keys_skip_mfa_but_not_step_up,
    admin_users_api,
    state_is_shared_between_instances,
    concurrent_registrations_respect_the_limit,
    concurrent_email_binds_respect_the_limit,
);

async fn password_logon_without_mfa(backend: Backend) {
    let s = TestServer::start(backend).await;
    s.create_user("alice").await;
    let mut c = s.client();
    assert_error(&c.logon_password("alice", "wrong password").await, StatusCode::UNAUTHORIZED, "wrong_credentials");
    assert_error(&c.logon_password("nobody", PASSWORD).await, StatusCode::UNAUTHORIZED, "wrong_credentials");
    let (status, body) = c.logon_password("Alice@corp.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], "active");
    assert_eq!(body["user"], "alice@corp.example");
    let (status, me) = c.get("/api/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"], "alice@corp.example");
    assert_eq!(c.post("/api/logout", json!({})).await.0, StatusCode::OK);
    assert_error(&c.get("/api/me").await, StatusCode::UNAUTHORIZED, "not_logged_on");
}

async fn password_attempts_are_rate_limited(backend: Backend) {
    let s = TestServer::start(backend).await;
    s.create_user("bob").await;
    let mut c = s.client();
    for _ in 0..5 {
        assert_error(&c.logon_password("bob", "wrong password").await, StatusCode::UNAUTHORIZED, "wrong_credentials");
    }
    // Over the limit even the right password is refused until the window passes.
    assert_error(&c.logon_password("bob", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    s.clock.advance(301);
    assert_eq!(c.logon_password("bob", PASSWORD).await.0, StatusCode::OK);
}

async fn totp_bind_logon_replay_skew_and_rate_limit(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("carol").await;
    // Binding is sensitive.
    assert_error(&c.post("/api/me/mfa/totp/start", json!({})).await, StatusCode::UNAUTHORIZED, "step_up_required");
    c.step_up_password().await;
    let (status, offer) = c.post("/api/me/mfa/totp/start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    let secret = offer["secret"].as_str().unwrap().to_owned();
    let uri = offer["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(offer["qr_svg"].as_str().unwrap().contains("<svg"));
    assert_error(&c.post("/api/me/mfa/totp/confirm", json!({"code": "000000x"})).await, StatusCode::UNAUTHORIZED, "wrong_mfa_code");
    let (status, body) = c.post("/api/me/mfa/totp/confirm", json!({"code": s.totp_now(&secret)})).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Logon now asks for the second factor.
    s.clock.advance(30);
    let mut l = s.client();
    let (status, body) = l.logon_password("carol", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["stage"], "mfa_required");
    assert_eq!(body["mfa_methods"], json!(["totp"]));
    assert_error(&l.get("/api/me").await, StatusCode::UNAUTHORIZED, "mfa_required");
    let code = s.totp_now(&secret);
    assert_eq!(l.post("/api/logon/mfa/totp", json!({"code": code})).await.0, StatusCode::OK);
    assert_eq!(l.get("/api/me").await.0, StatusCode::OK);

    // The same code again (another logon in the same step) is refused.
    let mut r = s.client();
    r.logon_password("carol", PASSWORD).await;
    assert_error(&r.post("/api/logon/mfa/totp", json!({"code": code})).await, StatusCode::UNAUTHORIZED, "mfa_code_already_used");
    // A device one step ahead is accepted; two steps ahead is not.
    let two_ahead = keydesk_server::totp::code_at(&secret, s.clock.now_secs() + 60).unwrap();
    assert_error(&r.post("/api/logon/mfa/totp", json!({"code": two_ahead})).await, StatusCode::UNAUTHORIZED, "wrong_mfa_code");
    let one_ahead = keydesk_server::totp::code_at(&secret, s.clock.now_secs() + 30).unwrap();
    assert_eq!(r.post("/api/logon/mfa/totp", json!({"code": one_ahead})).await.0, StatusCode::OK);
    // A device one step behind: its step was not used yet (steps only move forward).
    s.clock.advance(90);
    let mut b = s.client();
    b.logon_password("carol", PASSWORD).await;
    let behind = keydesk_server::totp::code_at(&secret, s.clock.now_secs() - 30).unwrap();
    assert_eq!(b.post("/api/logon/mfa/totp", json!({"code": behind})).await.0, StatusCode::OK);

    // Wrong codes are rate-limited.
    s.clock.advance(30);
    let mut w = s.client();
    w.logon_password("carol", PASSWORD).await;
    for _ in 0..5 {
        assert_error(&w.post("/api/logon/mfa/totp", json!({"code": "999999"})).await, StatusCode::UNAUTHORIZED, "wrong_mfa_code");
    }
    let good = s.totp_now(&secret);
    assert_error(&w.post("/api/logon/mfa/totp", json!({"code": good})).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");

    // Unbinding is sensitive; after it, logon needs no second factor.
    s.clock.advance(301);
    let mut u = s.client();
    u.logon_password("carol", PASSWORD).await;
    assert_eq!(u.post("/api/logon/mfa/totp", json!({"code": s.totp_now(&secret)})).await.0, StatusCode::OK);
    s.clock.advance(301);
    assert_error(&u.delete("/api/me/mfa/totp").await, StatusCode::UNAUTHORIZED, "step_up_required");
    s.clock.advance(30);
    assert_eq!(u.post("/api/step-up/totp", json!({"code": s.totp_now(&secret)})).await.0, StatusCode::OK);
    assert_eq!(u.delete("/api/me/mfa/totp").await.0, StatusCode::OK);
    let mut n = s.client();
    assert_eq!(n.logon_password("carol", PASSWORD).await.1["stage"], "active");
}

async fn passkey_register_list_rename_delete_and_limits(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("dave").await;
    // One security key per passkey: our client refuses a key that already holds one of the
    // account's passkeys (excludeCredentials), so five passkeys take five keys.
    let mut keys: Vec<MemoryKey> = (0..6).map(|i| MemoryKey::new_in_memory(&format!("dave-{i}"), ORIGIN).0).collect();
    let created = s.clock.now_secs();
    let (status, body) = c.register_passkey(&mut keys[0], "Laptop").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let first_id = body["passkey"]["id"].as_str().unwrap().to_owned();

    // Names are checked before any key is touched.
    assert_error(&c.register_passkey(&mut keys[1], "Laptop").await, StatusCode::CONFLICT, "passkey_name_taken");
    assert_error(&c.register_passkey(&mut keys[1], "  ").await, StatusCode::BAD_REQUEST, "passkey_name_required");
    assert_error(
        &c.post("/api/me/passkeys/register/start", json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_json",
    );
    // The same key again: the server lists its passkey in excludeCredentials, the key says it
    // holds it, and our client reports that instead of registering it twice.
    let (status, start) = c.post("/api/me/passkeys/register/start", json!({"name": "Laptop again"})).await;
    assert_eq!(status, StatusCode::OK, "{start}");
    assert_eq!(start["options"]["excludeCredentials"][0]["id"], first_id.as_str(), "{start}");
    let refused = keys[0].register(&start["options"]);
    assert!(matches!(refused, Err(WebAuthnError::AlreadyRegistered)), "{refused:?}");
    assert!(refused.unwrap_err().to_string().contains("already registered"));

    for (key, name) in keys[1..5].iter_mut().zip(["Phone", "Key A", "Key B", "Key C"]) {
        s.clock.advance(1);
        let (status, body) = c.register_passkey(key, name).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let sixth = c.register_passkey(&mut keys[5], "Key D").await;
    assert_error(&sixth, StatusCode::CONFLICT, "passkey_limit_reached");
    let message = sixth.1["error"]["message"].as_str().unwrap();
    assert!(message.contains("5 passkeys") && message.contains("delete one"), "{message}");

    let (status, list) = c.get("/api/me/passkeys").await;
    assert_eq!(status, StatusCode::OK);
    let list = list["passkeys"].as_array().unwrap().clone();
    assert_eq!(list.len(), 5);
    assert_eq!(list[0]["name"], "Laptop");
    assert_eq!(list[0]["id"], first_id.as_str());
    assert_eq!(list[0]["created_at"], created);
    assert!(list[0]["last_used_at"].is_null());
    assert_eq!(list[0]["counter_regressions"], 0);

    // Rename: unique names still enforced.
    assert_error(&c.patch(&format!("/api/me/passkeys/{first_id}"), json!({"name": "Phone"})).await, StatusCode::CONFLICT, "passkey_name_taken");
    assert_eq!(c.patch(&format!("/api/me/passkeys/{first_id}"), json!({"name": "Work laptop"})).await.0, StatusCode::OK);
    assert_error(&c.patch("/api/me/passkeys/nope", json!({"name": "x"})).await, StatusCode::NOT_FOUND, "passkey_not_found");

    // Delete is sensitive: with passkeys bound, password step-up is not enough; a passkey is.
    let path = format!("/api/me/passkeys/{first_id}");
    s.clock.advance(301);
    assert_error(&c.delete(&path).await, StatusCode::UNAUTHORIZED, "step_up_required");
    assert_error(&c.post("/api/step-up/password", json!({"password": PASSWORD})).await, StatusCode::FORBIDDEN, "stronger_verification_required");
    c.step_up_passkey(&mut keys[0]).await;
    assert_eq!(c.delete(&path).await.0, StatusCode::OK);
    assert_error(&c.delete(&path).await, StatusCode::NOT_FOUND, "passkey_not_found");
    // With four left, a fifth fits again: the first key, its passkey no longer excluded.
    assert_eq!(c.register_passkey(&mut keys[0], "Key D").await.0, StatusCode::CREATED);
}

async fn passkey_second_factor_updates_last_use(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("erin").await;
    let (mut key, _) = MemoryKey::new_in_memory("erin", ORIGIN);
    assert_eq!(c.register_passkey(&mut key, "Laptop").await.0, StatusCode::CREATED);

    s.clock.advance(100);
    let mut l = s.client();
    let (_, body) = l.logon_password("erin", PASSWORD).await;
    assert_eq!(body["stage"], "mfa_required");
    assert_eq!(body["mfa_methods"], json!(["passkey"]));
    let (status, body) = l
        .assert_passkey(&mut key, "/api/logon/mfa/passkey/start", "/api/logon/mfa/passkey/finish", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["stage"], "active");
    let (_, list) = l.get("/api/me/passkeys").await;
    assert_eq!(list["passkeys"][0]["last_used_at"], s.clock.now_secs());

    // A passkey of another account does not pass as erin's second factor.
    let other = s.user_session("frank").await;
    let (mut other_key, _) = MemoryKey::new_in_memory("frank", ORIGIN);
    assert_eq!(other.register_passkey(&mut other_key, "Frank's").await.0, StatusCode::CREATED);
    let mut m = s.client();
    m.logon_password("erin", PASSWORD).await;
    let (_, started) = m.post("/api/logon/mfa/passkey/start", json!({})).await;
    // A tampered page drops allowCredentials: frank's key offers its own passkey.
    let mut forged_options = started["options"].clone();
    forged_options["allowCredentials"] = json!([]);
    let credential = other_key.assert(&forged_options).expect("frank's key signs");
    let r = m.post("/api/logon/mfa/passkey/finish", json!({"ceremony_id": started["ceremony_id"], "credential": credential})).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "unknown_passkey");
    // The ceremony was consumed: it cannot be retried.
    let credential = key.assert(&started["options"]).expect("erin's key signs");
    let r = m.post("/api/logon/mfa/passkey/finish", json!({"ceremony_id": started["ceremony_id"], "credential": credential})).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "unknown_ceremony");
}

async fn passkey_only_logon_and_admin_switch(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("gina").await;
    let (mut key, _) = MemoryKey::new_in_memory("gina", ORIGIN);
    assert_eq!(c.register_passkey(&mut key, "Laptop").await.0, StatusCode::CREATED);
    assert_eq!(s.client().get("/api/settings").await.1["allow_passkey_logon"], true);

    // With a user name (allowCredentials) and discoverable (no user name).
    for username in [Some("gina"), None] {
        s.clock.advance(10);
        let mut p = s.client();
        let (status, res) = p.logon_passkey(&mut key, username).await;
        assert_eq!(status, StatusCode::OK, "{res}");
        assert_eq!(res["user"], "gina@corp.example");
        let (_, list) = p.get("/api/me/passkeys").await;
        assert_eq!(list["passkeys"][0]["last_used_at"], s.clock.now_secs());
    }

    // An admin user needs a fresh verification to change global settings.
    let (status, _) = s.admin().post("/api/admin/users", json!({"username": "root", "password": PASSWORD, "admin": true})).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut admin = s.client();
    admin.logon_password("root", PASSWORD).await;
    s.clock.advance(301);
    let off = json!({"allow_passkey_logon": false});
    assert_error(&admin.put("/api/admin/settings", off.clone()).await, StatusCode::UNAUTHORIZED, "step_up_required");
    assert_error(&c.put("/api/admin/settings", off.clone()).await, StatusCode::FORBIDDEN, "admin_required");
    admin.step_up_password().await;
    // A passkey logon signed just before the switch goes off...
    let (_, early) = s.client().post("/api/logon/passkey/start", json!({})).await;
    let early_assertion = key.assert(&early["options"]).expect("our client signs");
    assert_eq!(admin.put("/api/admin/settings", off).await.0, StatusCode::OK);

    // Switched off: passkey-only logon is refused before the key is asked, with or without
    // a user name; the assertion signed earlier is refused at finish.
    for username in [Some("gina"), None] {
        let refused = s.client().logon_passkey(&mut key, username).await;
        assert_error(&refused, StatusCode::FORBIDDEN, "passkey_logon_disabled");
        assert!(refused.1["error"]["message"].as_str().unwrap().contains("password"), "{}", refused.1);
    }
    let late = s
        .client()
        .post("/api/logon/passkey/finish", json!({"ceremony_id": early["ceremony_id"], "credential": early_assertion}))
        .await;
    assert_error(&late, StatusCode::FORBIDDEN, "passkey_logon_disabled");
    // Password logon (then the passkey as second factor) remains.
    let mut l = s.client();
    assert_eq!(l.logon_password("gina", PASSWORD).await.1["stage"], "mfa_required");
    let (status, _) = l
        .assert_passkey(&mut key, "/api/logon/mfa/passkey/start", "/api/logon/mfa/passkey/finish", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(l.get("/api/me").await.0, StatusCode::OK);

    // Back on through the admin token.
    assert_eq!(s.admin().put("/api/admin/settings", json!({"allow_passkey_logon": true})).await.0, StatusCode::OK);
    assert_eq!(s.admin().get("/api/admin/settings").await.1["allow_passkey_logon"], true);
    let (status, _) = s.client().logon_passkey(&mut key, None).await;
    assert_eq!(status, StatusCode::OK);
}

async fn counter_regression_is_flagged(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("hank").await;
    let (mut key, handle) = MemoryKey::new_in_memory("hank", ORIGIN);
    assert_eq!(c.register_passkey(&mut key, "Key").await.0, StatusCode::CREATED);
    // A copy of the key made now (its state file); the key itself then logs on twice.
    let copy = handle.with_key(|k| k.state_file_bytes());
    for _ in 0..2 {
        s.clock.advance(1);
        let (status, body) = s.client().logon_passkey(&mut key, Some("hank")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // The clone lags behind: its signature counter is not above the stored one.
    s.clock.advance(1);
    let (mut clone, _) = MemoryKey::restored(&copy, "hank-clone", ORIGIN);
    let r = s.client().logon_passkey(&mut clone, Some("hank")).await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "passkey_counter_regression");
    assert!(r.1["error"]["message"].as_str().unwrap().contains("cloned"), "{}", r.1);
    let (_, list) = c.get("/api/me/passkeys").await;
    assert_eq!(list["passkeys"][0]["counter_regressions"], 1);
    assert_eq!(list["passkeys"][0]["last_regression_at"], s.clock.now_secs());
    // The original key, whose counter is ahead, still logs on; the flag stays.
    s.clock.advance(1);
    assert_eq!(s.client().logon_passkey(&mut key, Some("hank")).await.0, StatusCode::OK);
    let (_, list) = c.get("/api/me/passkeys").await;
    assert_eq!(list["passkeys"][0]["counter_regressions"], 1);
}

async fn a_passkey_ceremony_finishes_once(backend: Backend) {
    let s = TestServer::start(backend).await;
    let second = s.another_instance().await;
    let c = s.user_session("otto").await;
    let (mut key, _) = MemoryKey::new_in_memory("otto", ORIGIN);
    assert_eq!(c.register_passkey(&mut key, "Key").await.0, StatusCode::CREATED);
    for round in 0..3 {
        // Two genuine assertions for one ceremony, finished at once on two instances.
        let (_, started) = s.client().post("/api/logon/passkey/start", json!({"username": "otto"})).await;
        let finishes: Vec<_> = [s.base.clone(), second.clone()]
            .into_iter()
            .map(|base| {
                let credential = key.assert(&started["options"]).expect("our client signs");
                let body = json!({"ceremony_id": started["ceremony_id"], "credential": credential});
                let client = s.client().on(&base);
                tokio::spawn(async move { client.post("/api/logon/passkey/finish", body).await })
            })
            .collect();
        let mut sessions = 0;
        for finish in finishes {
            let (status, body) = finish.await.unwrap();
            match status {
                StatusCode::OK => sessions += 1,
                _ => assert_error(&(status, body), StatusCode::BAD_REQUEST, "unknown_ceremony"),
            }
        }
        assert_eq!(sessions, 1, "round {round}: exactly one logon per ceremony");
    }
}

async fn sensitive_operations_need_fresh_verification(backend: Backend) {
    let s = TestServer::start(backend).await;
    let mut c = s.user_session("ivy").await;
    let change = json!({"current_password": PASSWORD, "new_password": "a new long password"});
    s.clock.advance(1);
    assert_error(&c.post("/api/me/password", change.clone()).await, StatusCode::UNAUTHORIZED, "step_up_required");
    assert_error(&c.post("/api/me/email/start", json!({"email": "ivy@example.com"})).await, StatusCode::UNAUTHORIZED, "step_up_required");
    assert_error(&c.post("/api/me/access-keys", json!({})).await, StatusCode::UNAUTHORIZED, "step_up_required");
    let (_, status) = c.get("/api/step-up").await;
    assert_eq!(status["methods"], json!(["password"]));
    assert_error(&c.post("/api/step-up/password", json!({"password": "wrong password"})).await, StatusCode::UNAUTHORIZED, "wrong_password");
    c.step_up_password().await;
    assert_error(
        &c.post("/api/me/password", json!({"current_password": PASSWORD, "new_password": "short"})).await,
        StatusCode::BAD_REQUEST,
        "weak_password",
    );
    // Another session of the same user ends with the password change.
    let mut other = s.client();
    other.logon_password("ivy", PASSWORD).await;
    assert_eq!(c.post("/api/me/password", change).await.0, StatusCode::OK);
    assert_error(&other.get("/api/me").await, StatusCode::UNAUTHORIZED, "not_logged_on");
    assert_eq!(c.get("/api/me").await.0, StatusCode::OK);
    // The verification expires after the window.
    s.clock.advance(301);
    let again = json!({"current_password": "a new long password", "new_password": "another long password"});
    assert_error(&c.post("/api/me/password", again).await, StatusCode::UNAUTHORIZED, "step_up_required");
    assert_eq!(c.logon_password("ivy", "a new long password").await.0, StatusCode::OK);
}

async fn bind_email(s: &TestServer, c: &Client, address: &str) -> (StatusCode, serde_json::Value) {
    let r = c.post("/api/me/email/start", json!({"email": address})).await;
    if r.0 != StatusCode::OK {
        return r;
    }
    let code = s.smtp.last_code_for(&address.to_ascii_lowercase()).await;
    c.post("/api/me/email/confirm", json!({"code": code})).await
}

async fn email_binding_codes_and_per_address_limit(backend: Backend) {
    let s = TestServer::start(backend).await;
    let shared = "team@example.com";
    for i in 0..5 {
        let c = s.user_session(&format!("user{i}")).await;
        c.step_up_password().await;
        let (status, body) = bind_email(&s, &c, "Team@Example.com").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["email"], shared);
    }
    let sixth = s.user_session("user5").await;
    sixth.step_up_password().await;
    let r = sixth.post("/api/me/email/start", json!({"email": shared})).await;
    assert_error(&r, StatusCode::CONFLICT, "email_limit_reached");
    assert_eq!(s.smtp.count_for(shared), 5);
    assert_error(&sixth.post("/api/me/email/start", json!({"email": "not an address"})).await, StatusCode::BAD_REQUEST, "invalid_email");

    // A wrong code, then the right one.
    assert_eq!(sixth.post("/api/me/email/start", json!({"email": "own@example.com"})).await.0, StatusCode::OK);
    let code = s.smtp.last_code_for("own@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_error(&sixth.post("/api/me/email/confirm", json!({"code": wrong})).await, StatusCode::UNAUTHORIZED, "wrong_email_code");
    assert_eq!(sixth.post("/api/me/email/confirm", json!({"code": code})).await.0, StatusCode::OK);
    // Used codes are gone.
    assert_error(&sixth.post("/api/me/email/confirm", json!({"code": code})).await, StatusCode::BAD_REQUEST, "no_email_code");

    // The bound address serves fresh verification.
    s.clock.advance(301);
    assert_error(&sixth.delete("/api/me/email").await, StatusCode::UNAUTHORIZED, "step_up_required");
    let (_, methods) = sixth.get("/api/step-up").await;
    assert_eq!(methods["methods"], json!(["email"]));
    let (status, sent) = sixth.post("/api/step-up/email/start", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    let code = s.smtp.last_code_for("own@example.com").await;
    assert_eq!(sixth.post("/api/step-up/email/finish", json!({"code": code})).await.0, StatusCode::OK);
    assert_eq!(sixth.delete("/api/me/email").await.0, StatusCode::OK);
}

async fn email_code_expiry_and_attempt_limit(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("jack").await;
    c.step_up_password().await;
    assert_eq!(c.post("/api/me/email/start", json!({"email": "jack@example.com"})).await.0, StatusCode::OK);
    let code = s.smtp.last_code_for("jack@example.com").await;
    s.clock.advance(601);
    assert_error(&c.post("/api/me/email/confirm", json!({"code": code})).await, StatusCode::UNAUTHORIZED, "email_code_expired");

    c.step_up_password().await;
    assert_eq!(c.post("/api/me/email/start", json!({"email": "jack@example.com"})).await.0, StatusCode::OK);
    let code = s.smtp.last_code_for("jack@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_error(&c.post("/api/me/email/confirm", json!({"code": wrong})).await, StatusCode::UNAUTHORIZED, "wrong_email_code");
    }
    // The sixth try fails even with the right code, and the code is void.
    assert_error(&c.post("/api/me/email/confirm", json!({"code": code})).await, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert_error(&c.post("/api/me/email/confirm", json!({"code": code})).await, StatusCode::BAD_REQUEST, "no_email_code");
    let (_, me) = c.get("/api/me").await;
    assert!(me["email"].is_null());
}

async fn access_keys_skip_mfa_but_not_step_up(backend: Backend) {
    let s = TestServer::start(backend).await;
    let c = s.user_session("kate").await;
    let (mut key, _) = MemoryKey::new_in_memory("kate", ORIGIN);
    assert_eq!(c.register_passkey(&mut key, "Laptop").await.0, StatusCode::CREATED);
    c.step_up_passkey(&mut key).await;
    let (status, key) = c.post("/api/me/access-keys", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let id = key["id"].as_str().unwrap().to_owned();
    let secret = key["secret"].as_str().unwrap().to_owned();
    assert!(id.starts_with("KDAK"));
    let (_, listed) = c.get("/api/me/access-keys").await;
    assert_eq!(listed["access_keys"][0]["id"], id.as_str());
    assert!(!listed.to_string().contains(&secret), "secret must be shown once only");

    // The key works without the second factor the console needs.
    let mut api = s.client();
    api.access_key = Some((id.clone(), secret.clone()));
    let (status, me) = api.get("/api/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"], "kate@corp.example");
    let (_, list) = api.get("/api/me/passkeys").await;
    let pk = list["passkeys"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(api.patch(&format!("/api/me/passkeys/{pk}"), json!({"name": "Renamed"})).await.0, StatusCode::OK);
    // Sensitive and console-only operations refuse it.
    assert_error(&api.delete(&format!("/api/me/passkeys/{pk}")).await, StatusCode::FORBIDDEN, "console_session_required");
    assert_error(&api.post("/api/me/passkeys/register/start", json!({"name": "x"})).await, StatusCode::FORBIDDEN, "console_session_required");
    assert_error(&api.post("/api/step-up/password", json!({"password": PASSWORD})).await, StatusCode::FORBIDDEN, "console_session_required");
    // Console logon still requires the second factor.
    let mut console = s.client();
    assert_eq!(console.logon_password("kate", PASSWORD).await.1["stage"], "mfa_required");
    // A wrong secret is refused.
    let mut bad = s.client();
    bad.access_key = Some((id.clone(), "wrong".to_owned()));
    assert_error(&bad.get("/api/me").await, StatusCode::UNAUTHORIZED, "invalid_access_key");
    assert_eq!(api.delete(&format!("/api/me/access-keys/{id}")).await.0, StatusCode::OK);
    assert_error(&api.get("/api/me").await, StatusCode::UNAUTHORIZED, "invalid_access_key");
}

async fn admin_users_api(backend: Backend) {
    let s = TestServer::start(backend).await;
    let admin = s.admin();
    assert_error(&admin.post("/api/admin/users", json!({"username": "bad name", "password": PASSWORD})).await, StatusCode::BAD_REQUEST, "invalid_username");
    assert_error(&admin.post("/api/admin/users", json!({"username": "x@other.example", "password": PASSWORD})).await, StatusCode::BAD_REQUEST, "invalid_username");
    assert_error(&admin.post("/api/admin/users", json!({"username": "short", "password": "short"})).await, StatusCode::BAD_REQUEST, "weak_password");
    let (status, created) = admin.post("/api/admin/users", json!({"username": "Liam", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["user"], "liam@corp.example");
    assert_error(&admin.post("/api/admin/users", json!({"username": "liam", "password": PASSWORD})).await, StatusCode::CONFLICT, "user_exists");
    let (_, list) = admin.get("/api/admin/users").await;
    assert_eq!(list["users"].as_array().unwrap().len(), 1);

    let mut wrong = s.client();
    wrong.admin_token = Some("nope".into());
    assert_error(&wrong.get("/api/admin/users").await, StatusCode::UNAUTHORIZED, "invalid_admin_token");
    assert_error(&s.client().get("/api/admin/users").await, StatusCode::UNAUTHORIZED, "not_logged_on");
    let mut liam = s.client();
    liam.logon_password("liam", PASSWORD).await;
    assert_error(&liam.get("/api/admin/users").await, StatusCode::FORBIDDEN, "admin_required");

    assert_eq!(admin.delete("/api/admin/users/liam").await.0, StatusCode::OK);
    assert_error(&admin.delete("/api/admin/users/liam").await, StatusCode::NOT_FOUND, "user_not_found");
    assert_error(&liam.get("/api/me").await, StatusCode::UNAUTHORIZED, "not_logged_on");
}

async fn state_is_shared_between_instances(backend: Backend) {
    let s = TestServer::start(backend).await;
    let second = s.another_instance().await;
    let c = s.user_session("mia").await;
    let (mut key, _) = MemoryKey::new_in_memory("mia", ORIGIN);
    // Registration started on one instance, finished on the other.
    let (_, start) = c.post("/api/me/passkeys/register/start", json!({"name": "Laptop"})).await;
    let credential = key.register(&start["options"]).expect("our client registers");
    let (status, body) = c
        .on(&second)
        .post("/api/me/passkeys/register/finish", json!({"ceremony_id": start["ceremony_id"], "credential": credential}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Logon on the second instance, second factor on the first.
    let mut l = s.client().on(&second);
    assert_eq!(l.logon_password("mia", PASSWORD).await.1["stage"], "mfa_required");
    let (status, _) = l
        .on(&s.base)
        .assert_passkey(&mut key, "/api/logon/mfa/passkey/start", "/api/logon/mfa/passkey/finish", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(l.get("/api/me").await.0, StatusCode::OK);
}

async fn concurrent_registrations_respect_the_limit(backend: Backend) {
    let s = TestServer::start(backend).await;
    let second = s.another_instance().await;
    let c = s.user_session("noah").await;
    // One key: every ceremony starts while the account is empty, so none excludes it.
    let (mut key, _) = MemoryKey::new_in_memory("noah", ORIGIN);
    // Eight ceremonies start while the account is empty; all finish at once
    // on two instances: exactly five passkeys may result.
    let mut started = Vec::new();
    for i in 0..8 {
        let (status, start) = c.post("/api/me/passkeys/register/start", json!({"name": format!("Key {i}")})).await;
        assert_eq!(status, StatusCode::OK, "{start}");
        let credential = key.register(&start["options"]).expect("our client registers");
        let client = if i % 2 == 0 { c.clone() } else { c.on(&second) };
        started.push((client, start, credential));
    }
    let mut finishes = Vec::new();
    for (client, start, credential) in started {
        finishes.push(tokio::spawn(async move {
            client
                .post("/api/me/passkeys/register/finish", json!({"ceremony_id": start["ceremony_id"], "credential": credential}))
                .await
        }));
    }
    let mut created = 0;
    for f in finishes {
        let (status, body) = f.await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            _ => assert_error(&(status, body), StatusCode::CONFLICT, "passkey_limit_reached"),
        }
    }
    assert_eq!(created, 5);
    let (_, list) = c.get("/api/me/passkeys").await;
    assert_eq!(list["passkeys"].as_array().unwrap().len(), 5);
}

async fn concurrent_email_binds_respect_the_limit(backend: Backend) {
    let s = TestServer::start(backend).await;
    let second = s.another_instance().await;
    let shared = "crowd@example.com";
    // Eight users hold a valid code for the same address; all confirm at once.
    let mut ready = Vec::new();
    for i in 0..8 {
        let c = s.user_session(&format!("crowd{i}")).await;
        c.step_up_password().await;
        assert_eq!(c.post("/api/me/email/start", json!({"email": shared})).await.0, StatusCode::OK);
        let code = s.smtp.last_code_for(shared).await;
        ready.push((if i % 2 == 0 { c } else { c.on(&second) }, code));
    }
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|(c, code)| tokio::spawn(async move { c.post("/api/me/email/confirm", json!({"code": code})).await }))
        .collect();
    let mut bound = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            StatusCode::OK => bound += 1,
            _ => assert_error(&(status, body), StatusCode::CONFLICT, "email_limit_reached"),
        }
    }
    assert_eq!(bound, 5);
    let (_, users) = s.admin().get("/api/admin/users").await;
    let with_address = users["users"].as_array().unwrap().iter().filter(|u| u["email"] == shared).count();
    assert_eq!(with_address, 5);
}
