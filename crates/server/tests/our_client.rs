//! KeyDesk's own client against KeyDesk's server over HTTP: our WebAuthn client (origin and RP ID
//! rules, clientDataJSON) with the virtual key behind real CTAPHID framing registers a passkey
//! into the server, which verifies it with webauthn-rs, then logs on with it, passkey only. And
//! a page at another origin asking for this site's passkey is refused by our client.
//! (`rules.rs` runs every other passkey rule through the same client and key;
//! `through_pcscd.rs` does this through the real pcscd.)

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod common;

use common::*;
use keydesk_webauthn_client::WebAuthnError;
use reqwest::StatusCode;
use serde_json::json;

async fn enroll_and_log_on(backend: Backend) {
    let server = TestServer::start(backend).await;
    let session = server.user_session("dana").await;
    let (mut key, _handle) = MemoryKey::new_in_memory("server-test", ORIGIN);

    // Enroll: the server's options, our client's ceremony, the server's verification.
    let (status, finished) = session.register_passkey(&mut key, "virtual key").await;
    assert_eq!(status, StatusCode::CREATED, "the server verified our registration: {finished}");

    // A page at another origin asking for this site's passkey: refused before the key is used.
    let (_, phishing) = server.client().post("/api/logon/passkey/start", json!({"username": "dana"})).await;
    key.origin = "https://evil.example".to_owned();
    let refused = key.assert(&phishing["options"]);
    assert!(matches!(refused, Err(WebAuthnError::Origin(_))), "{refused:?}");
    key.origin = ORIGIN.to_owned();

    // Passkey-only logon with our client.
    let mut fresh = server.client();
    let (status, logged_on) = fresh.logon_passkey(&mut key, Some("dana")).await;
    assert_eq!(status, StatusCode::OK, "the server accepted our assertion: {logged_on}");
    assert!(fresh.token.is_some(), "a session: {logged_on}");
    let (status, passkeys) = fresh.get("/api/me/passkeys").await;
    assert_eq!(status, StatusCode::OK, "{passkeys}");
    assert_eq!(passkeys["passkeys"][0]["name"], "virtual key");
    assert!(!passkeys["passkeys"][0]["last_used_at"].is_null(), "last use recorded: {passkeys}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_enrolls_and_logs_on_sqlite() {
    enroll_and_log_on(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_enrolls_and_logs_on_postgres() {
    if let Some(url) = postgres_url() {
        enroll_and_log_on(Backend::Postgres(url)).await;
    }
}
