//! Pseudo-random and mutated input to every decoder: each must return, never panic.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use rand_core::RngCore;

use super::rng;
use crate::hmac_secret::{decrypt_output, decrypt_salts};
use crate::large_blob::{decrypt_entry, open_serialized_array, LargeBlobEntry, LargeBlobKey};
use crate::pin::{decrypt_new_pin, decrypt_pin_hash, open_change_pin, open_set_pin};
use crate::{
    KeyAgreementKeyPair, KeyAgreementPublicKey, PinUvAuthProtocol, PinUvAuthToken, SharedSecret,
};

const ROUNDS: usize = 2_000;

fn random_bytes(rng: &mut impl RngCore, max_len: usize) -> Vec<u8> {
    let len = (rng.next_u32() as usize) % (max_len + 1);
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Flips, inserts or removes a few bytes of `valid`.
fn mutate(rng: &mut impl RngCore, valid: &[u8]) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    for _ in 0..1 + rng.next_u32() % 3 {
        let at = if bytes.is_empty() {
            0
        } else {
            rng.next_u32() as usize % bytes.len()
        };
        match rng.next_u32() % 3 {
            0 if !bytes.is_empty() => bytes[at] ^= 1 << (rng.next_u32() % 8),
            1 => bytes.insert(at, rng.next_u32() as u8),
            _ if !bytes.is_empty() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

#[test]
fn pin_protocol_decoders_never_panic() {
    let mut rng = rng(0xfeed);
    let secrets = [
        SharedSecret::from_bytes(PinUvAuthProtocol::One, &[1; 32]).unwrap(),
        SharedSecret::from_bytes(PinUvAuthProtocol::Two, &[2; 64]).unwrap(),
    ];
    for round in 0..ROUNDS {
        let shared = &secrets[round % 2];
        let valid = shared.encrypt(&[0x31; 64], &mut rng).unwrap();
        let input = if round % 3 == 0 {
            random_bytes(&mut rng, 200)
        } else {
            mutate(&mut rng, &valid)
        };
        let tag = random_bytes(&mut rng, 40);
        let _ = shared.decrypt(&input);
        let _ = shared.verify(&input, &tag);
        let _ = PinUvAuthToken::decrypt(shared, &input);
        let _ = decrypt_new_pin(shared, &input, 4);
        let _ = decrypt_pin_hash(shared, &input);
        let _ = open_set_pin(shared, &input, &shared.authenticate(&input), 4);
        let _ = open_change_pin(shared, &input, &valid, &tag);
        let _ = decrypt_salts(shared, &input, &shared.authenticate(&input));
        let _ = decrypt_output(shared, &input, 1 + round % 2);
        let _ = SharedSecret::from_bytes(shared.protocol(), &input);
        let _ = PinUvAuthToken::from_bytes(shared.protocol(), &input);
    }
}

#[test]
fn random_peer_keys_never_panic() {
    let mut rng = rng(0xbeef);
    let pair = KeyAgreementKeyPair::generate(&mut rng);
    let valid = pair.public_key();
    for round in 0..200 {
        let mut key = if round % 2 == 0 {
            valid
        } else {
            KeyAgreementPublicKey {
                x: [0; 32],
                y: [0; 32],
            }
        };
        rng.fill_bytes(&mut key.x[..(round % 33)]);
        rng.fill_bytes(&mut key.y[..(round * 7 % 33)]);
        let _ = pair.decapsulate(PinUvAuthProtocol::One, &key);
        let _ = crate::encapsulate(PinUvAuthProtocol::Two, &key, &mut rng);
    }
}

#[test]
fn large_blob_decoders_never_panic() {
    let mut rng = rng(0xb10b);
    let key = LargeBlobKey::from_bytes([9; 32]);
    let cipher = aes_gcm::Aes256Gcm::new(&[9u8; 32].into());
    let valid_deflate = miniz_oxide::deflate::compress_to_vec(b"large blob payload large blob", 6);
    for round in 0..ROUNDS {
        let _ = open_serialized_array(&random_bytes(&mut rng, 64));
        // Authentic ciphertext over hostile "compressed" bytes, so the inflater sees them.
        let compressed = if round % 2 == 0 {
            random_bytes(&mut rng, 100)
        } else {
            mutate(&mut rng, &valid_deflate)
        };
        let orig_size = u64::from(rng.next_u32() % 200);
        let mut ad = b"blob".to_vec();
        ad.extend_from_slice(&orig_size.to_le_bytes());
        let nonce = [round as u8; 12];
        let ciphertext = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &compressed,
                    aad: &ad,
                },
            )
            .unwrap();
        let entry = LargeBlobEntry {
            ciphertext,
            nonce: nonce.to_vec(),
            orig_size,
        };
        let _ = decrypt_entry(&key, &entry, 150);
        let garbage = LargeBlobEntry {
            ciphertext: random_bytes(&mut rng, 64),
            nonce: random_bytes(&mut rng, 14),
            orig_size: rng.next_u64(),
        };
        let _ = decrypt_entry(&key, &garbage, 1 << 20);
    }
}
