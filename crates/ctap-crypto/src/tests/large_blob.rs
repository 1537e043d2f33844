use super::{hex, rng};
use crate::large_blob::{
    decrypt_entry, encrypt_entry, open_serialized_array, seal_serialized_array, write_auth_message,
    LargeBlobEntry, LargeBlobError, LargeBlobKey, INITIAL_SERIALIZED_ARRAY,
};
use sha2::{Digest, Sha256};

#[test]
fn initial_array_is_the_spec_value() {
    // CTAP 2.1 §6.10.2: h'8076be8b528d0075f7aae98d6fa57a6d3c'.
    assert_eq!(
        INITIAL_SERIALIZED_ARRAY.as_slice(),
        hex("8076be8b528d0075f7aae98d6fa57a6d3c")
    );
    assert_eq!(seal_serialized_array(&[0x80]), INITIAL_SERIALIZED_ARRAY);
    assert_eq!(
        open_serialized_array(&INITIAL_SERIALIZED_ARRAY),
        Ok([0x80u8].as_slice())
    );
}

#[test]
fn array_integrity_errors() {
    let mut sealed = seal_serialized_array(&[0x81, 0x01]);
    assert_eq!(
        open_serialized_array(&sealed),
        Ok([0x81u8, 0x01].as_slice())
    );
    sealed[1] = 0x02;
    assert_eq!(
        open_serialized_array(&sealed),
        Err(LargeBlobError::ArrayIntegrityFailure)
    );
    assert_eq!(
        open_serialized_array(&INITIAL_SERIALIZED_ARRAY[1..]),
        Err(LargeBlobError::ArrayTooShort { len: 16 })
    );
    assert_eq!(
        open_serialized_array(&[]),
        Err(LargeBlobError::ArrayTooShort { len: 0 })
    );
}

#[test]
fn write_message_layout() {
    let message = write_auth_message(0x0102_0304, b"fragment");
    assert_eq!(&message[..32], &[0xff; 32]);
    assert_eq!(&message[32..38], &[0x0c, 0x00, 0x04, 0x03, 0x02, 0x01]);
    assert_eq!(&message[38..], Sha256::digest(b"fragment").as_slice());
    assert_eq!(message.len(), 70);
}

#[test]
fn decrypts_an_entry_made_by_an_independent_implementation() {
    // Made with Python's zlib (raw DEFLATE, wbits -15) and `cryptography`'s AESGCM: key 32×0x42,
    // nonce 00..0b, data "KeyDesk large blob " × 10, AD "blob" || uint64LE(190).
    let entry = LargeBlobEntry {
        ciphertext: hex(
            "f6903ca9f8013c5d554f68599e8813f1fbd29c9abe73a0e9a510ea318e9647d78c4c6e6772d2d3e4",
        ),
        nonce: (0u8..12).collect(),
        orig_size: 190,
    };
    let key = LargeBlobKey::from_bytes([0x42; 32]);
    let data = decrypt_entry(&key, &entry, 1024).unwrap();
    assert_eq!(data.as_slice(), "KeyDesk large blob ".repeat(10).as_bytes());

    // origSize is authenticated: a changed size fails decryption.
    let mut resized = entry.clone();
    resized.orig_size = 191;
    assert_eq!(
        decrypt_entry(&key, &resized, 1024),
        Err(LargeBlobError::DecryptionFailed)
    );
    // The size bound is checked before any work.
    assert_eq!(
        decrypt_entry(&key, &entry, 100),
        Err(LargeBlobError::TooLarge {
            orig_size: 190,
            max: 100
        })
    );
    // Another credential's key.
    assert_eq!(
        decrypt_entry(&LargeBlobKey::from_bytes([0x43; 32]), &entry, 1024),
        Err(LargeBlobError::DecryptionFailed)
    );
    let mut short_nonce = entry;
    short_nonce.nonce.pop();
    assert_eq!(
        decrypt_entry(&key, &short_nonce, 1024),
        Err(LargeBlobError::NonceWrongLength { len: 11 })
    );
}

#[test]
fn round_trip_including_empty_and_incompressible_data() {
    let mut rng = rng(31);
    let key = LargeBlobKey::generate(&mut rng);
    let mut noise = vec![0u8; 3000];
    rand_core::RngCore::fill_bytes(&mut rng, &mut noise);
    for data in [Vec::new(), b"x".to_vec(), vec![7u8; 10_000], noise] {
        let entry = encrypt_entry(&key, &data, &mut rng).unwrap();
        assert_eq!(entry.nonce.len(), 12);
        assert_eq!(entry.orig_size, data.len() as u64);
        assert_eq!(
            decrypt_entry(&key, &entry, data.len()).unwrap().as_slice(),
            data
        );
    }
    assert_eq!(format!("{key:?}"), "LargeBlobKey(redacted)");
}

#[test]
fn inflation_past_orig_size_is_refused() {
    // A well-formed entry whose compressed data inflates to more than it declares: encrypt
    // 10 000 zero bytes compressed, but claim (and authenticate) origSize 100.
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let key = LargeBlobKey::from_bytes([1; 32]);
    let compressed = miniz_oxide::deflate::compress_to_vec(&[0u8; 10_000], 6);
    let mut ad = b"blob".to_vec();
    ad.extend_from_slice(&100u64.to_le_bytes());
    let ciphertext = aes_gcm::Aes256Gcm::new(&[1u8; 32].into())
        .encrypt(
            &[0u8; 12].into(),
            Payload {
                msg: &compressed,
                aad: &ad,
            },
        )
        .unwrap();
    let entry = LargeBlobEntry {
        ciphertext,
        nonce: vec![0; 12],
        orig_size: 100,
    };
    assert_eq!(
        decrypt_entry(&key, &entry, 1_000_000),
        Err(LargeBlobError::DecompressionFailed)
    );

    // And data that inflates to less than declared.
    let compressed = miniz_oxide::deflate::compress_to_vec(&[0u8; 10], 6);
    let mut ad = b"blob".to_vec();
    ad.extend_from_slice(&100u64.to_le_bytes());
    let ciphertext = aes_gcm::Aes256Gcm::new(&[1u8; 32].into())
        .encrypt(
            &[0u8; 12].into(),
            Payload {
                msg: &compressed,
                aad: &ad,
            },
        )
        .unwrap();
    let entry = LargeBlobEntry {
        ciphertext,
        nonce: vec![0; 12],
        orig_size: 100,
    };
    assert_eq!(
        decrypt_entry(&key, &entry, 1_000_000),
        Err(LargeBlobError::SizeMismatch {
            orig_size: 100,
            actual: 10
        })
    );
}
