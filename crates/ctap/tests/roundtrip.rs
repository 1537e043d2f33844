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
    // The body is in CTAP2 canonical form.
    if bytes.len() > 1 {
        keydesk_ctap::cbor::decode_with(&bytes[1..], keydesk_ctap::cbor::DecodeOptions::CANONICAL).unwrap();
    }
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
        rp: RpEntity { id: "example.com".into(), name: Some("Example".into()), icon: None },
        user: UserEntity { id: vec![1], name: Some("a@b".into()), display_name: Some("A".into()), icon: None },
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
            large_blob_key: Some(keydesk_ctap::LargeBlobKeyBytes::new(vec![4; 32])),
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
        large_blob_key: Some(keydesk_ctap::LargeBlobKeyBytes::new(vec![8; 32])),
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

#[test]
fn client_pin_every_subcommand() {
    let ka = CoseKey::EcdhEsHkdf256(point(4));
    let requests = [
        ClientPinRequest::get_pin_retries(),
        ClientPinRequest::get_uv_retries(),
        ClientPinRequest::get_key_agreement(2),
        ClientPinRequest::set_pin(2, ka.clone(), vec![1; 80], vec![2; 32]),
        ClientPinRequest::change_pin(1, ka.clone(), vec![3; 16], vec![1; 64], vec![2; 16]),
        ClientPinRequest::get_pin_token(1, ka.clone(), vec![3; 16]),
        ClientPinRequest::get_pin_uv_auth_token_using_pin_with_permissions(
            2,
            ka.clone(),
            vec![3; 32],
            Permissions::MAKE_CREDENTIAL | Permissions::GET_ASSERTION,
            Some("example.com".into()),
        ),
        ClientPinRequest::get_pin_uv_auth_token_using_uv_with_permissions(
            2,
            ka.clone(),
            Permissions::CREDENTIAL_MANAGEMENT | Permissions::AUTHENTICATOR_CONFIGURATION,
            None,
        ),
    ];
    for request in &requests {
        request_round_trip(request);
    }
    // Wire values of the subcommands (§6.5.5) and permissions (§6.5.5.7).
    let sub: Vec<u8> = requests.iter().map(|r| r.sub_command.value()).collect();
    assert_eq!(sub, [0x01, 0x07, 0x02, 0x03, 0x04, 0x05, 0x09, 0x06]);
    let all = Permissions::MAKE_CREDENTIAL
        | Permissions::GET_ASSERTION
        | Permissions::CREDENTIAL_MANAGEMENT
        | Permissions::BIO_ENROLLMENT
        | Permissions::LARGE_BLOB_WRITE
        | Permissions::AUTHENTICATOR_CONFIGURATION;
    assert_eq!(all.0, 0x3f);
    assert!(Permissions::GET_ASSERTION.requires_rp_id());
    assert!(!Permissions::CREDENTIAL_MANAGEMENT.requires_rp_id());
    assert_eq!(change_pin_auth_message(&[1, 2], &[3]), vec![1, 2, 3]);

    response_round_trip(&ClientPinResponse::default());
    response_round_trip(&ClientPinResponse { key_agreement: Some(ka), ..Default::default() });
    response_round_trip(&ClientPinResponse {
        pin_retries: Some(8),
        power_cycle_state: Some(false),
        ..Default::default()
    });
    response_round_trip(&ClientPinResponse { pin_uv_auth_token: Some(vec![9; 48]), ..Default::default() });
    response_round_trip(&ClientPinResponse { uv_retries: Some(3), ..Default::default() });
}

#[test]
fn parameterless_commands() {
    request_round_trip(&ResetRequest);
    request_round_trip(&SelectionRequest);
    request_round_trip(&GetNextAssertionRequest);
    assert_eq!(ResetRequest.encode(), vec![0x07]);
    assert_eq!(SelectionRequest.encode(), vec![0x0b]);
    assert_eq!(GetNextAssertionRequest.encode(), vec![0x08]);
    response_round_trip(&EmptyResponse);
    assert_eq!(EmptyResponse.encode(), vec![0x00]);
    // Some authenticators answer with an empty map.
    assert_eq!(EmptyResponse::decode(&[0x00, 0xa0]), Ok(EmptyResponse));
    assert!(EmptyResponse::decode(&[0x00, 0xa1, 0x01, 0x01]).is_err());
    assert!(ResetRequest::decode(&[0x07, 0xa0]).is_err());
}

#[test]
fn credential_management_every_subcommand() {
    use CredentialManagementSubCommand as S;
    let params = CredentialManagementParams {
        rp_id_hash: Some([7; 32]),
        credential_id: Some(CredentialDescriptor::public_key(vec![1; 16])),
        user: Some(UserEntity { id: vec![2], name: Some("n".into()), display_name: None, icon: None }),
    };
    for sub in [
        S::GetCredsMetadata,
        S::EnumerateRpsBegin,
        S::EnumerateRpsGetNextRp,
        S::EnumerateCredentialsBegin,
        S::EnumerateCredentialsGetNextCredential,
        S::DeleteCredential,
        S::UpdateUserInformation,
    ] {
        let mut request = CredentialManagementRequest::new(sub);
        request_round_trip(&request);
        if sub.is_authenticated() {
            request.sub_command_params = Some(params.clone());
            request.pin_uv_auth_protocol = Some(2);
            request.pin_uv_auth_param = Some(vec![1; 32]);
            request_round_trip(&request);
        }
    }
    // The prototype command byte 0x41 carries the same request.
    let mut bytes = CredentialManagementRequest::new(S::GetCredsMetadata).encode();
    bytes[0] = 0x41;
    assert!(CredentialManagementRequest::decode(&bytes).is_ok());

    response_round_trip(&CredentialManagementResponse::default());
    response_round_trip(&CredentialManagementResponse {
        existing_resident_credentials_count: Some(3),
        max_possible_remaining_resident_credentials_count: Some(22),
        ..Default::default()
    });
    response_round_trip(&CredentialManagementResponse {
        rp: Some(RpEntity::new("example.com")),
        rp_id_hash: Some([5; 32]),
        total_rps: Some(2),
        ..Default::default()
    });
    response_round_trip(&CredentialManagementResponse {
        user: Some(UserEntity::new(vec![1, 2])),
        credential_id: Some(CredentialDescriptor::public_key(vec![3; 16])),
        public_key: Some(CoseKey::Ed25519 { x: [6; 32] }),
        total_credentials: Some(1),
        cred_protect: Some(CredProtect::UserVerificationOptional),
        large_blob_key: Some(keydesk_ctap::LargeBlobKeyBytes::new(vec![4; 32])),
        third_party_payment: Some(false),
        ..Default::default()
    });
}

#[test]
fn bio_enrollment_every_subcommand() {
    use BioEnrollmentSubCommand as S;
    request_round_trip(&BioEnrollmentRequest::get_modality());
    for sub in [
        S::EnrollBegin,
        S::EnrollCaptureNextSample,
        S::CancelCurrentEnrollment,
        S::EnumerateEnrollments,
        S::SetFriendlyName,
        S::RemoveEnrollment,
        S::GetFingerprintSensorInfo,
    ] {
        let request = BioEnrollmentRequest {
            sub_command_params: Some(BioEnrollmentParams {
                template_id: Some(vec![1, 2]),
                template_friendly_name: Some("thumb".into()),
                timeout_milliseconds: Some(10_000),
            }),
            pin_uv_auth_protocol: Some(1),
            pin_uv_auth_param: Some(vec![0; 16]),
            ..BioEnrollmentRequest::fingerprint(sub)
        };
        request_round_trip(&request);
        request_round_trip(&BioEnrollmentRequest::fingerprint(sub));
    }
    response_round_trip(&BioEnrollmentResponse { modality: Some(1), ..Default::default() });
    response_round_trip(&BioEnrollmentResponse {
        fingerprint_kind: Some(FINGERPRINT_KIND_TOUCH),
        max_capture_samples_required_for_enroll: Some(5),
        max_template_friendly_name: Some(32),
        ..Default::default()
    });
    response_round_trip(&BioEnrollmentResponse {
        template_id: Some(vec![9]),
        last_enroll_sample_status: Some(EnrollSampleStatus::TooFast),
        remaining_samples: Some(3),
        ..Default::default()
    });
    response_round_trip(&BioEnrollmentResponse {
        template_infos: Some(vec![
            TemplateInfo { template_id: vec![1], template_friendly_name: Some("a".into()) },
            TemplateInfo { template_id: vec![2], template_friendly_name: None },
        ]),
        ..Default::default()
    });
    for v in 0..=255u8 {
        assert_eq!(u8::from(EnrollSampleStatus::from(v)), v);
    }
    assert_eq!(EnrollSampleStatus::from(0x0e), EnrollSampleStatus::NoUserPresenceTransition);
    assert_eq!(EnrollSampleStatus::from(0x0c), EnrollSampleStatus::Unknown(0x0c));
}

#[test]
fn config_every_subcommand() {
    for sub in [
        ConfigSubCommand::EnableEnterpriseAttestation,
        ConfigSubCommand::ToggleAlwaysUv,
        ConfigSubCommand::EnableLongTouchForReset,
    ] {
        request_round_trip(&ConfigRequest {
            pin_uv_auth_protocol: Some(2),
            pin_uv_auth_param: Some(vec![1; 32]),
            ..ConfigRequest::new(sub)
        });
    }
    request_round_trip(&ConfigRequest {
        sub_command_params: Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
            new_min_pin_length: Some(6),
            min_pin_length_rp_ids: Some(vec!["example.com".into()]),
            force_change_pin: Some(true),
        })),
        ..ConfigRequest::new(ConfigSubCommand::SetMinPinLength)
    });
    request_round_trip(&ConfigRequest {
        sub_command_params: Some(ConfigParams::VendorPrototype { vendor_command_id: 0x1234 }),
        ..ConfigRequest::new(ConfigSubCommand::VendorPrototype)
    });
}

#[test]
fn large_blobs_get_and_set() {
    request_round_trip(&LargeBlobsRequest::get(0, 1024));
    request_round_trip(&LargeBlobsRequest {
        pin_uv_auth_param: Some(vec![1; 32]),
        pin_uv_auth_protocol: Some(2),
        ..LargeBlobsRequest::set(0, vec![7; 100], Some(300))
    });
    response_round_trip(&LargeBlobsResponse { config: Some(vec![1, 2, 3]) });
    response_round_trip(&LargeBlobsResponse::default());

    let entries = vec![LargeBlobEntry { ciphertext: vec![1; 40], nonce: [2; 12], orig_size: 20 }];
    let serialized = serialize_large_blob_array(&entries);
    assert_eq!(parse_large_blob_array(&serialized), Ok(entries));
    let mut corrupted = serialized.clone();
    corrupted[3] ^= 1;
    assert_eq!(parse_large_blob_array(&corrupted), Err(LargeBlobArrayError::ChecksumMismatch));
    assert_eq!(parse_large_blob_array(&serialized[..10]), Err(LargeBlobArrayError::TooShort { length: 10 }));
}

#[test]
fn request_enum_dispatches_every_command() {
    use keydesk_ctap::{Command, Request};
    let requests = vec![
        Request::MakeCredential(MakeCredentialRequest::new(
            [1; 32],
            RpEntity::new("a"),
            UserEntity::new(vec![1]),
            vec![CredentialParameters::public_key(-8)],
        )),
        Request::GetAssertion(GetAssertionRequest::new("a", [2; 32])),
        Request::GetInfo,
        Request::ClientPin(ClientPinRequest::get_pin_retries()),
        Request::Reset,
        Request::GetNextAssertion,
        Request::BioEnrollment(BioEnrollmentRequest::get_modality()),
        Request::CredentialManagement(CredentialManagementRequest::new(
            CredentialManagementSubCommand::GetCredsMetadata,
        )),
        Request::Selection,
        Request::LargeBlobs(LargeBlobsRequest::get(0, 64)),
        Request::Config(ConfigRequest::new(ConfigSubCommand::ToggleAlwaysUv)),
        Request::PrototypeBioEnrollment(BioEnrollmentRequest::fingerprint(
            BioEnrollmentSubCommand::EnumerateEnrollments,
        )),
        Request::PrototypeCredentialManagement(CredentialManagementRequest::new(
            CredentialManagementSubCommand::EnumerateRpsBegin,
        )),
    ];
    let mut commands: Vec<Command> = Vec::new();
    for request in &requests {
        let bytes = request.encode();
        assert_eq!(bytes[0], request.command().byte());
        assert_eq!(&Request::decode(&bytes).unwrap(), request);
        commands.push(request.command());
    }
    assert_eq!(commands, Command::ALL.to_vec());
    // Each typed request encodes to the same bytes as its Request variant.
    assert_eq!(requests[0].encode()[1..], {
        let Request::MakeCredential(r) = &requests[0] else { unreachable!() };
        r.encode()[1..].to_vec()
    });
}
