//! makeCredential / getAssertion against the virtual key: tokens with the right permission,
//! list pre-flight within maxCredentialCountInList, hmac-secret, touch/cancel/deny/timeout,
//! capacity full and a key removed mid operation.

mod support;

use keydesk_ctap::commands::{MakeCredentialRequest, MakeCredentialResponse};
use keydesk_ctap::entities::{CredentialDescriptor, CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::extensions::MakeCredentialExtensions;
use keydesk_ctap::CommandRequest;
use keydesk_ctap_client::{
    Client, Error, GetAssertionArgs, MakeCredentialArgs, Pin, UserVerification,
};
use keydesk_ctap_crypto::hmac_secret::HmacSecretSalts;
use keydesk_transport::TransportError;
use keydesk_virtual_key::Config;
use support::{config, TestUi, TouchMode, VirtualDevice};

const RP: &str = "example.com";

fn registration(user: &[u8], name: &str) -> MakeCredentialArgs {
    MakeCredentialArgs {
        client_data_hash: [1; 32],
        rp: RpEntity::new(RP),
        user: {
            let mut u = UserEntity::new(user.to_vec());
            u.name = Some(name.to_owned());
            u
        },
        pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
        exclude_list: Vec::new(),
        extensions: None,
        resident_key: true,
        user_verification: UserVerification::Preferred,
        enterprise_attestation: None,
    }
}

fn sign_in(allow_list: Vec<CredentialDescriptor>) -> GetAssertionArgs {
    GetAssertionArgs {
        rp_id: RP.to_owned(),
        client_data_hash: [2; 32],
        allow_list,
        extensions: None,
        user_presence: true,
        user_verification: UserVerification::Preferred,
        hmac_secret_salts: None,
    }
}

fn credential_id(response: &MakeCredentialResponse) -> Result<Vec<u8>, Error> {
    let auth_data = response.authenticator_data()?;
    auth_data
        .attested_credential
        .map(|c| c.credential_id)
        .ok_or_else(|| Error::InvalidInput("no attested credential".to_owned()))
}

fn with_pin(config: Config) -> Result<Client<VirtualDevice>, Error> {
    let mut client = Client::new(VirtualDevice::new(config));
    client.set_pin(&Pin::new("1234"))?;
    Ok(client)
}

fn random_ids(count: u8) -> Vec<CredentialDescriptor> {
    (0..count)
        .map(|i| CredentialDescriptor::public_key(vec![i; 48]))
        .collect()
}

#[test]
fn register_and_sign_in_with_pin_choosing_among_accounts() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let mut ui = TestUi::with_pins(&["1234"]);
    let first = client.make_credential(&registration(b"alice", "alice"), &mut ui)?;
    assert!(first.authenticator_data()?.flags.user_verified());
    assert_eq!(ui.touches, 1, "one touch request per makeCredential");
    assert_eq!(ui.pin_requests.len(), 1);
    // The key clears a token's mc/ga permissions after use: each ceremony asks again.
    let mut ui = TestUi::with_pins(&["1234"]);
    client.make_credential(&registration(b"bob", "bob"), &mut ui)?;
    assert_eq!(ui.pin_requests.len(), 1);

    let mut ui = TestUi {
        choose: Some(1),
        ..TestUi::with_pins(&["1234"])
    };
    let assertion = client.get_assertion(&sign_in(Vec::new()), &mut ui)?;
    assert_eq!(ui.offered.len(), 1);
    assert_eq!(ui.offered[0].len(), 2);
    let chosen = &ui.offered[0][1];
    assert_eq!(
        assertion.response.user.as_ref().map(|u| &u.id),
        Some(&chosen.id)
    );
    assert!(assertion
        .response
        .authenticator_data()?
        .flags
        .user_verified());

    let mut ui = TestUi::with_pins(&["1234"]);
    assert!(matches!(
        client.get_assertion(&sign_in(Vec::new()), &mut ui),
        Err(Error::Cancelled)
    ));
    Ok(())
}

#[test]
fn long_exclude_list_is_probed_in_batches_and_excludes() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let mut ui = TestUi::with_pins(&["1234"; 4]);
    let made = client.make_credential(&registration(b"alice", "alice"), &mut ui)?;
    let id = credential_id(&made)?;

    // 20 unknown IDs then the real one: more than maxCredentialCountInList (16).
    let mut args = registration(b"alice", "alice");
    args.exclude_list = random_ids(20);
    args.exclude_list
        .push(CredentialDescriptor::public_key(id.clone()));
    let err = client.make_credential(&args, &mut ui).err();
    assert!(matches!(err, Some(Error::CredentialExcluded)), "{err:?}");
    let last = client
        .device_mut()
        .sent
        .iter()
        .rev()
        .find(|r| r.first() == Some(&0x01))
        .cloned()
        .unwrap_or_default();
    let sent = MakeCredentialRequest::decode(&last)?;
    assert_eq!(
        sent.exclude_list,
        Some(vec![CredentialDescriptor::public_key(id)])
    );

    // Unknown IDs only: the credential is created and no exclude list is needed.
    let mut args = registration(b"carol", "carol");
    args.exclude_list = random_ids(20);
    client.make_credential(&args, &mut ui)?;
    Ok(())
}

#[test]
fn long_allow_list_finds_the_batch_with_the_credential() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let mut ui = TestUi::with_pins(&["1234"; 3]);
    let mut args = registration(b"alice", "alice");
    args.resident_key = false;
    let id = credential_id(&client.make_credential(&args, &mut ui)?)?;
    let mut list = random_ids(30);
    list.push(CredentialDescriptor::public_key(id.clone()));
    let assertion = client.get_assertion(&sign_in(list), &mut ui)?;
    assert_eq!(assertion.response.credential.map(|c| c.id), Some(id));

    let err = client.get_assertion(&sign_in(random_ids(3)), &mut ui).err();
    assert!(matches!(err, Some(Error::NoCredentials)), "{err:?}");
    Ok(())
}

#[test]
fn hmac_secret_outputs_are_decrypted_and_stable() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let mut ui = TestUi::with_pins(&["1234"; 3]);
    let mut args = registration(b"alice", "alice");
    args.extensions = Some(MakeCredentialExtensions {
        hmac_secret: Some(true),
        ..Default::default()
    });
    let id = credential_id(&client.make_credential(&args, &mut ui)?)?;
    let mut request = sign_in(vec![CredentialDescriptor::public_key(id)]);
    request.hmac_secret_salts = Some(HmacSecretSalts::new([9; 32], Some([8; 32])));
    let one = client.get_assertion(&request, &mut ui)?;
    let two = client.get_assertion(&request, &mut ui)?;
    let (Some(a), Some(b)) = (one.hmac_secret, two.hmac_secret) else {
        return Err(Error::InvalidInput("no hmac-secret output".to_owned()));
    };
    assert_eq!(a.first(), b.first());
    assert_eq!(a.second(), b.second());
    assert_ne!(Some(a.first()), a.second());
    Ok(())
}

#[test]
fn full_key_says_delete_a_passkey() -> Result<(), Error> {
    let mut client = with_pin(Config {
        resident_capacity: 1,
        ..config()
    })?;
    let mut ui = TestUi::with_pins(&["1234"; 2]);
    client.make_credential(&registration(b"alice", "alice"), &mut ui)?;
    let err = client
        .make_credential(&registration(b"bob", "bob"), &mut ui)
        .err();
    assert!(matches!(err, Some(Error::KeyStoreFull)), "{err:?}");
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("delete a passkey"));
    Ok(())
}

#[test]
fn unprotected_key_registers_without_pin_and_required_uv_says_set_a_pin() -> Result<(), Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    let mut ui = TestUi::default();
    let made = client.make_credential(&registration(b"alice", "alice"), &mut ui)?;
    assert!(!made.authenticator_data()?.flags.user_verified());
    assert!(ui.pin_requests.is_empty());
    let mut args = registration(b"bob", "bob");
    args.user_verification = UserVerification::Required;
    assert!(matches!(
        client.make_credential(&args, &mut ui),
        Err(Error::PinNotSet)
    ));
    Ok(())
}

#[test]
fn touch_cancel_deny_and_timeout_are_distinct() -> Result<(), Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    let mut ui = TestUi {
        cancel_now: true,
        ..TestUi::default()
    };
    let err = client
        .make_credential(&registration(b"a", "a"), &mut ui)
        .err();
    assert!(matches!(err, Some(Error::Cancelled)), "{err:?}");
    assert_eq!(ui.touches, 1);

    let mut ui = TestUi::default();
    client.device_mut().touch = TouchMode::Deny;
    let err = client
        .make_credential(&registration(b"a", "a"), &mut ui)
        .err();
    assert!(matches!(err, Some(Error::OperationDenied)), "{err:?}");

    client.device_mut().touch = TouchMode::Never;
    let err = client
        .make_credential(&registration(b"a", "a"), &mut ui)
        .err();
    assert!(matches!(err, Some(Error::UserActionTimeout)), "{err:?}");
    Ok(())
}

#[test]
fn key_removed_mid_operation_is_a_clear_transport_error() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    // getInfo is cached; the PIN flow needs several messages: pull the key after two.
    client.device_mut().remove_after = Some(2);
    let mut ui = TestUi::with_pins(&["1234"]);
    let err = client
        .make_credential(&registration(b"a", "a"), &mut ui)
        .err();
    assert!(
        matches!(err, Some(Error::Transport(TransportError::Disconnected))),
        "{err:?}"
    );
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("removed"));
    Ok(())
}

#[test]
fn selection_waits_for_a_touch_and_can_be_cancelled() -> Result<(), Error> {
    let mut client = Client::new(VirtualDevice::new(config()));
    let mut ui = TestUi::default();
    client.wait_for_touch(&mut ui)?;
    assert_eq!(ui.touches, 1);
    assert_eq!(client.device_mut().count_sent(0x0b), 1);
    let mut ui = TestUi {
        cancel_now: true,
        ..TestUi::default()
    };
    assert!(matches!(
        client.wait_for_touch(&mut ui),
        Err(Error::Cancelled)
    ));
    // The convenience constructors build the usual requests.
    let args = MakeCredentialArgs::new([0; 32], RpEntity::new(RP), UserEntity::new(b"u".to_vec()));
    assert!(!args.resident_key);
    let mut ui = TestUi::default();
    client.make_credential(&args, &mut ui)?;
    let sign_in = GetAssertionArgs::new(RP, [0; 32]);
    assert!(matches!(
        client.get_assertion(&sign_in, &mut ui),
        Err(Error::NoCredentials)
    ));
    Ok(())
}
