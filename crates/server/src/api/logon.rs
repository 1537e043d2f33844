//! Logon: password then the bound second factor, or a passkey alone.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use webauthn_rs::prelude::PublicKeyCredential;

use super::auth::{ConsoleSession, PendingSession};
use super::{session_cookie, ApiJson};
use crate::ceremonies::Kind;
use crate::error::{ApiError, ApiResult};
use crate::sessions::{self, Stage};
use crate::state::AppState;
use crate::users::{self, User};
use crate::{ceremony, passkeys, password, rate_limit, settings, totp};

#[derive(Deserialize)]
pub(super) struct PasswordLogon {
    username: String,
    password: String,
}

#[derive(Deserialize)]
pub(super) struct Code {
    code: String,
}

#[derive(Deserialize)]
pub(super) struct PasskeyLogonStart {
    #[serde(default)]
    username: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct AssertionFinish {
    ceremony_id: String,
    credential: PublicKeyCredential,
}

/// The second factors bound to a user, by name.
pub(super) async fn mfa_methods(app: &AppState, user: &User) -> ApiResult<Vec<&'static str>> {
    let mut methods = Vec::new();
    if user.totp_secret.is_some() {
        methods.push("totp");
    }
    if passkeys::count(&app.db, user.id).await? > 0 {
        methods.push("passkey");
    }
    Ok(methods)
}

fn logged_on(app: &AppState, token: &str, user: &User, stage: &str, methods: &[&str]) -> Response {
    let body = json!({
        "session_token": token,
        "stage": stage,
        "user": user.logon_name,
        "mfa_methods": methods,
    });
    (session_cookie(app, token), Json(body)).into_response()
}

fn wrong_credentials() -> ApiError {
    ApiError::unauthorized("wrong_credentials", "wrong user name or password")
}

/// `POST /api/logon/password`
pub(super) async fn password(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<PasswordLogon>,
) -> ApiResult<Response> {
    let name = users::normalize_logon_name(&req.username, &app.config.logon_suffix)
        .map_err(|_| wrong_credentials())?;
    let p = &app.config.policy;
    let bucket = format!("logon:{name}");
    rate_limit::hit(&app.db, &bucket, p.attempts_per_window, p.attempt_window, app.now()).await?;
    let Some(user) = users::find_by_name(&app.db, &name).await? else {
        // Same work as for a real user, so timing does not tell who exists.
        password::verify_password_off_thread(&req.password, &app.dummy_password_hash).await;
        return Err(wrong_credentials());
    };
    if !password::verify_password_off_thread(&req.password, &user.password_hash).await {
        return Err(wrong_credentials());
    }
    rate_limit::reset(&app.db, &bucket).await?;
    let methods = mfa_methods(&app, &user).await?;
    let (stage, lifetime, label) = if methods.is_empty() {
        (Stage::Active, p.session_lifetime, "active")
    } else {
        (Stage::MfaPending, p.mfa_pending_lifetime, "mfa_required")
    };
    let token = sessions::create(&app.db, user.id, stage, app.now(), lifetime).await?;
    Ok(logged_on(&app, &token, &user, label, &methods))
}

async fn activate(app: &AppState, pending: &PendingSession) -> ApiResult<Response> {
    let p = &app.config.policy;
    let now = app.now();
    sessions::activate(&app.db, &pending.session.token_hash, now, p.session_lifetime, now + p.step_up_window)
        .await?;
    Ok(Json(json!({"stage": "active", "user": pending.user.logon_name})).into_response())
}

/// `POST /api/logon/mfa/totp`
pub(super) async fn mfa_totp(
    State(app): State<AppState>,
    pending: PendingSession,
    ApiJson(req): ApiJson<Code>,
) -> ApiResult<Response> {
    totp::verify(&app, pending.user.id, &req.code).await?;
    activate(&app, &pending).await
}

/// `POST /api/logon/mfa/passkey/start`
pub(super) async fn mfa_passkey_start(
    State(app): State<AppState>,
    pending: PendingSession,
) -> ApiResult<Response> {
    let (id, rcr) = ceremony::start_authentication(&app, Kind::LogonMfa, Some(&pending.user)).await?;
    Ok(Json(json!({"ceremony_id": id, "options": rcr.public_key})).into_response())
}

/// `POST /api/logon/mfa/passkey/finish`
pub(super) async fn mfa_passkey_finish(
    State(app): State<AppState>,
    pending: PendingSession,
    ApiJson(req): ApiJson<AssertionFinish>,
) -> ApiResult<Response> {
    ceremony::finish_authentication(&app, Kind::LogonMfa, &req.ceremony_id, Some(pending.user.id), &req.credential)
        .await?;
    activate(&app, &pending).await
}

async fn require_passkey_logon_allowed(app: &AppState) -> ApiResult<()> {
    if settings::load(&app.db).await?.allow_passkey_logon {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "passkey_logon_disabled",
            "the administrator has turned off logon with a passkey alone; log on with your password",
        ))
    }
}

/// `POST /api/logon/passkey/start` — passkey-only logon; with `username` the
/// options list that user's passkeys, without it the ceremony is discoverable.
pub(super) async fn passkey_start(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<PasskeyLogonStart>,
) -> ApiResult<Response> {
    require_passkey_logon_allowed(&app).await?;
    let user = match req.username.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            let name = users::normalize_logon_name(name, &app.config.logon_suffix)?;
            let unknown = || ApiError::bad_request("no_passkeys", "no passkeys for that user");
            Some(users::find_by_name(&app.db, &name).await?.ok_or_else(unknown)?)
        }
        None => None,
    };
    let (id, rcr) = ceremony::start_authentication(&app, Kind::LogonPasskey, user.as_ref()).await?;
    Ok(Json(json!({"ceremony_id": id, "options": rcr.public_key})).into_response())
}

/// `POST /api/logon/passkey/finish`
pub(super) async fn passkey_finish(
    State(app): State<AppState>,
    ApiJson(req): ApiJson<AssertionFinish>,
) -> ApiResult<Response> {
    require_passkey_logon_allowed(&app).await?;
    let verified =
        ceremony::verify_assertion(&app, Kind::LogonPasskey, &req.ceremony_id, None, &req.credential).await?;
    let user = users::find_by_id(&app.db, verified.user_id())
        .await?
        .ok_or_else(|| ApiError::unauthorized("unknown_passkey", "this passkey's account no longer exists"))?;
    let p = &app.config.policy;
    let now = app.now();
    // One commit: the ceremony consumed, the passkey's counter and last use, the session,
    // which counts as freshly verified (a user-verifying passkey is itself multi-factor).
    let mut tx = crate::db::begin_write(&app.db).await?;
    ceremony::record_assertion(&mut tx, &verified, now).await?;
    let token =
        sessions::create_verified(&mut *tx, user.id, Stage::Active, now, p.session_lifetime, now + p.step_up_window)
            .await?;
    tx.commit().await?;
    // The bound second factors, without asking the database: a passkey was just used.
    let mut methods = Vec::new();
    if user.totp_secret.is_some() {
        methods.push("totp");
    }
    methods.push("passkey");
    Ok(logged_on(&app, &token, &user, "active", &methods))
}

/// `POST /api/logout`
pub(super) async fn logout(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Response> {
    sessions::delete(&app.db, &console.session.token_hash).await?;
    Ok(Json(json!({"stage": "logged_out"})).into_response())
}
