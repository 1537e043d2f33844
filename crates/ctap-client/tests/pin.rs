//! PIN handling against the virtual key: set, change, status, and the failure paths (wrong
//! PIN down to blocked, the power-cycle block, UV falling back to PIN, forced PIN change).

mod support;

use keydesk_ctap::commands::{ClientPinRequest, ClientPinResponse, Permissions};
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::{CommandRequest, CommandResponse, StatusCode};
use keydesk_ctap_client::{Client, Error, Pin, PinReason, Purpose};
use keydesk_ctap_crypto::pin::pin_hash_enc;
use keydesk_ctap_crypto::{encapsulate, KeyAgreementPublicKey, PinUvAuthProtocol};
use keydesk_virtual_key::Reply;
use rand_core::OsRng;
use support::{config, TestUi, VirtualDevice};

fn client_with_pin(pin: &str) -> Result<Client<VirtualDevice>, Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    client.set_pin(&Pin::new(pin))?;
    Ok(client)
}

fn cm_token(client: &mut Client<VirtualDevice>, ui: &mut TestUi) -> Result<(), Error> {
    client
        .token(
            Permissions::CREDENTIAL_MANAGEMENT,
            None,
            Purpose::ManagePasskeys,
            ui,
        )
        .map(drop)
}

#[test]
fn getinfo_is_cached_and_protocol_two_preferred() -> Result<(), Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    client.info()?;
    client.info()?;
    assert_eq!(client.device_mut().count_sent(0x04), 1);
    assert_eq!(
        client.pin_protocol()?,
        keydesk_ctap_crypto::PinUvAuthProtocol::Two
    );
    Ok(())
}

#[test]
fn set_pin_checks_length_before_sending_and_status_reports_it() -> Result<(), Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    let before = client.pin_status()?;
    assert!(before.pin_supported && !before.pin_set && before.pin_retries.is_none());
    assert_eq!(before.min_pin_length, 4);

    let sent = client.device_mut().sent.len();
    assert!(matches!(
        client.set_pin(&Pin::new("12")),
        Err(Error::PinTooShort {
            code_points: 2,
            min: 4
        })
    ));
    let long: String = std::iter::repeat_n('€', 22).collect(); // 66 bytes
    assert!(matches!(
        client.set_pin(&Pin::new(long)),
        Err(Error::PinTooLong { bytes: 66 })
    ));
    assert_eq!(
        client.device_mut().sent.len(),
        sent,
        "rejected PINs are never sent"
    );

    // Four code points in eight bytes meet a minimum of four.
    client.set_pin(&Pin::new("ääää"))?;
    let after = client.pin_status()?;
    assert!(after.pin_set);
    assert_eq!(after.pin_retries, Some(8));
    assert!(matches!(
        client.set_pin(&Pin::new("5678")),
        Err(Error::PinAlreadySet)
    ));

    let json = serde_json::to_value(&after).map_err(|e| Error::InvalidInput(e.to_string()))?;
    assert_eq!(json["pin_set"], true);
    assert_eq!(json["pin_retries"], 8);
    Ok(())
}

#[test]
fn wrong_pin_is_reported_with_retries_and_never_retried_alone() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["0000"]);
    let err = cm_token(&mut client, &mut ui).err();
    assert!(
        matches!(err, Some(Error::WrongPin { retries_left: 7 })),
        "{err:?}"
    );
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("Wrong PIN: 7 tries left")
    );
    // Asked twice: first plainly, then saying the PIN was wrong; one PIN was sent.
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!(ui.pin_requests[0].reason, PinReason::Required);
    assert_eq!(ui.pin_requests[0].retries_left, Some(8));
    assert_eq!(ui.pin_requests[1].reason, PinReason::WrongPin);
    assert_eq!(ui.pin_requests[1].retries_left, Some(7));
    assert_eq!(ui.pin_requests[1].attempts_this_session, 1);
    assert_eq!(client.pin_attempts(), 1);

    // A right PIN supplied by the front end after a wrong one succeeds.
    let mut ui = TestUi::with_pins(&["9999", "1234"]);
    cm_token(&mut client, &mut ui)?;
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!(
        client.pin_status().map(|s| s.pin_retries).ok(),
        Some(Some(8))
    );
    Ok(())
}

#[test]
fn three_wrong_pins_need_a_power_cycle_and_eight_block_the_pin() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["0000", "0001", "0002", "0003"]);
    let err = cm_token(&mut client, &mut ui).err();
    assert!(matches!(err, Some(Error::PinAuthBlocked)), "{err:?}");
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("remove and reinsert"));
    assert_eq!(ui.pins.len(), 1, "the fourth PIN is not even asked for");
    let status = client.pin_status()?;
    assert!(status.power_cycle_required);
    assert_eq!(status.pin_retries, Some(5));

    client.device_mut().replug();
    let mut ui = TestUi::with_pins(&["1000", "1001", "1002"]);
    assert!(matches!(
        cm_token(&mut client, &mut ui),
        Err(Error::PinAuthBlocked)
    ));
    client.device_mut().replug();
    let mut ui = TestUi::with_pins(&["2000", "2001"]);
    let err = cm_token(&mut client, &mut ui).err();
    assert!(matches!(err, Some(Error::PinBlocked)), "{err:?}");
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("reset the key"));
    // Blocked is reported before any PIN is asked for.
    let mut ui = TestUi::with_pins(&["1234"]);
    assert!(matches!(
        cm_token(&mut client, &mut ui),
        Err(Error::PinBlocked)
    ));
    assert!(ui.pin_requests.is_empty());
    Ok(())
}

#[test]
fn declining_the_pin_prompt_is_pin_required() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::default();
    assert!(matches!(
        cm_token(&mut client, &mut ui),
        Err(Error::PinRequired)
    ));
    Ok(())
}

#[test]
fn change_pin_asks_the_current_pin_and_respects_min_length() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["9999", "1234"]);
    assert!(matches!(
        client.change_pin(&Pin::new("12"), &mut ui),
        Err(Error::PinTooShort { .. })
    ));
    assert!(ui.pin_requests.is_empty());
    client.change_pin(&Pin::new("5678"), &mut ui)?;
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!(ui.pin_requests[0].purpose, Purpose::ChangePin);
    assert_eq!(ui.pin_requests[1].reason, PinReason::WrongPin);
    let mut ui = TestUi::with_pins(&["5678"]);
    cm_token(&mut client, &mut ui)?;
    Ok(())
}

#[test]
fn change_pin_without_a_pin_says_set_one() -> Result<(), Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    let mut ui = TestUi::default();
    assert!(matches!(
        client.change_pin(&Pin::new("5678"), &mut ui),
        Err(Error::PinNotSet)
    ));
    assert!(matches!(
        cm_token(&mut client, &mut ui),
        Err(Error::PinNotSet)
    ));
    Ok(())
}

#[test]
fn failed_fingerprint_falls_back_to_the_pin() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["1234"]);
    client.enroll_fingerprint(Some("thumb"), None, &mut ui)?;
    client.forget_token();
    client.refresh_info()?;

    // The finger matches: no PIN asked.
    let mut ui = TestUi::default();
    cm_token(&mut client, &mut ui)?;
    assert!(ui.pin_requests.is_empty());
    assert_eq!(ui.uv_needed, 1);

    // The finger matches nothing: UV is tried preferredPlatformUvAttempts times, each failure
    // reported, then the PIN is asked with the reason "UV fallback".
    client.forget_token();
    client.device_mut().fail_uv = 3;
    let mut ui = TestUi::with_pins(&["1234"]);
    cm_token(&mut client, &mut ui)?;
    // preferredPlatformUvAttempts is 3 on the virtual key.
    assert_eq!(ui.uv_failures, vec![Some(7), Some(6), Some(5)]);
    assert_eq!(ui.pin_requests.len(), 1);
    assert_eq!(ui.pin_requests[0].reason, PinReason::UvFallback);

    // One failure then a match: no PIN.
    client.forget_token();
    client.device_mut().fail_uv = 1;
    let mut ui = TestUi::default();
    cm_token(&mut client, &mut ui)?;
    assert_eq!(ui.uv_failures.len(), 1);
    assert!(ui.pin_requests.is_empty());
    // The key's UV counter is visible in the status.
    let status = client.pin_status()?;
    assert!(status.uv_supported);
    assert!(status.uv_retries.is_some());
    Ok(())
}

#[test]
fn forced_pin_change_is_explained_until_the_pin_changes() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["1234"]);
    client.force_pin_change(&mut ui)?;
    assert!(client
        .pin_status()
        .map(|s| s.force_pin_change)
        .unwrap_or(false));
    client.forget_token();
    let mut ui = TestUi::with_pins(&["1234"]);
    let err = cm_token(&mut client, &mut ui).err();
    assert!(matches!(err, Some(Error::PinChangeRequired)), "{err:?}");
    let mut ui = TestUi::with_pins(&["1234"]);
    client.change_pin(&Pin::new("4321"), &mut ui)?;
    assert!(!client
        .pin_status()
        .map(|s| s.force_pin_change)
        .unwrap_or(true));
    let mut ui = TestUi::with_pins(&["4321"]);
    cm_token(&mut client, &mut ui)?;
    Ok(())
}

/// The `keyAgreement` (platform key) of every token request this client sent.
fn platform_keys_sent(client: &mut Client<VirtualDevice>) -> Vec<CoseKey> {
    client
        .device_mut()
        .sent
        .iter()
        .filter(|r| r.first() == Some(&0x06))
        .filter_map(|r| ClientPinRequest::decode(r).ok())
        .filter(|r| r.pin_hash_enc.is_some())
        .filter_map(|r| r.key_agreement)
        .collect()
}

#[test]
fn one_platform_key_per_client_and_the_keys_current_key_asked_before_every_token(
) -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["1234", "1234"]);
    cm_token(&mut client, &mut ui)?;
    client.forget_token();
    let key_agreements_before = count_sub_command(&mut client, 0x02);
    cm_token(&mut client, &mut ui)?;
    // CTAP 2.1 §6.5.4 initialize() once per series of transactions; §6.5.6 encapsulate
    // returns that getPublicKey() each time. The authenticator's key is still asked for.
    assert_eq!(
        count_sub_command(&mut client, 0x02),
        key_agreements_before + 1
    );
    let keys = platform_keys_sent(&mut client);
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    assert_eq!(client.pin_status()?.pin_retries, Some(8));
    Ok(())
}

#[test]
fn a_regenerated_authenticator_key_never_costs_a_pin_retry() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["1234"]);
    cm_token(&mut client, &mut ui)?;
    client.forget_token();

    // Power-up regenerates the key's key-agreement key (§6.5.5.1): the next token must use a
    // secret for the new key, so the right PIN is accepted at once.
    client.device_mut().replug();
    let mut ui = TestUi::with_pins(&["1234"]);
    cm_token(&mut client, &mut ui)?;
    assert_eq!(ui.pin_requests.len(), 1);
    assert_eq!(client.pin_status()?.pin_retries, Some(8));
    client.forget_token();

    // A wrong PIN regenerates it too (§6.5.5.7.2); the right PIN after it is accepted.
    let mut ui = TestUi::with_pins(&["0000", "1234"]);
    cm_token(&mut client, &mut ui)?;
    assert_eq!(ui.pin_requests.len(), 2);
    assert_eq!(ui.pin_requests[1].retries_left, Some(7));
    assert_eq!(client.pin_status()?.pin_retries, Some(8));
    Ok(())
}

/// clientPIN requests with this subcommand sent so far.
fn count_sub_command(client: &mut Client<VirtualDevice>, sub_command: u8) -> usize {
    client
        .device_mut()
        .sent
        .iter()
        .filter(|r| r.first() == Some(&0x06))
        .filter_map(|r| ClientPinRequest::decode(r).ok())
        .filter(|r| r.sub_command.value() == sub_command)
        .count()
}

/// Another application on the same key (a shared NFC reader) enters a wrong PIN through its own
/// key agreement: the key regenerates its key-agreement key (§6.5.5.7.2) and wants a power
/// cycle after three; our client, which kept its platform key and its last shared secret,
/// must notice the new key and not spend a retry of its own.
#[test]
fn another_applications_wrong_pin_never_costs_our_client_a_retry() -> Result<(), Error> {
    let mut client = client_with_pin("1234")?;
    let mut ui = TestUi::with_pins(&["1234"]);
    cm_token(&mut client, &mut ui)?;
    client.forget_token();

    let other = |device: &mut VirtualDevice,
                 request: &ClientPinRequest|
     -> Result<Vec<u8>, Error> {
        device.now += std::time::Duration::from_millis(5);
        match device.key.handle(&request.encode(), device.now) {
            Reply::Response(bytes) => Ok(bytes),
            Reply::WaitingForUserPresence => Err(Error::InvalidInput("no touch expected".into())),
        }
    };
    let device = client.device_mut();
    let answer = other(device, &ClientPinRequest::get_key_agreement(2))?;
    let Some(CoseKey::EcdhEsHkdf256(point)) = ClientPinResponse::decode(&answer)?.key_agreement
    else {
        return Err(Error::InvalidResponse("no key agreement".into()));
    };
    let key = KeyAgreementPublicKey {
        x: point.x,
        y: point.y,
    };
    let (platform, shared) = encapsulate(PinUvAuthProtocol::Two, &key, &mut OsRng)?;
    let wrong = ClientPinRequest::get_pin_uv_auth_token_using_pin_with_permissions(
        2,
        CoseKey::EcdhEsHkdf256(P256Point {
            x: platform.x,
            y: platform.y,
        }),
        pin_hash_enc(&shared, "0000", &mut OsRng)?,
        Permissions::CREDENTIAL_MANAGEMENT,
        None,
    );
    let answer = other(device, &wrong)?;
    assert_eq!(
        answer.first().copied().map(StatusCode::from),
        Some(StatusCode::PinInvalid)
    );

    let mut ui = TestUi::with_pins(&["1234"]);
    cm_token(&mut client, &mut ui)?;
    assert_eq!(ui.pin_requests.len(), 1);
    assert_eq!(
        ui.pin_requests[0].retries_left,
        Some(7),
        "the other application's attempt"
    );
    assert_eq!(client.pin_status()?.pin_retries, Some(8));
    Ok(())
}
