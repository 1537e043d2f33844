//! Hostile input: many pseudo-random and mutated messages (deterministic seed, bounded
//! count) go through every decoder; each must return, never panic. The fuzz targets in
//! `fuzz/` explore further; this keeps the guarantee checked on stable Rust in CI.

// Test helpers outside #[test] functions panic on purpose when a vector is broken.
#![allow(clippy::unwrap_used)]

use keydesk_ctap::auth_data::AuthenticatorData;
use keydesk_ctap::cbor::{decode, decode_with, DecodeOptions};
use keydesk_ctap::commands::*;
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::entities::*;
use keydesk_ctap::{CommandRequest, CommandResponse, Request};

/// xorshift64*: small, deterministic, good enough to spread mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn vector(text: &str) -> Vec<u8> {
    let digits: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
        .collect()
}

/// Valid messages of every kind to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let key = CoseKey::EcdhEsHkdf256(P256Point { x: [1; 32], y: [2; 32] });
    let mut seeds = vec![
        vector(include_str!("vectors/ctap-spec-make-credential-request.hex")),
        vector(include_str!("vectors/ctap-spec-get-assertion-request.hex")),
        [&[0][..], &vector(include_str!("vectors/ctap-spec-get-info-response.hex"))].concat(),
        [&[0][..], &vector(include_str!("vectors/python-fido2-make-credential-response.hex"))].concat(),
        [&[0][..], &vector(include_str!("vectors/python-fido2-get-assertion-response.hex"))].concat(),
        ClientPinRequest::get_pin_uv_auth_token_using_pin_with_permissions(
            2,
            key.clone(),
            vec![3; 32],
            Permissions::MAKE_CREDENTIAL,
            Some("example.com".into()),
        )
        .encode(),
        ClientPinResponse { key_agreement: Some(key), pin_retries: Some(3), ..Default::default() }.encode(),
        CredentialManagementRequest {
            sub_command_params: Some(CredentialManagementParams {
                credential_id: Some(CredentialDescriptor::public_key(vec![1; 16])),
                user: Some(UserEntity::new(vec![1])),
                ..Default::default()
            }),
            ..CredentialManagementRequest::new(CredentialManagementSubCommand::UpdateUserInformation)
        }
        .encode(),
        CredentialManagementResponse {
            rp: Some(RpEntity::new("a.example")),
            public_key: Some(CoseKey::Ed25519 { x: [4; 32] }),
            total_credentials: Some(1),
            ..Default::default()
        }
        .encode(),
        BioEnrollmentResponse {
            template_infos: Some(vec![TemplateInfo { template_id: vec![1], template_friendly_name: None }]),
            ..Default::default()
        }
        .encode(),
        ConfigRequest {
            sub_command_params: Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
                new_min_pin_length: Some(8),
                min_pin_length_rp_ids: Some(vec!["x".into()]),
                force_change_pin: Some(true),
            })),
            ..ConfigRequest::new(ConfigSubCommand::SetMinPinLength)
        }
        .encode(),
        LargeBlobsRequest::set(0, vec![9; 20], Some(20)).encode(),
        LargeBlobsResponse { config: Some(serialize_large_blob_array(&[])) }.encode(),
    ];
    seeds.push(serialize_large_blob_array(&[LargeBlobEntry {
        ciphertext: vec![1; 30],
        nonce: [0; 12],
        orig_size: 10,
    }]));
    seeds
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = out.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.next() as u8;
            }
            2 => out.truncate(rng.below(len + 1)),
            3 => {
                let i = rng.below(len + 1);
                out.insert(i, rng.next() as u8);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                out.remove(i);
            }
            5 if len > 1 => {
                let start = rng.below(len);
                let end = start + rng.below(len - start);
                let chunk = out[start..end].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, chunk);
            }
            _ => {
                // Interesting heads: huge lengths, indefinite lengths, tags, floats, breaks.
                const HEADS: [u8; 12] = [0x1b, 0x5b, 0x7b, 0x9b, 0xbb, 0x5f, 0x9f, 0xbf, 0xc0, 0xfb, 0xff, 0x81];
                let i = rng.below(len + 1);
                out.insert(i, HEADS[rng.below(HEADS.len())]);
            }
        }
    }
    out
}

/// Runs every decoder over `input`; results are ignored, panics fail the test.
fn decode_everything(input: &[u8]) {
    let _ = decode(input);
    let _ = decode_with(input, DecodeOptions::CANONICAL);
    let _ = Request::decode(input);
    let _ = Request::decode_with(input, DecodeOptions::CANONICAL);
    let _ = MakeCredentialResponse::decode(input);
    let _ = GetAssertionResponse::decode(input);
    let _ = GetInfoResponse::decode(input);
    let _ = ClientPinResponse::decode(input);
    let _ = CredentialManagementResponse::decode(input);
    let _ = BioEnrollmentResponse::decode(input);
    let _ = LargeBlobsResponse::decode(input);
    let _ = EmptyResponse::decode(input);
    let _ = AuthenticatorData::from_bytes(input);
    let _ = parse_large_blob_array(input);
    // Responses without their status byte, as a transport might hand them over.
    if let Some(rest) = input.get(1..) {
        let _ = AuthenticatorData::from_bytes(rest);
        let _ = MakeCredentialRequest::decode_params(rest, DecodeOptions::TOLERANT);
    }
}

#[test]
fn mutated_valid_messages_never_panic() {
    let seeds = seeds();
    let mut rng = Rng(0x5eed_c7a9_2021_0001);
    let mut still_valid = 0;
    for _ in 0..12_000 {
        let seed = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, seed);
        decode_everything(&input);
        still_valid += usize::from(Request::decode(&input).is_ok());
        // Also with a status byte prepended/replaced, so response decoders see bodies.
        let mut as_response = input.clone();
        if let Some(first) = as_response.first_mut() {
            *first = 0;
        }
        decode_everything(&as_response);
    }
    // The mutations must not be so destructive that decoders only ever see garbage:
    // some mutated requests still decode and exercise the deeper layers.
    assert!(still_valid > 100, "only {still_valid} mutated inputs decoded");
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x0bad_cafe_f00d_0042);
    for _ in 0..8_000 {
        let len = rng.below(300);
        let input: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        decode_everything(&input);
    }
}

#[test]
fn authenticator_data_with_mutated_attested_credential_never_panics() {
    let base = MakeCredentialResponse::decode(
        &[&[0][..], &vector(include_str!("vectors/python-fido2-make-credential-response.hex"))].concat(),
    )
    .unwrap()
    .auth_data;
    let mut rng = Rng(0xa17d_a7a0_0000_0007);
    for _ in 0..6_000 {
        let _ = AuthenticatorData::from_bytes(&mutate(&mut rng, &base));
    }
}
