//! Status codes, command bytes, COSE keys, extension data, authenticator data and the
//! message-level decode errors.

// Test helpers outside #[test] functions panic on purpose when a vector is broken.
#![allow(clippy::unwrap_used)]

use keydesk_ctap::auth_data::{AuthDataError, AuthDataFlags, AuthenticatorData};
use keydesk_ctap::cbor::{decode, encode, MapBuilder, ToCbor, Value, FromCbor};
use keydesk_ctap::commands::*;
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::extensions::*;
use keydesk_ctap::message::{encode_error_response, parse_response, split_response};
use keydesk_ctap::{Command, CommandRequest, CommandResponse, DecodeError, Request, StatusCode};

#[test]
fn every_status_byte_round_trips() {
    for byte in 0..=255u8 {
        let code = StatusCode::from(byte);
        assert_eq!(u8::from(code), byte);
        assert!(!code.to_string().is_empty());
    }
    assert_eq!(StatusCode::from(0x36), StatusCode::PuatRequired);
    assert_eq!(StatusCode::from(0x40), StatusCode::UnauthorizedPermission);
    assert_eq!(StatusCode::from(0x3b), StatusCode::UpRequired);
    assert_eq!(StatusCode::from(0x18), StatusCode::LargeBlobStorageFull);
    assert_eq!(StatusCode::from(0x7f), StatusCode::Other);
    assert_eq!(StatusCode::from(0xe3), StatusCode::ExtensionSpecific(0xe3));
    assert_eq!(StatusCode::from(0xf5), StatusCode::VendorSpecific(0xf5));
    assert_eq!(StatusCode::from(0x13), StatusCode::Unknown(0x13));
    assert_eq!(
        StatusCode::PinInvalid.to_string(),
        "CTAP2_ERR_PIN_INVALID (0x31): wrong PIN"
    );
}

#[test]
fn command_bytes() {
    let bytes: Vec<u8> = Command::ALL.iter().map(|c| c.byte()).collect();
    assert_eq!(bytes, [0x01, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x40, 0x41]);
    for byte in 0..=255u8 {
        if let Some(c) = Command::from_byte(byte) {
            assert_eq!(c.byte(), byte);
        }
    }
    assert_eq!(Command::from_byte(0x03), None);
    assert_eq!(Command::GetInfo.to_string(), "authenticatorGetInfo (0x04)");
}

#[test]
fn response_framing() {
    assert_eq!(encode_error_response(StatusCode::PinInvalid), vec![0x31]);
    assert_eq!(split_response(&[0x31]).unwrap(), (StatusCode::PinInvalid, &[][..]));
    assert_eq!(parse_response(&[0x31]), Err(DecodeError::Status(StatusCode::PinInvalid)));
    assert_eq!(parse_response(&[]), Err(DecodeError::EmptyResponse));
    assert_eq!(parse_response(&[0x00]), Ok(None));
    assert_eq!(
        GetInfoResponse::decode(&[0x2e]),
        Err(DecodeError::Status(StatusCode::NoCredentials))
    );
    // A success without body where one is required.
    assert_eq!(
        GetInfoResponse::decode(&[0x00]),
        Err(DecodeError::MissingField { field: "getInfo response" })
    );
}

#[test]
fn decode_errors_name_the_member_and_map_to_status_codes() {
    // clientDataHash as text instead of bytes.
    let bad = [&[0x01][..], &encode(&MapBuilder::new().insert(1, "x").build())].concat();
    let err = Request::decode(&bad).unwrap_err();
    assert_eq!(
        err,
        DecodeError::WrongType {
            field: "makeCredential.clientDataHash",
            expected: "byte string",
            found: "text string"
        }
    );
    assert_eq!(err.status_code(), StatusCode::CborUnexpectedType);

    // clientDataHash of the wrong length.
    let short = [&[0x02][..], &encode(&MapBuilder::new().insert(1, "rp").insert(2, vec![0u8; 31]).build())].concat();
    let err = Request::decode(&short).unwrap_err();
    assert_eq!(err, DecodeError::WrongLength { field: "getAssertion.clientDataHash", expected: 32, actual: 31 });
    assert_eq!(err.status_code(), StatusCode::InvalidParameter);

    // Missing rpId.
    let missing = [&[0x02][..], &encode(&MapBuilder::new().insert(2, vec![0u8; 32]).build())].concat();
    let err = Request::decode(&missing).unwrap_err();
    assert_eq!(err, DecodeError::MissingField { field: "getAssertion.rpId" });
    assert_eq!(err.status_code(), StatusCode::MissingParameter);

    // Command byte alone where parameters are required.
    assert_eq!(
        Request::decode(&[0x01]).unwrap_err().status_code(),
        StatusCode::MissingParameter
    );
    assert_eq!(Request::decode(&[]).unwrap_err(), DecodeError::EmptyMessage);
    assert_eq!(Request::decode(&[0x03]).unwrap_err(), DecodeError::UnknownCommand(0x03));
    assert_eq!(Request::decode(&[0x03]).unwrap_err().status_code(), StatusCode::InvalidCommand);
    assert_eq!(Request::decode(&[0x04, 0xff]).unwrap_err().status_code(), StatusCode::InvalidCbor);
    assert_eq!(
        Request::decode(&[0x04, 0xa0]).unwrap_err(),
        DecodeError::UnexpectedParameters { command: 0x04, length: 1 }
    );

    // Unknown subCommand.
    let sub = [&[0x06][..], &encode(&MapBuilder::new().insert(2, 0x08u8).build())].concat();
    let err = Request::decode(&sub).unwrap_err();
    assert_eq!(err, DecodeError::UnknownSubCommand { field: "clientPIN.subCommand", value: 8 });
    assert_eq!(err.status_code(), StatusCode::InvalidSubcommand);

    // A typed decoder handed another command's message.
    assert_eq!(
        GetInfoRequest::decode(&[0x07]),
        Err(DecodeError::WrongCommand { expected: 0x04, found: 0x07 })
    );

    // Negative number where an unsigned one is required.
    let neg = [&[0x0c][..], &encode(&MapBuilder::new().insert(3, -1i64).build())].concat();
    assert_eq!(
        Request::decode(&neg).unwrap_err(),
        DecodeError::IntegerOutOfRange { field: "largeBlobs.offset" }
    );
}

#[test]
fn unknown_members_are_ignored_and_options_too() {
    let request = GetAssertionRequest::new("example.com", [7; 32]);
    let Some(Value::Map(mut entries)) = request.to_params() else { panic!() };
    entries.push((Value::from(0x30i64), Value::text("from the future")));
    entries.push((
        Value::from(5i64),
        MapBuilder::new().insert("uv", false).insert("future", "opt").build(),
    ));
    let bytes = [&[0x02][..], &encode(&Value::Map(entries))].concat();
    let decoded = GetAssertionRequest::decode(&bytes).unwrap();
    assert_eq!(decoded.options, Some(RequestOptions { uv: Some(false), ..Default::default() }));
    assert_eq!(decoded.rp_id, "example.com");
}

#[test]
fn cose_keys() {
    let p = P256Point { x: [1; 32], y: [2; 32] };
    for key in [
        CoseKey::Es256(p.clone()),
        CoseKey::EcdhEsHkdf256(p),
        CoseKey::Ed25519 { x: [3; 32] },
    ] {
        let value = key.to_cbor();
        assert_eq!(CoseKey::from_cbor(&value, "k").unwrap(), key);
    }
    // ES256 key layout: {1: 2, 3: -7, -1: 1, -2: x, -3: y} in canonical order.
    let encoded = encode(&CoseKey::Es256(P256Point { x: [0; 32], y: [0; 32] }).to_cbor());
    assert_eq!(&encoded[..9], &[0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58]);
    // Ed25519: {1: 1, 3: -8, -1: 6, -2: x}.
    let encoded = encode(&CoseKey::Ed25519 { x: [0; 32] }.to_cbor());
    assert_eq!(&encoded[..9], &[0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58]);
    // RS256 (-257) is kept as data.
    let rsa = MapBuilder::new()
        .insert(1, 3)
        .insert(3, -257i64)
        .insert(-1, vec![1u8; 256])
        .insert(-2, vec![1u8, 0, 1])
        .build();
    let key = CoseKey::from_cbor(&rsa, "k").unwrap();
    assert_eq!(key.alg(), Some(-257));
    assert_eq!(key.to_cbor(), rsa);
    // A known key type with a short coordinate is an error, not "Other".
    let short = MapBuilder::new()
        .insert(1, 2)
        .insert(3, -7)
        .insert(-1, 1)
        .insert(-2, vec![0u8; 31])
        .insert(-3, vec![0u8; 32])
        .build();
    assert_eq!(
        CoseKey::from_cbor(&short, "k"),
        Err(DecodeError::WrongLength { field: "COSE_Key.x", expected: 32, actual: 31 })
    );
}

#[test]
fn extension_outputs_in_both_shapes() {
    let mc = ExtensionOutputs {
        cred_protect: Some(CredProtect::UserVerificationRequired),
        hmac_secret: Some(HmacSecretOutput::Created(true)),
        cred_blob: Some(CredBlobOutput::Stored(true)),
        min_pin_length: Some(6),
        hmac_secret_mc: Some(vec![1; 32]),
        other: vec![("thirdPartyPayment".into(), Value::Bool(false))],
    };
    let ga = ExtensionOutputs {
        hmac_secret: Some(HmacSecretOutput::Secret(vec![2; 48])),
        cred_blob: Some(CredBlobOutput::Blob(vec![3; 16])),
        ..Default::default()
    };
    for outputs in [mc, ga] {
        let bytes = encode(&outputs.to_cbor());
        assert_eq!(ExtensionOutputs::from_cbor(&decode(&bytes).unwrap(), "e").unwrap(), outputs);
    }
    let wrong = MapBuilder::new().insert("hmac-secret", 1).build();
    assert!(matches!(
        ExtensionOutputs::from_cbor(&wrong, "e"),
        Err(DecodeError::WrongType { field: "extensions.hmac-secret", .. })
    ));
    let level = MapBuilder::new().insert("credProtect", 4).build();
    assert!(matches!(
        ExtensionOutputs::from_cbor(&level, "e"),
        Err(DecodeError::InvalidValue { field: "extensions.credProtect", .. })
    ));
    let int_key = MapBuilder::new().insert(1, true).build();
    assert!(matches!(
        MakeCredentialExtensions::from_cbor(&int_key, "e"),
        Err(DecodeError::WrongType { field: "extensions key", .. })
    ));
}

#[test]
fn authenticator_data_layout_and_errors() {
    let data = AuthenticatorData {
        rp_id_hash: keydesk_ctap::auth_data::rp_id_hash("example.com"),
        flags: AuthDataFlags(AuthDataFlags::UP | AuthDataFlags::BE | AuthDataFlags::BS),
        sign_count: 0x0102_0304,
        attested_credential: None,
        extensions: None,
    };
    let bytes = data.to_bytes();
    assert_eq!(bytes.len(), 37);
    // SHA-256("example.com").
    assert_eq!(bytes[0..4], [0xa3, 0x79, 0xa6, 0xf6]);
    assert_eq!(bytes[32], 0x19);
    assert_eq!(bytes[33..37], [1, 2, 3, 4]);
    assert_eq!(AuthenticatorData::from_bytes(&bytes).unwrap(), data);

    // The AT and ED flags follow the data present, whatever `flags` says.
    let mut with_ext = data.clone();
    with_ext.flags = AuthDataFlags(AuthDataFlags::UP | AuthDataFlags::AT);
    with_ext.extensions = Some(ExtensionOutputs { min_pin_length: Some(4), ..Default::default() });
    let bytes = with_ext.to_bytes();
    assert_eq!(bytes[32], AuthDataFlags::UP | AuthDataFlags::ED);

    assert_eq!(
        AuthenticatorData::from_bytes(&bytes[..36]),
        Err(DecodeError::AuthData(AuthDataError::TooShort { actual: 36 }))
    );
    let mut trailing = data.to_bytes();
    trailing.push(0);
    assert_eq!(
        AuthenticatorData::from_bytes(&trailing),
        Err(DecodeError::AuthData(AuthDataError::TrailingBytes { count: 1 }))
    );
    let mut at_without_data = data.to_bytes();
    at_without_data[32] |= AuthDataFlags::AT;
    assert_eq!(
        AuthenticatorData::from_bytes(&at_without_data),
        Err(DecodeError::AuthData(AuthDataError::AttestedCredentialDataTruncated("aaguid")))
    );
    let mut id_too_long = at_without_data.clone();
    id_too_long.extend_from_slice(&[0; 16]);
    id_too_long.extend_from_slice(&[0xff, 0xff, 1, 2]);
    assert_eq!(
        AuthenticatorData::from_bytes(&id_too_long),
        Err(DecodeError::AuthData(AuthDataError::AttestedCredentialDataTruncated("credentialId")))
    );
}

#[test]
fn debug_never_shows_large_blob_keys() {
    let key = keydesk_ctap::LargeBlobKeyBytes::new(vec![0x5a; 32]);
    let printed = [
        format!("{:?}", CredentialManagementResponse { large_blob_key: Some(key.clone()), ..Default::default() }),
        format!(
            "{:?}",
            GetAssertionResponse {
                credential: None,
                auth_data: vec![],
                signature: vec![],
                user: None,
                number_of_credentials: None,
                user_selected: None,
                large_blob_key: Some(key.clone()),
                unsigned_extension_outputs: None,
            }
        ),
        format!(
            "{:?}",
            MakeCredentialResponse {
                attestation: keydesk_ctap::attestation::AttestationStatement::None,
                auth_data: vec![],
                ep_att: None,
                large_blob_key: Some(key),
                unsigned_extension_outputs: None,
            }
        ),
    ];
    for text in printed {
        assert!(text.contains("<32 secret bytes>"), "{text}");
        assert!(!text.contains("90"), "{text}"); // 0x5a printed as a decimal byte
    }
}
