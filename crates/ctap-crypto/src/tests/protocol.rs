use super::{hex, hex32, rng, CountingRng};
use crate::key_agreement::encapsulate_with_secret;
use crate::{
    encapsulate, CryptoError, KeyAgreementKeyPair, KeyAgreementPublicKey, PinUvAuthProtocol,
    SharedSecret,
};
use sha2::{Digest, Sha256};

use PinUvAuthProtocol::{One, Two};

// NIST CAVP "KAS ECC CDH primitive" test vectors (KAS_ECC_CDH_PrimitiveTest.txt), P-256,
// COUNT = 0.
const CAVS_QX: &str = "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287";
const CAVS_QY: &str = "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac";
const IUT_D: &str = "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534";
const IUT_QX: &str = "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230";
const IUT_QY: &str = "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141";
const IUT_Z: &str = "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b";

fn cavs_peer() -> KeyAgreementPublicKey {
    KeyAgreementPublicKey {
        x: hex32(CAVS_QX),
        y: hex32(CAVS_QY),
    }
}

#[test]
fn nist_cavp_p256_public_key_and_protocol_1_kdf() {
    let pair = KeyAgreementKeyPair::from_secret_bytes(&hex32(IUT_D)).unwrap();
    assert_eq!(
        pair.public_key(),
        KeyAgreementPublicKey {
            x: hex32(IUT_QX),
            y: hex32(IUT_QY)
        }
    );
    // Protocol 1: shared secret = SHA-256(Z).
    let shared = pair.decapsulate(One, &cavs_peer()).unwrap();
    assert_eq!(
        shared.to_bytes().as_slice(),
        Sha256::digest(hex(IUT_Z)).as_slice()
    );
}

#[test]
fn nist_cavp_p256_protocol_2_kdf_encrypt_authenticate() {
    // Expected values computed from the CAVP Z with the Python `cryptography` package
    // (OpenSSL): HKDF-SHA-256(salt = 32 zero bytes, info "CTAP2 HMAC key" / "CTAP2 AES key"),
    // AES-256-CBC and HMAC-SHA-256 — an implementation independent of RustCrypto.
    let pair = KeyAgreementKeyPair::from_secret_bytes(&hex32(IUT_D)).unwrap();
    let shared = pair.decapsulate(Two, &cavs_peer()).unwrap();
    assert_eq!(
        shared.to_bytes().as_slice(),
        hex(concat!(
            "4043c362f07fcfc6ae1999a167280a159f5f0f58c42c3e48a05656c23195182c",
            "6d364545305064c054b8250f1b2c4305381e74f6039e0170f393d06e249592ac"
        ))
    );
    let plaintext: Vec<u8> = (0u8..32).collect();
    let ciphertext = shared.encrypt(&plaintext, &mut CountingRng::new()).unwrap();
    assert_eq!(
        ciphertext,
        hex(concat!(
            "000102030405060708090a0b0c0d0e0f",
            "6a9318f3e29a0fe117328a6a75f7594f610efbfe729dba5e68b0a4c90d6d4fd4"
        ))
    );
    assert_eq!(shared.decrypt(&ciphertext).unwrap().as_slice(), plaintext);
    assert_eq!(
        shared.authenticate(&plaintext),
        hex("1bb8484527c807068e9aceddf5f5ad27a89506f10fc6a5348f6e535f63ae0d67")
    );
}

// python-fido2 test/test_ctap2.py (TestPinProtocolV1): platform key EC_PRIV, authenticator key
// DEV_PUB, resulting SHARED secret, platform public key EC_PUB.
pub(crate) const FIDO2_EC_PRIV: &str =
    "7452e599fee739d8a653f6a507343d12d382249108a651402520b72f24fe7684";
const FIDO2_EC_PUB_X: &str = "44D78D7989B97E62EA993496C9EF6E8FD58B8B00715F9A89153DDD9C4657E47F";
const FIDO2_EC_PUB_Y: &str = "EC802EE7D22BD4E100F12E48537EB4E7E96ED3A47A0A3BD5F5EEAB65001664F9";
const FIDO2_DEV_PUB_X: &str = "0501D5BC78DA9252560A26CB08FCC60CBE0B6D3B8E1D1FCEE514FAC0AF675168";
const FIDO2_DEV_PUB_Y: &str = "D551B3ED46F665731F95B4532939C25D91DB7EB844BD96D4ABD4083785F8DF47";
pub(crate) const FIDO2_SHARED: &str =
    "c42a039d548100dfba521e487debcbbb8b66bb7496f8b1862a7a395ed83e1a1c";

#[test]
fn python_fido2_protocol_1_encapsulate() {
    let device = KeyAgreementPublicKey {
        x: hex32(FIDO2_DEV_PUB_X),
        y: hex32(FIDO2_DEV_PUB_Y),
    };
    let ephemeral = p256::SecretKey::from_slice(&hex(FIDO2_EC_PRIV)).unwrap();
    let (platform_key, shared) = encapsulate_with_secret(One, &device, &ephemeral).unwrap();
    assert_eq!(platform_key.x, hex32(FIDO2_EC_PUB_X));
    assert_eq!(platform_key.y, hex32(FIDO2_EC_PUB_Y));
    assert_eq!(shared.to_bytes().as_slice(), hex(FIDO2_SHARED));
}

#[test]
fn platform_and_authenticator_derive_the_same_secret() {
    for protocol in [One, Two] {
        let mut rng = rng(7);
        let authenticator = KeyAgreementKeyPair::generate(&mut rng);
        let (platform_key, platform_secret) =
            encapsulate(protocol, &authenticator.public_key(), &mut rng).unwrap();
        let authenticator_secret = authenticator.decapsulate(protocol, &platform_key).unwrap();
        assert_eq!(platform_secret.to_bytes(), authenticator_secret.to_bytes());
        assert_eq!(
            platform_secret.to_bytes().len(),
            if protocol == One { 32 } else { 64 }
        );

        let message = b"0123456789abcdef0123456789abcdef";
        let sent = platform_secret.encrypt(message, &mut rng).unwrap();
        assert_eq!(
            authenticator_secret.decrypt(&sent).unwrap().as_slice(),
            message
        );
        let tag = platform_secret.authenticate(message);
        assert_eq!(tag.len(), protocol.auth_param_len());
        authenticator_secret.verify(message, &tag).unwrap();
    }
}

#[test]
fn protocol_2_uses_a_fresh_iv_each_time() {
    let secret = SharedSecret::from_bytes(Two, &[7u8; 64]).unwrap();
    let mut rng = rng(1);
    let a = secret.encrypt(&[0u8; 16], &mut rng).unwrap();
    let b = secret.encrypt(&[0u8; 16], &mut rng).unwrap();
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
}

#[test]
fn protocol_1_uses_a_zero_iv() {
    let secret = SharedSecret::from_bytes(One, &[7u8; 32]).unwrap();
    let a = secret.encrypt(&[0u8; 32], &mut rng(1)).unwrap();
    let b = secret.encrypt(&[0u8; 32], &mut rng(2)).unwrap();
    assert_eq!(a.len(), 32);
    assert_eq!(a, b);
}

#[test]
fn protocol_2_authenticate_uses_the_first_32_key_bytes() {
    let mut key = [1u8; 64];
    key[40] = 9;
    assert_eq!(
        Two.authenticate(&key, b"m"),
        Two.authenticate(&key[..32], b"m")
    );
    // Protocol 1 uses the whole key.
    assert_ne!(
        One.authenticate(&key, b"m"),
        One.authenticate(&key[..32], b"m")
    );
}

#[test]
fn protocol_numbers() {
    assert_eq!(PinUvAuthProtocol::from_number(1).unwrap(), One);
    assert_eq!(PinUvAuthProtocol::from_number(2).unwrap(), Two);
    assert_eq!(
        PinUvAuthProtocol::from_number(3),
        Err(CryptoError::UnsupportedProtocol(3))
    );
    assert_eq!(One.number(), 1);
    assert_eq!(Two.number(), 2);
}

#[test]
fn precise_errors() {
    let one = SharedSecret::from_bytes(One, &[3u8; 32]).unwrap();
    let two = SharedSecret::from_bytes(Two, &[3u8; 64]).unwrap();
    let mut rng = rng(3);

    assert_eq!(
        one.encrypt(&[0u8; 15], &mut rng),
        Err(CryptoError::PlaintextNotBlockAligned { len: 15 })
    );
    assert_eq!(
        one.decrypt(&[0u8; 17]).map(|_| ()),
        Err(CryptoError::CiphertextNotBlockAligned { len: 17 })
    );
    assert_eq!(
        two.decrypt(&[0u8; 15]).map(|_| ()),
        Err(CryptoError::CiphertextMissingIv { len: 15 })
    );
    assert_eq!(
        two.decrypt(&[0u8; 20]).map(|_| ()),
        Err(CryptoError::CiphertextNotBlockAligned { len: 4 })
    );
    // An IV alone decrypts to nothing.
    assert!(two.decrypt(&[0u8; 16]).unwrap().is_empty());

    let tag = one.authenticate(b"message");
    assert_eq!(
        one.verify(b"message", &tag[..15]),
        Err(CryptoError::WrongAuthParamLength {
            protocol: 1,
            expected: 16,
            actual: 15
        })
    );
    assert_eq!(
        one.verify(b"massage", &tag),
        Err(CryptoError::AuthParamMismatch)
    );
    let mut flipped = tag.clone();
    flipped[0] ^= 1;
    assert_eq!(
        one.verify(b"message", &flipped),
        Err(CryptoError::AuthParamMismatch)
    );
    // A protocol 1 tag is the wrong length for protocol 2.
    assert_eq!(
        two.verify(b"message", &tag),
        Err(CryptoError::WrongAuthParamLength {
            protocol: 2,
            expected: 32,
            actual: 16
        })
    );

    assert_eq!(
        SharedSecret::from_bytes(Two, &[0u8; 32]).map(|_| ()),
        Err(CryptoError::WrongKeyLength {
            protocol: 2,
            len: 32
        })
    );
    assert_eq!(
        KeyAgreementKeyPair::from_secret_bytes(&[0u8; 32]).map(|_| ()),
        Err(CryptoError::InvalidSecretScalar)
    );
}

#[test]
fn off_curve_peer_keys_are_rejected() {
    let mut rng = rng(4);
    let pair = KeyAgreementKeyPair::generate(&mut rng);
    let mut bad = pair.public_key();
    bad.y[31] ^= 1;
    assert_eq!(
        pair.decapsulate(One, &bad).map(|_| ()),
        Err(CryptoError::InvalidPeerPublicKey)
    );
    assert_eq!(
        encapsulate(Two, &bad, &mut rng).map(|_| ()),
        Err(CryptoError::InvalidPeerPublicKey)
    );
    let zero = KeyAgreementPublicKey {
        x: [0; 32],
        y: [0; 32],
    };
    assert_eq!(
        pair.decapsulate(Two, &zero).map(|_| ()),
        Err(CryptoError::InvalidPeerPublicKey)
    );
}

#[test]
fn debug_output_redacts_secrets() {
    let secret = SharedSecret::from_bytes(One, &[0xab; 32]).unwrap();
    assert_eq!(format!("{secret:?}"), "SharedSecret { protocol: One, .. }");
    let pair = KeyAgreementKeyPair::from_secret_bytes(&hex32(IUT_D)).unwrap();
    let shown = format!("{pair:?}");
    assert!(
        shown.ends_with(", .. }") && !shown.contains("secret"),
        "{shown}"
    );
}
