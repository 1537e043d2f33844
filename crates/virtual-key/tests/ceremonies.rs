//! makeCredential / getAssertion / getNextAssertion processing rules (CTAP 2.1 §6.1-§6.3),
//! driven through encoded requests.
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use common::{Host, CLIENT_DATA_HASH};
use der::{Decode as _, Encode as _};
use keydesk_ctap::attestation::AttestationStatement;
use keydesk_ctap::auth_data::{rp_id_hash, AuthDataFlags};
use keydesk_ctap::commands::{
    GetAssertionRequest, GetAssertionResponse, GetNextAssertionRequest, Permissions, RequestOptions,
};
use keydesk_ctap::cose::CoseKey;
use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters};
use keydesk_ctap::extensions::{
    CredBlobOutput, CredProtect, GetAssertionExtensions, HmacSecretInput, HmacSecretOutput, MakeCredentialExtensions,
};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::hmac_secret::{decrypt_output, encrypt_salts, HmacSecretPair};
use keydesk_virtual_key::{AttestationMode, Config};
use p256::ecdsa::signature::Verifier as _;
use p256::pkcs8::DecodePublicKey as _;

fn verify_es256(public: &CoseKey, message: &[u8], signature: &[u8]) {
    let CoseKey::Es256(point) = public else { panic!("not ES256: {public:?}") };
    let encoded = p256::EncodedPoint::from_affine_coordinates(&point.x.into(), &point.y.into(), false);
    let key = p256::ecdsa::VerifyingKey::from_encoded_point(&encoded).unwrap();
    let signature = p256::ecdsa::DerSignature::try_from(signature).unwrap();
    key.verify(message, &signature).unwrap();
}

#[test]
fn register_and_authenticate_with_batch_attestation() {
    let mut host = Host::new(Config::default());
    let request = host.mc_request("example.com", b"alice", false);
    let response = host.make_credential(&request).unwrap();
    let auth_data = response.authenticator_data().unwrap();
    assert_eq!(auth_data.rp_id_hash, rp_id_hash("example.com"));
    assert!(auth_data.flags.user_present() && !auth_data.flags.user_verified());
    let attested = auth_data.attested_credential.clone().unwrap();
    assert_eq!(attested.aaguid, Config::default().aaguid);

    // Packed attestation verifies with the certificate's key and the certificate carries the AAGUID.
    let AttestationStatement::Packed { alg, sig, x5c } = &response.attestation else { panic!("not packed") };
    assert_eq!(*alg, -7);
    let certificate = x509_cert::Certificate::from_der(&x5c.as_ref().unwrap()[0]).unwrap();
    let spki = certificate.tbs_certificate.subject_public_key_info.to_der().unwrap();
    let attestation_key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).unwrap();
    let signed = [response.auth_data.as_slice(), &CLIENT_DATA_HASH].concat();
    attestation_key.verify(&signed, &p256::ecdsa::DerSignature::try_from(sig.as_slice()).unwrap()).unwrap();
    let ca = host.key.attestation_ca_certificate().unwrap();
    assert!(x509_cert::Certificate::from_der(&ca).is_ok());

    // Assertion with the allowList; the counter increases.
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[&attested.credential_id]);
    let assertion = host.get_assertion(&get).unwrap();
    let assertion_data = assertion.authenticator_data().unwrap();
    assert!(assertion_data.sign_count > auth_data.sign_count);
    assert!(assertion.user.is_none(), "non-discoverable credentials have no user entity");
    verify_es256(&attested.public_key, &[assertion.auth_data.as_slice(), &CLIENT_DATA_HASH].concat(), &assertion.signature);

    // The same ID presented for another RP is unknown.
    get.rp_id = "evil.example".into();
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::NoCredentials);
}

#[test]
fn get_info_is_canonical_cbor_and_reports_the_key() {
    let mut host = Host::new(Config::default());
    let response = host.send(&[0x04]);
    assert_eq!(response[0], 0);
    keydesk_ctap::cbor::decode_with(&response[1..], keydesk_ctap::cbor::DecodeOptions::CANONICAL).unwrap();
    let info = host.info();
    assert!(info.supports_version("FIDO_2_1") && info.supports_version("U2F_V2"));
    assert_eq!(info.pin_uv_auth_protocols, Some(vec![2, 1]));
    assert_eq!(info.option("makeCredUvNotRqd"), Some(true));
    assert!(info.supports_extension("hmac-secret") && info.supports_extension("credProtect"));
    assert_eq!(info.remaining_discoverable_credentials, Some(25));
    // getInfo takes no parameters.
    assert_eq!(common::status_of(&host.send(&[0x04, 0xa0])), StatusCode::InvalidLength);
    assert_eq!(common::status_of(&host.send(&[0x55])), StatusCode::InvalidCommand);
    assert_eq!(common::status_of(&host.send(&[])), StatusCode::InvalidLength);
}

#[test]
fn eddsa_credentials_and_algorithm_negotiation() {
    let mut host = Host::new(Config { attestation: AttestationMode::SelfAttestation, ..Config::default() });
    let mut request = host.mc_request("example.com", b"bob", false);
    request.pub_key_cred_params = vec![CredentialParameters::public_key(-257), CredentialParameters::public_key(-8)];
    let response = host.make_credential(&request).unwrap();
    let attested = response.authenticator_data().unwrap().attested_credential.unwrap();
    let CoseKey::Ed25519 { x } = attested.public_key else { panic!("not EdDSA") };
    let AttestationStatement::Packed { alg, sig, x5c: None } = &response.attestation else { panic!("not self attestation") };
    assert_eq!(*alg, -8);
    let key = ed25519_dalek::VerifyingKey::from_bytes(&x).unwrap();
    let signed = [response.auth_data.as_slice(), &CLIENT_DATA_HASH].concat();
    key.verify_strict(&signed, &ed25519_dalek::Signature::from_slice(sig).unwrap()).unwrap();

    request.pub_key_cred_params = vec![CredentialParameters::public_key(-257)];
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::UnsupportedAlgorithm);
}

#[test]
fn none_attestation() {
    let mut host = Host::new(Config { attestation: AttestationMode::None, ..Config::default() });
    let request = host.mc_request("example.com", b"carol", false);
    assert_eq!(host.make_credential(&request).unwrap().attestation, AttestationStatement::None);
}

#[test]
fn exclude_list_stops_a_second_registration() {
    let mut host = Host::new(Config::default());
    let id = host.register("example.com", b"alice", false, None);
    let mut request = host.mc_request("example.com", b"alice", false);
    request.exclude_list = Host::allow(&[&id]);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::CredentialExcluded);
    // Excluding an ID of another RP excludes nothing.
    let mut other = host.mc_request("other.example", b"alice", false);
    other.exclude_list = Host::allow(&[&id]);
    assert!(host.make_credential(&other).is_ok());
}

#[test]
fn discoverable_credentials_need_a_token_and_are_enumerated_newest_first() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let request = host.mc_request("example.com", b"alice", true);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PuatRequired);

    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    host.register("example.com", b"alice", true, Some(&token));
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    host.register("example.com", b"bob", true, Some(&token));

    // Without UV: user IDs only, newest first, the rest via getNextAssertion.
    let get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    let first = host.get_assertion(&get).unwrap();
    assert_eq!(first.number_of_credentials, Some(2));
    let user = first.user.unwrap();
    assert_eq!(user.id, b"bob");
    assert!(user.name.is_none());
    let second: GetAssertionResponse = host.call(&GetNextAssertionRequest).unwrap();
    assert_eq!(second.user.unwrap().id, b"alice");
    assert_eq!(host.call::<GetAssertionResponse>(&GetNextAssertionRequest).unwrap_err(), StatusCode::NotAllowed);

    // With a token: user names too, and the UV flag.
    let token = host.token("1234", Permissions::GET_ASSERTION, Some("example.com")).unwrap();
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    host.authorize_ga(&mut get, &token);
    let verified = host.get_assertion(&get).unwrap();
    assert!(verified.authenticator_data().unwrap().flags.user_verified());
    assert_eq!(verified.user.unwrap().name.as_deref(), Some("user-98"));

    // Any other command ends the batch.
    host.info();
    assert_eq!(host.call::<GetAssertionResponse>(&GetNextAssertionRequest).unwrap_err(), StatusCode::NotAllowed);
}

#[test]
fn tokens_are_bound_to_permissions_and_rp_id() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    let mut request = host.mc_request("other.example", b"alice", true);
    host.authorize_mc(&mut request, &token);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PinAuthInvalid);

    let token = host.token("1234", Permissions::GET_ASSERTION, Some("example.com")).unwrap();
    let mut request = host.mc_request("example.com", b"alice", true);
    host.authorize_mc(&mut request, &token);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PinAuthInvalid, "no mc permission");

    // A token is spent by one credential operation (its UV flag is cleared).
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    let mut request = host.mc_request("example.com", b"alice", true);
    host.authorize_mc(&mut request, &token);
    host.make_credential(&request).unwrap();
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PinAuthInvalid);

    // mc/ga permissions need an rpId.
    assert_eq!(host.token("1234", Permissions::MAKE_CREDENTIAL, None).unwrap_err(), StatusCode::MissingParameter);
    // A forged pinUvAuthParam.
    let mut request = host.mc_request("example.com", b"alice", true);
    request.pin_uv_auth_param = Some(vec![0; 32]);
    request.pin_uv_auth_protocol = Some(2);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PinAuthInvalid);
    request.pin_uv_auth_protocol = None;
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::MissingParameter);
    request.pin_uv_auth_protocol = Some(3);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::InvalidParameter);
}

#[test]
fn zero_length_pin_uv_auth_param_selects_the_key() {
    let mut host = Host::new(Config::default());
    let mut request = host.mc_request("example.com", b"alice", false);
    request.pin_uv_auth_param = Some(Vec::new());
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PinNotSet);
    host.set_pin("1234").unwrap();
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PinInvalid);
}

#[test]
fn capacity_full_is_reported_and_counted_in_get_info() {
    let mut host = Host::new(Config { resident_capacity: 2, ..Config::default() });
    assert_eq!(host.info().remaining_discoverable_credentials, Some(2));
    host.register("example.com", b"a", true, None);
    host.register("example.com", b"b", true, None);
    assert_eq!(host.info().remaining_discoverable_credentials, Some(0));
    let request = host.mc_request("example.com", b"c", true);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::KeyStoreFull);
    // The same user overwrites its credential even when full.
    host.register("example.com", b"a", true, None);
    assert_eq!(host.key.discoverable_credential_count(), 2);
}

#[test]
fn cred_protect_hides_credentials_without_user_verification() {
    let mut host = Host::new(Config::default());
    let mut ids = Vec::new();
    for (user, level) in [(b"one", CredProtect::UserVerificationOptional), (b"two", CredProtect::UserVerificationOptionalWithCredentialIdList), (b"thr", CredProtect::UserVerificationRequired)] {
        let mut request = host.mc_request("example.com", user, true);
        request.extensions = Some(MakeCredentialExtensions { cred_protect: Some(level), ..Default::default() });
        let response = host.make_credential(&request).unwrap();
        let data = response.authenticator_data().unwrap();
        assert_eq!(data.extensions.unwrap().cred_protect, Some(level));
        ids.push(data.attested_credential.unwrap().credential_id);
    }
    // Discovery without UV sees only level 1.
    let get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    let found = host.get_assertion(&get).unwrap();
    assert_eq!(found.number_of_credentials, None);
    assert_eq!(found.user.unwrap().id, b"one");
    // With an allowList, level 2 is usable, level 3 is not.
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[&ids[1]]);
    assert!(host.get_assertion(&get).is_ok());
    get.allow_list = Host::allow(&[&ids[2]]);
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::NoCredentials);
    // Level 3 does not even reveal itself through the excludeList without UV.
    let mut request = host.mc_request("example.com", b"new", false);
    request.exclude_list = Host::allow(&[&ids[2]]);
    assert!(host.make_credential(&request).is_ok());
    // With a PIN token all three are found.
    host.set_pin("1234").unwrap();
    let token = host.token("1234", Permissions::GET_ASSERTION, Some("example.com")).unwrap();
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    host.authorize_ga(&mut get, &token);
    assert_eq!(host.get_assertion(&get).unwrap().number_of_credentials, Some(3));
}

fn hmac_secret_input(host: &mut Host, salt: [u8; 32]) -> (HmacSecretInput, keydesk_ctap_crypto::SharedSecret) {
    let (platform, shared) = host.shared_secret();
    let salts = encrypt_salts(&shared, &HmacSecretPair::new(salt, None), &mut host.rng).unwrap();
    let input = HmacSecretInput {
        key_agreement: platform,
        salt_enc: salts.salt_enc,
        salt_auth: salts.salt_auth,
        pin_uv_auth_protocol: Some(host.protocol.number()),
    };
    (input, shared)
}

fn hmac_secret(host: &mut Host, id: &[u8], salt: [u8; 32], token: Option<&keydesk_ctap_crypto::PinUvAuthToken>) -> [u8; 32] {
    let (input, shared) = hmac_secret_input(host, salt);
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[id]);
    get.extensions = Some(GetAssertionExtensions { hmac_secret: Some(input), ..Default::default() });
    if let Some(token) = token {
        host.authorize_ga(&mut get, token);
    }
    let response = host.get_assertion(&get).unwrap();
    let outputs = response.authenticator_data().unwrap().extensions.unwrap();
    let Some(HmacSecretOutput::Secret(encrypted)) = outputs.hmac_secret else { panic!("no hmac-secret output") };
    *decrypt_output(&shared, &encrypted, 1).unwrap().first()
}

#[test]
fn hmac_secret_is_stable_and_differs_with_uv() {
    for protocol in [keydesk_ctap_crypto::PinUvAuthProtocol::One, keydesk_ctap_crypto::PinUvAuthProtocol::Two] {
        let mut host = Host::new(Config::default());
        host.protocol = protocol;
        let mut request = host.mc_request("example.com", b"alice", false);
        request.extensions = Some(MakeCredentialExtensions { hmac_secret: Some(true), ..Default::default() });
        let response = host.make_credential(&request).unwrap();
        let data = response.authenticator_data().unwrap();
        assert_eq!(data.extensions.unwrap().hmac_secret, Some(HmacSecretOutput::Created(true)));
        let id = data.attested_credential.unwrap().credential_id;
        let first = hmac_secret(&mut host, &id, [7; 32], None);
        assert_eq!(first, hmac_secret(&mut host, &id, [7; 32], None), "same salt, same output");
        assert_ne!(first, hmac_secret(&mut host, &id, [8; 32], None));
        host.set_pin("1234").unwrap();
        let token = host.token("1234", Permissions::GET_ASSERTION, Some("example.com")).unwrap();
        assert_ne!(first, hmac_secret(&mut host, &id, [7; 32], Some(&token)), "CredRandom with UV differs");

        // A saltAuth that does not verify.
        let (mut input, _) = hmac_secret_input(&mut host, [7; 32]);
        input.salt_auth[0] ^= 1;
        let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
        get.allow_list = Host::allow(&[&id]);
        get.extensions = Some(GetAssertionExtensions { hmac_secret: Some(input), ..Default::default() });
        assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::PinAuthInvalid);
    }
}

#[test]
fn hmac_secret_mc_matches_the_later_assertion_output() {
    let mut host = Host::new(Config::default());
    let (input, shared) = hmac_secret_input(&mut host, [9; 32]);
    let mut request = host.mc_request("example.com", b"alice", false);
    request.extensions = Some(MakeCredentialExtensions { hmac_secret: Some(true), hmac_secret_mc: Some(input), ..Default::default() });
    let data = host.make_credential(&request).unwrap().authenticator_data().unwrap();
    let encrypted = data.extensions.unwrap().hmac_secret_mc.unwrap();
    let at_creation = *decrypt_output(&shared, &encrypted, 1).unwrap().first();
    let id = data.attested_credential.unwrap().credential_id;
    assert_eq!(at_creation, hmac_secret(&mut host, &id, [9; 32], None));
}

#[test]
fn attestation_formats_preference_can_ask_for_none() {
    let mut host = Host::new(Config::default());
    let mut request = host.mc_request("example.com", b"alice", false);
    request.attestation_formats_preference = Some(vec!["tpm".into(), "none".into(), "packed".into()]);
    assert_eq!(host.make_credential(&request).unwrap().attestation, AttestationStatement::None);
    request.attestation_formats_preference = Some(vec!["packed".into()]);
    assert!(matches!(host.make_credential(&request).unwrap().attestation, AttestationStatement::Packed { x5c: Some(_), .. }));
}

#[test]
fn cred_blob_and_large_blob_key() {
    let mut host = Host::new(Config::default());
    let mut request = host.mc_request("example.com", b"alice", true);
    request.extensions = Some(MakeCredentialExtensions {
        cred_blob: Some(b"blob".to_vec()),
        large_blob_key: Some(true),
        ..Default::default()
    });
    let response = host.make_credential(&request).unwrap();
    assert_eq!(response.authenticator_data().unwrap().extensions.unwrap().cred_blob, Some(CredBlobOutput::Stored(true)));
    let key = response.large_blob_key.clone().unwrap();
    assert_eq!(key.expose().len(), 32);

    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.extensions = Some(GetAssertionExtensions { cred_blob: Some(true), large_blob_key: Some(true), ..Default::default() });
    let assertion = host.get_assertion(&get).unwrap();
    assert_eq!(assertion.large_blob_key, Some(key));
    assert_eq!(
        assertion.authenticator_data().unwrap().extensions.unwrap().cred_blob,
        Some(CredBlobOutput::Blob(b"blob".to_vec()))
    );

    // largeBlobKey needs a discoverable credential; a blob over the limit is not stored.
    let mut request = host.mc_request("example.com", b"bob", false);
    request.extensions = Some(MakeCredentialExtensions { large_blob_key: Some(true), ..Default::default() });
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::InvalidOption);
    let mut request = host.mc_request("example.com", b"bob", true);
    request.extensions = Some(MakeCredentialExtensions { cred_blob: Some(vec![0; 33]), ..Default::default() });
    let response = host.make_credential(&request).unwrap();
    assert_eq!(response.authenticator_data().unwrap().extensions.unwrap().cred_blob, Some(CredBlobOutput::Stored(false)));
}

#[test]
fn options_are_validated() {
    let mut host = Host::new(Config::default());
    let mut request = host.mc_request("example.com", b"alice", false);
    request.options = Some(RequestOptions { up: Some(false), ..RequestOptions::default() });
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::InvalidOption);
    request.options = Some(RequestOptions { uv: Some(true), ..RequestOptions::default() });
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::InvalidOption, "no fingerprint enrolled");

    let id = host.register("example.com", b"alice", false, None);
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[&id]);
    get.options = Some(RequestOptions { rk: Some(true), ..RequestOptions::default() });
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::UnsupportedOption);
    // up=false: a silent probe, no UP flag.
    get.options = Some(RequestOptions { up: Some(false), ..RequestOptions::default() });
    let silent = host.get_assertion(&get).unwrap();
    assert_eq!(silent.authenticator_data().unwrap().flags.0 & AuthDataFlags::UP, 0);
    // Unknown credential IDs and types are ignored.
    get.allow_list = Some(vec![CredentialDescriptor::public_key(vec![1, 2, 3])]);
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::NoCredentials);
}

#[test]
fn enterprise_attestation_needs_enabling() {
    let mut host = Host::new(Config::default());
    let mut request = host.mc_request("enterprise.example", b"alice", false);
    request.enterprise_attestation = Some(1);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::InvalidParameter);
    let enable = keydesk_ctap::commands::ConfigRequest::new(keydesk_ctap::commands::ConfigSubCommand::EnableEnterpriseAttestation);
    host.call::<keydesk_ctap::commands::EmptyResponse>(&enable).unwrap();
    assert_eq!(host.info().option("ep"), Some(true));
    let response = host.make_credential(&request).unwrap();
    assert_eq!(response.ep_att, Some(true));
    request.rp.id = "other.example".into();
    assert_eq!(host.make_credential(&request).unwrap().ep_att, None, "vendor-facilitated only for listed RPs");
    request.enterprise_attestation = Some(3);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::InvalidOption);
}
