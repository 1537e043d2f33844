//! End to end with our WebAuthn client: a relying party at https://example.com registers a
//! passkey on "this computer" (PIN verified, discoverable) and signs in with it, also after
//! the authenticator was closed and reopened from its sealed file. The outputs are checked
//! independently: the assertion signature with `p256` over authData || SHA-256(clientDataJSON),
//! the flags, the AAGUID, the self attestation and the platform attachment.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use std::sync::Arc;
use std::time::{Duration, Instant};

use keydesk_ctap::cbor::{decode, Value};
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_platform_authenticator::{MemoryStore, ThisComputer, AAGUID};
use keydesk_webauthn_client::{authenticate, register, CreationOptionsJson, RequestOptionsJson};
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::DecodePublicKey as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};

const ORIGIN: &str = "https://example.com";
const PIN: &str = "4821";

#[derive(Default)]
struct User {
    pins_asked: usize,
    touches: usize,
}

impl Interaction for User {
    fn touch_needed(&mut self) {
        self.touches += 1;
    }
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        self.pins_asked += 1;
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

fn creation() -> CreationOptionsJson {
    serde_json::from_value(json!({
        "rp": {"id": "example.com", "name": "Example"},
        "user": {"id": "dXNlci0x", "name": "alice@example.com", "displayName": "Alice"},
        "challenge": "cmVnaXN0cmF0aW9uLWNoYWxsZW5nZQ",
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "authenticatorSelection": {"authenticatorAttachment": "platform", "residentKey": "required", "userVerification": "required"},
        "attestation": "direct",
        "timeout": 60000,
    }))
    .unwrap()
}

fn request() -> RequestOptionsJson {
    serde_json::from_value(json!({
        "challenge": "c2lnbi1pbi1jaGFsbGVuZ2U",
        "rpId": "example.com",
        "userVerification": "required",
        "timeout": 60000,
    }))
    .unwrap()
}

fn text_key<'a>(map: &'a Value, key: &str) -> Option<&'a Value> {
    map.map_get(&Value::Text(key.to_owned()))
}

#[test]
fn register_and_sign_in_with_this_computer_verified_independently() {
    let dir = tempfile::tempdir().unwrap();
    let this = ThisComputer::new(dir.path().join("this-computer.key"), Arc::new(MemoryStore::new()));
    let mut client = Client::new(this.open().unwrap());
    client.set_pin(&Pin::new(PIN)).unwrap();

    let mut user = User::default();
    let registration = register(&mut client, &creation(), ORIGIN, &mut user, soon()).expect("registration");
    assert_eq!(registration.authenticator_attachment.as_deref(), Some("platform"));
    assert_eq!(registration.response.transports, ["internal"]);
    assert_eq!(user.pins_asked, 1, "user verification by the local PIN");

    // Authenticator data: rpIdHash, UP|UV|AT, our AAGUID.
    let auth_data = &registration.response.authenticator_data.0;
    assert_eq!(auth_data[..32], Sha256::digest(b"example.com")[..]);
    assert_eq!(auth_data[32] & 0x45, 0x45, "UP, UV and AT set");
    assert_eq!(auth_data[37..53], AAGUID);

    // Self attestation: packed, signed by the credential key itself, no certificate.
    let object = decode(&registration.response.attestation_object.0).unwrap();
    assert_eq!(text_key(&object, "fmt").and_then(Value::as_text), Some("packed"));
    let statement = text_key(&object, "attStmt").unwrap();
    assert!(text_key(statement, "x5c").is_none(), "no attestation certificate");
    let public_key_der = registration.response.public_key.as_ref().expect("SPKI").0.clone();
    let credential_key = p256::ecdsa::VerifyingKey::from_public_key_der(&public_key_der).unwrap();
    let self_signature = text_key(statement, "sig").and_then(Value::as_bytes).unwrap();
    let client_data_hash = Sha256::digest(&registration.response.client_data_json.0);
    credential_key
        .verify(&[auth_data.as_slice(), &client_data_hash].concat(), &p256::ecdsa::DerSignature::try_from(self_signature).unwrap())
        .expect("the self attestation verifies with the credential key");

    // Sign in after closing and reopening: the passkey came back from the sealed file.
    drop(client);
    let mut client = Client::new(this.open().unwrap());
    let assertion = authenticate(&mut client, &request(), ORIGIN, &mut user, soon()).expect("sign-in");
    assert_eq!(assertion.raw_id.0, registration.raw_id.0);
    assert_eq!(assertion.authenticator_attachment.as_deref(), Some("platform"));
    assert_eq!(assertion.response.user_handle.as_ref().map(|h| h.0.clone()), Some(b"user-1".to_vec()));
    let signed = [
        assertion.response.authenticator_data.0.as_slice(),
        &Sha256::digest(&assertion.response.client_data_json.0),
    ]
    .concat();
    let signature = p256::ecdsa::DerSignature::try_from(assertion.response.signature.0.as_slice()).unwrap();
    credential_key.verify(&signed, &signature).expect("the assertion verifies with the registered key");
    assert_eq!(assertion.response.authenticator_data.0[32] & 0x05, 0x05, "UP and UV");
    let client_data: serde_json::Value = serde_json::from_slice(&assertion.response.client_data_json.0).unwrap();
    assert_eq!(client_data["origin"], ORIGIN);
    assert_eq!(client_data["type"], "webauthn.get");

    // Another site cannot ask for example.com's passkey.
    assert!(authenticate(&mut client, &request(), "https://evil.example", &mut user, soon()).is_err());
}
