use std::time::Duration;

use super::rng;
use crate::{
    CryptoError, Permissions, PinUvAuthProtocol, RpIdRule, TokenError, TokenState, TokenTimeLimits,
};
use sha2::{Digest, Sha256};

const MC_GA: Permissions = Permissions::from_bits(0x03);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn issued(permissions: Permissions, rp_id: Option<&str>) -> TokenState {
    let mut state = TokenState::new(&mut rng(1), TokenTimeLimits::default());
    state.begin_using(secs(100), true, permissions, rp_id);
    state
}

#[test]
fn verify_requires_a_token_in_use_and_a_matching_param() {
    let mut state = TokenState::new(&mut rng(1), TokenTimeLimits::default());
    let param = state.token().authenticate(PinUvAuthProtocol::Two, b"cdh");
    assert_eq!(
        state.verify(secs(0), PinUvAuthProtocol::Two, b"cdh", &param),
        Err(TokenError::NotInUse)
    );
    state.begin_using(secs(0), false, MC_GA, None);
    state
        .verify(secs(1), PinUvAuthProtocol::Two, b"cdh", &param)
        .unwrap();
    assert_eq!(
        state.verify(secs(1), PinUvAuthProtocol::Two, b"cdH", &param),
        Err(TokenError::AuthParamRejected(
            CryptoError::AuthParamMismatch
        ))
    );
    // The same token works with protocol 1 (16-byte tag).
    let param = state.token().authenticate(PinUvAuthProtocol::One, b"cdh");
    assert_eq!(param.len(), 16);
    state
        .verify(secs(1), PinUvAuthProtocol::One, b"cdh", &param)
        .unwrap();
}

#[test]
fn unused_token_expires_after_the_initial_usage_time_limit() {
    let mut state = issued(MC_GA, None);
    assert!(state.is_in_use(secs(129)));
    assert!(!state.is_in_use(secs(130)));
    assert_eq!(state.permissions(), Permissions::empty());
}

#[test]
fn used_token_lives_until_the_max_usage_period() {
    let mut state = issued(MC_GA, None);
    let param = state.token().authenticate(PinUvAuthProtocol::Two, b"x");
    state
        .verify(secs(110), PinUvAuthProtocol::Two, b"x", &param)
        .unwrap();
    assert!(state.is_in_use(secs(400)));
    // The user present flag lapses after 30 s, the token stays.
    assert!(!state.user_present(secs(400)));
    assert!(state.user_verified(secs(400)));
    assert!(state.is_in_use(secs(699)));
    assert!(!state.is_in_use(secs(700)));
    assert!(!state.user_verified(secs(700)));
}

#[test]
fn user_present_flag_lasts_its_time_limit() {
    let mut state = issued(MC_GA, None);
    assert!(state.user_present(secs(129)));
    let mut state = issued(MC_GA, None);
    let param = state.token().authenticate(PinUvAuthProtocol::One, b"x");
    state
        .verify(secs(101), PinUvAuthProtocol::One, b"x", &param)
        .unwrap();
    assert!(!state.user_present(secs(130)));
    // Begun without user presence: flag false from the start.
    let mut state = TokenState::new(&mut rng(1), TokenTimeLimits::default());
    state.begin_using(secs(0), false, MC_GA, None);
    assert!(!state.user_present(secs(0)));
}

#[test]
fn make_credential_binds_an_unbound_token_to_the_rp_id() {
    let mut state = issued(MC_GA, None);
    state
        .authorize(
            secs(101),
            Permissions::MAKE_CREDENTIAL,
            RpIdRule::BindOrMatch("example.com"),
        )
        .unwrap();
    assert_eq!(state.rp_id(), Some("example.com"));
    assert_eq!(
        state.authorize(
            secs(101),
            Permissions::GET_ASSERTION,
            RpIdRule::BindOrMatch("other.org")
        ),
        Err(TokenError::RpIdMismatch)
    );
    state
        .authorize(
            secs(101),
            Permissions::GET_ASSERTION,
            RpIdRule::BindOrMatch("example.com"),
        )
        .unwrap();
}

#[test]
fn credential_operation_clears_flags_and_permissions_except_lbw() {
    let mut state = issued(MC_GA | Permissions::LARGE_BLOB_WRITE, Some("example.com"));
    state
        .authorize(
            secs(101),
            Permissions::GET_ASSERTION,
            RpIdRule::BindOrMatch("example.com"),
        )
        .unwrap();
    state.finish_credential_operation();
    assert_eq!(state.permissions(), Permissions::LARGE_BLOB_WRITE);
    assert!(!state.user_present(secs(101)));
    assert!(!state.user_verified(secs(101)));
    assert_eq!(
        state.authorize(
            secs(101),
            Permissions::GET_ASSERTION,
            RpIdRule::BindOrMatch("example.com")
        ),
        Err(TokenError::MissingPermission {
            required: Permissions::GET_ASSERTION,
            granted: Permissions::LARGE_BLOB_WRITE
        })
    );
    state
        .authorize(secs(101), Permissions::LARGE_BLOB_WRITE, RpIdRule::Ignore)
        .unwrap();
}

#[test]
fn user_verified_flag_is_required_for_credential_operations() {
    let mut state = issued(MC_GA, None);
    state.clear_user_verified_flag();
    assert_eq!(
        state.authorize(
            secs(101),
            Permissions::MAKE_CREDENTIAL,
            RpIdRule::BindOrMatch("a.example")
        ),
        Err(TokenError::UserNotVerified)
    );
    // A failed request does not bind the token.
    assert_eq!(state.rp_id(), None);
}

#[test]
fn credential_management_rp_id_rules() {
    let hash: [u8; 32] = Sha256::digest(b"example.com").into();
    let other: [u8; 32] = Sha256::digest(b"other.org").into();

    let mut bound = issued(Permissions::CREDENTIAL_MANAGEMENT, Some("example.com"));
    let cm = Permissions::CREDENTIAL_MANAGEMENT;
    assert_eq!(
        bound.authorize(secs(101), cm, RpIdRule::MustBeUnbound),
        Err(TokenError::BoundToRpId)
    );
    bound
        .authorize(secs(101), cm, RpIdRule::MatchHashIfBound(&hash))
        .unwrap();
    assert_eq!(
        bound.authorize(secs(101), cm, RpIdRule::MatchHashIfBound(&other)),
        Err(TokenError::RpIdMismatch)
    );
    bound
        .authorize(secs(101), cm, RpIdRule::MatchIfBound("example.com"))
        .unwrap();
    assert_eq!(
        bound.authorize(secs(101), cm, RpIdRule::MatchIfBound("other.org")),
        Err(TokenError::RpIdMismatch)
    );

    let mut unbound = issued(cm, None);
    unbound
        .authorize(secs(101), cm, RpIdRule::MustBeUnbound)
        .unwrap();
    unbound
        .authorize(secs(101), cm, RpIdRule::MatchHashIfBound(&other))
        .unwrap();
    // Scoped commands do not bind.
    assert_eq!(unbound.rp_id(), None);
}

#[test]
fn permissions_are_checked() {
    let mut state = issued(Permissions::AUTHENTICATOR_CONFIGURATION, None);
    assert_eq!(
        state.authorize(secs(101), Permissions::BIO_ENROLLMENT, RpIdRule::Ignore),
        Err(TokenError::MissingPermission {
            required: Permissions::BIO_ENROLLMENT,
            granted: Permissions::AUTHENTICATOR_CONFIGURATION
        })
    );
    state
        .authorize(
            secs(101),
            Permissions::AUTHENTICATOR_CONFIGURATION,
            RpIdRule::Ignore,
        )
        .unwrap();
    // Asking for no permission at all is never authorized.
    assert!(state
        .authorize(secs(101), Permissions::empty(), RpIdRule::Ignore)
        .is_err());
    // Not in use any more.
    assert_eq!(
        state.authorize(
            secs(200),
            Permissions::AUTHENTICATOR_CONFIGURATION,
            RpIdRule::Ignore
        ),
        Err(TokenError::NotInUse)
    );
}

#[test]
fn reset_token_replaces_the_token_and_stops_it() {
    let mut rng = rng(2);
    let mut state = TokenState::new(&mut rng, TokenTimeLimits::default());
    state.begin_using(secs(0), true, MC_GA, Some("example.com"));
    let old = state.token().clone();
    state.reset_token(&mut rng);
    assert_ne!(state.token(), &old);
    assert!(!state.is_in_use(secs(0)));
    assert_eq!(state.rp_id(), None);
    // A param made with the old token does not verify with the new one.
    let param = old.authenticate(PinUvAuthProtocol::Two, b"m");
    state.begin_using(secs(0), true, MC_GA, None);
    assert!(state
        .verify(secs(1), PinUvAuthProtocol::Two, b"m", &param)
        .is_err());
}

#[test]
fn time_going_backwards_does_not_expire_or_panic() {
    let mut state = issued(MC_GA, None);
    assert!(state.is_in_use(secs(0)));
}
