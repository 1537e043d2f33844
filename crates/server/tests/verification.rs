//! The server's ES256 assertion check (`keydesk_server::assertion`, a cached public key) against
//! webauthn-rs's own `finish_passkey_authentication` on the same assertions, produced by our
//! WebAuthn client and the virtual key: genuine ones, ones made wrong by the client (another
//! challenge, another origin, no user verification, a key not asked for), tampered bytes, and a
//! signature counter that went backwards. Both must reach the same verdict every time.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::*;
use keydesk_server::assertion::{AssertionError, AssertionVerifier, Expected};
use serde_json::Value;
use webauthn_rs::prelude::{Credential, Passkey, PublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError};

struct Rp {
    webauthn: Webauthn,
    ours: AssertionVerifier,
}

fn rp() -> Rp {
    let origin = Url::parse(ORIGIN).unwrap();
    Rp {
        webauthn: WebauthnBuilder::new("localhost", &origin).unwrap().rp_name("KeyDesk Test").build().unwrap(),
        ours: AssertionVerifier::new("localhost", &origin),
    }
}

fn enroll(rp: &Rp, key: &mut MemoryKey) -> Passkey {
    let user = Uuid::new_v4();
    let (ccr, state) = rp.webauthn.start_passkey_registration(user, "erik", "Erik", None).unwrap();
    // Discoverable, as the server asks (so a key can offer it to a ceremony that named no one).
    let mut options = serde_json::to_value(&ccr.public_key).unwrap();
    options["authenticatorSelection"]["residentKey"] = Value::String("preferred".into());
    let response = key.register(&options).expect("our client registers");
    rp.webauthn.finish_passkey_registration(&serde_json::from_value(response).unwrap(), &state).expect("registered")
}

/// Both verdicts on `response` for a ceremony started with `stored` in allowCredentials.
type Verdicts = (Result<u32, AssertionError>, Result<u32, WebauthnError>);

fn both(rp: &Rp, ceremony: &Ceremony, response: &Value, stored: &Passkey) -> Verdicts {
    let response: PublicKeyCredential = serde_json::from_value(response.clone()).expect("response JSON");
    let ours = rp.ours.verify(&response, &ceremony.expected, stored).map(|v| v.counter);
    let theirs = rp.webauthn.finish_passkey_authentication(&response, &ceremony.state).map(|r| r.counter());
    (ours, theirs)
}

struct Ceremony {
    options: Value,
    expected: Expected,
    state: webauthn_rs::prelude::PasskeyAuthentication,
}

fn start(rp: &Rp, allowed: &[Passkey]) -> Ceremony {
    let (rcr, state) = rp.webauthn.start_passkey_authentication(allowed).unwrap();
    Ceremony { options: serde_json::to_value(&rcr.public_key).unwrap(), expected: Expected::of(&rcr, true), state }
}

/// Flips the bits `mask` of byte `byte` of the base64url field `field` of the response.
fn tamper(response: &Value, field: &str, byte: usize, mask: u8) -> Value {
    let mut tampered = response.clone();
    let mut bytes = URL_SAFE_NO_PAD.decode(response["response"][field].as_str().unwrap()).unwrap();
    let at = byte.min(bytes.len() - 1);
    bytes[at] ^= mask;
    tampered["response"][field] = Value::String(URL_SAFE_NO_PAD.encode(bytes));
    tampered
}

#[test]
fn ours_and_webauthn_rs_agree_on_every_assertion() {
    let rp = rp();
    let (mut key, _) = MemoryKey::new_in_memory("agree", ORIGIN);
    let passkey = enroll(&rp, &mut key);

    // Genuine: both accept and read the same counter.
    let ceremony = start(&rp, std::slice::from_ref(&passkey));
    let genuine = key.assert(&ceremony.options).expect("our client signs");
    let (ours, theirs) = both(&rp, &ceremony, &genuine, &passkey);
    assert!(ours.is_ok() && ours.clone().ok() == theirs.as_ref().ok().copied(), "{ours:?} {theirs:?}");

    // The assertion of another ceremony (its challenge).
    let other = start(&rp, std::slice::from_ref(&passkey));
    let (ours, theirs) = both(&rp, &other, &genuine, &passkey);
    assert_eq!(ours, Err(AssertionError::WrongChallenge));
    assert!(matches!(theirs, Err(WebauthnError::MismatchedChallenge)), "{theirs:?}");

    // A page at another port of the same host: our client allows the RP ID, the server refuses the origin.
    let ceremony = start(&rp, std::slice::from_ref(&passkey));
    key.origin = "http://localhost:9999".to_owned();
    let elsewhere = key.assert(&ceremony.options).expect("our client signs for localhost");
    key.origin = ORIGIN.to_owned();
    let (ours, theirs) = both(&rp, &ceremony, &elsewhere, &passkey);
    assert!(matches!(ours, Err(AssertionError::WrongOrigin(_))), "{ours:?}");
    assert!(matches!(theirs, Err(WebauthnError::InvalidRPOrigin)), "{theirs:?}");

    // A passkey the ceremony did not ask for.
    let (mut other_key, _) = MemoryKey::new_in_memory("agree-other", ORIGIN);
    let other_passkey = enroll(&rp, &mut other_key);
    let ceremony = start(&rp, std::slice::from_ref(&passkey));
    let mut unasked = ceremony.options.clone();
    unasked["allowCredentials"] = Value::Array(Vec::new());
    let foreign = other_key.assert(&unasked).expect("the other key signs");
    let (ours, theirs) = both(&rp, &ceremony, &foreign, &other_passkey);
    assert_eq!(ours, Err(AssertionError::CredentialNotAllowed));
    assert!(matches!(theirs, Err(WebauthnError::CredentialNotFound)), "{theirs:?}");

    // Tampered bytes: signature, authenticator data (rpIdHash, flags, counter), client data.
    let ceremony = start(&rp, std::slice::from_ref(&passkey));
    let genuine = key.assert(&ceremony.options).expect("our client signs");
    let mut trailing = genuine.clone();
    let mut sig = URL_SAFE_NO_PAD.decode(genuine["response"]["signature"].as_str().unwrap()).unwrap();
    sig.push(0);
    trailing["response"]["signature"] = Value::String(URL_SAFE_NO_PAD.encode(sig));
    let mut cases = vec![trailing];
    for byte in [8, 20, 40, 70] {
        cases.push(tamper(&genuine, "signature", byte, 0x01));
    }
    for byte in [0, 31, 32, 36] {
        cases.push(tamper(&genuine, "authenticatorData", byte, 0x01));
    }
    for byte in [3, 30, 60] {
        cases.push(tamper(&genuine, "clientDataJSON", byte, 0x01));
    }
    for case in &cases {
        let (ours, theirs) = both(&rp, &ceremony, case, &passkey);
        assert!(ours.is_err() && theirs.is_err(), "tampered {case}: ours {ours:?}, webauthn-rs {theirs:?}");
    }
    // The checks before the signature name the same fault. (A genuine assertion without user
    // verification cannot be had: webauthn-rs registers passkeys with credProtect
    // userVerificationRequired, so the key shows the credential only after UV.)
    let rp_id = tamper(&genuine, "authenticatorData", 5, 0x80);
    let (ours, theirs) = both(&rp, &ceremony, &rp_id, &passkey);
    assert_eq!(ours, Err(AssertionError::WrongRpId));
    assert!(matches!(theirs, Err(WebauthnError::InvalidRPIDHash)), "{theirs:?}");
    let no_up = tamper(&genuine, "authenticatorData", 32, 0x01);
    let (ours, theirs) = both(&rp, &ceremony, &no_up, &passkey);
    assert_eq!(ours, Err(AssertionError::UserNotPresent));
    assert!(matches!(theirs, Err(WebauthnError::UserNotPresent)), "{theirs:?}");
    let no_uv = tamper(&genuine, "authenticatorData", 32, 0x04);
    let (ours, theirs) = both(&rp, &ceremony, &no_uv, &passkey);
    assert_eq!(ours, Err(AssertionError::UserNotVerified));
    assert!(matches!(theirs, Err(WebauthnError::UserNotVerified)), "{theirs:?}");
    let backed_up = tamper(&genuine, "authenticatorData", 32, 0x10);
    let (ours, theirs) = both(&rp, &ceremony, &backed_up, &passkey);
    assert_eq!(ours, Err(AssertionError::BackedUpWithoutEligibility));
    assert!(matches!(theirs, Err(WebauthnError::CredentialMayNotBeHardwareBound)), "{theirs:?}");
    // Backup eligibility may appear later in this flow: both go on to the signature.
    let eligible = tamper(&genuine, "authenticatorData", 32, 0x08);
    let (ours, theirs) = both(&rp, &ceremony, &eligible, &passkey);
    assert_eq!(ours, Err(AssertionError::BadSignature));
    assert!(matches!(theirs, Err(WebauthnError::AuthenticationFailure)), "{theirs:?}");
    // ...and the untampered one still passes both.
    let (ours, theirs) = both(&rp, &ceremony, &genuine, &passkey);
    assert!(ours.is_ok() && theirs.is_ok(), "{ours:?} {theirs:?}");

    // A stored counter ahead of the key's: both call it a possible clone.
    let mut ahead = Credential::from(passkey.clone());
    ahead.counter += 1000;
    let ahead = Passkey::from(ahead);
    let ceremony = start(&rp, std::slice::from_ref(&ahead));
    let behind = key.assert(&ceremony.options).expect("our client signs");
    let (ours, theirs) = both(&rp, &ceremony, &behind, &ahead);
    assert!(matches!(ours, Err(AssertionError::CounterRegression { .. })), "{ours:?}");
    assert!(matches!(theirs, Err(WebauthnError::CredentialPossibleCompromise)), "{theirs:?}");

    // One key reached the signature check (the foreign one was refused before): imported
    // once, reused for every assertion after.
    assert_eq!(rp.ours.cached_keys(), 1);
}

/// Pseudo-random bit flips, truncations and extensions of a genuine assertion's three signed
/// fields (deterministic seed): never a panic, never accepted, and the same accept/refuse
/// verdict as webauthn-rs every time.
#[test]
fn mutated_assertions_are_refused_like_webauthn_rs_does() {
    use rand::{Rng, SeedableRng};
    let rp = rp();
    let (mut key, _) = MemoryKey::new_in_memory("mutations", ORIGIN);
    let passkey = enroll(&rp, &mut key);
    let ceremony = start(&rp, std::slice::from_ref(&passkey));
    let genuine = key.assert(&ceremony.options).expect("our client signs");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x006b_6579_6465_736b);
    for _ in 0..1500 {
        let field = ["authenticatorData", "clientDataJSON", "signature"][rng.gen_range(0..3)];
        let mut bytes = URL_SAFE_NO_PAD.decode(genuine["response"][field].as_str().unwrap()).unwrap();
        match rng.gen_range(0..3) {
            0 => {
                let at = rng.gen_range(0..bytes.len());
                bytes[at] ^= 1 << rng.gen_range(0..8);
            }
            1 => bytes.truncate(rng.gen_range(0..bytes.len())),
            _ => bytes.extend((0..rng.gen_range(1..8)).map(|_| rng.gen::<u8>())),
        }
        let mut mutated = genuine.clone();
        mutated["response"][field] = Value::String(URL_SAFE_NO_PAD.encode(&bytes));
        let (ours, theirs) = both(&rp, &ceremony, &mutated, &passkey);
        assert!(ours.is_err() && theirs.is_err(), "{field} {bytes:02x?}: ours {ours:?}, webauthn-rs {theirs:?}");
    }
}
