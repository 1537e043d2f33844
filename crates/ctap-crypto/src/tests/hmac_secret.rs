use super::{hex, hex32, rng};
use crate::hmac_secret::{
    compute_output, decrypt_output, decrypt_salts, encrypt_output, encrypt_salts, prf_salt,
    HmacSecretError, HmacSecretSalts,
};
use crate::{encapsulate, CryptoError, KeyAgreementKeyPair, PinUvAuthProtocol, SharedSecret};

// Expected values computed with Python's hashlib/`cryptography` (independent of RustCrypto):
// salt1 = SHA-256("WebAuthn PRF" || 0x00 || "hello"), salt2 = 32×0x11, CredRandom = 32×0xa5.
const PRF_SALT_HELLO: &str = "0548f3025671e73beab092b1ac870ddd33a0d925e193eca79ba8358919b73cdc";
const OUTPUT1: &str = "8035509ab7370e10fe99e8738f444f2d96fb39e1aa7a664f17e31b3e27bbd69b";
const OUTPUT2: &str = "af85915966427ebb6c326a385126d2268b3cad37924888a27508c18c314a01ad";

#[test]
fn prf_salt_and_outputs_match_independent_computation() {
    assert_eq!(prf_salt(b"hello"), hex32(PRF_SALT_HELLO));
    let salts = HmacSecretSalts::new(hex32(PRF_SALT_HELLO), Some([0x11; 32]));
    let output = compute_output(&[0xa5; 32], &salts);
    assert_eq!(output.first(), &hex32(OUTPUT1));
    assert_eq!(output.second(), Some(&hex32(OUTPUT2)));
}

#[test]
fn platform_and_authenticator_round_trip_one_and_two_salts() {
    for protocol in [PinUvAuthProtocol::One, PinUvAuthProtocol::Two] {
        for second in [None, Some([0x11u8; 32])] {
            let mut rng = rng(21);
            let authenticator = KeyAgreementKeyPair::generate(&mut rng);
            let (platform_key, platform) =
                encapsulate(protocol, &authenticator.public_key(), &mut rng).unwrap();
            let salts = HmacSecretSalts::new(prf_salt(b"hello"), second);
            let input = encrypt_salts(&platform, &salts, &mut rng).unwrap();
            assert_eq!(input.salt_auth.len(), protocol.auth_param_len());

            let device = authenticator.decapsulate(protocol, &platform_key).unwrap();
            let received = decrypt_salts(&device, &input.salt_enc, &input.salt_auth).unwrap();
            assert_eq!(received, salts);
            let output = compute_output(&[0xa5; 32], &received);
            let encrypted = encrypt_output(&device, &output, &mut rng).unwrap();

            let decrypted = decrypt_output(&platform, &encrypted, salts.count()).unwrap();
            assert_eq!(decrypted.first(), &hex32(OUTPUT1));
            assert_eq!(decrypted.second().is_some(), second.is_some());
            if second.is_some() {
                assert_eq!(decrypted.second(), Some(&hex32(OUTPUT2)));
            }
        }
    }
}

#[test]
fn errors() {
    let shared = SharedSecret::from_bytes(PinUvAuthProtocol::Two, &[4u8; 64]).unwrap();
    let mut rng = rng(22);
    let salts = HmacSecretSalts::new([1; 32], None);
    let input = encrypt_salts(&shared, &salts, &mut rng).unwrap();

    let mut bad_auth = input.salt_auth.clone();
    bad_auth[31] ^= 1;
    assert_eq!(
        decrypt_salts(&shared, &input.salt_enc, &bad_auth),
        Err(HmacSecretError::Crypto(CryptoError::AuthParamMismatch))
    );

    let three_blocks = shared.encrypt(&[0u8; 48], &mut rng).unwrap();
    let auth = shared.authenticate(&three_blocks);
    assert_eq!(
        decrypt_salts(&shared, &three_blocks, &auth),
        Err(HmacSecretError::SaltsWrongLength { len: 48 })
    );

    let one_output = shared.encrypt(&[0u8; 32], &mut rng).unwrap();
    assert_eq!(
        decrypt_output(&shared, &one_output, 2),
        Err(HmacSecretError::OutputWrongLength {
            len: 32,
            expected: 64
        })
    );
    assert_eq!(format!("{salts:?}"), "HmacSecretPair(1 values, redacted)");
    assert_eq!(hex(PRF_SALT_HELLO).len(), 32);
}
