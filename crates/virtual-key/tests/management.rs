//! credentialManagement (§6.8, with the CTAP 2.2 pcmr persistent token), bioEnrollment (§6.7)
//! with UV fallback to the PIN, and largeBlobs (§6.10).
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use common::{Host, CLIENT_DATA_HASH};
use keydesk_ctap::auth_data::rp_id_hash;
use keydesk_ctap::commands::{
    BioEnrollmentParams, BioEnrollmentRequest, BioEnrollmentResponse, BioEnrollmentSubCommand as Bio,
    ClientPinRequest, ClientPinResponse, CredentialManagementParams, CredentialManagementRequest,
    CredentialManagementResponse, CredentialManagementSubCommand as Cm, EnrollSampleStatus, GetAssertionRequest,
    LargeBlobsRequest, LargeBlobsResponse, Permissions, RequestOptions,
};
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::PinUvAuthToken;
use keydesk_virtual_key::bio::NextMatch;
use keydesk_virtual_key::Config;
use sha2::{Digest as _, Sha256};

fn cm(host: &mut Host, token: Option<&PinUvAuthToken>, sub: Cm, params: Option<CredentialManagementParams>) -> Result<CredentialManagementResponse, StatusCode> {
    let mut request = CredentialManagementRequest::new(sub);
    request.sub_command_params = params;
    if let Some(token) = token {
        request.pin_uv_auth_param = Some(token.authenticate(host.protocol, &request.auth_message()));
        request.pin_uv_auth_protocol = Some(u32::from(host.protocol.number()));
    }
    host.call(&request)
}

fn populated_host() -> Host {
    let mut host = Host::new(Config { resident_capacity: 10, ..Config::default() });
    host.set_pin("1234").unwrap();
    for (rp, user) in [("a.example", b"u1"), ("a.example", b"u2"), ("b.example", b"u3")] {
        let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some(rp)).unwrap();
        host.register(rp, user, true, Some(&token));
    }
    host
}

#[test]
fn enumerate_update_and_delete_credentials() {
    let mut host = populated_host();
    assert_eq!(cm(&mut host, None, Cm::GetCredsMetadata, None).unwrap_err(), StatusCode::PuatRequired);
    let token = host.token("1234", Permissions::CREDENTIAL_MANAGEMENT, None).unwrap();
    let metadata = cm(&mut host, Some(&token), Cm::GetCredsMetadata, None).unwrap();
    assert_eq!(metadata.existing_resident_credentials_count, Some(3));
    assert_eq!(metadata.max_possible_remaining_resident_credentials_count, Some(7));

    let first = cm(&mut host, Some(&token), Cm::EnumerateRpsBegin, None).unwrap();
    assert_eq!(first.total_rps, Some(2));
    assert_eq!(first.rp.unwrap().id, "a.example");
    let second = cm(&mut host, None, Cm::EnumerateRpsGetNextRp, None).unwrap();
    assert_eq!(second.rp_id_hash, Some(rp_id_hash("b.example")));
    assert_eq!(cm(&mut host, None, Cm::EnumerateRpsGetNextRp, None).unwrap_err(), StatusCode::NotAllowed);

    let params = CredentialManagementParams { rp_id_hash: Some(rp_id_hash("a.example")), ..Default::default() };
    let newest = cm(&mut host, Some(&token), Cm::EnumerateCredentialsBegin, Some(params)).unwrap();
    assert_eq!(newest.total_credentials, Some(2));
    assert_eq!(newest.user.as_ref().unwrap().id, b"u2");
    assert!(newest.public_key.is_some());
    let older = cm(&mut host, None, Cm::EnumerateCredentialsGetNextCredential, None).unwrap();
    let older_id = older.credential_id.unwrap();

    // Rename, then delete.
    let mut user = UserEntity::new(b"u1".to_vec());
    user.name = Some("renamed".into());
    user.display_name = Some(String::new());
    let params = CredentialManagementParams { credential_id: Some(older_id.clone()), user: Some(user), ..Default::default() };
    cm(&mut host, Some(&token), Cm::UpdateUserInformation, Some(params)).unwrap();
    let wrong_user = CredentialManagementParams {
        credential_id: Some(older_id.clone()),
        user: Some(UserEntity::new(b"other".to_vec())),
        ..Default::default()
    };
    assert_eq!(cm(&mut host, Some(&token), Cm::UpdateUserInformation, Some(wrong_user)).unwrap_err(), StatusCode::InvalidParameter);
    let params = CredentialManagementParams { rp_id_hash: Some(rp_id_hash("a.example")), ..Default::default() };
    cm(&mut host, Some(&token), Cm::EnumerateCredentialsBegin, Some(params)).unwrap();
    let renamed = cm(&mut host, None, Cm::EnumerateCredentialsGetNextCredential, None).unwrap();
    let renamed = renamed.user.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("renamed"));
    assert_eq!(renamed.display_name, None, "an empty displayName removes it");

    let delete = CredentialManagementParams { credential_id: Some(older_id.clone()), ..Default::default() };
    cm(&mut host, Some(&token), Cm::DeleteCredential, Some(delete.clone())).unwrap();
    assert_eq!(cm(&mut host, Some(&token), Cm::DeleteCredential, Some(delete)).unwrap_err(), StatusCode::NoCredentials);
    let mut get = GetAssertionRequest::new("a.example", CLIENT_DATA_HASH);
    get.allow_list = Some(vec![older_id]);
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::NoCredentials, "deleted credential unusable");
    assert_eq!(host.info().remaining_discoverable_credentials, Some(8));
}

#[test]
fn rp_bound_tokens_see_only_their_rp() {
    let mut host = populated_host();
    let token = host.token("1234", Permissions::CREDENTIAL_MANAGEMENT, Some("a.example")).unwrap();
    assert_eq!(cm(&mut host, Some(&token), Cm::EnumerateRpsBegin, None).unwrap_err(), StatusCode::PinAuthInvalid);
    let other = CredentialManagementParams { rp_id_hash: Some(rp_id_hash("b.example")), ..Default::default() };
    assert_eq!(cm(&mut host, Some(&token), Cm::EnumerateCredentialsBegin, Some(other)).unwrap_err(), StatusCode::PinAuthInvalid);
    let own = CredentialManagementParams { rp_id_hash: Some(rp_id_hash("a.example")), ..Default::default() };
    assert!(cm(&mut host, Some(&token), Cm::EnumerateCredentialsBegin, Some(own)).is_ok());
    let token = host.token("1234", Permissions::GET_ASSERTION, Some("a.example")).unwrap();
    assert_eq!(cm(&mut host, Some(&token), Cm::GetCredsMetadata, None).unwrap_err(), StatusCode::PinAuthInvalid, "no cm permission");
}

#[test]
fn persistent_read_only_token_survives_power_cycles_but_cannot_delete() {
    let mut host = populated_host();
    assert_eq!(host.info().option("perCredMgmtRO"), Some(true));
    let pcmr = Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY;
    assert_eq!(host.token("1234", pcmr | Permissions::CREDENTIAL_MANAGEMENT, None).unwrap_err(), StatusCode::UnauthorizedPermission);
    let token = host.token("1234", pcmr, None).unwrap();
    host.power_cycle();
    host.advance(std::time::Duration::from_secs(3600));
    let metadata = cm(&mut host, Some(&token), Cm::GetCredsMetadata, None).unwrap();
    assert_eq!(metadata.existing_resident_credentials_count, Some(3));
    let params = CredentialManagementParams { rp_id_hash: Some(rp_id_hash("b.example")), ..Default::default() };
    let listed = cm(&mut host, Some(&token), Cm::EnumerateCredentialsBegin, Some(params)).unwrap();
    let delete = CredentialManagementParams { credential_id: listed.credential_id, ..Default::default() };
    assert_eq!(cm(&mut host, Some(&token), Cm::DeleteCredential, Some(delete)).unwrap_err(), StatusCode::PinAuthInvalid);
    // Changing the PIN revokes it.
    host.change_pin("1234", "5678").unwrap();
    assert_eq!(cm(&mut host, Some(&token), Cm::GetCredsMetadata, None).unwrap_err(), StatusCode::PinAuthInvalid);
}

fn bio(host: &mut Host, token: Option<&PinUvAuthToken>, sub: Bio, params: Option<BioEnrollmentParams>) -> Result<BioEnrollmentResponse, StatusCode> {
    let mut request = BioEnrollmentRequest::fingerprint(sub);
    request.sub_command_params = params;
    if let Some(token) = token {
        request.pin_uv_auth_param = Some(token.authenticate(host.protocol, &request.auth_message().unwrap()));
        request.pin_uv_auth_protocol = Some(u32::from(host.protocol.number()));
    }
    host.call(&request)
}

fn template(id: &[u8]) -> Option<BioEnrollmentParams> {
    Some(BioEnrollmentParams { template_id: Some(id.to_vec()), ..Default::default() })
}

#[test]
fn fingerprint_enrollment_with_feedback_rename_and_removal() {
    let mut host = Host::new(Config::default());
    assert_eq!(host.info().option("bioEnroll"), Some(false));
    let info = bio(&mut host, None, Bio::GetFingerprintSensorInfo, None).unwrap();
    assert_eq!(info.max_capture_samples_required_for_enroll, Some(4));
    host.set_pin("1234").unwrap();
    assert_eq!(bio(&mut host, None, Bio::EnrollBegin, None).unwrap_err(), StatusCode::PuatRequired);
    let token = host.token("1234", Permissions::BIO_ENROLLMENT, None).unwrap();

    host.key.sensor_mut().queue_sample(EnrollSampleStatus::TooFast);
    let begin = bio(&mut host, Some(&token), Bio::EnrollBegin, None).unwrap();
    assert_eq!(begin.last_enroll_sample_status, Some(EnrollSampleStatus::TooFast));
    assert_eq!(begin.remaining_samples, Some(4));
    let id = begin.template_id.unwrap();
    let mut remaining = Vec::new();
    for _ in 0..4 {
        let capture = bio(&mut host, Some(&token), Bio::EnrollCaptureNextSample, template(&id)).unwrap();
        assert_eq!(capture.last_enroll_sample_status, Some(EnrollSampleStatus::Good));
        remaining.push(capture.remaining_samples.unwrap());
    }
    assert_eq!(remaining, vec![3, 2, 1, 0]);
    assert_eq!(host.info().option("uv"), Some(true));

    let named = BioEnrollmentParams { template_id: Some(id.clone()), template_friendly_name: Some("left thumb".into()), ..Default::default() };
    bio(&mut host, Some(&token), Bio::SetFriendlyName, Some(named)).unwrap();
    let listed = bio(&mut host, Some(&token), Bio::EnumerateEnrollments, None).unwrap();
    assert_eq!(listed.template_infos.unwrap()[0].template_friendly_name.as_deref(), Some("left thumb"));

    // A cancelled enrollment leaves no template.
    let begin = bio(&mut host, Some(&token), Bio::EnrollBegin, None).unwrap();
    bio(&mut host, None, Bio::CancelCurrentEnrollment, None).unwrap();
    assert_eq!(
        bio(&mut host, Some(&token), Bio::EnrollCaptureNextSample, template(&begin.template_id.unwrap())).unwrap_err(),
        StatusCode::InvalidParameter
    );

    bio(&mut host, Some(&token), Bio::RemoveEnrollment, template(&id)).unwrap();
    assert_eq!(bio(&mut host, Some(&token), Bio::RemoveEnrollment, template(&id)).unwrap_err(), StatusCode::InvalidOption);
    assert_eq!(bio(&mut host, Some(&token), Bio::EnumerateEnrollments, None).unwrap_err(), StatusCode::InvalidOption);
}

#[test]
fn uv_failures_fall_back_to_the_pin() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let token = host.token("1234", Permissions::BIO_ENROLLMENT, None).unwrap();
    let begin = bio(&mut host, Some(&token), Bio::EnrollBegin, None).unwrap();
    let id = begin.template_id.unwrap();
    while bio(&mut host, Some(&token), Bio::EnrollCaptureNextSample, template(&id)).is_ok() {}

    // Built-in UV works with uv=true and via getPinUvAuthTokenUsingUvWithPermissions.
    let mut request = host.mc_request("example.com", b"a", true);
    request.options = Some(RequestOptions { rk: Some(true), uv: Some(true), up: None });
    assert!(host.make_credential(&request).unwrap().authenticator_data().unwrap().flags.user_verified());
    host.uv_token(Permissions::GET_ASSERTION, Some("example.com")).unwrap();

    // The finger stops matching: uvRetries count down to UV_BLOCKED.
    for expected in [7u32, 6, 5, 4, 3, 2, 1] {
        host.key.sensor_mut().set_next_match(NextMatch::NoMatch);
        assert_eq!(host.uv_token(Permissions::GET_ASSERTION, Some("example.com")).unwrap_err(), StatusCode::UvInvalid);
        let retries: ClientPinResponse = host.call(&ClientPinRequest::get_uv_retries()).unwrap();
        assert_eq!(retries.uv_retries, Some(expected));
    }
    host.key.sensor_mut().set_next_match(NextMatch::NoMatch);
    assert_eq!(host.uv_token(Permissions::GET_ASSERTION, Some("example.com")).unwrap_err(), StatusCode::UvBlocked);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::UvBlocked);
    // The PIN still works, and a correct PIN restores uvRetries.
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    let mut with_pin = host.mc_request("example.com", b"b", true);
    host.authorize_mc(&mut with_pin, &token);
    assert!(host.make_credential(&with_pin).is_ok());
    let retries: ClientPinResponse = host.call(&ClientPinRequest::get_uv_retries()).unwrap();
    assert_eq!(retries.uv_retries, Some(8));
    assert!(host.make_credential(&request).is_ok(), "the sensor works again");
}

fn large_blob_array(payload: &[u8]) -> Vec<u8> {
    let mut array = payload.to_vec();
    let digest = Sha256::digest(&array);
    array.extend_from_slice(&digest[..16]);
    array
}

#[test]
fn large_blob_array_read_and_write() {
    let mut host = Host::new(Config { max_msg_size: 128, ..Config::default() });
    let initial: LargeBlobsResponse = host.call(&LargeBlobsRequest::get(0, 64)).unwrap();
    assert_eq!(hex::encode(initial.config.unwrap()), "8076be8b528d0075f7aae98d6fa57a6d3c");
    assert_eq!(host.call::<LargeBlobsResponse>(&LargeBlobsRequest::get(0, 65)).unwrap_err(), StatusCode::InvalidLength);

    // An unprotected key accepts writes without a token, in fragments.
    let mut payload = vec![0x81, 0x58, 0x50];
    payload.extend_from_slice(&[0xab; 80]);
    let array = large_blob_array(&payload);
    host.call::<LargeBlobsResponse>(&LargeBlobsRequest::set(0, array[..64].to_vec(), Some(array.len() as u32))).unwrap();
    host.call::<LargeBlobsResponse>(&LargeBlobsRequest::set(64, array[64..].to_vec(), None)).unwrap();
    let mut read = Vec::new();
    for offset in [0u32, 64] {
        let part: LargeBlobsResponse = host.call(&LargeBlobsRequest::get(offset, 64)).unwrap();
        read.extend(part.config.unwrap());
    }
    assert_eq!(read, array);

    // A protected key needs a token with lbw; a bad checksum is an integrity failure.
    host.set_pin("1234").unwrap();
    let small = large_blob_array(&[0x80]);
    let request = LargeBlobsRequest::set(0, small.clone(), Some(small.len() as u32));
    assert_eq!(host.call::<LargeBlobsResponse>(&request).unwrap_err(), StatusCode::PuatRequired);
    let token = host.token("1234", Permissions::LARGE_BLOB_WRITE, None).unwrap();
    let mut bad = small.clone();
    bad[0] = 0x81;
    let mut request = LargeBlobsRequest::set(0, bad.clone(), Some(bad.len() as u32));
    request.pin_uv_auth_param = Some(token.authenticate(host.protocol, &request.auth_message().unwrap()));
    request.pin_uv_auth_protocol = Some(2);
    assert_eq!(host.call::<LargeBlobsResponse>(&request).unwrap_err(), StatusCode::IntegrityFailure);
    let mut request = LargeBlobsRequest::set(0, small.clone(), Some(small.len() as u32));
    request.pin_uv_auth_param = Some(token.authenticate(host.protocol, &request.auth_message().unwrap()));
    request.pin_uv_auth_protocol = Some(2);
    host.call::<LargeBlobsResponse>(&request).unwrap();
    let now: LargeBlobsResponse = host.call(&LargeBlobsRequest::get(0, 64)).unwrap();
    assert_eq!(now.config.unwrap(), small);
}
