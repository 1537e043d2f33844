//! Mutated valid requests and random bytes never make the key panic, and every answer is
//! well-formed (a status byte, or a status word for APDUs). Deterministic seed, bounded count.
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use common::{Host, CLIENT_DATA_HASH};
use keydesk_ctap::commands::{
    BioEnrollmentRequest, BioEnrollmentSubCommand, ClientPinRequest, ConfigRequest, ConfigSubCommand,
    CredentialManagementRequest, CredentialManagementSubCommand, GetAssertionRequest, GetInfoRequest, LargeBlobsRequest,
    Permissions, ResetRequest, SelectionRequest,
};
use keydesk_ctap::extensions::{GetAssertionExtensions, MakeCredentialExtensions};
use keydesk_ctap::message::CommandRequest;
use keydesk_virtual_key::fuzzing;
use keydesk_virtual_key::{Config, Reply};
use rand_core::{RngCore, SeedableRng};

fn seeds(host: &mut Host) -> Vec<Vec<u8>> {
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    let id = host.register("example.com", b"alice", true, Some(&token));
    let (platform, _) = host.shared_secret();
    let mut mc = host.mc_request("example.com", b"bob", true);
    mc.extensions = Some(MakeCredentialExtensions {
        hmac_secret: Some(true),
        cred_blob: Some(vec![1; 8]),
        large_blob_key: Some(true),
        min_pin_length: Some(true),
        ..Default::default()
    });
    host.authorize_mc(&mut mc, &token);
    let mut ga = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    ga.allow_list = Host::allow(&[&id]);
    ga.extensions = Some(GetAssertionExtensions { cred_blob: Some(true), large_blob_key: Some(true), ..Default::default() });
    host.authorize_ga(&mut ga, &token);
    let mut cm = CredentialManagementRequest::new(CredentialManagementSubCommand::EnumerateRpsBegin);
    cm.pin_uv_auth_param = Some(vec![0; 32]);
    cm.pin_uv_auth_protocol = Some(2);
    vec![
        GetInfoRequest.encode(),
        mc.encode(),
        ga.encode(),
        ClientPinRequest::get_pin_retries().encode(),
        ClientPinRequest::get_key_agreement(1).encode(),
        ClientPinRequest::get_pin_uv_auth_token_using_pin_with_permissions(2, platform.clone(), vec![0; 32], Permissions::GET_ASSERTION, Some("a".into())).encode(),
        ClientPinRequest::set_pin(2, platform.clone(), vec![0; 80], vec![0; 32]).encode(),
        ClientPinRequest::change_pin(1, platform, vec![0; 16], vec![0; 64], vec![0; 16]).encode(),
        cm.encode(),
        BioEnrollmentRequest::fingerprint(BioEnrollmentSubCommand::EnrollBegin).encode(),
        BioEnrollmentRequest::get_modality().encode(),
        ConfigRequest::new(ConfigSubCommand::ToggleAlwaysUv).encode(),
        LargeBlobsRequest::get(0, 100).encode(),
        LargeBlobsRequest::set(0, vec![0x80; 17], Some(17)).encode(),
        ResetRequest.encode(),
        SelectionRequest.encode(),
        vec![0x08],
    ]
}

fn mutate(seed: &[u8], rng: &mut rand_chacha::ChaCha20Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=(rng.next_u32() % 4) {
        let position = if bytes.is_empty() { 0 } else { rng.next_u32() as usize % bytes.len() };
        match rng.next_u32() % 5 {
            0 if !bytes.is_empty() => bytes[position] ^= 1 << (rng.next_u32() % 8),
            1 if !bytes.is_empty() => bytes[position] = rng.next_u32() as u8,
            2 => bytes.truncate(position),
            3 => bytes.insert(position, rng.next_u32() as u8),
            _ => {
                let end = bytes.len().min(position + 8);
                bytes.drain(position..end);
            }
        }
    }
    bytes
}

#[test]
fn mutated_requests_get_well_formed_answers() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let seeds = seeds(&mut host);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2024);
    for round in 0..4000 {
        let seed = &seeds[round % seeds.len()];
        let request = mutate(seed, &mut rng);
        match host.key.handle(&request, host.now) {
            Reply::Response(response) => assert!(!response.is_empty(), "empty answer to {request:02x?}"),
            Reply::WaitingForUserPresence => panic!("ApproveAll never waits"),
        }
        if round % 500 == 0 {
            host.power_cycle(); // Keep PIN attempts possible.
        }
    }
}

#[test]
fn random_bytes_through_every_entry_point() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    for _ in 0..150 {
        let mut data = vec![0u8; (rng.next_u32() % 300) as usize];
        rng.fill_bytes(&mut data);
        fuzzing::ctap_request(&data);
        fuzzing::u2f_request(&data);
        fuzzing::card_apdus(&data);
        fuzzing::hid_reports(&data);
        fuzzing::ble_writes(&data);
    }
    // Mutated structured inputs for the framings.
    let select = hex::decode("00A4040008A0000006472F0001").unwrap();
    let mut apdus = select.clone();
    apdus.extend_from_slice(&[0xff, 0xff, 0x80, 0x10, 0x80, 0x00, 0x01, 0x04, 0x00, 0xff, 0xff, 0x80, 0x11, 0x00, 0x00, 0x00]);
    let mut u2f = vec![0x00, 0x01, 0x00, 0x00, 0x40];
    u2f.extend_from_slice(&[5; 64]);
    for _ in 0..300 {
        fuzzing::card_apdus(&mutate(&apdus, &mut rng));
        fuzzing::u2f_request(&mutate(&u2f, &mut rng));
    }
}
