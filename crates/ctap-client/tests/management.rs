//! The key-management service against the virtual key: passkeys (grouped listing, rename,
//! delete, capacity, the persistent read-only token), fingerprints (progress, cancel),
//! settings, large blobs, guided reset, and "unsupported" instead of attempting.

mod support;

use keydesk_ctap::commands::EnrollSampleStatus;
use keydesk_ctap::entities::{CredentialParameters, RpEntity, UserEntity};
use keydesk_ctap::extensions::{CredProtect, MakeCredentialExtensions};
use keydesk_ctap_client::manage::{from_hex, CredProtectLevel, MinPinLengthChange};
use keydesk_ctap_client::{
    Client, Error, Feature, MakeCredentialArgs, Pin, SampleStatus, UserVerification,
};
use keydesk_virtual_key::Config;
use support::{config, TestUi, VirtualDevice};

fn json_error(e: serde_json::Error) -> Error {
    Error::InvalidInput(e.to_string())
}

fn with_pin(config: Config) -> Result<Client<VirtualDevice>, Error> {
    let mut client = Client::new(VirtualDevice::new(config));
    client.set_pin(&Pin::new("1234"))?;
    Ok(client)
}

fn register(
    client: &mut Client<VirtualDevice>,
    rp: &str,
    user: &str,
    extensions: Option<MakeCredentialExtensions>,
) -> Result<Vec<u8>, Error> {
    let mut entity = UserEntity::new(user.as_bytes().to_vec());
    entity.name = Some(format!("{user}@{rp}"));
    entity.display_name = Some(user.to_uppercase());
    let args = MakeCredentialArgs {
        client_data_hash: [3; 32],
        rp: RpEntity::new(rp),
        user: entity,
        pub_key_cred_params: vec![CredentialParameters::public_key(-7)],
        exclude_list: Vec::new(),
        extensions,
        resident_key: true,
        user_verification: UserVerification::Preferred,
        enterprise_attestation: None,
    };
    let mut ui = TestUi::with_pins(&["1234"]);
    let made = client.make_credential(&args, &mut ui)?;
    made.authenticator_data()?
        .attested_credential
        .map(|c| c.credential_id)
        .ok_or_else(|| Error::InvalidInput("no credential".to_owned()))
}

#[test]
fn passkeys_are_listed_by_site_renamed_and_deleted() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let alice = register(
        &mut client,
        "example.com",
        "alice",
        Some(MakeCredentialExtensions {
            cred_protect: Some(CredProtect::UserVerificationRequired),
            large_blob_key: Some(true),
            ..Default::default()
        }),
    )?;
    register(&mut client, "example.com", "bob", None)?;
    register(&mut client, "other.example", "carol", None)?;

    let mut ui = TestUi::with_pins(&["1234"]);
    let list = client.list_passkeys(&mut ui)?;
    assert_eq!(list.capacity.existing, 3);
    assert_eq!(list.capacity.remaining, 22);
    assert_eq!(list.sites.len(), 2);
    let example = list.sites.iter().find(|s| s.rp_id == "example.com");
    assert_eq!(example.map(|s| s.passkeys.len()), Some(2));
    let alice_entry = example
        .and_then(|s| {
            s.passkeys
                .iter()
                .find(|p| p.user_name.as_deref() == Some("alice@example.com"))
        })
        .cloned()
        .ok_or_else(|| Error::InvalidInput("alice missing".to_owned()))?;
    assert_eq!(alice_entry.cred_protect, Some(CredProtectLevel::UvRequired));
    assert!(alice_entry.large_blob_key);
    assert_eq!(alice_entry.display_name.as_deref(), Some("ALICE"));

    let json = serde_json::to_value(&list).map_err(json_error)?;
    assert_eq!(json["capacity"]["existing"], 3);
    assert!(json["sites"][0]["passkeys"][0]["credential_id"].is_string());

    // The cm token is reused for the following operations: one PIN for the whole session.
    client.update_passkey_user(&alice, Some("alice.new@example.com"), Some(""), &mut ui)?;
    assert_eq!(client.passkey_capacity(&mut ui)?.existing, 3);
    let renamed = client.list_passkeys(&mut ui)?;
    let entry = renamed
        .sites
        .iter()
        .flat_map(|s| &s.passkeys)
        .find(|p| p.user_id == alice_entry.user_id);
    assert_eq!(
        entry.and_then(|p| p.user_name.as_deref()),
        Some("alice.new@example.com")
    );
    assert_eq!(entry.and_then(|p| p.display_name.as_deref()), None);

    client.delete_passkey(&alice, &mut ui)?;
    assert!(matches!(
        client.delete_passkey(&alice, &mut ui),
        Err(Error::PasskeyNotFound)
    ));
    assert!(matches!(
        client.update_passkey_user(&alice, Some("x"), None, &mut ui),
        Err(Error::PasskeyNotFound)
    ));
    assert_eq!(client.passkey_capacity(&mut ui)?.existing, 2);
    assert_eq!(ui.pin_requests.len(), 1);
    Ok(())
}

#[test]
fn empty_key_lists_no_sites() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let mut ui = TestUi::with_pins(&["1234"]);
    let list = client.list_passkeys(&mut ui)?;
    assert!(list.sites.is_empty());
    assert_eq!(list.capacity.existing, 0);
    Ok(())
}

#[test]
fn persistent_token_lists_without_the_pin() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    register(&mut client, "example.com", "alice", None)?;
    let mut ui = TestUi::with_pins(&["1234"]);
    let stored = client.persistent_token(&mut ui)?.to_bytes();

    // Later, a fresh client over the same key (replugged): no PIN is asked.
    let mut device = client.into_device();
    device.replug();
    let mut later = Client::new(device);
    let token = keydesk_ctap_client::PersistentToken::from_bytes(&stored)?;
    let list = later.list_passkeys_read_only(&token)?;
    assert_eq!(list.sites.len(), 1);
    assert_eq!(
        list.sites[0].passkeys[0].user_name.as_deref(),
        Some("alice@example.com")
    );

    // A PIN change invalidates it, with an explained error.
    let mut ui = TestUi::with_pins(&["1234"]);
    later.change_pin(&Pin::new("5678"), &mut ui)?;
    let err = later.list_passkeys_read_only(&token).err();
    assert!(
        matches!(err, Some(Error::PersistentTokenRejected)),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn fingerprints_enroll_with_feedback_rename_delete() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let sensor = client.fingerprint_sensor()?;
    assert_eq!(sensor.samples_per_enrollment, Some(4));
    client
        .device_mut()
        .key
        .sensor_mut()
        .queue_sample(EnrollSampleStatus::TooHigh);
    let mut ui = TestUi::with_pins(&["1234"]);
    let print = client.enroll_fingerprint(Some("left thumb"), Some(5000), &mut ui)?;
    assert_eq!(
        ui.progress.first().map(|p| p.last_sample),
        Some(SampleStatus::TooHigh)
    );
    assert!(SampleStatus::TooHigh.explain().contains("move it down"));
    assert_eq!(ui.progress.last().map(|p| p.remaining_samples), Some(0));
    // One progress event per sample: the bad one and four good ones.
    assert_eq!(ui.progress.len(), 5);

    let listed = client.list_fingerprints(&mut ui)?;
    assert_eq!(listed, vec![print.clone()]);
    let id = from_hex(&print.template_id)?;
    client.rename_fingerprint(&id, "right thumb", &mut ui)?;
    assert_eq!(
        client.list_fingerprints(&mut ui)?[0].name.as_deref(),
        Some("right thumb")
    );
    client.delete_fingerprint(&id, &mut ui)?;
    assert!(client.list_fingerprints(&mut ui)?.is_empty());
    assert!(matches!(
        client.delete_fingerprint(&id, &mut ui),
        Err(Error::FingerprintNotFound)
    ));
    assert_eq!(ui.pin_requests.len(), 1);
    Ok(())
}

#[test]
fn enrollment_cancelled_midway_leaves_nothing_enrolled() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let mut ui = TestUi {
        cancel_after_samples: Some(2),
        ..TestUi::with_pins(&["1234"])
    };
    let err = client.enroll_fingerprint(None, None, &mut ui).err();
    assert!(matches!(err, Some(Error::Cancelled)), "{err:?}");
    assert_eq!(ui.progress.len(), 2);
    let mut ui = TestUi::with_pins(&["1234"]);
    assert!(client.list_fingerprints(&mut ui)?.is_empty());
    Ok(())
}

#[test]
fn settings_always_uv_min_pin_length_and_enterprise_attestation() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let before = client.settings()?;
    assert!(before.configurable);
    assert_eq!(before.always_uv, Some(false));
    assert_eq!(before.enterprise_attestation, Some(false));

    let mut ui = TestUi::with_pins(&["1234"]);
    client.set_always_uv(true, &mut ui)?;
    client.set_always_uv(true, &mut ui)?; // already on: nothing sent
    assert_eq!(client.settings()?.always_uv, Some(true));
    client.set_always_uv(false, &mut ui)?;
    assert_eq!(client.settings()?.always_uv, Some(false));

    client.set_min_pin_length(
        &MinPinLengthChange {
            new_min_length: Some(6),
            rp_ids: vec!["example.com".to_owned()],
            force_change_pin: false,
        },
        &mut ui,
    )?;
    assert_eq!(client.settings()?.min_pin_length, 6);
    let lower = MinPinLengthChange {
        new_min_length: Some(5),
        ..Default::default()
    };
    assert!(matches!(
        client.set_min_pin_length(&lower, &mut ui),
        Err(Error::InvalidInput(_))
    ));
    // The new minimum applies to the next PIN (a 4-digit PIN is now too short).
    assert!(matches!(
        client.change_pin(&Pin::new("4321"), &mut ui),
        Err(Error::PinTooShort { min: 6, .. })
    ));

    client.enable_enterprise_attestation(&mut ui)?;
    assert_eq!(client.settings()?.enterprise_attestation, Some(true));
    assert_eq!(ui.pin_requests.len(), 1);
    let json = serde_json::to_value(client.settings()?).map_err(json_error)?;
    assert_eq!(json["min_pin_length"], 6);
    Ok(())
}

#[test]
fn large_blobs_are_written_read_and_deleted_per_passkey() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    let with_key = Some(MakeCredentialExtensions {
        large_blob_key: Some(true),
        ..Default::default()
    });
    let alice = register(&mut client, "example.com", "alice", with_key.clone())?;
    let bob = register(&mut client, "example.com", "bob", with_key)?;
    let plain = register(&mut client, "example.com", "carol", None)?;

    let empty = client.large_blob_info()?;
    assert_eq!(empty.entries, 0);
    assert!(empty.valid);

    let mut ui = TestUi::with_pins(&["1234"]);
    client.write_large_blob(&alice, b"alice's certificate", &mut ui)?;
    client.write_large_blob(&bob, &[7u8; 600], &mut ui)?;
    client.write_large_blob(&alice, b"alice's new certificate", &mut ui)?;
    assert_eq!(client.large_blob_info()?.entries, 2);
    assert_eq!(
        client.read_large_blob(&alice, &mut ui)?.map(|d| d.to_vec()),
        Some(b"alice's new certificate".to_vec())
    );
    assert_eq!(
        client.read_large_blob(&bob, &mut ui)?.map(|d| d.len()),
        Some(600)
    );
    assert!(matches!(
        client.write_large_blob(&plain, b"x", &mut ui),
        Err(Error::InvalidInput(_))
    ));
    assert!(client.delete_large_blob(&alice, &mut ui)?);
    assert!(!client.delete_large_blob(&alice, &mut ui)?);
    assert_eq!(client.read_large_blob(&alice, &mut ui)?, None);
    // Too much data for the key's array.
    let err = client
        .write_large_blob(&bob, &random_bytes(8000), &mut ui)
        .err();
    assert!(matches!(err, Some(Error::LargeBlobStorageFull)), "{err:?}");
    assert_eq!(ui.pin_requests.len(), 1);
    Ok(())
}

/// Incompressible bytes (DEFLATE would shrink a repeated pattern below the limit).
fn random_bytes(len: usize) -> Vec<u8> {
    let mut state: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

#[test]
fn reset_only_within_the_window_after_replug() -> Result<(), Error> {
    let mut client = with_pin(config())?;
    register(&mut client, "example.com", "alice", None)?;
    let guide = client.reset_guide()?;
    assert_eq!(guide.transport, "usb");
    assert!(guide.steps[0].contains("plug it back in"));

    client.device_mut().wait(std::time::Duration::from_secs(11));
    let mut ui = TestUi::default();
    let err = client.reset(&mut ui).err();
    assert!(matches!(err, Some(Error::ResetOutsideWindow)), "{err:?}");
    assert!(err
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("within a few seconds"));

    client.device_mut().replug();
    let mut ui = TestUi::default();
    client.reset(&mut ui)?;
    assert_eq!(ui.touches, 1, "the reset asks for a touch");
    let status = client.pin_status()?;
    assert!(!status.pin_set);
    assert_eq!(client.device_mut().key.discoverable_credential_count(), 0);
    Ok(())
}

#[test]
fn features_the_key_lacks_are_unsupported_not_attempted() -> Result<(), Error> {
    let mut client = with_pin(Config {
        fingerprint_sensor: false,
        enterprise_attestation_capable: false,
        ..config()
    })?;
    let sent = client.device_mut().sent.len();
    let mut ui = TestUi::with_pins(&["1234"]);
    assert!(matches!(
        client.fingerprint_sensor(),
        Err(Error::Unsupported(Feature::Fingerprints))
    ));
    assert!(matches!(
        client.enroll_fingerprint(None, None, &mut ui),
        Err(Error::Unsupported(Feature::Fingerprints))
    ));
    assert!(matches!(
        client.enable_enterprise_attestation(&mut ui),
        Err(Error::Unsupported(Feature::EnterpriseAttestation))
    ));
    assert_eq!(client.device_mut().sent.len(), sent, "nothing was sent");
    assert!(ui.pin_requests.is_empty());
    Ok(())
}
