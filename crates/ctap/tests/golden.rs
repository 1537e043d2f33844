//! Golden vectors: the CTAP specification's example messages and real authenticator
//! responses (files in `tests/vectors/`, named after their source). Each decodes to the
//! expected values and re-encodes byte for byte.

// Test helpers outside #[test] functions panic on purpose when a vector is broken.
#![allow(clippy::unwrap_used)]

use keydesk_ctap::attestation::AttestationStatement;
use keydesk_ctap::auth_data::AuthDataFlags;
use keydesk_ctap::cbor::DecodeOptions;
use keydesk_ctap::commands::*;
use keydesk_ctap::cose::CoseKey;
use keydesk_ctap::entities::*;
use keydesk_ctap::{CommandRequest, CommandResponse, Request};

/// Hex from a vector file: `#` lines are comments, whitespace is ignored.
fn vector(text: &str) -> Vec<u8> {
    let digits: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    assert_eq!(digits.len() % 2, 0, "odd number of hex digits");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    vector(s)
}

fn with_status(body: &[u8]) -> Vec<u8> {
    [&[0x00], body].concat()
}

#[test]
fn spec_make_credential_request() {
    let bytes = vector(include_str!("vectors/ctap-spec-make-credential-request.hex"));
    let request = MakeCredentialRequest::decode_with(&bytes, DecodeOptions::CANONICAL).unwrap();
    assert_eq!(
        request.client_data_hash.to_vec(),
        hex("687134968222ec17202e42505f8ed2b16ae22f16bb05b88c25db9e602645f141")
    );
    assert_eq!(
        request.rp,
        RpEntity { id: "example.com".into(), name: Some("Acme".into()), icon: None }
    );
    assert_eq!(
        request.user,
        UserEntity {
            id: hex("3082019330820138a0030201023082019330820138a003020102308201933082"),
            name: Some("johnpsmith@example.com".into()),
            display_name: Some("John P. Smith".into()),
            icon: Some("https://pics.example.com/00/p/aBjjjpqPb.png".into()),
        }
    );
    assert_eq!(
        request.pub_key_cred_params,
        vec![CredentialParameters::public_key(-7), CredentialParameters::public_key(-257)]
    );
    assert_eq!(request.options, Some(RequestOptions { rk: Some(true), up: None, uv: None }));
    assert_eq!(request.exclude_list, None);
    assert_eq!(request.extensions, None);
    assert_eq!(request.pin_uv_auth_param, None);
    assert_eq!(request.encode(), bytes);
    // The dispatching decoder agrees.
    assert_eq!(Request::decode(&bytes).unwrap(), Request::MakeCredential(request));
}

#[test]
fn spec_get_assertion_request() {
    let bytes = vector(include_str!("vectors/ctap-spec-get-assertion-request.hex"));
    let request = GetAssertionRequest::decode_with(&bytes, DecodeOptions::CANONICAL).unwrap();
    assert_eq!(request.rp_id, "example.com");
    let allow = request.allow_list.as_ref().unwrap();
    assert_eq!(allow.len(), 2);
    assert_eq!(
        allow[0],
        CredentialDescriptor::public_key(hex(
            "f22006de4f905af68a43942f024f2a5ece603d9c6d4b3df8be08ed01fc442646\
             d034858ac75bed3fd580bf9808d94fcbee82b9b2ef6677af0adcc35852ea6b9e"
        ))
    );
    assert_eq!(allow[1], CredentialDescriptor::public_key(vec![0x03; 50]));
    assert_eq!(request.options, Some(RequestOptions { rk: None, up: None, uv: Some(true) }));
    assert_eq!(request.encode(), bytes);
    assert_eq!(Request::decode(&bytes).unwrap(), Request::GetAssertion(request));
}

#[test]
fn spec_get_info_response() {
    let body = vector(include_str!("vectors/ctap-spec-get-info-response.hex"));
    let response = with_status(&body);
    let info = GetInfoResponse::decode(&response).unwrap();
    assert_eq!(info.versions, ["U2F_V2", "FIDO_2_0"]);
    assert_eq!(info.extensions, Some(vec!["uvm".to_string(), "hmac-secret".to_string()]));
    assert_eq!(info.aaguid.to_vec(), hex("f8a011f38c0a4d15800617111f9edc7d"));
    assert_eq!(info.option("rk"), Some(true));
    assert_eq!(info.option("up"), Some(true));
    assert_eq!(info.option("plat"), Some(false));
    assert_eq!(info.option("clientPin"), Some(false));
    assert_eq!(info.option("uv"), None);
    assert_eq!(info.max_msg_size, Some(1200));
    assert_eq!(info.pin_uv_auth_protocols, Some(vec![1]));
    assert_eq!(info.algorithms, None);
    assert_eq!(info.encode(), response);
}

#[test]
fn packed_make_credential_response() {
    let body = vector(include_str!("vectors/python-fido2-make-credential-response.hex"));
    let response = with_status(&body);
    let decoded = MakeCredentialResponse::decode(&response).unwrap();
    let AttestationStatement::Packed { alg, sig, x5c } = &decoded.attestation else {
        panic!("expected packed attestation, got {:?}", decoded.attestation);
    };
    assert_eq!(*alg, -7);
    assert_eq!(sig.len(), 0x48);
    assert_eq!(x5c.as_ref().unwrap().len(), 1);
    assert_eq!(x5c.as_ref().unwrap()[0].len(), 0x197);

    let auth_data = decoded.authenticator_data().unwrap();
    assert_eq!(
        auth_data.rp_id_hash.to_vec(),
        hex("0021f5fc0b85cd22e60623bcd7d1ca48948909249b4776eb515154e57b66ae12")
    );
    assert_eq!(auth_data.flags, AuthDataFlags(0x41));
    assert!(auth_data.flags.user_present() && !auth_data.flags.user_verified());
    assert_eq!(auth_data.sign_count, 28);
    let credential = auth_data.attested_credential.as_ref().unwrap();
    assert_eq!(credential.aaguid.to_vec(), hex("f8a011f38c0a4d15800617111f9edc7d"));
    assert_eq!(credential.credential_id.len(), 64);
    let CoseKey::Es256(point) = &credential.public_key else {
        panic!("expected an ES256 key, got {:?}", credential.public_key);
    };
    assert_eq!(point.x.to_vec(), hex("643566c206dd00227005fa5de69320616ca268043a38f08bde2e9dc45a5cafaf"));
    assert_eq!(point.y.to_vec(), hex("171353b2932434703726aae579fa6542432861fe591e481ea22d63997e1a5290"));
    assert_eq!(auth_data.extensions, None);

    // Byte-identical re-encoding, of the authenticator data and of the whole response.
    assert_eq!(auth_data.to_bytes(), decoded.auth_data);
    assert_eq!(decoded.encode(), response);
}

#[test]
fn non_canonical_response_is_accepted_and_re_encoded_canonically() {
    // The same response with authData's length written as 59 00c4 instead of 58 c4, as
    // python-fido2's tests/test_client.py carries it: hosts must tolerate this.
    let canonical = with_status(&vector(include_str!("vectors/python-fido2-make-credential-response.hex")));
    let position = canonical.windows(3).position(|w| w == [0x02, 0x58, 0xc4]).unwrap();
    let mut long_form = canonical.clone();
    long_form.splice(position + 1..position + 3, [0x59, 0x00, 0xc4]);
    let decoded = MakeCredentialResponse::decode(&long_form).unwrap();
    assert_eq!(decoded.encode(), canonical);
    // A strict (canonical) decoder pinpoints the non-minimal length.
    assert_eq!(
        keydesk_ctap::cbor::decode_with(&long_form[1..], DecodeOptions::CANONICAL),
        Err(keydesk_ctap::cbor::CborError::NonMinimalEncoding { offset: position })
    );
}

#[test]
fn get_assertion_response() {
    let body = vector(include_str!("vectors/python-fido2-get-assertion-response.hex"));
    let response = with_status(&body);
    let decoded = GetAssertionResponse::decode(&response).unwrap();
    let credential = decoded.credential.as_ref().unwrap();
    assert_eq!(credential.cred_type, PUBLIC_KEY);
    assert_eq!(credential.id.len(), 64);
    let auth_data = decoded.authenticator_data().unwrap();
    assert_eq!(auth_data.flags, AuthDataFlags(AuthDataFlags::UP));
    assert_eq!(auth_data.sign_count, 29);
    assert_eq!(auth_data.attested_credential, None);
    assert_eq!(decoded.signature.len(), 0x46);
    assert_eq!(decoded.user, None);
    assert_eq!(decoded.number_of_credentials, None);
    assert_eq!(decoded.encode(), response);
}

#[test]
fn attestation_object_for_the_relying_party() {
    let body = vector(include_str!("vectors/python-fido2-make-credential-response.hex"));
    let response = MakeCredentialResponse::decode(&with_status(&body)).unwrap();
    let object = response.attestation_object();
    let bytes = object.to_bytes();
    // Text keys in canonical order: "fmt", "attStmt", "authData".
    assert_eq!(&bytes[..5], &hex("a3 63 666d74")[..]);
    let value = keydesk_ctap::cbor::decode_with(&bytes, DecodeOptions::CANONICAL).unwrap();
    let keys: Vec<&str> = value.as_map().unwrap().iter().map(|(k, _)| k.as_text().unwrap()).collect();
    assert_eq!(keys, ["fmt", "attStmt", "authData"]);
    assert_eq!(keydesk_ctap::attestation::AttestationObject::from_bytes(&bytes).unwrap(), object);
}

#[test]
fn get_info_defaults() {
    let info = GetInfoResponse::decode(&with_status(&vector(include_str!(
        "vectors/ctap-spec-get-info-response.hex"
    ))))
    .unwrap();
    assert_eq!(info.max_msg_size_or_default(), 1200);
    assert_eq!(info.min_pin_length_or_default(), 4);
    assert_eq!(info.pin_uv_auth_protocols_or_default(), vec![1]);
    let bare = GetInfoResponse { versions: vec!["FIDO_2_0".into()], ..Default::default() };
    assert_eq!(bare.max_msg_size_or_default(), 1024);
    assert_eq!(bare.pin_uv_auth_protocols_or_default(), Vec::<u32>::new());
}
