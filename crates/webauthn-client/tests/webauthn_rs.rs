//! The relying party's view: webauthn-rs (the library the reference server uses) issues the
//! options, our client runs the ceremonies on the virtual key, and webauthn-rs verifies the
//! JSON we return, registration and sign-in, as a server would receive it over HTTP.

mod support;

use keydesk_webauthn_client::{
    authenticate, parse_creation_options, parse_request_options, register,
};
use support::*;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid};
use webauthn_rs::WebauthnBuilder;

#[test]
fn webauthn_rs_verifies_our_registration_and_sign_in() -> TestResult {
    let origin = "https://login.example.com";
    let webauthn = WebauthnBuilder::new("example.com", &Url::parse(origin)?)?
        .rp_name("Example")
        .build()?;
    let mut key = client_with_pin("rp", 31, "1234")?;
    let mut ui = TestUi::with_pin("1234");

    let (challenge, registration_state) =
        webauthn.start_passkey_registration(Uuid::from_u128(7), "alice", "Alice", None)?;
    let options = parse_creation_options(&serde_json::to_string(&challenge)?)?;
    let registration = register(&mut key, &options, origin, &mut ui, soon())?;
    let posted: RegisterPublicKeyCredential =
        serde_json::from_str(&serde_json::to_string(&registration)?)?;
    let passkey = webauthn.finish_passkey_registration(&posted, &registration_state)?;
    assert_eq!(passkey.cred_id().as_ref(), registration.raw_id.0.as_slice());

    let (challenge, authentication_state) =
        webauthn.start_passkey_authentication(std::slice::from_ref(&passkey))?;
    let options = parse_request_options(&serde_json::to_string(&challenge)?)?;
    let assertion = authenticate(&mut key, &options, origin, &mut ui, soon())?;
    let posted: PublicKeyCredential = serde_json::from_str(&serde_json::to_string(&assertion)?)?;
    let result = webauthn.finish_passkey_authentication(&posted, &authentication_state)?;
    assert!(result.user_verified());
    assert!(result.counter() > 0);

    // A response for another challenge is rejected by the server: the check can fail.
    let (_, other_state) = webauthn.start_passkey_authentication(std::slice::from_ref(&passkey))?;
    assert!(webauthn
        .finish_passkey_authentication(&posted, &other_state)
        .is_err());
    Ok(())
}
