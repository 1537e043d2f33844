//! Full ceremonies against the virtual key, with every output checked independently:
//! the signature with `p256` over authData || SHA-256(clientDataJSON), rpIdHash =
//! SHA-256(RP ID), flags, the attestation object's CBOR, the JSON member names.

mod support;

use std::time::{Duration, Instant};

use keydesk_ctap::cbor::{decode, Value};
use keydesk_transport::TransportKind;
use keydesk_webauthn_client::{
    authenticate, authenticate_on_any, find_named, register, register_on_any, select_by_touch,
    CreationOptionsJson, OriginError, RegistrationResponseJson, RequestOptionsJson, WebAuthnError,
    Wrapped,
};
use serde_json::json;
use support::*;

const ORIGIN: &str = "https://login.example.com";
const RP_ID: &str = "example.com";

fn creation(extra: serde_json::Value) -> Result<CreationOptionsJson, serde_json::Error> {
    let mut options = json!({
        "rp": {"id": RP_ID, "name": "Example"},
        "user": {"id": "dXNlci0x", "name": "alice@example.com", "displayName": "Alice"},
        "challenge": "Y2hhbGxlbmdlLWZvci1yZWdpc3RyYXRpb24",
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
        "timeout": 60000,
    });
    if let (Some(map), Some(extra)) = (options.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(options)
}

fn request(extra: serde_json::Value) -> Result<RequestOptionsJson, serde_json::Error> {
    let mut options = json!({
        "challenge": "c2lnbi1pbi1jaGFsbGVuZ2U",
        "rpId": RP_ID,
        "timeout": 60000,
    });
    if let (Some(map), Some(extra)) = (options.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    serde_json::from_value(options)
}

fn map_get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    value.map_get(&Value::Text(key.to_owned()))
}

/// The credential's ES256 point, read from the authenticator data independently.
fn credential_point(reg: &RegistrationResponseJson) -> Result<([u8; 32], [u8; 32]), String> {
    let parsed = parse_auth_data(&reg.response.authenticator_data.0)?;
    let (_, _, x, y) = parsed.credential.ok_or("no attested credential")?;
    Ok((x, y))
}

#[test]
fn register_and_authenticate_verified_independently() -> TestResult {
    let mut client = client("a", 1);
    let mut ui = TestUi::default();
    let options = creation(json!({"extensions": {"credProps": true}}))?;
    let reg = register(&mut client, &options, ORIGIN, &mut ui, soon())?;

    // Identity and JSON shape.
    assert_eq!(
        reg.id,
        keydesk_webauthn_client::Base64Url::encode(&reg.raw_id.0)
    );
    assert_eq!(reg.cred_type, "public-key");
    assert_eq!(
        reg.authenticator_attachment.as_deref(),
        Some("cross-platform")
    );
    assert_eq!(
        reg.response.transports,
        vec!["nfc".to_owned(), "usb".to_owned()]
    );
    assert_eq!(reg.response.public_key_algorithm, -7);
    assert_eq!(
        reg.client_extension_results.cred_props.map(|p| p.rk),
        Some(false)
    );
    assert!(ui.touches >= 1);

    // clientDataJSON as the server sees it.
    let client_data: serde_json::Value = serde_json::from_slice(&reg.response.client_data_json.0)?;
    assert_eq!(client_data["type"], "webauthn.create");
    assert_eq!(
        client_data["challenge"],
        "Y2hhbGxlbmdlLWZvci1yZWdpc3RyYXRpb24"
    );
    assert_eq!(client_data["origin"], ORIGIN);
    assert_eq!(client_data["crossOrigin"], false);

    // The attestation object: "none" conveyance replaced the batch attestation, the
    // authenticator data is the one the key produced, the AAGUID is kept (L3).
    let object = decode(&reg.response.attestation_object.0)?;
    assert_eq!(
        map_get(&object, "fmt").and_then(Value::as_text),
        Some("none")
    );
    assert_eq!(
        map_get(&object, "attStmt")
            .and_then(Value::as_map)
            .map(<[_]>::len),
        Some(0)
    );
    assert_eq!(
        map_get(&object, "authData").and_then(Value::as_bytes),
        Some(&reg.response.authenticator_data.0[..])
    );
    let auth_data = parse_auth_data(&reg.response.authenticator_data.0)?;
    assert_eq!(auth_data.rp_id_hash, sha256(RP_ID.as_bytes()));
    assert_eq!(auth_data.flags & 0x01, 0x01, "UP");
    assert_eq!(auth_data.flags & 0x40, 0x40, "AT");
    let (aaguid, credential_id, x, y) = auth_data.credential.ok_or("no credential")?;
    assert_eq!(&aaguid, b"KeyDeskVirtual01");
    assert_eq!(credential_id, reg.raw_id.0);
    // getPublicKey(): SPKI of the same point.
    let spki = reg.response.public_key.clone().ok_or("no publicKey")?.0;
    assert_eq!(spki.len(), 91);
    assert_eq!(&spki[27..59], &x);
    assert_eq!(&spki[59..], &y);

    // Sign in with the allow list.
    let options = request(json!({"allowCredentials": [{"type": "public-key", "id": reg.id}]}))?;
    let auth = authenticate(&mut client, &options, ORIGIN, &mut ui, soon())?;
    assert_eq!(auth.raw_id, reg.raw_id);
    assert_eq!(auth.response.user_handle, None);
    let parsed = parse_auth_data(&auth.response.authenticator_data.0)?;
    assert_eq!(parsed.rp_id_hash, sha256(RP_ID.as_bytes()));
    assert_eq!(parsed.flags & 0x01, 0x01);
    assert!(parsed.counter > auth_data.counter);
    verify_es256(
        &x,
        &y,
        &auth.response.authenticator_data.0,
        &auth.response.client_data_json.0,
        &auth.response.signature.0,
    )?;
    let client_data: serde_json::Value = serde_json::from_slice(&auth.response.client_data_json.0)?;
    assert_eq!(client_data["type"], "webauthn.get");
    assert_eq!(client_data["challenge"], "c2lnbi1pbi1jaGFsbGVuZ2U");

    // A tampered clientDataJSON does not verify: the check above can fail.
    let mut tampered = auth.response.client_data_json.0.clone();
    tampered.push(b' ');
    assert!(verify_es256(
        &x,
        &y,
        &auth.response.authenticator_data.0,
        &tampered,
        &auth.response.signature.0
    )
    .is_err());
    Ok(())
}

#[test]
fn responses_serialize_with_the_spec_member_names() -> TestResult {
    let mut client = client("json", 2);
    let mut ui = TestUi::default();
    let reg = register(&mut client, &creation(json!({}))?, ORIGIN, &mut ui, soon())?;
    let value = serde_json::to_value(&reg)?;
    for key in [
        "id",
        "rawId",
        "response",
        "authenticatorAttachment",
        "clientExtensionResults",
        "type",
    ] {
        assert!(value.get(key).is_some(), "missing {key} in {value}");
    }
    for key in [
        "clientDataJSON",
        "authenticatorData",
        "transports",
        "publicKey",
        "publicKeyAlgorithm",
        "attestationObject",
    ] {
        assert!(
            value["response"].get(key).is_some(),
            "missing response.{key}"
        );
    }
    // base64url without padding everywhere.
    let text = value.to_string();
    assert!(!text.contains('='), "{text}");
    assert!(
        !text.contains('+') && !text.contains('/') || text.contains("https://"),
        "{text}"
    );
    // Round trip.
    let back: RegistrationResponseJson = serde_json::from_value(value)?;
    assert_eq!(back, reg);

    let options = request(json!({"allowCredentials": [{"type": "public-key", "id": reg.id}]}))?;
    let auth = authenticate(&mut client, &options, ORIGIN, &mut ui, soon())?;
    let value = serde_json::to_value(&auth)?;
    for key in ["clientDataJSON", "authenticatorData", "signature"] {
        assert!(
            value["response"].get(key).is_some(),
            "missing response.{key}"
        );
    }
    assert!(
        value["response"].get("userHandle").is_none(),
        "absent, not null"
    );
    assert_eq!(value["clientExtensionResults"], json!({}));
    Ok(())
}

#[test]
fn phishing_origin_is_refused_before_the_key_is_touched() -> TestResult {
    let mut client = client("phish", 3);
    let mut ui = TestUi::default();
    let mut options = creation(json!({}))?;
    options.rp.id = Some("bank.com".to_owned());
    let error = register(
        &mut client,
        &options,
        "https://evil.example",
        &mut ui,
        soon(),
    )
    .err();
    assert!(
        matches!(
            error,
            Some(WebAuthnError::Origin(OriginError::RpIdNotAllowed { .. }))
        ),
        "{error:?}"
    );
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("https://evil.example asked for a passkey for bank.com: refused"),
        "{message}"
    );
    let mut get = request(json!({}))?;
    get.rp_id = Some("bank.com".to_owned());
    let error = authenticate(&mut client, &get, "https://evil.example", &mut ui, soon()).err();
    assert_eq!(error.map(|e| e.dom_exception_name()), Some("SecurityError"));
    assert_eq!(
        client
            .device_mut()
            .touches_asked
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    assert_eq!(ui.touches, 0);
    Ok(())
}

#[test]
fn exclude_list_reports_already_registered_and_creates_nothing() -> TestResult {
    let mut key = client("ex", 4);
    let mut ui = TestUi::default();
    let options = creation(json!({"authenticatorSelection": {"residentKey": "required"}}))?;
    let first = register(&mut key, &options, ORIGIN, &mut ui, soon())?;
    let stored = key.device_mut().key.discoverable_credential_count();
    let again = creation(json!({
        "authenticatorSelection": {"residentKey": "required"},
        "excludeCredentials": [
            {"type": "public-key", "id": "b3RoZXI"},
            {"type": "public-key", "id": first.id, "transports": ["usb"]}
        ],
    }))?;
    let error = register(&mut key, &again, ORIGIN, &mut ui, soon()).err();
    assert!(
        matches!(error, Some(WebAuthnError::AlreadyRegistered)),
        "{error:?}"
    );
    assert_eq!(
        error.map(|e| e.dom_exception_name()),
        Some("InvalidStateError")
    );
    assert_eq!(key.device_mut().key.discoverable_credential_count(), stored);

    // Another key does not hold it: registration goes ahead there.
    let mut other = client("ex2", 5);
    let created = register(&mut other, &again, ORIGIN, &mut ui, soon())?;
    assert_ne!(created.raw_id, first.raw_id);
    Ok(())
}

#[test]
fn allow_list_picks_the_key_that_holds_the_credential() -> TestResult {
    let mut ui = TestUi::default();
    let mut holder = client("holder", 6);
    let reg = register(&mut holder, &creation(json!({}))?, ORIGIN, &mut ui, soon())?;
    let stranger = client("stranger", 7);
    let mut clients = vec![stranger, holder];
    let options = request(json!({"allowCredentials": [
        {"type": "public-key", "id": "bm90LW1pbmU"},
        {"type": "public-key", "id": reg.id}
    ]}))?;
    let (chosen, auth) = authenticate_on_any(&mut clients, &options, ORIGIN, &mut ui, soon())?;
    assert_eq!(chosen, 1);
    assert_eq!(auth.raw_id, reg.raw_id);
    let stranger_touches = clients[0]
        .device_mut()
        .touches_asked
        .load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        stranger_touches, 0,
        "the key without the credential never blinked"
    );

    // Directly on the stranger: refused without asking for a touch.
    let error = authenticate(&mut clients[0], &options, ORIGIN, &mut ui, soon()).err();
    assert!(
        matches!(error, Some(WebAuthnError::NoCredentials)),
        "{error:?}"
    );
    assert_eq!(
        clients[0]
            .device_mut()
            .touches_asked
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    Ok(())
}

#[test]
fn discoverable_credential_with_required_uv_and_user_handle() -> TestResult {
    let mut key = client_with_pin("pin", 8, "1234")?;
    let mut ui = TestUi::with_pin("1234");
    let options = creation(json!({
        "authenticatorSelection": {"residentKey": "required", "userVerification": "required"},
        "extensions": {"credProps": true},
    }))?;
    let reg = register(&mut key, &options, ORIGIN, &mut ui, soon())?;
    assert_eq!(
        reg.client_extension_results.cred_props.map(|p| p.rk),
        Some(true)
    );
    let parsed = parse_auth_data(&reg.response.authenticator_data.0)?;
    assert_eq!(parsed.flags & 0x05, 0x05, "UP and UV");
    assert!(!ui.pin_requests.is_empty());

    let options = request(json!({"userVerification": "required"}))?;
    let auth = authenticate(&mut key, &options, ORIGIN, &mut ui, soon())?;
    assert_eq!(
        auth.response.user_handle.map(|h| h.0),
        Some(b"user-1".to_vec())
    );
    let parsed = parse_auth_data(&auth.response.authenticator_data.0)?;
    assert_eq!(parsed.flags & 0x05, 0x05);
    let (x, y) = credential_point(&reg)?;
    verify_es256(
        &x,
        &y,
        &auth.response.authenticator_data.0,
        &auth.response.client_data_json.0,
        &auth.response.signature.0,
    )?;
    Ok(())
}

#[test]
fn required_uv_on_a_key_without_pin_says_set_a_pin() -> TestResult {
    let mut key = client("nopin", 9);
    let mut ui = TestUi::default();
    let options = creation(json!({"authenticatorSelection": {"userVerification": "required"}}))?;
    let error = register(&mut key, &options, ORIGIN, &mut ui, soon()).err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("PIN"), "{message}");
    Ok(())
}

#[test]
fn prf_outputs_are_consistent_between_registration_and_assertions() -> TestResult {
    let mut key = client("prf", 10);
    let mut ui = TestUi::default();
    let reg = register(
        &mut key,
        &creation(
            json!({"extensions": {"prf": {"eval": {"first": "c2FsdC1h", "second": "c2FsdC1i"}}}}),
        )?,
        ORIGIN,
        &mut ui,
        soon(),
    )?;
    let prf = reg
        .client_extension_results
        .prf
        .clone()
        .ok_or("no prf output")?;
    assert_eq!(prf.enabled, Some(true));
    // Evaluated at creation through hmac-secret-mc.
    let at_create = prf.results.ok_or("no prf results at creation")?;
    let created_second = at_create.second.clone().ok_or("no second")?;

    type Outputs = Result<(Vec<u8>, Option<Vec<u8>>), Box<dyn std::error::Error>>;
    let mut results = |ext: serde_json::Value| -> Outputs {
        let options = request(json!({
            "allowCredentials": [{"type": "public-key", "id": reg.id}],
            "extensions": ext,
        }))?;
        let auth = authenticate(&mut key, &options, ORIGIN, &mut ui, soon())?;
        let prf = auth.client_extension_results.prf.ok_or("no prf output")?;
        let results = prf.results.ok_or("no prf results")?;
        Ok((
            results.first.0.clone(),
            results.second.as_ref().map(|s| s.0.clone()),
        ))
    };
    let (a1, none) = results(json!({"prf": {"eval": {"first": "c2FsdC1h"}}}))?;
    assert_eq!(a1.len(), 32);
    assert_eq!(none, None);
    assert_eq!(a1, at_create.first.0, "registration and assertion agree");
    let (a2, b) = results(json!({"prf": {"eval": {"first": "c2FsdC1h", "second": "c2FsdC1i"}}}))?;
    assert_eq!(a1, a2, "same input, same output");
    let b = b.ok_or("no second")?;
    assert_ne!(a1, b);
    assert_eq!(b, created_second.0);
    // evalByCredential wins over eval for the credential used.
    let by_credential = json!({"prf": {
        "eval": {"first": "b3RoZXI"},
        "evalByCredential": {reg.id.clone(): {"first": "c2FsdC1i"}},
    }});
    let (b2, _) = results(by_credential)?;
    assert_eq!(b2, b);
    // evalByCredential without allowCredentials is refused (NotSupportedError in a browser).
    let bad = request(
        json!({"extensions": {"prf": {"evalByCredential": {reg.id.clone(): {"first": "eA"}}}}}),
    )?;
    let error = authenticate(&mut key, &bad, ORIGIN, &mut ui, soon()).err();
    assert!(
        matches!(error, Some(WebAuthnError::InvalidOptions(_))),
        "{error:?}"
    );
    Ok(())
}

#[test]
fn cred_protect_required_hides_the_credential_without_uv() -> TestResult {
    let mut key = client_with_pin("cp", 11, "1234")?;
    let mut ui = TestUi::with_pin("1234");
    let reg = register(
        &mut key,
        &creation(json!({
            "authenticatorSelection": {"residentKey": "required"},
            "extensions": {"credentialProtectionPolicy": "userVerificationRequired", "enforceCredentialProtectionPolicy": true},
        }))?,
        ORIGIN,
        &mut ui,
        soon(),
    )?;
    let allow = json!([{"type": "public-key", "id": reg.id}]);
    let discouraged =
        request(json!({"allowCredentials": allow, "userVerification": "discouraged"}))?;
    let error = authenticate(&mut key, &discouraged, ORIGIN, &mut ui, soon()).err();
    assert!(
        matches!(error, Some(WebAuthnError::NoCredentials)),
        "{error:?}"
    );
    let preferred = request(json!({"allowCredentials": allow}))?;
    let auth = authenticate(&mut key, &preferred, ORIGIN, &mut ui, soon())?;
    assert_eq!(auth.raw_id, reg.raw_id);
    // An unknown policy name is a bad option.
    let error = register(
        &mut key,
        &creation(json!({"extensions": {"credentialProtectionPolicy": "maximum"}}))?,
        ORIGIN,
        &mut ui,
        soon(),
    )
    .err();
    assert!(
        matches!(error, Some(WebAuthnError::InvalidOptions(_))),
        "{error:?}"
    );
    Ok(())
}

#[test]
fn large_blob_is_written_and_read_back() -> TestResult {
    let mut key = client_with_pin("lb", 12, "1234")?;
    let mut ui = TestUi::with_pin("1234");
    let reg = register(
        &mut key,
        &creation(json!({
            "authenticatorSelection": {"residentKey": "required"},
            "extensions": {"largeBlob": {"support": "required"}},
        }))?,
        ORIGIN,
        &mut ui,
        soon(),
    )?;
    assert_eq!(
        reg.client_extension_results
            .large_blob
            .as_ref()
            .and_then(|l| l.supported),
        Some(true)
    );
    let allow = json!([{"type": "public-key", "id": reg.id}]);
    let write = request(
        json!({"allowCredentials": allow, "extensions": {"largeBlob": {"write": "aGVsbG8gYmxvYg"}}}),
    )?;
    let auth = authenticate(&mut key, &write, ORIGIN, &mut ui, soon())?;
    assert_eq!(
        auth.client_extension_results
            .large_blob
            .as_ref()
            .and_then(|l| l.written),
        Some(true)
    );
    let read =
        request(json!({"allowCredentials": allow, "extensions": {"largeBlob": {"read": true}}}))?;
    let auth = authenticate(&mut key, &read, ORIGIN, &mut ui, soon())?;
    let blob = auth
        .client_extension_results
        .large_blob
        .and_then(|l| l.blob)
        .ok_or("no blob")?;
    assert_eq!(blob.0, b"hello blob");

    // A non-discoverable credential cannot have one: "required" is refused.
    let error = register(
        &mut key,
        &creation(json!({"extensions": {"largeBlob": {"support": "required"}}}))?,
        ORIGIN,
        &mut ui,
        soon(),
    )
    .err();
    assert!(
        matches!(error, Some(WebAuthnError::RequirementNotMet(_))),
        "{error:?}"
    );
    Ok(())
}

#[test]
fn attestation_direct_is_passed_through() -> TestResult {
    let mut key = client("att", 13);
    let mut ui = TestUi::default();
    let reg = register(
        &mut key,
        &creation(json!({"attestation": "direct"}))?,
        ORIGIN,
        &mut ui,
        soon(),
    )?;
    let object = decode(&reg.response.attestation_object.0)?;
    assert_eq!(
        map_get(&object, "fmt").and_then(Value::as_text),
        Some("packed")
    );
    let statement = map_get(&object, "attStmt").ok_or("no attStmt")?;
    assert!(map_get(statement, "x5c").is_some());
    assert!(map_get(statement, "sig").is_some());
    Ok(())
}

#[test]
fn algorithm_order_and_unsupported_algorithms() -> TestResult {
    let mut key = client("alg", 14);
    let mut ui = TestUi::default();
    let eddsa_first = creation(json!({"pubKeyCredParams": [
        {"type": "public-key", "alg": -8}, {"type": "public-key", "alg": -7}
    ]}))?;
    let reg = register(&mut key, &eddsa_first, ORIGIN, &mut ui, soon())?;
    assert_eq!(reg.response.public_key_algorithm, -8);
    assert_eq!(reg.response.public_key.map(|k| k.0.len()), Some(44));
    let rsa_only = creation(json!({"pubKeyCredParams": [{"type": "public-key", "alg": -257}]}))?;
    let error = register(&mut key, &rsa_only, ORIGIN, &mut ui, soon()).err();
    assert_eq!(
        error.map(|e| e.dom_exception_name()),
        Some("NotSupportedError")
    );
    // An empty list means the spec's default (ES256, RS256).
    let defaults = creation(json!({"pubKeyCredParams": []}))?;
    let reg = register(&mut key, &defaults, ORIGIN, &mut ui, soon())?;
    assert_eq!(reg.response.public_key_algorithm, -7);
    Ok(())
}

#[test]
fn attachment_requirement_is_enforced() -> TestResult {
    let mut key = client("usb", 15);
    let mut ui = TestUi::default();
    let platform =
        creation(json!({"authenticatorSelection": {"authenticatorAttachment": "platform"}}))?;
    let error = register(&mut key, &platform, ORIGIN, &mut ui, soon()).err();
    assert!(
        matches!(error, Some(WebAuthnError::RequirementNotMet(_))),
        "{error:?}"
    );
    let mut internal = keydesk_ctap_client::Client::new(VirtualDevice::new(
        "this-computer",
        config(),
        16,
        TransportKind::Internal,
    ));
    let reg = register(&mut internal, &platform, ORIGIN, &mut ui, soon())?;
    assert_eq!(reg.authenticator_attachment.as_deref(), Some("platform"));
    assert!(reg.response.transports.contains(&"internal".to_owned()));
    // register_on_any skips the roaming key.
    let mut clients = vec![key, internal];
    let (chosen, _) = register_on_any(&mut clients, &platform, ORIGIN, &mut ui, soon())?;
    assert_eq!(chosen, 1);
    Ok(())
}

#[test]
fn timeout_and_cancel_stop_a_waiting_key() -> TestResult {
    let mut key = client("slow", 17);
    key.device_mut().touch = TouchMode::Never;
    let mut ui = TestUi::default();
    let started = Instant::now();
    let error = register(
        &mut key,
        &creation(json!({}))?,
        ORIGIN,
        &mut ui,
        Instant::now() + Duration::from_millis(150),
    )
    .err();
    assert!(matches!(error, Some(WebAuthnError::Timeout)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(
        key.device_mut()
            .cancelled
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );

    let mut ui = TestUi {
        cancel_now: true,
        ..TestUi::default()
    };
    let error = register(&mut key, &creation(json!({}))?, ORIGIN, &mut ui, soon()).err();
    assert!(matches!(error, Some(WebAuthnError::Cancelled)), "{error:?}");
    Ok(())
}

#[test]
fn the_first_key_touched_is_selected_and_the_others_cancelled() -> TestResult {
    let mut idle = client("idle", 18);
    idle.device_mut().touch = TouchMode::Never;
    let mut touched = client("touched", 19);
    touched.device_mut().touch = TouchMode::After(Duration::from_millis(100));
    let idle_cancels = idle.device_mut().cancelled.clone();
    let mut clients = vec![idle, touched];
    let mut ui = TestUi::default();
    let chosen = select_by_touch(&mut clients, &mut ui, soon())?;
    assert_eq!(chosen, 1);
    assert_eq!(idle_cancels.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(ui.touches, 1);
    let named = keydesk_transport::DeviceId("virtual:touched".to_owned());
    assert_eq!(find_named(&clients, &named), Some(1));

    // Nobody touches: the deadline ends the wait.
    for c in &mut clients {
        c.device_mut().touch = TouchMode::Never;
    }
    let error = select_by_touch(
        &mut clients,
        &mut ui,
        Instant::now() + Duration::from_millis(100),
    )
    .err();
    assert!(matches!(error, Some(WebAuthnError::Timeout)), "{error:?}");
    Ok(())
}

/// Options as webauthn-rs serves them (`{"publicKey": ...}` with its members), parsed and
/// used as is.
#[test]
fn webauthn_rs_style_options_are_accepted() -> TestResult {
    let served = r#"{"publicKey":{"rp":{"name":"Example","id":"example.com"},
        "user":{"id":"AAECAwQFBgcICQoLDA0ODw","name":"alice","displayName":"Alice"},
        "challenge":"q83vEjRWeJCrze8SNFZ4kA","pubKeyCredParams":[{"type":"public-key","alg":-7},{"type":"public-key","alg":-257}],
        "timeout":300000,"attestation":"none","excludeCredentials":[],
        "authenticatorSelection":{"residentKey":"discouraged","requireResidentKey":false,"userVerification":"preferred"},
        "extensions":{"uvm":true,"credProps":true}},"mediation":null}"#;
    let options: CreationOptionsJson = serde_json::from_str::<Wrapped<_>>(served)?.into_inner();
    let mut key = client("rs", 20);
    let mut ui = TestUi::default();
    let reg = register(&mut key, &options, "https://example.com", &mut ui, soon())?;

    // The shape webauthn-rs's RegisterPublicKeyCredential reads (its serde attributes,
    // mirrored: rawId, response.attestationObject / clientDataJSON / transports, type, and
    // clientExtensionResults through its alias).
    #[derive(serde::Deserialize)]
    struct RegisterPublicKeyCredential {
        id: String,
        #[serde(rename = "rawId")]
        raw_id: String,
        response: AttestationRaw,
        #[serde(rename = "type")]
        type_: String,
        #[serde(default, alias = "clientExtensionResults")]
        extensions: serde_json::Value,
    }
    #[derive(serde::Deserialize)]
    struct AttestationRaw {
        #[serde(rename = "attestationObject")]
        attestation_object: String,
        #[serde(rename = "clientDataJSON")]
        client_data_json: String,
        #[serde(default)]
        transports: Option<Vec<String>>,
    }
    let text = serde_json::to_string(&reg)?;
    let theirs: RegisterPublicKeyCredential = serde_json::from_str(&text)?;
    assert_eq!(theirs.id, theirs.raw_id);
    assert_eq!(b64(&theirs.raw_id)?, reg.raw_id.0);
    assert_eq!(theirs.type_, "public-key");
    assert_eq!(
        b64(&theirs.response.attestation_object)?,
        reg.response.attestation_object.0
    );
    assert_eq!(
        b64(&theirs.response.client_data_json)?,
        reg.response.client_data_json.0
    );
    assert_eq!(
        theirs.response.transports,
        Some(vec!["nfc".to_owned(), "usb".to_owned()])
    );
    assert_eq!(theirs.extensions, json!({"credProps": {"rk": false}}));
    Ok(())
}

#[test]
fn min_pin_length_is_reported_only_to_listed_rps() -> TestResult {
    let mut key = client_with_pin("minpin", 21, "123456")?;
    let mut ui = TestUi::with_pin("123456");
    let change = keydesk_ctap_client::manage::MinPinLengthChange {
        new_min_length: Some(6),
        rp_ids: vec![RP_ID.to_owned()],
        force_change_pin: false,
    };
    key.set_min_pin_length(&change, &mut ui)?;
    key.refresh_info()?;
    let asks = creation(json!({"extensions": {"minPinLength": true}}))?;
    let reg = register(&mut key, &asks, ORIGIN, &mut ui, soon())?;
    assert_eq!(reg.client_extension_results.min_pin_length, Some(6));
    // Another RP is not on the key's list: no output.
    let mut other = asks.clone();
    other.rp.id = Some("other.example".to_owned());
    let reg = register(&mut key, &other, "https://other.example", &mut ui, soon())?;
    assert_eq!(reg.client_extension_results.min_pin_length, None);
    // Not asked: no output either.
    let reg = register(&mut key, &creation(json!({}))?, ORIGIN, &mut ui, soon())?;
    assert_eq!(reg.client_extension_results.min_pin_length, None);
    Ok(())
}

/// §5.1.3 "none": self attestation (packed, zero AAGUID, no x5c) carries nothing that
/// identifies the key and is kept; a non-zero AAGUID with a self signature is stripped.
#[test]
fn none_conveyance_keeps_self_attestation_only_with_a_zero_aaguid() -> TestResult {
    use keydesk_virtual_key::AttestationMode;
    let mut ui = TestUi::default();
    let zero = keydesk_virtual_key::Config {
        aaguid: [0; 16],
        attestation: AttestationMode::SelfAttestation,
        ..config()
    };
    let mut key =
        keydesk_ctap_client::Client::new(VirtualDevice::new("self", zero, 22, TransportKind::Usb));
    let reg = register(&mut key, &creation(json!({}))?, ORIGIN, &mut ui, soon())?;
    let object = decode(&reg.response.attestation_object.0)?;
    assert_eq!(
        map_get(&object, "fmt").and_then(Value::as_text),
        Some("packed")
    );
    let statement = map_get(&object, "attStmt").ok_or("no attStmt")?;
    assert!(map_get(statement, "x5c").is_none());
    // The self signature verifies over authData || clientDataHash with the credential key.
    let sig = map_get(statement, "sig")
        .and_then(Value::as_bytes)
        .ok_or("no sig")?;
    let (x, y) = credential_point(&reg)?;
    verify_es256(
        &x,
        &y,
        &reg.response.authenticator_data.0,
        &reg.response.client_data_json.0,
        sig,
    )?;

    let named = keydesk_virtual_key::Config {
        attestation: AttestationMode::SelfAttestation,
        ..config()
    };
    let mut key = keydesk_ctap_client::Client::new(VirtualDevice::new(
        "self2",
        named,
        23,
        TransportKind::Usb,
    ));
    let reg = register(&mut key, &creation(json!({}))?, ORIGIN, &mut ui, soon())?;
    let object = decode(&reg.response.attestation_object.0)?;
    assert_eq!(
        map_get(&object, "fmt").and_then(Value::as_text),
        Some("none")
    );
    Ok(())
}

/// Request options as webauthn-rs serves them, and the assertion in the shape its
/// `PublicKeyCredential` reads (rawId, response.authenticatorData / clientDataJSON /
/// signature / userHandle, type, clientExtensionResults through its alias).
#[test]
fn webauthn_rs_style_request_and_assertion_shape() -> TestResult {
    let mut key = client("rs-auth", 24);
    let mut ui = TestUi::default();
    let options = creation(json!({"authenticatorSelection": {"residentKey": "required"}}))?;
    let reg = register(&mut key, &options, ORIGIN, &mut ui, soon())?;
    let served = format!(
        r#"{{"publicKey":{{"challenge":"q83vEjRWeJCrze8SNFZ4kA","timeout":300000,"rpId":"example.com",
        "allowCredentials":[{{"type":"public-key","id":"{}"}}],"userVerification":"preferred",
        "extensions":{{"uvm":true}}}},"mediation":null}}"#,
        reg.id
    );
    let options: RequestOptionsJson = serde_json::from_str::<Wrapped<_>>(&served)?.into_inner();
    let auth = authenticate(&mut key, &options, ORIGIN, &mut ui, soon())?;

    #[derive(serde::Deserialize)]
    struct PublicKeyCredential {
        id: String,
        #[serde(rename = "rawId")]
        raw_id: String,
        response: AssertionRaw,
        #[serde(rename = "type")]
        type_: String,
        #[serde(default, alias = "clientExtensionResults")]
        extensions: serde_json::Value,
    }
    #[derive(serde::Deserialize)]
    struct AssertionRaw {
        #[serde(rename = "authenticatorData")]
        authenticator_data: String,
        #[serde(rename = "clientDataJSON")]
        client_data_json: String,
        signature: String,
        #[serde(rename = "userHandle")]
        user_handle: Option<String>,
    }
    let theirs: PublicKeyCredential = serde_json::from_str(&serde_json::to_string(&auth)?)?;
    assert_eq!(theirs.id, reg.id);
    assert_eq!(b64(&theirs.raw_id)?, reg.raw_id.0);
    assert_eq!(theirs.type_, "public-key");
    assert_eq!(theirs.extensions, json!({}));
    assert_eq!(
        theirs.response.user_handle.map(|h| b64(&h)).transpose()?,
        Some(b"user-1".to_vec())
    );
    let (x, y) = credential_point(&reg)?;
    verify_es256(
        &x,
        &y,
        &b64(&theirs.response.authenticator_data)?,
        &b64(&theirs.response.client_data_json)?,
        &b64(&theirs.response.signature)?,
    )?;
    Ok(())
}
