//! KeyDesk's own client against KeyDesk's server over HTTP: our WebAuthn client (origin and RP ID
//! rules, clientDataJSON) with the virtual key behind real CTAPHID framing registers a passkey
//! into the server, which verifies it with webauthn-rs, then logs on with it, passkey only. And
//! a page at another origin asking for this site's passkey is refused by our client.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod common;

use common::*;
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_transport::memory;
use keydesk_virtual_key::{Authenticator, Config as KeyConfig, KeyRng};
use keydesk_webauthn_client::{authenticate, parse_creation_options, parse_request_options, register, WebAuthnError};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

const PIN: &str = "4821";

/// Touches are granted by the key's policy; the PIN is typed whenever asked (the server wants
/// user verification).
struct Person;

impl Interaction for Person {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(30)
}

async fn enroll_and_log_on(backend: Backend) {
    let server = TestServer::start(backend).await;
    let session = server.user_session("dana").await;
    let (link, _key) = memory::hid(Authenticator::new(KeyConfig::default(), KeyRng::seeded(5), Duration::ZERO), "server-test");
    let mut key = Client::new(link);
    key.set_pin(&Pin::new(PIN)).expect("set the key's PIN");

    // Enroll: the server's options, our client's ceremony, the server's verification.
    let (status, start) = session.post("/api/me/passkeys/register/start", json!({"name": "virtual key"})).await;
    assert_eq!(status, StatusCode::OK, "{start}");
    let options = parse_creation_options(&start["options"].to_string()).expect("creation options");
    let response = register(&mut key, &options, ORIGIN, &mut Person, deadline()).expect("our client registers");
    let (status, finished) = session
        .post("/api/me/passkeys/register/finish", json!({"ceremony_id": start["ceremony_id"], "credential": response}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "the server verified our registration: {finished}");

    // A page at another origin asking for this site's passkey: refused before the key is used.
    let (_, phishing) = server.client().post("/api/logon/passkey/start", json!({"username": "dana"})).await;
    let options = parse_request_options(&phishing["options"].to_string()).expect("request options");
    let refused = authenticate(&mut key, &options, "https://evil.example", &mut Person, deadline());
    assert!(matches!(refused, Err(WebAuthnError::Origin(_))), "{refused:?}");

    // Passkey-only logon with our client.
    let mut fresh = server.client();
    let (status, start) = fresh.post("/api/logon/passkey/start", json!({"username": "dana"})).await;
    assert_eq!(status, StatusCode::OK, "{start}");
    let options = parse_request_options(&start["options"].to_string()).expect("request options");
    let assertion = authenticate(&mut key, &options, ORIGIN, &mut Person, deadline()).expect("our client signs");
    let (status, logged_on) = fresh
        .post("/api/logon/passkey/finish", json!({"ceremony_id": start["ceremony_id"], "credential": assertion}))
        .await;
    assert_eq!(status, StatusCode::OK, "the server accepted our assertion: {logged_on}");
    let token = logged_on["session_token"].as_str().expect("a session").to_owned();
    fresh.token = Some(token);
    let (status, passkeys) = fresh.get("/api/me/passkeys").await;
    assert_eq!(status, StatusCode::OK, "{passkeys}");
    assert_eq!(passkeys["passkeys"][0]["name"], "virtual key");
    assert!(!passkeys["passkeys"][0]["last_used_at"].is_null(), "last use recorded: {passkeys}");
}

#[tokio::test]
async fn our_client_enrolls_and_logs_on_sqlite() {
    enroll_and_log_on(Backend::Sqlite).await;
}

#[tokio::test]
async fn our_client_enrolls_and_logs_on_postgres() {
    if let Some(url) = postgres_url() {
        enroll_and_log_on(Backend::Postgres(url)).await;
    }
}
