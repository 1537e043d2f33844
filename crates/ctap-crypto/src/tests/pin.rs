use super::protocol::FIDO2_SHARED;
use super::{hex, rng};
use crate::pin::{
    change_pin_params, decrypt_new_pin, decrypt_pin_hash, open_change_pin, open_set_pin,
    pin_hash_enc, set_pin_params, Pin, PinError, PinHash, DEFAULT_MIN_PIN_CODE_POINTS,
};
use crate::{
    encapsulate, CryptoError, KeyAgreementKeyPair, PinUvAuthProtocol, PinUvAuthToken, SharedSecret,
};

use PinUvAuthProtocol::{One, Two};

fn fido2_shared() -> SharedSecret {
    SharedSecret::from_bytes(One, &hex(FIDO2_SHARED)).unwrap()
}

// The following vectors are from python-fido2 test/test_ctap2.py (TestPinProtocolV1), PIN
// "1234" and new PIN "4321" under the SHARED secret.

#[test]
fn python_fido2_pin_hash_enc() {
    let enc = pin_hash_enc(&fido2_shared(), "1234", &mut rng(0)).unwrap();
    assert_eq!(enc, hex("afe8327ce416da8ee3d057589c2ce1a9"));
    // And the authenticator recovers LEFT(SHA-256("1234"), 16) from it.
    let hash = decrypt_pin_hash(&fido2_shared(), &enc).unwrap();
    assert_eq!(hash, PinHash::of("1234"));
}

#[test]
fn python_fido2_token_decryption() {
    let token =
        PinUvAuthToken::decrypt(&fido2_shared(), &hex("7A9F98E31B77BE90F9C64D12E9635040")).unwrap();
    assert_eq!(token.as_bytes(), hex("aff12c6dcfbf9df52f7a09211e8865cd"));
}

#[test]
fn python_fido2_set_pin() {
    let pin = Pin::new("1234", DEFAULT_MIN_PIN_CODE_POINTS).unwrap();
    let params = set_pin_params(&fido2_shared(), &pin, &mut rng(0)).unwrap();
    assert_eq!(
        params.new_pin_enc,
        hex(concat!(
            "0222fc42c6dd76a274a7057858b9b29d98e8a722ec2dc6668476168c5320473c",
            "ec9907b4cd76ce7943c96ba5683943211d84471e64d9c51e54763488cd66526a"
        ))
    );
    assert_eq!(
        params.pin_uv_auth_param,
        hex("7b40c084ccc5794194189ab57836475f")
    );

    let opened = open_set_pin(
        &fido2_shared(),
        &params.new_pin_enc,
        &params.pin_uv_auth_param,
        DEFAULT_MIN_PIN_CODE_POINTS,
    )
    .unwrap();
    assert_eq!(opened.as_str(), "1234");
}

#[test]
fn python_fido2_change_pin() {
    let new_pin = Pin::new("4321", DEFAULT_MIN_PIN_CODE_POINTS).unwrap();
    let params = change_pin_params(&fido2_shared(), "1234", &new_pin, &mut rng(0)).unwrap();
    assert_eq!(params.pin_hash_enc, hex("afe8327ce416da8ee3d057589c2ce1a9"));
    assert_eq!(
        params.new_pin_enc,
        hex(concat!(
            "4280e14aac4fcbf02dd079985f0c0ffc9ea7d5f9c173fd1a4c843826f7590cb3",
            "c2d080c6923e2fe6d7a52c31ea1309d3fcca3dedae8a2ef14b6330cafc79339e"
        ))
    );
    assert_eq!(
        params.pin_uv_auth_param,
        hex("fb97e92f3724d7c85e001d7f93e6490a")
    );

    let current = open_change_pin(
        &fido2_shared(),
        &params.pin_hash_enc,
        &params.new_pin_enc,
        &params.pin_uv_auth_param,
    )
    .unwrap();
    assert_eq!(current, PinHash::of("1234"));
    let new = decrypt_new_pin(&fido2_shared(), &params.new_pin_enc, 4).unwrap();
    assert_eq!(new.as_str(), "4321");
}

#[test]
fn both_protocols_round_trip_pins_and_tokens() {
    for protocol in [One, Two] {
        let mut rng = rng(11);
        let authenticator = KeyAgreementKeyPair::generate(&mut rng);
        let (platform_key, platform) =
            encapsulate(protocol, &authenticator.public_key(), &mut rng).unwrap();
        let device = authenticator.decapsulate(protocol, &platform_key).unwrap();

        // A 63-byte PIN of multi-byte characters: "é" is 2 bytes, so 31 of them and one "x".
        let long = format!("{}x", "é".repeat(31));
        assert_eq!(long.len(), 63);
        let pin = Pin::new(&long, 4).unwrap();
        let set = set_pin_params(&platform, &pin, &mut rng).unwrap();
        assert_eq!(set.new_pin_enc.len(), if protocol == One { 64 } else { 80 });
        let opened = open_set_pin(&device, &set.new_pin_enc, &set.pin_uv_auth_param, 32).unwrap();
        assert_eq!(opened.as_str(), long);
        assert_eq!(opened.code_points(), 32);

        let token = PinUvAuthToken::generate(&mut rng);
        let sent = token.encrypt(&device, &mut rng).unwrap();
        let received = PinUvAuthToken::decrypt(&platform, &sent).unwrap();
        assert_eq!(received, token);
        let param = received.authenticate(protocol, b"clientDataHash");
        token.verify(protocol, b"clientDataHash", &param).unwrap();
    }
}

#[test]
fn pin_rules() {
    assert_eq!(
        Pin::new("123", 4).map(|_| ()),
        Err(PinError::TooShort {
            code_points: 3,
            min: 4
        })
    );
    // Code points, not bytes: three 2-byte characters are three code points.
    assert_eq!(
        Pin::new("ééé", 4).map(|_| ()),
        Err(PinError::TooShort {
            code_points: 3,
            min: 4
        })
    );
    assert!(Pin::new("éééé", 4).is_ok());
    assert_eq!(
        Pin::new(&"1".repeat(64), 4).map(|_| ()),
        Err(PinError::TooLong { bytes: 64 })
    );
    assert!(Pin::new(&"1".repeat(63), 4).is_ok());
    assert_eq!(
        Pin::new("12\u{0}34", 4).map(|_| ()),
        Err(PinError::ContainsNul)
    );
    assert_eq!(
        Pin::from_utf8(&[0xff, 0x31, 0x32, 0x33], 1).map(|_| ()),
        Err(PinError::NotUtf8)
    );
    assert_eq!(
        format!("{:?}", Pin::new("1234", 4).unwrap()),
        "Pin(redacted)"
    );
    assert_eq!(format!("{:?}", PinHash::of("1234")), "PinHash(redacted)");
}

#[test]
fn authenticator_rejects_bad_new_pin_enc() {
    let shared = SharedSecret::from_bytes(One, &[9u8; 32]).unwrap();
    let mut rng = rng(5);

    // Wrong pinUvAuthParam.
    let pin = Pin::new("1234", 4).unwrap();
    let params = set_pin_params(&shared, &pin, &mut rng).unwrap();
    let mut bad_param = params.pin_uv_auth_param.clone();
    bad_param[3] ^= 0x40;
    assert_eq!(
        open_set_pin(&shared, &params.new_pin_enc, &bad_param, 4).map(|_| ()),
        Err(PinError::Crypto(CryptoError::AuthParamMismatch))
    );

    // A 48-byte padded PIN (CTAP 2.1 requires 64).
    let short = shared.encrypt(&[0x31u8; 48], &mut rng).unwrap();
    let tag = shared.authenticate(&short);
    assert_eq!(
        open_set_pin(&shared, &short, &tag, 4).map(|_| ()),
        Err(PinError::PaddedPinWrongLength { len: 48 })
    );

    // 64 bytes without any zero padding: a 64-byte PIN.
    let full = shared.encrypt(&[0x31u8; 64], &mut rng).unwrap();
    assert_eq!(
        decrypt_new_pin(&shared, &full, 4).map(|_| ()),
        Err(PinError::TooLong { bytes: 64 })
    );

    // Not UTF-8.
    let mut padded = [0u8; 64];
    padded[..4].copy_from_slice(&[0xc3, 0x28, 0x31, 0x32]);
    let enc = shared.encrypt(&padded, &mut rng).unwrap();
    assert_eq!(
        decrypt_new_pin(&shared, &enc, 1).map(|_| ()),
        Err(PinError::NotUtf8)
    );

    // Too short for the authenticator's minimum.
    let params = set_pin_params(&shared, &pin, &mut rng).unwrap();
    assert_eq!(
        open_set_pin(&shared, &params.new_pin_enc, &params.pin_uv_auth_param, 6).map(|_| ()),
        Err(PinError::TooShort {
            code_points: 4,
            min: 6
        })
    );

    // pinHashEnc of the wrong size.
    let enc = shared.encrypt(&[0u8; 32], &mut rng).unwrap();
    assert_eq!(
        decrypt_pin_hash(&shared, &enc).map(|_| ()),
        Err(PinError::PinHashWrongLength { len: 32 })
    );
}

#[test]
fn platform_rejects_tokens_of_the_wrong_length() {
    let one = SharedSecret::from_bytes(One, &[9u8; 32]).unwrap();
    let two = SharedSecret::from_bytes(Two, &[9u8; 64]).unwrap();
    let mut rng = rng(6);
    let enc = one.encrypt(&[1u8; 48], &mut rng).unwrap();
    assert_eq!(
        PinUvAuthToken::decrypt(&one, &enc),
        Err(CryptoError::WrongKeyLength {
            protocol: 1,
            len: 48
        })
    );
    let enc = two.encrypt(&[1u8; 16], &mut rng).unwrap();
    assert_eq!(
        PinUvAuthToken::decrypt(&two, &enc),
        Err(CryptoError::WrongKeyLength {
            protocol: 2,
            len: 16
        })
    );
    let token = PinUvAuthToken::from_bytes(One, &[5u8; 16]).unwrap();
    assert_eq!(format!("{token:?}"), "PinUvAuthToken(16 bytes, redacted)");
}

#[test]
fn protocol_2_change_pin_matches_independent_computation() {
    // The protocol 2 shared secret of the NIST CAVP vector (see tests/protocol.rs); IVs
    // 00..0f then 10..1f. Expected bytes computed with the Python `cryptography` package.
    let shared = SharedSecret::from_bytes(
        Two,
        &hex(concat!(
            "4043c362f07fcfc6ae1999a167280a159f5f0f58c42c3e48a05656c23195182c",
            "6d364545305064c054b8250f1b2c4305381e74f6039e0170f393d06e249592ac"
        )),
    )
    .unwrap();
    let new_pin = Pin::new("4321", 4).unwrap();
    let params =
        change_pin_params(&shared, "1234", &new_pin, &mut super::CountingRng::new()).unwrap();
    assert_eq!(
        params.pin_hash_enc,
        hex("000102030405060708090a0b0c0d0e0f0bf1b0729b3d4daca5d242e6308082fa")
    );
    assert_eq!(
        params.new_pin_enc,
        hex(concat!(
            "101112131415161718191a1b1c1d1e1f",
            "ca8044555c7d3db9fff29bf7fca80d69bc2ccea137380aac5f0886805696ea7f",
            "e42558dd4257ad40cd4adaa117968b055bb9ec640fa4e972d4e8814109882632"
        ))
    );
    assert_eq!(
        params.pin_uv_auth_param,
        hex("22347b9b1bbfd9e0dd6bef6f5836434fda94d06b98022cbd72440801fb347484")
    );
    let current = open_change_pin(
        &shared,
        &params.pin_hash_enc,
        &params.new_pin_enc,
        &params.pin_uv_auth_param,
    )
    .unwrap();
    assert_eq!(current, PinHash::of("1234"));
}
