//! A software passkey authenticator for tests: builds WebAuthn Level 3
//! RegistrationResponseJSON / AuthenticationResponseJSON with P-256 keys,
//! "none" attestation and a signature counter the test can control.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ciborium::value::Value as Cbor;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// One credential held by the authenticator.
#[derive(Debug, Clone)]
pub struct SoftCredential {
    pub id: Vec<u8>,
    pub key: SigningKey,
    pub rp_id: String,
    pub user_handle: Vec<u8>,
    pub counter: u32,
}

/// The authenticator, bound to the origin its "browser" runs at.
#[derive(Debug, Clone)]
pub struct SoftAuthenticator {
    pub origin: String,
    pub credentials: Vec<SoftCredential>,
}

fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).expect("base64url")
}

fn cbor_bytes(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("cbor");
    out
}

/// COSE_Key for an ES256 public key (RFC 9053 §7.1.1, CTAP2 canonical order).
fn cose_key(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let map = Cbor::Map(vec![
        (Cbor::Integer(1.into()), Cbor::Integer(2.into())),
        (Cbor::Integer(3.into()), Cbor::Integer((-7).into())),
        (Cbor::Integer((-1).into()), Cbor::Integer(1.into())),
        (Cbor::Integer((-2).into()), Cbor::Bytes(point.x().expect("x").to_vec())),
        (Cbor::Integer((-3).into()), Cbor::Bytes(point.y().expect("y").to_vec())),
    ]);
    cbor_bytes(&map)
}

impl SoftAuthenticator {
    pub fn new(origin: &str) -> Self {
        Self { origin: origin.to_owned(), credentials: Vec::new() }
    }

    fn client_data(&self, kind: &str, challenge: &str) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false
        }))
        .expect("json")
    }

    /// Answer PublicKeyCredentialCreationOptionsJSON with a new credential.
    pub fn register(&mut self, options: &Value) -> Value {
        let rp_id = options["rp"]["id"].as_str().expect("rp.id").to_owned();
        let challenge = options["challenge"].as_str().expect("challenge");
        let user_handle = unb64(options["user"]["id"].as_str().expect("user.id"));
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let mut id = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut id);
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(0x45); // UP | UV | AT
        auth_data.extend_from_slice(&0u32.to_be_bytes());
        auth_data.extend_from_slice(&[0u8; 16]); // AAGUID
        auth_data.extend_from_slice(&(id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&id);
        auth_data.extend_from_slice(&cose_key(&key));
        let attestation = cbor_bytes(&Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        let client_data = self.client_data("webauthn.create", challenge);
        self.credentials.push(SoftCredential { id: id.clone(), key, rp_id, user_handle, counter: 0 });
        json!({
            "id": b64(&id), "rawId": b64(&id), "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&attestation),
                "transports": ["internal"]
            },
            "clientExtensionResults": {}
        })
    }

    /// Answer PublicKeyCredentialRequestOptionsJSON; picks the first credential
    /// in allowCredentials, or (discoverable) the first for the RP ID.
    pub fn assert(&mut self, options: &Value) -> Value {
        let rp_id = options["rpId"].as_str().expect("rpId").to_owned();
        let allowed: Vec<Vec<u8>> = options["allowCredentials"]
            .as_array()
            .map(|a| a.iter().map(|c| unb64(c["id"].as_str().expect("id"))).collect())
            .unwrap_or_default();
        let index = self
            .credentials
            .iter()
            .position(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .expect("no matching credential");
        self.assert_with(index, options)
    }

    /// Assert with credential `index`, incrementing its counter.
    pub fn assert_with(&mut self, index: usize, options: &Value) -> Value {
        let challenge = options["challenge"].as_str().expect("challenge").to_owned();
        let client_data = self.client_data("webauthn.get", &challenge);
        let cred = &mut self.credentials[index];
        cred.counter += 1;
        let mut auth_data = Sha256::digest(cred.rp_id.as_bytes()).to_vec();
        auth_data.push(0x05); // UP | UV
        auth_data.extend_from_slice(&cred.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: DerSignature = cred.key.sign(&signed);
        json!({
            "id": b64(&cred.id), "rawId": b64(&cred.id), "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.as_bytes()),
                "userHandle": b64(&cred.user_handle)
            },
            "clientExtensionResults": {}
        })
    }
}
