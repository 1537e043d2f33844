//! The exact bytes each pinUvAuthParam authenticates, written out by hand from the
//! spec's formulas so host and authenticator cannot drift apart silently.

// Test helpers outside #[test] functions panic on purpose when a vector is broken.
#![allow(clippy::unwrap_used)]

use keydesk_ctap::commands::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn config_set_min_pin_length() {
    // CTAP 2.1 §6.11: 32×0xff || 0x0d || uint8(subCommand) || subCommandParams.
    let request = ConfigRequest {
        sub_command_params: Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
            new_min_pin_length: Some(6),
            ..Default::default()
        })),
        ..ConfigRequest::new(ConfigSubCommand::SetMinPinLength)
    };
    let mut expected = vec![0xff; 32];
    expected.extend_from_slice(&hex("0d 03 a1 01 06"));
    assert_eq!(request.auth_message(), expected);

    let toggle = ConfigRequest::new(ConfigSubCommand::ToggleAlwaysUv);
    let mut expected = vec![0xff; 32];
    expected.extend_from_slice(&hex("0d 02"));
    assert_eq!(toggle.auth_message(), expected);
}

#[test]
fn large_blobs_set() {
    // CTAP 2.1 §6.10.2: 32×0xff || h'0c00' || uint32LittleEndian(offset) || SHA-256(set).
    let request = LargeBlobsRequest::set(0x0102_0304, b"abc".to_vec(), None);
    let mut expected = vec![0xff; 32];
    expected.extend_from_slice(&hex("0c 00 04 03 02 01"));
    // SHA-256("abc"), FIPS 180-2 Appendix B.1.
    expected.extend_from_slice(&hex(
        "ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad",
    ));
    assert_eq!(request.auth_message(), Some(expected));
    assert_eq!(LargeBlobsRequest::get(0, 10).auth_message(), None);
}

#[test]
fn empty_large_blob_array() {
    // CTAP 2.1 §6.10.2: the initial serialized large-blob array.
    assert_eq!(serialize_large_blob_array(&[]), hex("8076be8b528d0075f7aae98d6fa57a6d3c"));
    assert_eq!(parse_large_blob_array(&hex("8076be8b528d0075f7aae98d6fa57a6d3c")), Ok(vec![]));
}

#[test]
fn credential_management() {
    // CTAP 2.1 §6.8: subCommand || subCommandParams.
    let metadata = CredentialManagementRequest::new(CredentialManagementSubCommand::GetCredsMetadata);
    assert_eq!(metadata.auth_message(), vec![0x01]);
    let begin = CredentialManagementRequest {
        sub_command_params: Some(CredentialManagementParams {
            rp_id_hash: Some([0xab; 32]),
            ..Default::default()
        }),
        ..CredentialManagementRequest::new(CredentialManagementSubCommand::EnumerateCredentialsBegin)
    };
    let mut expected = hex("04 a1 01 5820");
    expected.extend_from_slice(&[0xab; 32]);
    assert_eq!(begin.auth_message(), expected);
    let delete = CredentialManagementRequest {
        sub_command_params: Some(CredentialManagementParams {
            credential_id: Some(keydesk_ctap::entities::CredentialDescriptor::public_key(vec![1, 2])),
            ..Default::default()
        }),
        ..CredentialManagementRequest::new(CredentialManagementSubCommand::DeleteCredential)
    };
    // {2: {"id": h'0102', "type": "public-key"}} with canonical key order.
    assert_eq!(
        delete.auth_message(),
        hex("06 a1 02 a2 6269 64 42 0102 6474797065 6a7075626c69632d6b6579")
    );
}

#[test]
fn bio_enrollment() {
    // CTAP 2.1 §6.7: modality || subCommand || subCommandParams.
    let begin = BioEnrollmentRequest {
        sub_command_params: Some(BioEnrollmentParams {
            timeout_milliseconds: Some(10_000),
            ..Default::default()
        }),
        ..BioEnrollmentRequest::fingerprint(BioEnrollmentSubCommand::EnrollBegin)
    };
    assert_eq!(begin.auth_message(), Some(hex("01 01 a1 03 19 2710")));
    let enumerate = BioEnrollmentRequest::fingerprint(BioEnrollmentSubCommand::EnumerateEnrollments);
    assert_eq!(enumerate.auth_message(), Some(hex("01 04")));
    assert_eq!(BioEnrollmentRequest::get_modality().auth_message(), None);
}
