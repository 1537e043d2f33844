//! WebAuthn registration and authentication ceremonies (WebAuthn Level 3 §7.1
//! and §7.2), with their state kept in the database. Registrations and the
//! options of every ceremony are webauthn-rs's; ES256 assertions are verified
//! by [`crate::assertion`] (webauthn-rs's parsers, a cached public key), any
//! other assertion by webauthn-rs.

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    RequestChallengeResponse, WebauthnError,
};

use crate::assertion::{self, AssertionError, Expected};
use crate::ceremonies::{self, Kind};
use crate::error::ApiError;
use crate::passkeys::{self, PasskeyInfo};
use crate::state::AppState;
use crate::users::User;
use webauthn_rs_proto::ResidentKeyRequirement;

/// Authentication state: for a named user (allowCredentials filled) or
/// discoverable (the authenticator names the user).
#[derive(Serialize, Deserialize)]
enum AuthState {
    ForUser(PasskeyAuthentication),
    Discoverable(DiscoverableAuthentication),
}

/// An assertion ceremony: webauthn-rs's state and what its options asked for.
#[derive(Serialize, Deserialize)]
struct AuthCeremony {
    state: AuthState,
    expected: Expected,
}

/// Registration state plus the name the user chose.
#[derive(Serialize, Deserialize)]
struct RegisterState {
    name: String,
    state: PasskeyRegistration,
}

/// Result of a successful assertion.
#[derive(Debug, Clone)]
pub struct Asserted {
    /// Whose passkey it was.
    pub user_id: Uuid,
    /// The passkey used (base64url credential ID).
    pub passkey_id: String,
}

fn webauthn_error(e: WebauthnError) -> ApiError {
    ApiError::bad_request("webauthn_verification_failed", format!("WebAuthn verification failed: {e}"))
}

/// Start registering a passkey called `name` for `user`. Checks the name and
/// the five-passkey limit up front so the user is told before touching the key.
pub async fn start_registration(
    app: &AppState,
    user: &User,
    name: &str,
) -> Result<(String, CreationChallengeResponse), ApiError> {
    let name = passkeys::check_name(name)?;
    let max = app.config.policy.max_passkeys_per_user;
    if passkeys::count(&app.db, user.id).await? >= max {
        return Err(passkeys::limit_error(max));
    }
    if passkeys::name_taken(&app.db, user.id, &name, None).await? {
        return Err(passkeys::duplicate_name_error(&name));
    }
    let existing = passkeys::list(&app.db, user.id).await?;
    let exclude = existing.iter().map(|p| p.credential.cred_id().clone()).collect::<Vec<_>>();
    let (mut ccr, state) = app
        .webauthn
        .start_passkey_registration(user.id, &user.logon_name, &user.logon_name, Some(exclude))
        .map_err(ApiError::internal)?;
    // Ask for a discoverable credential so passkey-only logon can work
    // without a username; authenticators that cannot store one still register.
    if let Some(sel) = ccr.public_key.authenticator_selection.as_mut() {
        sel.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    let expires = app.now() + app.config.policy.ceremony_lifetime;
    let id = ceremonies::put(&app.db, Kind::Register, Some(user.id), &RegisterState { name, state }, expires)
        .await?;
    Ok((id, ccr))
}

/// Verify the authenticator's response and store the passkey.
pub async fn finish_registration(
    app: &AppState,
    user: &User,
    ceremony_id: &str,
    response: &RegisterPublicKeyCredential,
) -> Result<PasskeyInfo, ApiError> {
    let (reg, _): (RegisterState, _) =
        ceremonies::take(&app.db, ceremony_id, Kind::Register, Some(user.id), app.now()).await?;
    let passkey = app
        .webauthn
        .finish_passkey_registration(response, &reg.state)
        .map_err(webauthn_error)?;
    passkeys::insert(
        &app.db,
        user.id,
        &reg.name,
        &passkey,
        app.config.policy.max_passkeys_per_user,
        app.now(),
    )
    .await
}

/// Start an assertion. With `user`, the options list that user's passkeys
/// (`allowCredentials`); without, the ceremony is discoverable.
pub async fn start_authentication(
    app: &AppState,
    kind: Kind,
    user: Option<&User>,
) -> Result<(String, RequestChallengeResponse), ApiError> {
    let expires = app.now() + app.config.policy.ceremony_lifetime;
    match user {
        Some(user) => {
            let keys: Vec<_> =
                passkeys::list(&app.db, user.id).await?.into_iter().map(|p| p.credential).collect();
            if keys.is_empty() {
                return Err(ApiError::bad_request("no_passkeys", "this account has no passkeys"));
            }
            let (rcr, state) =
                app.webauthn.start_passkey_authentication(&keys).map_err(ApiError::internal)?;
            let ceremony = AuthCeremony { state: AuthState::ForUser(state), expected: Expected::of(&rcr, true) };
            let id = ceremonies::put(&app.db, kind, Some(user.id), &ceremony, expires).await?;
            Ok((id, rcr))
        }
        None => {
            let (mut rcr, state) =
                app.webauthn.start_discoverable_authentication().map_err(ApiError::internal)?;
            // webauthn-rs marks this conditional (autofill); our pages and
            // clients run it as an ordinary modal ceremony.
            rcr.mediation = None;
            let ceremony = AuthCeremony { state: AuthState::Discoverable(state), expected: Expected::of(&rcr, false) };
            let id = ceremonies::put(&app.db, kind, None, &ceremony, expires).await?;
            Ok((id, rcr))
        }
    }
}

/// Verify an assertion, commit its outcome: the ceremony consumed, the passkey's counter and
/// last-use time stored; a signature-counter regression (WebAuthn L3 §7.2 step 23) is
/// flagged before refusing it. `expected_user`, when given, must own the passkey.
pub async fn finish_authentication(
    app: &AppState,
    kind: Kind,
    ceremony_id: &str,
    expected_user: Option<Uuid>,
    response: &PublicKeyCredential,
) -> Result<Asserted, ApiError> {
    let verified = verify_assertion(app, kind, ceremony_id, expected_user, response).await?;
    let mut tx = crate::db::begin_write(&app.db).await?;
    let asserted = record_assertion(&mut tx, &verified, app.now()).await?;
    tx.commit().await?;
    Ok(asserted)
}

/// A verified assertion whose outcome is not stored yet (see [`record_assertion`]).
#[derive(Debug)]
pub struct VerifiedAssertion {
    ceremony_id: String,
    asserted: Asserted,
    credential: Passkey,
}

impl VerifiedAssertion {
    /// Whose passkey it was.
    pub fn user_id(&self) -> Uuid {
        self.asserted.user_id
    }
}

/// Verify an assertion without writing anything when it holds. When it does not, the
/// ceremony is dropped (it cannot be retried) and a counter regression is flagged.
pub async fn verify_assertion(
    app: &AppState,
    kind: Kind,
    ceremony_id: &str,
    expected_user: Option<Uuid>,
    response: &PublicKeyCredential,
) -> Result<VerifiedAssertion, ApiError> {
    let (ceremony, ceremony_user): (AuthCeremony, _) =
        ceremonies::peek(&app.db, ceremony_id, kind, expected_user, app.now()).await?;
    match verify_against(app, ceremony, ceremony_user.or(expected_user), response).await {
        Ok((asserted, credential)) => {
            Ok(VerifiedAssertion { ceremony_id: ceremony_id.to_owned(), asserted, credential })
        }
        Err(Failed::CounterRegression(passkey_id)) => {
            // Flagged by the request that consumes the ceremony, so one ceremony flags once.
            let mut tx = crate::db::begin_write(&app.db).await?;
            ceremonies::consume(&mut tx, ceremony_id).await?;
            passkeys::record_counter_regression(&mut *tx, &passkey_id, app.now()).await?;
            tx.commit().await?;
            Err(ApiError::unauthorized(
                "passkey_counter_regression",
                "the passkey's signature counter went backwards (it may have been cloned); \
                 the attempt was refused and flagged on the passkey",
            ))
        }
        Err(Failed::Refused(e)) => {
            ceremonies::discard(&app.db, ceremony_id).await?;
            Err(e)
        }
    }
}

/// Why [`verify_against`] did not verify.
enum Failed {
    /// The counter of passkey (base64url ID) went backwards.
    CounterRegression(String),
    Refused(ApiError),
}

impl From<ApiError> for Failed {
    fn from(e: ApiError) -> Self {
        Failed::Refused(e)
    }
}

/// Store a verified assertion's outcome in the caller's write transaction: the ceremony
/// consumed (400 `unknown_ceremony` when another request consumed it first), the passkey's
/// new counter and last-use time. The caller adds its own writes (the session) and commits:
/// one durable commit per finish.
pub async fn record_assertion(
    tx: &mut sqlx::AnyConnection,
    verified: &VerifiedAssertion,
    now: i64,
) -> Result<Asserted, ApiError> {
    ceremonies::consume(&mut *tx, &verified.ceremony_id).await?;
    passkeys::record_use(&mut *tx, &verified.asserted.passkey_id, &verified.credential, now).await?;
    Ok(verified.asserted.clone())
}

async fn verify_against(
    app: &AppState,
    ceremony: AuthCeremony,
    owner: Option<Uuid>,
    response: &PublicKeyCredential,
) -> Result<(Asserted, Passkey), Failed> {
    let passkey_id = passkeys::encode_id(response.get_credential_id());
    let unknown =
        || ApiError::unauthorized("unknown_passkey", "this passkey is not registered here");
    let stored = passkeys::find(&app.db, &passkey_id).await?.ok_or_else(unknown)?;
    if owner.is_some_and(|owner| stored.user_id != owner) {
        return Err(unknown().into());
    }
    if let AuthState::Discoverable(_) = &ceremony.state {
        // §7.2 step 6: without a user named up front, the user handle names the owner.
        let (handle, _) = app
            .webauthn
            .identify_discoverable_authentication(response)
            .map_err(webauthn_error)?;
        if handle != stored.user_id {
            return Err(unknown().into());
        }
    }
    let verified = if assertion::es256_point(&stored.credential).is_some() {
        app.assertions
            .verify(response, &ceremony.expected, &stored.credential)
            .map(|verified| assertion::updated(&stored.credential, &verified))
            .map_err(|e| match e {
                AssertionError::CounterRegression { .. } => Refused::CounterRegression,
                other => Refused::Invalid(other.to_string()),
            })
    } else {
        verify_with_webauthn_rs(app, ceremony.state, response, &stored.credential)
    };
    match verified {
        Ok(credential) => Ok((Asserted { user_id: stored.user_id, passkey_id }, credential)),
        Err(Refused::CounterRegression) => Err(Failed::CounterRegression(passkey_id)),
        Err(Refused::Invalid(reason)) => Err(Failed::Refused(ApiError::bad_request(
            "webauthn_verification_failed",
            format!("WebAuthn verification failed: {reason}"),
        ))),
    }
}

/// Why an assertion was refused.
enum Refused {
    CounterRegression,
    Invalid(String),
}

/// The whole of §7.2 by webauthn-rs (passkeys that are not ES256); the updated passkey.
fn verify_with_webauthn_rs(
    app: &AppState,
    state: AuthState,
    response: &PublicKeyCredential,
    stored: &Passkey,
) -> Result<Passkey, Refused> {
    let result = match state {
        AuthState::ForUser(state) => app.webauthn.finish_passkey_authentication(response, &state),
        AuthState::Discoverable(state) => {
            let key = DiscoverableKey::from(stored);
            app.webauthn.finish_discoverable_authentication(response, state, &[key])
        }
    };
    match result {
        Ok(result) => {
            let mut credential = stored.clone();
            credential.update_credential(&result);
            Ok(credential)
        }
        Err(WebauthnError::CredentialPossibleCompromise) => Err(Refused::CounterRegression),
        Err(e) => Err(Refused::Invalid(e.to_string())),
    }
}
