//! The authenticator's pinUvAuthToken state (CTAP 2.1 §6.5.2.1) and the permission and RP ID
//! binding rules that commands apply to it (§6.5.5.7, §6.1.2 step 11, §6.2.2 step 12,
//! §6.8). Time is passed in as a monotonic duration since any fixed origin (e.g. power-up).

use std::time::Duration;

use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

use crate::{CryptoError, Permissions, PinUvAuthProtocol, PinUvAuthToken};

/// The time limits of the pinUvAuthToken usage timer (§6.5.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenTimeLimits {
    /// The token must be used within this time after it is issued, or it stops being usable
    /// (30 s suits USB; NFC authenticators lose power sooner anyway).
    pub initial_usage: Duration,
    /// The user present flag is cleared this long after the token is issued.
    pub user_present: Duration,
    /// The token stops being usable this long after it is issued (10 minutes).
    pub max_usage: Duration,
}

impl Default for TokenTimeLimits {
    fn default() -> Self {
        Self {
            initial_usage: Duration::from_secs(30),
            user_present: Duration::from_secs(30),
            max_usage: Duration::from_secs(600),
        }
    }
}

/// How a command's RP ID meets the token's permissions RP ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RpIdRule<'a> {
    /// makeCredential and getAssertion: a bound token must be bound to this RP ID; an unbound
    /// one becomes bound to it. The user verified flag must also be set (§6.1.2 step 11,
    /// §6.2.2 step 12).
    BindOrMatch(&'a str),
    /// Commands scoped to one RP by ID (credentialManagement deleteCredential,
    /// updateUserInformation): a bound token must be bound to this RP ID.
    MatchIfBound(&'a str),
    /// Commands scoped to one RP by hash (credentialManagement enumerateCredentialsBegin): a
    /// bound token's RP ID must hash to this rpIdHash.
    MatchHashIfBound(&'a [u8; 32]),
    /// Commands over all RPs (credentialManagement getCredsMetadata, enumerateRPsBegin): the
    /// token must not be bound to an RP ID.
    MustBeUnbound,
    /// Commands where the binding plays no role (bioEnrollment, largeBlobs, config).
    Ignore,
}

/// Why the pinUvAuthToken cannot be used for a request. The CTAP layer answers all of them
/// with `CTAP2_ERR_PIN_AUTH_INVALID` except where a command says otherwise.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No token is in use: none was issued, it expired, or it was stopped.
    #[error("no pinUvAuthToken is in use (never issued, expired or stopped)")]
    NotInUse,
    /// The pinUvAuthParam does not verify with the token.
    #[error("pinUvAuthParam rejected: {0}")]
    AuthParamRejected(#[from] CryptoError),
    /// The token lacks a permission the command needs.
    #[error("the pinUvAuthToken lacks permission {required:?} (has {granted:?})")]
    MissingPermission {
        /// The permission the command needs.
        required: Permissions,
        /// The permissions the token has.
        granted: Permissions,
    },
    /// The token is bound to another RP ID than the request's.
    #[error("the pinUvAuthToken is bound to a different RP ID")]
    RpIdMismatch,
    /// The command covers all RPs but the token is bound to one.
    #[error("the pinUvAuthToken is bound to one RP ID; the command covers all RPs")]
    BoundToRpId,
    /// The user verified flag was cleared (the token was already used for a credential
    /// operation).
    #[error("the pinUvAuthToken's user verified flag is cleared")]
    UserNotVerified,
}

/// The authenticator's pinUvAuthToken and its state (§6.5.2.1). One token serves both PIN/UV
/// auth protocols.
#[derive(Debug)]
pub struct TokenState {
    token: PinUvAuthToken,
    limits: TokenTimeLimits,
    permissions: Permissions,
    rp_id: Option<String>,
    in_use: bool,
    issued_at: Duration,
    used_since_issued: bool,
    user_present: bool,
    user_verified: bool,
}

impl TokenState {
    /// `initialize()`'s `resetPinUvAuthToken()`: a fresh token, not in use.
    pub fn new(rng: &mut impl CryptoRngCore, limits: TokenTimeLimits) -> Self {
        Self {
            token: PinUvAuthToken::generate(rng),
            limits,
            permissions: Permissions::empty(),
            rp_id: None,
            in_use: false,
            issued_at: Duration::ZERO,
            used_since_issued: false,
            user_present: false,
            user_verified: false,
        }
    }

    /// `resetPinUvAuthToken()`: replaces the token with a fresh one and stops using it. The
    /// getPinUvAuthToken... operations call this before `begin_using`.
    pub fn reset_token(&mut self, rng: &mut impl CryptoRngCore) {
        self.token = PinUvAuthToken::generate(rng);
        self.stop_using();
    }

    /// The current token (to encrypt into a clientPIN response).
    pub fn token(&self) -> &PinUvAuthToken {
        &self.token
    }

    /// `beginUsingPinUvAuthToken(userIsPresent)` together with the permissions and optional
    /// permissions RP ID of the issuing request (§6.5.5.7): starts the usage timer at `now`,
    /// sets the user verified flag and the user present flag to `user_is_present`.
    pub fn begin_using(
        &mut self,
        now: Duration,
        user_is_present: bool,
        permissions: Permissions,
        rp_id: Option<&str>,
    ) {
        self.permissions = permissions;
        self.rp_id = rp_id.map(str::to_owned);
        self.in_use = true;
        self.issued_at = now;
        self.used_since_issued = false;
        self.user_present = user_is_present;
        self.user_verified = true;
    }

    /// `pinUvAuthTokenUsageTimerObserver()`: applies the time limits at `now`.
    pub fn observe(&mut self, now: Duration) {
        if !self.in_use {
            return;
        }
        let elapsed = now.saturating_sub(self.issued_at);
        if elapsed >= self.limits.user_present {
            self.user_present = false;
        }
        let unused_too_long = !self.used_since_issued && elapsed >= self.limits.initial_usage;
        if unused_too_long || elapsed >= self.limits.max_usage {
            self.stop_using();
        }
    }

    /// Whether the token is usable at `now`.
    pub fn is_in_use(&mut self, now: Duration) -> bool {
        self.observe(now);
        self.in_use
    }

    /// Verifies a pinUvAuthParam over `message` with the token, which must be in use at `now`.
    /// A success counts as a use of the token (for the initial usage time limit).
    pub fn verify(
        &mut self,
        now: Duration,
        protocol: PinUvAuthProtocol,
        message: &[u8],
        pin_uv_auth_param: &[u8],
    ) -> Result<(), TokenError> {
        if !self.is_in_use(now) {
            return Err(TokenError::NotInUse);
        }
        self.token.verify(protocol, message, pin_uv_auth_param)?;
        self.used_since_issued = true;
        Ok(())
    }

    /// Checks that the token, in use at `now`, has `required` and that `rp_id_rule` holds;
    /// binds the token to the RP ID where the rule says so. Call after [`TokenState::verify`].
    pub fn authorize(
        &mut self,
        now: Duration,
        required: Permissions,
        rp_id_rule: RpIdRule<'_>,
    ) -> Result<(), TokenError> {
        if !self.is_in_use(now) {
            return Err(TokenError::NotInUse);
        }
        if required.is_empty() || !self.permissions.contains(required) {
            return Err(TokenError::MissingPermission {
                required,
                granted: self.permissions,
            });
        }
        let bound = self.rp_id.as_deref();
        match rp_id_rule {
            RpIdRule::BindOrMatch(rp_id) => {
                if bound.is_some_and(|bound| bound != rp_id) {
                    return Err(TokenError::RpIdMismatch);
                }
                if !self.user_verified {
                    return Err(TokenError::UserNotVerified);
                }
                if bound.is_none() {
                    self.rp_id = Some(rp_id.to_owned());
                }
            }
            RpIdRule::MatchIfBound(rp_id) => {
                if bound.is_some_and(|bound| bound != rp_id) {
                    return Err(TokenError::RpIdMismatch);
                }
            }
            RpIdRule::MatchHashIfBound(rp_id_hash) => {
                if bound
                    .is_some_and(|bound| Sha256::digest(bound.as_bytes()).as_slice() != rp_id_hash)
                {
                    return Err(TokenError::RpIdMismatch);
                }
            }
            RpIdRule::MustBeUnbound => {
                if bound.is_some() {
                    return Err(TokenError::BoundToRpId);
                }
            }
            RpIdRule::Ignore => {}
        }
        Ok(())
    }

    /// `getUserPresentFlagValue()` at `now` (false when the token is not in use).
    pub fn user_present(&mut self, now: Duration) -> bool {
        self.is_in_use(now) && self.user_present
    }

    /// `getUserVerifiedFlagValue()` at `now` (false when the token is not in use).
    pub fn user_verified(&mut self, now: Duration) -> bool {
        self.is_in_use(now) && self.user_verified
    }

    /// `clearUserPresentFlag()`.
    pub fn clear_user_present_flag(&mut self) {
        self.user_present = false;
    }

    /// `clearUserVerifiedFlag()`.
    pub fn clear_user_verified_flag(&mut self) {
        self.user_verified = false;
    }

    /// `clearPinUvAuthTokenPermissionsExceptLbw()`.
    pub fn clear_permissions_except_lbw(&mut self) {
        self.permissions = self.permissions & Permissions::LARGE_BLOB_WRITE;
    }

    /// What makeCredential and getAssertion do after using the token (§6.1.2 step 17,
    /// §6.2.2): clear both flags and every permission except lbw.
    pub fn finish_credential_operation(&mut self) {
        self.clear_user_present_flag();
        self.clear_user_verified_flag();
        self.clear_permissions_except_lbw();
    }

    /// `stopUsingPinUvAuthToken()`: forgets permissions, RP ID and flags; the token is no
    /// longer usable until the next `begin_using`.
    pub fn stop_using(&mut self) {
        self.permissions = Permissions::empty();
        self.rp_id = None;
        self.in_use = false;
        self.used_since_issued = false;
        self.user_present = false;
        self.user_verified = false;
    }

    /// The permissions the token has now.
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The permissions RP ID, if the token is bound to one.
    pub fn rp_id(&self) -> Option<&str> {
        self.rp_id.as_deref()
    }
}
