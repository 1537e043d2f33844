use crate::{
    decode_version_response, encode_version_response, ApduEncoding, AuthenticateControl,
    AuthenticateRequest, AuthenticateResponse, EncodeError, RegisterRequest, RegisterResponse,
    Request, RequestError, ResponseError, StatusWord,
};

/// A minimal DER SEQUENCE standing in for a certificate or signature.
fn der(content_len: usize, fill: u8) -> Vec<u8> {
    let mut out = vec![0x30];
    if content_len < 0x80 {
        out.push(content_len as u8);
    } else if content_len < 0x100 {
        out.extend([0x81, content_len as u8]);
    } else {
        out.extend([0x82, (content_len >> 8) as u8, content_len as u8]);
    }
    out.extend(std::iter::repeat_n(fill, content_len));
    out
}

fn register_response(key_handle_len: usize) -> RegisterResponse {
    let mut user_public_key = [7u8; 65];
    user_public_key[0] = 0x04;
    RegisterResponse {
        user_public_key,
        key_handle: vec![0xAB; key_handle_len],
        attestation_certificate: der(300, 0xCE),
        signature: der(70, 0x51),
    }
}

#[test]
fn requests_round_trip_in_both_encodings() {
    let requests = [
        Request::Version,
        Request::Register(RegisterRequest {
            challenge: [1; 32],
            application: [2; 32],
        }),
        Request::Authenticate(AuthenticateRequest {
            control: AuthenticateControl::DontEnforceUserPresenceAndSign,
            challenge: [3; 32],
            application: [4; 32],
            key_handle: vec![5; 190],
        }),
        Request::Authenticate(AuthenticateRequest {
            control: AuthenticateControl::CheckOnly,
            challenge: [3; 32],
            application: [4; 32],
            key_handle: vec![],
        }),
    ];
    for request in requests {
        for encoding in [ApduEncoding::Short, ApduEncoding::Extended] {
            let bytes = request.encode(encoding).unwrap();
            assert_eq!(Request::decode(&bytes).unwrap(), request, "{encoding:?}");
        }
    }
    // A 191-byte key handle makes 256 bytes of data: extended only.
    let long = Request::Authenticate(AuthenticateRequest {
        control: AuthenticateControl::EnforceUserPresenceAndSign,
        challenge: [3; 32],
        application: [4; 32],
        key_handle: vec![5; 191],
    });
    assert!(matches!(
        long.encode(ApduEncoding::Short),
        Err(EncodeError::Apdu(_))
    ));
    assert_eq!(
        Request::decode(&long.encode(ApduEncoding::Extended).unwrap()).unwrap(),
        long
    );
    assert_eq!(crate::smallest_encoding_for(255), ApduEncoding::Short);
    assert_eq!(crate::smallest_encoding_for(256), ApduEncoding::Extended);
}

#[test]
fn short_register_apdu_layout() {
    let bytes = Request::Register(RegisterRequest {
        challenge: [1; 32],
        application: [2; 32],
    })
    .encode(ApduEncoding::Short)
    .unwrap();
    assert_eq!(&bytes[..5], &[0x00, 0x01, 0x00, 0x00, 0x40]);
    assert_eq!(bytes.len(), 5 + 64 + 1);
    assert_eq!(bytes[69], 0x00);
}

#[test]
fn key_handles_over_255_bytes_cannot_be_encoded() {
    let request = Request::Authenticate(AuthenticateRequest {
        control: AuthenticateControl::CheckOnly,
        challenge: [0; 32],
        application: [0; 32],
        key_handle: vec![0; 256],
    });
    assert_eq!(
        request.encode(ApduEncoding::Extended),
        Err(EncodeError::KeyHandleTooLong { len: 256 })
    );
    assert_eq!(
        register_response(256).encode(),
        Err(EncodeError::KeyHandleTooLong { len: 256 })
    );
}

#[test]
fn authenticator_rejects_bad_requests_with_the_right_status() {
    let cases: [(Vec<u8>, RequestError, StatusWord); 7] = [
        (
            vec![0x80, 0x03, 0, 0],
            RequestError::ClassNotSupported { cla: 0x80 },
            StatusWord::ClassNotSupported,
        ),
        (
            vec![0x00, 0x10, 0, 0],
            RequestError::InstructionNotSupported { ins: 0x10 },
            StatusWord::InstructionNotSupported,
        ),
        (
            [vec![0x00, 0x01, 0, 0, 63], vec![0; 63]].concat(),
            RequestError::WrongLength {
                ins: 0x01,
                expected: 64,
                actual: 63,
            },
            StatusWord::WrongLength,
        ),
        (
            [vec![0x00, 0x02, 0x03, 0, 66], vec![0; 64], vec![2, 0]].concat(),
            RequestError::WrongLength {
                ins: 0x02,
                expected: 67,
                actual: 66,
            },
            StatusWord::WrongLength,
        ),
        (
            [vec![0x00, 0x02, 0x05, 0, 65], vec![0; 65]].concat(),
            RequestError::InvalidControlByte(0x05),
            StatusWord::WrongData,
        ),
        (
            vec![0x00, 0x03, 0, 0, 1, 0],
            RequestError::WrongLength {
                ins: 0x03,
                expected: 0,
                actual: 1,
            },
            StatusWord::WrongLength,
        ),
        (
            vec![0x00, 0x01, 0, 0, 5, 1],
            RequestError::Apdu(crate::CommandDecodeError::ShortLengthMismatch { lc: 5, body_len: 2 }),
            StatusWord::WrongLength,
        ),
    ];
    for (bytes, error, status) in cases {
        let got = Request::decode(&bytes).unwrap_err();
        assert_eq!(got, error);
        assert_eq!(got.status_word(), status);
    }
}

#[test]
fn responses_round_trip() {
    for key_handle_len in [0, 1, 64, 255] {
        let response = register_response(key_handle_len);
        let apdu = response.encode_response_apdu().unwrap();
        assert_eq!(
            RegisterResponse::decode_response_apdu(&apdu).unwrap(),
            response
        );
    }
    let response = AuthenticateResponse {
        user_presence: 0,
        counter: 0x0102_0304,
        signature: der(71, 9),
    };
    assert!(!response.user_present());
    let data = response.encode();
    assert_eq!(&data[..5], &[0, 1, 2, 3, 4]);
    assert_eq!(AuthenticateResponse::decode(&data).unwrap(), response);
    assert_eq!(encode_version_response(), b"U2F_V2\x90\x00");
}

#[test]
fn host_rejects_bad_responses_precisely() {
    let good = register_response(64).encode().unwrap();

    let mut bad = good.clone();
    bad[0] = 0x04;
    assert_eq!(
        RegisterResponse::decode(&bad),
        Err(ResponseError::ReservedByteNot05(0x04))
    );

    let mut bad = good.clone();
    bad[1] = 0x02;
    assert_eq!(
        RegisterResponse::decode(&bad),
        Err(ResponseError::PublicKeyNotUncompressed(0x02))
    );

    assert_eq!(
        RegisterResponse::decode(&good[..40]),
        Err(ResponseError::Truncated {
            field: "user public key",
            needed: 65,
            available: 39
        })
    );
    assert_eq!(
        RegisterResponse::decode(&good[..100]),
        Err(ResponseError::Truncated {
            field: "key handle",
            needed: 64,
            available: 33
        })
    );
    // Certificate cut short.
    let cut = 1 + 65 + 1 + 64 + 100;
    assert!(matches!(
        RegisterResponse::decode(&good[..cut]),
        Err(ResponseError::Truncated {
            field: "attestation certificate",
            ..
        })
    ));
    // Certificate that is not a SEQUENCE.
    let mut bad = good.clone();
    bad[1 + 65 + 1 + 64] = 0x31;
    assert_eq!(
        RegisterResponse::decode(&bad),
        Err(ResponseError::CertificateNotDer)
    );
    // Signature missing, or followed by junk.
    let without_signature = &good[..good.len() - 72];
    assert_eq!(
        RegisterResponse::decode(without_signature),
        Err(ResponseError::SignatureNotDer)
    );
    let mut junk = good.clone();
    junk.push(0);
    assert_eq!(
        RegisterResponse::decode(&junk),
        Err(ResponseError::SignatureNotDer)
    );

    assert_eq!(
        AuthenticateResponse::decode(&[1, 0, 0]),
        Err(ResponseError::Truncated {
            field: "counter",
            needed: 4,
            available: 2
        })
    );
    assert_eq!(
        AuthenticateResponse::decode(&[1, 0, 0, 0, 1]),
        Err(ResponseError::SignatureNotDer)
    );
    // Check-only answers: 6985 "key handle is mine", 6A80 "not mine".
    assert_eq!(
        AuthenticateResponse::decode_response_apdu(&[0x69, 0x85]),
        Err(ResponseError::Status(StatusWord::ConditionsNotSatisfied))
    );
    assert_eq!(
        decode_version_response(b"U2F_V3\x90\x00"),
        Err(ResponseError::UnexpectedVersion("U2F_V3".to_owned()))
    );
    assert_eq!(
        decode_version_response(&[0x6D, 0x00]),
        Err(ResponseError::Status(StatusWord::InstructionNotSupported))
    );
}
