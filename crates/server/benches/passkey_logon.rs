//! Benchmark: passkey assertions verified per second by the server, beside the
//! raw ECDSA P-256 verification rate measured in the same run.
//!
//! 1. raw: ECDSA P-256/SHA-256 signature verifications per second, with
//!    OpenSSL (the library webauthn-rs verifies with) and with RustCrypto p256;
//! 2. server verification: `finish_passkey_authentication` on distinct
//!    assertions (clientDataJSON, authenticator data and signature checks);
//! 3. end to end: passkey-only logons over HTTP (start + finish, ceremony
//!    state, counter and last-use written to SQLite), sequential and 4 in flight.
//!
//! The ratio printed is (2) / fastest (1); the goal is at least 0.5.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Backend, SoftAuthenticator, TestServer, ORIGIN};
use p256::ecdsa::signature::{Signer, Verifier};
use serde_json::json;

const SAMPLES: usize = 500;
/// Raw and server rates are measured in alternating rounds and the best round
/// of each is kept, so load from other processes on the machine (2 shared
/// cores) does not skew one side.
const ROUNDS: usize = 6;

fn raw_openssl_rate() -> f64 {
    use openssl::ec::{EcGroup, EcKey};
    use openssl::ecdsa::EcdsaSig;
    use openssl::nid::Nid;
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("group");
    let key = EcKey::generate(&group).expect("key");
    let public = EcKey::from_public_key(&group, key.public_key()).expect("public");
    let msgs: Vec<Vec<u8>> = (0..SAMPLES).map(|i| i.to_be_bytes().repeat(8)).collect();
    let sigs: Vec<EcdsaSig> =
        msgs.iter().map(|m| EcdsaSig::sign(&openssl::sha::sha256(m), &key).expect("sign")).collect();
    let start = Instant::now();
    for (m, s) in msgs.iter().zip(&sigs) {
        assert!(s.verify(&openssl::sha::sha256(m), &public).expect("verify"));
    }
    SAMPLES as f64 / start.elapsed().as_secs_f64()
}

/// OpenSSL verify preceded by importing the public key from its affine
/// coordinates (with OpenSSL's full key check), which webauthn-rs does for
/// every assertion: the floor under the server's cost per verification.
fn openssl_import_and_verify_rate() -> f64 {
    use openssl::bn::{BigNum, BigNumContext};
    use openssl::ec::{EcGroup, EcKey};
    use openssl::ecdsa::EcdsaSig;
    use openssl::nid::Nid;
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("group");
    let key = EcKey::generate(&group).expect("key");
    let (mut x, mut y) = (BigNum::new().expect("bn"), BigNum::new().expect("bn"));
    let mut ctx = BigNumContext::new().expect("ctx");
    key.public_key().affine_coordinates(&group, &mut x, &mut y, &mut ctx).expect("coordinates");
    let msgs: Vec<Vec<u8>> = (0..SAMPLES).map(|i| i.to_be_bytes().repeat(8)).collect();
    let sigs: Vec<EcdsaSig> =
        msgs.iter().map(|m| EcdsaSig::sign(&openssl::sha::sha256(m), &key).expect("sign")).collect();
    let start = Instant::now();
    for (m, s) in msgs.iter().zip(&sigs) {
        let public = EcKey::from_public_key_affine_coordinates(&group, &x, &y).expect("import");
        assert!(s.verify(&openssl::sha::sha256(m), &public).expect("verify"));
    }
    SAMPLES as f64 / start.elapsed().as_secs_f64()
}

fn raw_rustcrypto_rate() -> f64 {
    let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let verifying = *key.verifying_key();
    let msgs: Vec<Vec<u8>> = (0..SAMPLES).map(|i| i.to_be_bytes().repeat(8)).collect();
    let sigs: Vec<p256::ecdsa::Signature> = msgs.iter().map(|m| key.sign(m)).collect();
    let start = Instant::now();
    for (m, s) in msgs.iter().zip(&sigs) {
        assert!(verifying.verify(m, s).is_ok());
    }
    SAMPLES as f64 / start.elapsed().as_secs_f64()
}

async fn server_verification_rate(s: &TestServer) -> f64 {
    let name = format!("bench{}", uuid::Uuid::new_v4().simple());
    let c = s.user_session(&name).await;
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let (status, body) = c.register_passkey(&mut auth, "Bench key").await;
    assert_eq!(status.as_u16(), 201, "{body}");
    let logon_name = format!("{name}@corp.example");
    let user = keydesk_server::users::find_by_name(&s.app.db, &logon_name).await.expect("db").expect("user");
    let passkey = keydesk_server::passkeys::list(&s.app.db, user.id).await.expect("db").remove(0).credential;
    let mut prepared = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let (rcr, state) = s.app.webauthn.start_passkey_authentication(std::slice::from_ref(&passkey)).expect("start");
        let options = serde_json::to_value(&rcr.public_key).expect("json");
        let response: webauthn_rs::prelude::PublicKeyCredential =
            serde_json::from_value(auth.assert(&options)).expect("credential");
        prepared.push((state, response));
    }
    let start = Instant::now();
    for (state, response) in &prepared {
        s.app.webauthn.finish_passkey_authentication(response, state).expect("verified");
    }
    SAMPLES as f64 / start.elapsed().as_secs_f64()
}

async fn http_logon_rate(s: &TestServer, in_flight: usize, budget: Duration) -> f64 {
    let mut tasks = Vec::new();
    for i in 0..in_flight {
        let name = format!("http{in_flight}x{i}");
        let c = s.user_session(&name).await;
        let mut auth = SoftAuthenticator::new(ORIGIN);
        let (status, _) = c.register_passkey(&mut auth, "Key").await;
        assert_eq!(status.as_u16(), 201);
        let client = s.client();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let t0 = Instant::now();
            while t0.elapsed() < budget {
                let (status, body) = client
                    .assert_passkey(&mut auth, "/api/logon/passkey/start", "/api/logon/passkey/finish", json!({"username": name}))
                    .await;
                assert_eq!(status.as_u16(), 200, "{body}");
                n += 1;
            }
            (n, t0.elapsed())
        }));
    }
    let mut total = 0.0;
    for t in tasks {
        let (n, elapsed) = t.await.expect("task");
        total += n as f64 / elapsed.as_secs_f64();
    }
    total
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(async {
        let s = TestServer::start(Backend::Sqlite).await;
        let (mut openssl, mut rustcrypto, mut verified, mut import) = (0f64, 0f64, 0f64, 0f64);
        for _ in 0..ROUNDS {
            openssl = openssl.max(raw_openssl_rate());
            import = import.max(openssl_import_and_verify_rate());
            rustcrypto = rustcrypto.max(raw_rustcrypto_rate());
            verified = verified.max(server_verification_rate(&s).await);
        }
        let raw = openssl.max(rustcrypto);
        let http1 = http_logon_rate(&s, 1, Duration::from_secs(3)).await;
        let http4 = http_logon_rate(&s, 4, Duration::from_secs(3)).await;
        println!("best of {ROUNDS} rounds of {SAMPLES}, one thread:");
        println!("raw ECDSA P-256 verify (OpenSSL):      {openssl:>10.0} /s");
        println!("raw ECDSA P-256 verify (RustCrypto):   {rustcrypto:>10.0} /s");
        println!("OpenSSL key import + check + verify:   {import:>10.0} /s  (what webauthn-rs does per assertion)");
        println!("server passkey assertions verified:    {verified:>10.0} /s");
        println!("ratio verified / fastest raw:          {:>10.2}  (goal >= 0.50)", verified / raw);
        println!("ratio verified / RustCrypto raw:       {:>10.2}  (for reference only)", verified / rustcrypto);
        println!("HTTP passkey logons, SQLite, 1 client:  {http1:>10.0} /s");
        println!("HTTP passkey logons, SQLite, 4 clients: {http4:>10.0} /s");
    });
}
