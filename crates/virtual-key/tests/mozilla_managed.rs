//! Passkeys created on the virtual key by an independent host, Mozilla's `authenticator` crate
//! (Firefox's CTAP2 stack), are listed, renamed (updateUserInformation) and deleted by OUR key
//! manager (`keydesk_ctap_client::Client`), both hosts reaching the key through the same
//! in-memory CTAPHID link (`keydesk_transport::memory::hid`). Issue 3 "Proof".
//!
//! What Mozilla registered is checked field by field in our listing (credential IDs and user
//! handles byte for byte, names, RP names, credProtect), and every change our host makes is then
//! observed by Mozilla's host itself: the accounts its getAssertion offers carry the new names
//! and the same user handles, and a deleted passkey is no longer found.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "support/mozilla_host.rs"]
mod mozilla_host;

use authenticator::authenticatorservice::{RegisterArgs, SignArgs};
use authenticator::crypto::COSEAlgorithm;
use authenticator::ctap2::commands::{CommandError, StatusCode};
use authenticator::ctap2::server::{
    AuthenticationExtensionsClientInputs, CredentialProtectionPolicy, PublicKeyCredentialDescriptor,
    PublicKeyCredentialParameters, PublicKeyCredentialUserEntity, RelyingParty, ResidentKeyRequirement,
    UserVerificationRequirement,
};
use authenticator::errors::{AuthenticatorError, HIDError};
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::manage::{base64url, CredProtectLevel, Passkey, PasskeyList};
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_transport::hid::HidLink;
use keydesk_transport::memory::{self, HidPipe, VirtualKeyHandle};
use keydesk_virtual_key::{Authenticator, Config, HidKey, KeyRng};
use mozilla_host::{register, sign, MozillaDevice};
use std::time::Duration;

const PIN: &str = "7315";

/// Our front end: the PIN once per prompt, counting prompts.
#[derive(Default)]
struct OurUi {
    pin_prompts: usize,
}

impl Interaction for OurUi {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        self.pin_prompts += 1;
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        None
    }
}

/// One account as Mozilla registers it.
struct Account {
    rp_id: &'static str,
    rp_name: &'static str,
    user: PublicKeyCredentialUserEntity,
    cred_protect: Option<CredentialProtectionPolicy>,
}

fn accounts() -> Vec<Account> {
    // A 64-byte binary user handle (the WebAuthn maximum) with NUL and 0xFF bytes.
    let mut binary_handle: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
    binary_handle[63] = 0xff;
    vec![
        Account {
            rp_id: "mozilla.example",
            rp_name: "Mozilla example",
            user: PublicKeyCredentialUserEntity {
                id: binary_handle,
                name: Some("alice@mozilla.example".into()),
                display_name: Some("Alice Liddell".into()),
            },
            cred_protect: Some(CredentialProtectionPolicy::UserVerificationRequired),
        },
        Account {
            rp_id: "mozilla.example",
            rp_name: "Mozilla example",
            user: PublicKeyCredentialUserEntity {
                id: b"bob\x00handle".to_vec(),
                name: Some("bob".into()),
                display_name: Some("Bób Ünïcödé ✓".into()),
            },
            cred_protect: None,
        },
        Account {
            rp_id: "second.example",
            rp_name: "Second site",
            // Mozilla omits an absent displayName (a null name it would send is refused).
            user: PublicKeyCredentialUserEntity { id: vec![0xff; 16], name: Some("carol".into()), display_name: None },
            cred_protect: Some(CredentialProtectionPolicy::UserVerificationOptionalWithCredentialIDList),
        },
    ]
}

fn register_args(account: &Account) -> RegisterArgs {
    RegisterArgs {
        client_data_hash: [9; 32],
        relying_party: RelyingParty { id: account.rp_id.into(), name: Some(account.rp_name.into()) },
        origin: format!("https://{}", account.rp_id),
        user: account.user.clone(),
        pub_cred_params: vec![PublicKeyCredentialParameters { alg: COSEAlgorithm::ES256 }],
        exclude_list: vec![],
        user_verification_req: UserVerificationRequirement::Required,
        resident_key_req: ResidentKeyRequirement::Required,
        extensions: AuthenticationExtensionsClientInputs {
            credential_protection_policy: account.cred_protect,
            enforce_credential_protection_policy: account.cred_protect.map(|_| true),
            ..Default::default()
        },
        pin: None,
        use_ctap1_fallback: false,
    }
}

fn sign_args(rp_id: &str, allow: &[Vec<u8>]) -> SignArgs {
    SignArgs {
        client_data_hash: [4; 32],
        origin: format!("https://{rp_id}"),
        relying_party_id: rp_id.into(),
        allow_list: allow.iter().map(|id| PublicKeyCredentialDescriptor { id: id.clone(), transports: vec![] }).collect(),
        user_verification_req: UserVerificationRequirement::Required,
        user_presence_req: true,
        extensions: AuthenticationExtensionsClientInputs::default(),
        pin: None,
        use_ctap1_fallback: false,
    }
}

type Link = HidLink<HidPipe>;

/// A fresh virtual key with a PIN (set by our host), behind the in-memory CTAPHID link.
fn key_with_pin() -> (Link, VirtualKeyHandle<HidKey>) {
    let key = Authenticator::new(Config::default(), KeyRng::seeded(31), Duration::ZERO);
    let (link, handle) = memory::hid(key, "mozilla-managed");
    let mut ours = Client::new(link);
    ours.set_pin(&Pin::new(PIN)).unwrap();
    (ours.into_device(), handle)
}

/// Mozilla registers every account; returns the link and the credential IDs, in order.
fn mozilla_registers(link: Link, accounts: &[Account]) -> (Link, Vec<Vec<u8>>) {
    let mut mozilla = MozillaDevice::open(link);
    let ids = accounts
        .iter()
        .map(|account| {
            let registered = register(&mut mozilla, register_args(account), PIN);
            registered.att_obj.auth_data.credential_data.expect("attested credential").credential_id
        })
        .collect();
    (mozilla.into_device(), ids)
}

fn find<'a>(list: &'a PasskeyList, rp_id: &str, credential_id: &[u8]) -> &'a Passkey {
    let site = list.sites.iter().find(|s| s.rp_id == rp_id).unwrap_or_else(|| panic!("no site {rp_id} in {list:?}"));
    site.passkeys
        .iter()
        .find(|p| p.credential_id == base64url(credential_id))
        .unwrap_or_else(|| panic!("credential not listed under {rp_id}: {list:?}"))
}

fn level(policy: Option<CredentialProtectionPolicy>) -> CredProtectLevel {
    match policy {
        // The key applies level 1 when the RP asked for none (CTAP 2.1 §12.1).
        None | Some(CredentialProtectionPolicy::UserVerificationOptional) => CredProtectLevel::UvOptional,
        Some(CredentialProtectionPolicy::UserVerificationOptionalWithCredentialIDList) => {
            CredProtectLevel::UvOptionalWithCredentialIdList
        }
        Some(CredentialProtectionPolicy::UserVerificationRequired) => CredProtectLevel::UvRequired,
    }
}

#[test]
fn our_host_lists_what_mozilla_registered_field_by_field() {
    let (link, handle) = key_with_pin();
    let accounts = accounts();
    let (link, ids) = mozilla_registers(link, &accounts);
    assert_eq!(handle.with_key(|k| k.discoverable_credential_count()), 3);

    let mut ours = Client::new(link);
    let mut ui = OurUi::default();
    let list = ours.list_passkeys(&mut ui).unwrap();
    assert_eq!((list.capacity.existing, list.capacity.remaining), (3, 22));
    let mut site_ids: Vec<&str> = list.sites.iter().map(|s| s.rp_id.as_str()).collect();
    site_ids.sort_unstable();
    assert_eq!(site_ids, ["mozilla.example", "second.example"]);
    assert_eq!(list.sites.iter().map(|s| s.passkeys.len()).sum::<usize>(), 3, "nothing listed twice: {list:?}");
    for (account, id) in accounts.iter().zip(&ids) {
        let site = list.sites.iter().find(|s| s.rp_id == account.rp_id).unwrap();
        assert_eq!(site.rp_name.as_deref(), Some(account.rp_name));
        let passkey = find(&list, account.rp_id, id);
        assert_eq!(passkey.user_id, base64url(&account.user.id), "the user handle Mozilla registered, byte for byte");
        assert_eq!(passkey.user_name, account.user.name);
        assert_eq!(passkey.display_name, account.user.display_name);
        assert_eq!(passkey.cred_protect, Some(level(account.cred_protect)));
        assert!(!passkey.large_blob_key, "Mozilla asked for no large-blob key");
    }
    assert_eq!(ui.pin_prompts, 1);
}

#[test]
fn our_renames_and_deletions_are_what_mozilla_then_sees() {
    let (link, handle) = key_with_pin();
    let accounts = accounts();
    let (link, ids) = mozilla_registers(link, &accounts);
    let (alice, bob, carol) = (&ids[0], &ids[1], &ids[2]);

    // Our host renames: Bob's two names, Carol's display name only (her user name is kept),
    // Alice's display name cleared.
    let mut ours = Client::new(link);
    let mut ui = OurUi::default();
    ours.update_passkey_user(bob, Some("robert@mozilla.example"), Some("Robert"), &mut ui).unwrap();
    ours.update_passkey_user(carol, None, Some("Carol Ann"), &mut ui).unwrap();
    ours.update_passkey_user(alice, None, Some(""), &mut ui).unwrap();
    let list = ours.list_passkeys(&mut ui).unwrap();
    let expected = [
        (&accounts[0], alice, Some("alice@mozilla.example"), None),
        (&accounts[1], bob, Some("robert@mozilla.example"), Some("Robert")),
        (&accounts[2], carol, Some("carol"), Some("Carol Ann")),
    ];
    for (account, id, name, display) in expected {
        let passkey = find(&list, account.rp_id, id);
        assert_eq!(passkey.user_id, base64url(&account.user.id), "renaming keeps the user handle");
        assert_eq!(passkey.user_name.as_deref(), name);
        assert_eq!(passkey.display_name.as_deref(), display);
        assert_eq!(passkey.cred_protect, Some(level(account.cred_protect)), "renaming keeps credProtect");
    }
    assert_eq!(list.capacity.existing, 3);

    // Mozilla's host sees the new names: the accounts its sign-in offers on mozilla.example.
    let mut mozilla = MozillaDevice::open(ours.into_device());
    let (signed, shown) = sign(&mut mozilla, sign_args("mozilla.example", &[]), PIN);
    signed.expect("Mozilla signs in");
    assert_eq!(shown.len(), 1, "two accounts: Mozilla asked its user to choose");
    let mut offered: Vec<(Vec<u8>, Option<String>, Option<String>)> =
        shown[0].iter().map(|u| (u.id.clone(), u.name.clone(), u.display_name.clone())).collect();
    offered.sort();
    let mut wanted = vec![
        (accounts[0].user.id.clone(), Some("alice@mozilla.example".to_owned()), None),
        (accounts[1].user.id.clone(), Some("robert@mozilla.example".to_owned()), Some("Robert".to_owned())),
    ];
    wanted.sort();
    assert_eq!(offered, wanted);
    // And on second.example (one account, so no choice): the user entity of the assertion.
    let (signed, _) = sign(&mut mozilla, sign_args("second.example", &[]), PIN);
    let user = signed.expect("Mozilla signs in").assertion.user.expect("user entity after UV");
    assert_eq!((user.id, user.name, user.display_name), (vec![0xff; 16], Some("carol".into()), Some("Carol Ann".into())));

    // Our host deletes Bob, then Carol (her site disappears with her).
    let mut ours = Client::new(mozilla.into_device());
    let mut ui = OurUi::default();
    ours.delete_passkey(bob, &mut ui).unwrap();
    ours.delete_passkey(carol, &mut ui).unwrap();
    assert!(matches!(ours.delete_passkey(bob, &mut ui), Err(keydesk_ctap_client::Error::PasskeyNotFound)));
    let list = ours.list_passkeys(&mut ui).unwrap();
    assert_eq!((list.capacity.existing, list.capacity.remaining), (1, 24));
    assert_eq!(list.sites.len(), 1);
    assert_eq!(list.sites[0].passkeys.len(), 1);
    assert_eq!(find(&list, "mozilla.example", alice).user_id, base64url(&accounts[0].user.id));
    assert_eq!(handle.with_key(|k| k.discoverable_credential_count()), 1, "the key itself holds one");

    // Mozilla no longer finds Bob's passkey; without an allow list only Alice is left.
    let mut mozilla = MozillaDevice::open(ours.into_device());
    let (signed, _) = sign(&mut mozilla, sign_args("mozilla.example", std::slice::from_ref(bob)), PIN);
    assert!(
        matches!(
            signed,
            Err(AuthenticatorError::HIDError(HIDError::Command(CommandError::StatusCode(StatusCode::NoCredentials, _))))
        ),
        "{signed:?}"
    );
    let (signed, shown) = sign(&mut mozilla, sign_args("mozilla.example", &[]), PIN);
    let assertion = signed.expect("Mozilla signs in with Alice").assertion;
    assert!(shown.is_empty(), "one account left: no choice offered");
    assert_eq!(assertion.credentials.expect("credential").id, *alice);
    assert_eq!(assertion.user.expect("user").id, accounts[0].user.id);
    let (signed, _) = sign(&mut mozilla, sign_args("second.example", &[]), PIN);
    assert!(signed.is_err(), "Carol's site has no passkey left: {signed:?}");
}
