//! authenticatorClientPIN (CTAP 2.1 §6.5) with both PIN/UV auth protocols.
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use common::{Host, CLIENT_DATA_HASH};
use keydesk_ctap::commands::{
    ClientPinRequest, ClientPinResponse, ConfigParams, ConfigRequest, ConfigSubCommand, EmptyResponse, GetAssertionRequest,
    Permissions, SetMinPinLengthParams,
};
use keydesk_ctap::extensions::MakeCredentialExtensions;
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::pin::pin_hash_enc;
use keydesk_ctap_crypto::PinUvAuthProtocol;
use keydesk_virtual_key::Config;

const PROTOCOLS: [PinUvAuthProtocol; 2] = [PinUvAuthProtocol::One, PinUvAuthProtocol::Two];

#[test]
fn set_change_and_use_pin_with_both_protocols() {
    for protocol in PROTOCOLS {
        let mut host = Host::new(Config::default());
        host.protocol = protocol;
        assert_eq!(host.info().option("clientPin"), Some(false));
        assert_eq!(host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap_err(), StatusCode::PinNotSet);
        assert_eq!(host.set_pin("12").unwrap_err(), StatusCode::PinPolicyViolation, "shorter than minPINLength");
        host.set_pin("1234").unwrap();
        assert_eq!(host.set_pin("5678").unwrap_err(), StatusCode::NotAllowed, "setPIN only once");
        assert_eq!(host.info().option("clientPin"), Some(true));
        host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
        host.change_pin("1234", "98765").unwrap();
        assert_eq!(host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap_err(), StatusCode::PinInvalid);
        host.token("98765", Permissions::GET_ASSERTION, Some("a")).unwrap();
        assert_eq!(host.pin_retries().pin_retries, Some(8));
    }
}

#[test]
fn wrong_pin_counts_down_through_power_cycle_blocks_to_blocked() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let mut expected_retries = 8u32;
    for round in 0..3 {
        for attempt in 0..3 {
            let status = host.token("0000", Permissions::GET_ASSERTION, Some("a")).unwrap_err();
            expected_retries -= 1;
            let expected = match (round, attempt) {
                (2, 1) => StatusCode::PinBlocked, // 8 attempts: the 8th wrong PIN blocks.
                (_, 2) => StatusCode::PinAuthBlocked,
                _ => StatusCode::PinInvalid,
            };
            assert_eq!(status, expected, "round {round} attempt {attempt}");
            let retries = host.pin_retries();
            assert_eq!(retries.pin_retries, Some(expected_retries));
            if expected == StatusCode::PinBlocked {
                break;
            }
        }
        if round < 2 {
            // Blocked until a power cycle, even for the right PIN, without spending retries.
            assert_eq!(host.pin_retries().power_cycle_state, Some(true));
            assert_eq!(host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap_err(), StatusCode::PinAuthBlocked);
            host.power_cycle();
            assert_eq!(host.pin_retries().power_cycle_state, Some(false));
        }
    }
    assert_eq!(expected_retries, 0);
    assert_eq!(host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap_err(), StatusCode::PinBlocked);
    host.power_cycle();
    assert_eq!(host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap_err(), StatusCode::PinBlocked);
    assert_eq!(host.change_pin("1234", "5678").unwrap_err(), StatusCode::PinBlocked);
}

#[test]
fn a_correct_pin_restores_the_retries() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    host.token("0000", Permissions::GET_ASSERTION, Some("a")).unwrap_err();
    host.token("0000", Permissions::GET_ASSERTION, Some("a")).unwrap_err();
    assert_eq!(host.pin_retries().pin_retries, Some(6));
    host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap();
    assert_eq!(host.pin_retries().pin_retries, Some(8));
    assert_eq!(host.change_pin("0000", "5678").unwrap_err(), StatusCode::PinInvalid);
    assert_eq!(host.pin_retries().pin_retries, Some(7));
}

#[test]
fn legacy_get_pin_token_and_power_cycle_invalidates_tokens() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let (platform, shared) = host.shared_secret();
    let hash = pin_hash_enc(&shared, "1234", &mut host.rng).unwrap();
    let response: ClientPinResponse = host.call(&ClientPinRequest::get_pin_token(2, platform, hash)).unwrap();
    let token = keydesk_ctap_crypto::PinUvAuthToken::decrypt(&shared, &response.pin_uv_auth_token.unwrap()).unwrap();
    let id = host.register("example.com", b"a", false, None);
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    get.allow_list = Host::allow(&[&id]);
    host.authorize_ga(&mut get, &token);
    host.power_cycle();
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::PinAuthInvalid, "token gone after power cycle");
    // A token unused for 30 s stops working (§6.5.2.1 initial usage limit).
    let token = host.token("1234", Permissions::GET_ASSERTION, Some("example.com")).unwrap();
    host.authorize_ga(&mut get, &token);
    host.advance(std::time::Duration::from_secs(31));
    assert_eq!(host.get_assertion(&get).unwrap_err(), StatusCode::PinAuthInvalid);
}

fn config(host: &mut Host, token: Option<&keydesk_ctap_crypto::PinUvAuthToken>, mut request: ConfigRequest) -> Result<EmptyResponse, StatusCode> {
    if let Some(token) = token {
        request.pin_uv_auth_param = Some(token.authenticate(host.protocol, &request.auth_message()));
        request.pin_uv_auth_protocol = Some(u32::from(host.protocol.number()));
    }
    host.call(&request)
}

#[test]
fn min_pin_length_and_force_change() {
    let mut host = Host::new(Config::default());
    host.set_pin("1234").unwrap();
    let mut request = ConfigRequest::new(ConfigSubCommand::SetMinPinLength);
    request.sub_command_params = Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
        new_min_pin_length: Some(6),
        min_pin_length_rp_ids: Some(vec!["example.com".into()]),
        force_change_pin: None,
    }));
    assert_eq!(config(&mut host, None, request.clone()).unwrap_err(), StatusCode::PuatRequired);
    let token = host.token("1234", Permissions::AUTHENTICATOR_CONFIGURATION, None).unwrap();
    config(&mut host, Some(&token), request).unwrap();
    let info = host.info();
    assert_eq!(info.min_pin_length, Some(6));
    assert_eq!(info.force_pin_change, Some(true), "the 4-digit PIN is now too short");
    // Tokens are refused until the PIN is changed; the new PIN must respect the minimum.
    assert_eq!(host.token("1234", Permissions::GET_ASSERTION, Some("a")).unwrap_err(), StatusCode::PinPolicyViolation);
    assert_eq!(host.change_pin("1234", "12345").unwrap_err(), StatusCode::PinPolicyViolation);
    host.change_pin("1234", "123456").unwrap();
    assert_eq!(host.info().force_pin_change, Some(false));

    // minPinLength extension reports the minimum to listed RPs only.
    let token = host.token("123456", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    let mut mc = host.mc_request("example.com", b"a", false);
    mc.extensions = Some(MakeCredentialExtensions { min_pin_length: Some(true), ..Default::default() });
    host.authorize_mc(&mut mc, &token);
    let data = host.make_credential(&mc).unwrap().authenticator_data().unwrap();
    assert_eq!(data.extensions.unwrap().min_pin_length, Some(6));

    // The minimum never decreases.
    let token = host.token("123456", Permissions::AUTHENTICATOR_CONFIGURATION, None).unwrap();
    let mut lower = ConfigRequest::new(ConfigSubCommand::SetMinPinLength);
    lower.sub_command_params = Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
        new_min_pin_length: Some(4),
        ..Default::default()
    }));
    assert_eq!(config(&mut host, Some(&token), lower).unwrap_err(), StatusCode::PinPolicyViolation);
    // forceChangePin alone.
    let mut force = ConfigRequest::new(ConfigSubCommand::SetMinPinLength);
    force.sub_command_params = Some(ConfigParams::SetMinPinLength(SetMinPinLengthParams {
        force_change_pin: Some(true),
        ..Default::default()
    }));
    config(&mut host, Some(&token), force).unwrap();
    assert_eq!(host.info().force_pin_change, Some(true));
    assert_eq!(host.change_pin("123456", "123456").unwrap_err(), StatusCode::PinPolicyViolation, "must differ");
}

#[test]
fn always_uv_requires_a_token_for_every_credential_operation() {
    let mut host = Host::new(Config::default());
    config(&mut host, None, ConfigRequest::new(ConfigSubCommand::ToggleAlwaysUv)).unwrap();
    assert_eq!(host.info().option("alwaysUv"), Some(true));
    let request = host.mc_request("example.com", b"a", false);
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PuatRequired, "set a PIN, then bring a token");
    assert_eq!(host.info().option("makeCredUvNotRqd"), Some(false));
    // Once alwaysUv is on, config itself needs a token... but no PIN is set: the key is
    // unprotected yet alwaysUv demands verification, so config is refused.
    assert_eq!(config(&mut host, None, ConfigRequest::new(ConfigSubCommand::ToggleAlwaysUv)).unwrap_err(), StatusCode::PuatRequired);
    host.set_pin("1234").unwrap();
    assert_eq!(host.make_credential(&request).unwrap_err(), StatusCode::PuatRequired);
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    let mut request = host.mc_request("example.com", b"a", false);
    host.authorize_mc(&mut request, &token);
    assert!(host.make_credential(&request).unwrap().authenticator_data().unwrap().flags.user_verified());
}
