//! Every command, both sides: host encode -> authenticator decode, authenticator encode

// Test helpers outside #[test] functions panic on purpose when a vector is broken.
#![allow(clippy::unwrap_used)]
//! -> host decode, with all optional members populated and with none.

use keydesk_ctap::auth_data::{AttestedCredentialData, AuthDataFlags, AuthenticatorData};
use keydesk_ctap::attestation::AttestationStatement;
use keydesk_ctap::commands::*;
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::entities::*;
use keydesk_ctap::extensions::*;
use keydesk_ctap::{CommandRequest, CommandResponse};

fn request_round_trip<T: CommandRequest + PartialEq + std::fmt::Debug>(request: &T) {
    let bytes = request.encode();
    assert_eq!(bytes[0], T::COMMAND.byte());
    let decoded = T::decode_with(&bytes, keydesk_ctap::cbor::DecodeOptions::CANONICAL).unwrap();
    assert_eq!(&decoded, request);
    assert_eq!(decoded.encode(), bytes);
}

fn response_round_trip<T: CommandResponse + PartialEq + std::fmt::Debug>(response: &T) {
    let bytes = response.encode();
    assert_eq!(bytes[0], 0x00);
    let decoded = T::decode(&bytes).unwrap();
    assert_eq!(&decoded, response);
    assert_eq!(decoded.encode(), bytes);
}

fn point(seed: u8) -> P256Point {
    P256Point { x: [seed; 32], y: [seed.wrapping_add(1); 32] }
}

fn sample_auth_data(with_credential: bool) -> Vec<u8> {
    AuthenticatorData {
        rp_id_hash: keydesk_ctap::auth_data::rp_id_hash("example.com"),
        flags: AuthDataFlags(AuthDataFlags::UP | AuthDataFlags::UV),
        sign_count: 7,
        attested_credential: with_credential.then(|| AttestedCredentialData {
            aaguid: [0xaa; 16],
            credential_id: vec![1, 2, 3, 4],
            public_key: CoseKey::Es256(point(9)),
        }),
        extensions: Some(ExtensionOutputs {
            cred_protect: Some(CredProtect::UserVerificationRequired),
            hmac_secret: Some(HmacSecretOutput::Created(true)),
            ..Default::default()
        }),
    }
    .to_bytes()
}

fn hmac_input() -> HmacSecretInput {
    HmacSecretInput {
        key_agreement: CoseKey::EcdhEsHkdf256(point(3)),
        salt_enc: vec![5; 48],
        salt_auth: vec![6; 32],
        pin_uv_auth_protocol: Some(2),
    }
}

#[test]
fn make_credential_full_and_minimal() {
    let minimal = MakeCredentialRequest::new(
        [1; 32],
        RpEntity::new("example.com"),
        UserEntity::new(vec![9; 16]),
        vec![CredentialParameters::public_key(-7)],
    );
    request_round_trip(&minimal);
    let full = MakeCredentialRequest {
        exclude_list: Some(vec![CredentialDescriptor {
            cred_type: PUBLIC_KEY.into(),
            id: vec![7; 40],
            transports: Some(vec!["usb".into(), "nfc".into()]),
        }]),
        extensions: Some(MakeCredentialExtensions {
            hmac_secret: Some(true),
            hmac_secret_mc: Some(hmac_input()),
            cred_protect: Some(CredProtect::UserVerificationOptionalWithCredentialIdList),
            cred_blob: Some(vec![1, 2, 3]),
            large_blob_key: Some(true),
            min_pin_length: Some(true),
            other: vec![("uvm".into(), keydesk_ctap::cbor::Value::Bool(true))],
        }),
        options: Some(RequestOptions { rk: Some(true), up: None, uv: Some(false) }),
        pin_uv_auth_param: Some(vec![0x11; 32]),
        pin_uv_auth_protocol: Some(2),
        enterprise_attestation: Some(1),
        attestation_formats_preference: Some(vec!["packed".into()]),
        rp: RpEntity { id: "example.com".into(), name: Some("Example".into()) },
        user: UserEntity { id: vec![1], name: Some("a@b".into()), display_name: Some("A".into()) },
        ..minimal
    };
    request_round_trip(&full);

    for attestation in [
        AttestationStatement::None,
        AttestationStatement::Packed { alg: -7, sig: vec![0x30; 70], x5c: Some(vec![vec![0x30; 300]]) },
        AttestationStatement::Packed { alg: -8, sig: vec![1; 64], x5c: None },
        AttestationStatement::FidoU2f { sig: vec![2; 71], certificate: vec![3; 200] },
    ] {
        response_round_trip(&MakeCredentialResponse {
            attestation,
            auth_data: sample_auth_data(true),
            ep_att: Some(false),
            large_blob_key: Some(vec![4; 32]),
            unsigned_extension_outputs: None,
        });
    }
}

#[test]
fn get_assertion_full_and_minimal() {
    request_round_trip(&GetAssertionRequest::new("example.com", [2; 32]));
    request_round_trip(&GetAssertionRequest {
        allow_list: Some(vec![CredentialDescriptor::public_key(vec![1; 16])]),
        extensions: Some(GetAssertionExtensions {
            hmac_secret: Some(hmac_input()),
            cred_blob: Some(true),
            large_blob_key: Some(true),
            other: vec![],
        }),
        options: Some(RequestOptions { rk: None, up: Some(false), uv: None }),
        pin_uv_auth_param: Some(vec![3; 16]),
        pin_uv_auth_protocol: Some(1),
        ..GetAssertionRequest::new("example.com", [2; 32])
    });
    response_round_trip(&GetAssertionResponse {
        credential: Some(CredentialDescriptor::public_key(vec![1; 16])),
        auth_data: sample_auth_data(false),
        signature: vec![0x30; 71],
        user: Some(UserEntity::new(vec![5; 8])),
        number_of_credentials: Some(2),
        user_selected: Some(true),
        large_blob_key: Some(vec![8; 32]),
        unsigned_extension_outputs: None,
    });
}

#[test]
fn get_info_full_and_minimal() {
    request_round_trip(&GetInfoRequest);
    assert_eq!(GetInfoRequest.encode(), vec![0x04]);
    response_round_trip(&GetInfoResponse {
        versions: vec!["FIDO_2_0".into()],
        aaguid: [1; 16],
        ..Default::default()
    });
    let full = GetInfoResponse {
        versions: vec!["U2F_V2".into(), "FIDO_2_0".into(), "FIDO_2_1".into()],
        extensions: Some(vec!["credProtect".into(), "hmac-secret".into()]),
        aaguid: [2; 16],
        options: Some([("rk".to_string(), true), ("clientPin".to_string(), false)].into()),
        max_msg_size: Some(1200),
        pin_uv_auth_protocols: Some(vec![2, 1]),
        max_credential_count_in_list: Some(8),
        max_credential_id_length: Some(128),
        transports: Some(vec!["usb".into()]),
        algorithms: Some(vec![CredentialParameters::public_key(-7), CredentialParameters::public_key(-8)]),
        max_serialized_large_blob_array: Some(1024),
        force_pin_change: Some(false),
        min_pin_length: Some(4),
        firmware_version: Some(0x050403),
        max_cred_blob_length: Some(32),
        max_rp_ids_for_set_min_pin_length: Some(1),
        preferred_platform_uv_attempts: Some(3),
        uv_modality: Some(2),
        certifications: Some([("FIDO".to_string(), 1u64)].into()),
        remaining_discoverable_credentials: Some(25),
        vendor_prototype_config_commands: Some(vec![0x1234]),
        attestation_formats: Some(vec!["packed".into(), "none".into()]),
        uv_count_since_last_pin_entry: Some(1),
        long_touch_for_reset: Some(false),
        enc_identifier: Some(vec![1; 16]),
        transports_for_reset: Some(vec!["usb".into()]),
        pin_complexity_policy: Some(false),
        pin_complexity_policy_url: Some(b"https://example.com".to_vec()),
        max_pin_length: Some(63),
    };
    response_round_trip(&full);
    assert_eq!(full.option("rk"), Some(true));
    assert!(full.supports_version(versions::FIDO_2_1));
    assert!(full.supports_extension("hmac-secret"));
}
