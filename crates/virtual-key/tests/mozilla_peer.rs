//! An independent host: Mozilla's `authenticator` crate (Firefox's CTAP2 stack) sets nothing up
//! itself but registers and signs with a PIN against the virtual key through its public
//! `FidoDevice` trait, over our CTAPHID framing in memory (`keydesk_transport::memory::hid`,
//! through `support/mozilla_host.rs`). Our own key manager then lists what it created.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

#[path = "support/mozilla_host.rs"]
mod mozilla_host;

use authenticator::authenticatorservice::{RegisterArgs, SignArgs};
use authenticator::crypto::COSEAlgorithm;
use authenticator::ctap2::attestation::AuthenticatorDataFlags;
use authenticator::ctap2::server::{
    AuthenticationExtensionsClientInputs, PublicKeyCredentialDescriptor, PublicKeyCredentialParameters,
    PublicKeyCredentialUserEntity, RelyingParty, ResidentKeyRequirement, UserVerificationRequirement,
};
use authenticator::FidoDevice;
use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_transport::memory;
use keydesk_virtual_key::{Authenticator, Config, KeyRng};
use mozilla_host::{register, sign, MozillaDevice};
use std::time::Duration;

const PIN: &str = "4321";

struct OurUi;

impl Interaction for OurUi {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        None
    }
}

#[test]
fn mozilla_authenticator_registers_and_signs_with_a_pin() {
    let key = Authenticator::new(Config::default(), KeyRng::seeded(7), Duration::ZERO);
    let (link, _handle) = memory::hid(key, "mozilla-peer");
    let mut ours = Client::new(link);
    ours.set_pin(&Pin::new(PIN)).unwrap();

    let mut mozilla = MozillaDevice::open(ours.into_device());
    assert!(mozilla.get_authenticator_info().unwrap().options.client_pin == Some(true));
    let registered = register(
        &mut mozilla,
        RegisterArgs {
            client_data_hash: [5; 32],
            relying_party: RelyingParty { id: "mozilla.example".into(), name: Some("Mozilla example".into()) },
            origin: "https://mozilla.example".into(),
            user: PublicKeyCredentialUserEntity {
                id: b"firefox-user".to_vec(),
                name: Some("fx".into()),
                display_name: Some("Fx User".into()),
            },
            pub_cred_params: vec![PublicKeyCredentialParameters { alg: COSEAlgorithm::ES256 }],
            exclude_list: vec![],
            user_verification_req: UserVerificationRequirement::Required,
            resident_key_req: ResidentKeyRequirement::Required,
            extensions: AuthenticationExtensionsClientInputs::default(),
            pin: None,
            use_ctap1_fallback: false,
        },
        PIN,
    );
    let auth_data = &registered.att_obj.auth_data;
    assert!(auth_data.flags.contains(AuthenticatorDataFlags::USER_VERIFIED));
    let credential_id = auth_data.credential_data.as_ref().unwrap().credential_id.clone();

    let (signed, _shown) = sign(
        &mut mozilla,
        SignArgs {
            client_data_hash: [6; 32],
            origin: "https://mozilla.example".into(),
            relying_party_id: "mozilla.example".into(),
            allow_list: vec![PublicKeyCredentialDescriptor { id: credential_id.clone(), transports: vec![] }],
            user_verification_req: UserVerificationRequirement::Required,
            user_presence_req: true,
            extensions: AuthenticationExtensionsClientInputs::default(),
            pin: None,
            use_ctap1_fallback: false,
        },
        PIN,
    );
    let signed = signed.unwrap();
    assert_eq!(signed.assertion.credentials.unwrap().id, credential_id);
    assert!(signed.assertion.auth_data.counter > auth_data.counter);

    // Our own key management lists the passkey Mozilla's host created.
    let mut ours = Client::new(mozilla.into_device());
    let listed = ours.list_passkeys(&mut OurUi).unwrap();
    assert_eq!(listed.sites.len(), 1);
    assert_eq!(listed.sites[0].rp_id, "mozilla.example");
    assert_eq!(listed.sites[0].passkeys[0].user_name.as_deref(), Some("fx"));
}
