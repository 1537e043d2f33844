//! Our client and the virtual key against our server with the key as a contactless card in the
//! real pcscd: vsmartcard's vpcd reader serves the virtual key, and our host reaches it through
//! libpcsclite (keydesk_transport::nfc::pcsc_reader), our ISO 7816 framing, our CTAP client and
//! our WebAuthn client, exactly as it would reach a key on a USB NFC reader. Enroll, passkey-only
//! logon (named and discoverable) and step-up by passkey before deleting it, on SQLite and
//! PostgreSQL.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::passkey_device::KEY_PIN;
use common::*;
use keydesk_ctap_client::Pin;
use keydesk_testkit::Pcscd;
use keydesk_transport::nfc::pcsc_reader;
use keydesk_virtual_key::{Authenticator, Config as KeyConfig, KeyRng};
use keydesk_vpcd::{wait_for_card, CardServer, VirtualKeyCard, VPCD_READER};
use reqwest::StatusCode;

async fn enroll_log_on_and_step_up(backend: Backend) {
    // One pcscd and one vpcd slot per machine: hold the turn for the whole test.
    let pcscd = Pcscd::exclusive_for_test().expect("pcscd");
    let card = Arc::new(Mutex::new(VirtualKeyCard::new(Authenticator::new(
        KeyConfig::default(),
        KeyRng::os(),
        Duration::ZERO,
    ))));
    let card_server = CardServer::start(pcscd.vpcd_address(), Arc::clone(&card)).expect("card server");
    if let Err(problem) = wait_for_card(VPCD_READER, true, Duration::from_secs(10)) {
        panic!("{}\ncard server connected: {}", pcscd.explain(problem), card_server.connected());
    }
    let context = pcsc_reader::context().expect("PC/SC");
    let link = pcsc_reader::connect(&context, VPCD_READER).expect("the FIDO applet on the pcscd reader");
    let mut key = PasskeyDevice::new(link, ORIGIN);
    key.client.set_pin(&Pin::new(KEY_PIN)).expect("set the key's PIN through pcscd");

    let server = TestServer::start(backend).await;
    let session = server.user_session("nora").await;
    let (status, enrolled) = session.register_passkey(&mut key, "NFC key").await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    let passkey_id = enrolled["passkey"]["id"].as_str().unwrap().to_owned();
    let stored = card.lock().unwrap().key_mut().discoverable_credential_count();
    assert_eq!(stored, 1, "the passkey lives on the card");

    for username in [Some("nora"), None] {
        server.clock.advance(10);
        let mut fresh = server.client();
        let (status, body) = fresh.logon_passkey(&mut key, username).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["user"], "nora@corp.example");
        let (_, list) = fresh.get("/api/me/passkeys").await;
        assert_eq!(list["passkeys"][0]["last_used_at"], server.clock.now_secs());
    }

    // Deleting the passkey is sensitive: a fresh verification with the passkey itself.
    server.clock.advance(301);
    let path = format!("/api/me/passkeys/{passkey_id}");
    assert_error(&session.delete(&path).await, StatusCode::UNAUTHORIZED, "step_up_required");
    session.step_up_passkey(&mut key).await;
    assert_eq!(session.delete(&path).await.0, StatusCode::OK);
    let (_, list) = session.get("/api/me/passkeys").await;
    assert_eq!(list["passkeys"].as_array().map(Vec::len), Some(0), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_through_pcscd_sqlite() {
    enroll_log_on_and_step_up(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_through_pcscd_postgres() {
    if let Some(url) = postgres_url() {
        enroll_log_on_and_step_up(Backend::Postgres(url)).await;
    }
}
