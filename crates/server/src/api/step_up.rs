//! Fresh verification ("step-up") before sensitive operations: a virtual MFA
//! code, a passkey, or an email code. A user with none of these bound
//! re-enters the password instead. The result is stored on the session and
//! lasts `policy.step_up_window` seconds.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use webauthn_rs::prelude::PublicKeyCredential;

use super::auth::ConsoleSession;
use super::ApiJson;
use crate::ceremonies::Kind;
use crate::email::{self, Purpose};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{ceremony, passkeys, password, rate_limit, sessions, totp};

#[derive(Deserialize)]
pub(super) struct Code {
    code: String,
}

#[derive(Deserialize)]
pub(super) struct Password {
    password: String,
}

#[derive(Deserialize)]
pub(super) struct AssertionFinish {
    ceremony_id: String,
    credential: PublicKeyCredential,
}

/// Ways this user can verify afresh.
async fn methods(app: &AppState, console: &ConsoleSession) -> ApiResult<Vec<&'static str>> {
    let mut methods = Vec::new();
    if console.user.totp_secret.is_some() {
        methods.push("totp");
    }
    if passkeys::count(&app.db, console.user.id).await? > 0 {
        methods.push("passkey");
    }
    if console.user.email.is_some() {
        methods.push("email");
    }
    if methods.is_empty() {
        methods.push("password");
    }
    Ok(methods)
}

async fn grant(app: &AppState, console: &ConsoleSession) -> ApiResult<Json<Value>> {
    let until = app.now() + app.config.policy.step_up_window;
    sessions::set_step_up(&app.db, &console.session.token_hash, until).await?;
    Ok(Json(json!({"verified_until": until})))
}

/// `GET /api/step-up`
pub(super) async fn status(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Json<Value>> {
    Ok(Json(json!({
        "methods": methods(&app, &console).await?,
        "verified_until": console.session.step_up_until,
        "fresh": console.session.step_up_until > app.now(),
    })))
}

/// `POST /api/step-up/totp`
pub(super) async fn totp(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Code>,
) -> ApiResult<Json<Value>> {
    totp::verify(&app, console.user.id, &req.code).await?;
    grant(&app, &console).await
}

/// `POST /api/step-up/password` — only for users with no second factor and no email.
pub(super) async fn password(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Password>,
) -> ApiResult<Json<Value>> {
    if methods(&app, &console).await? != ["password"] {
        return Err(ApiError::forbidden(
            "stronger_verification_required",
            "this account has MFA, a passkey or an email bound: verify with one of those",
        ));
    }
    let p = &app.config.policy;
    let bucket = format!("step-up-password:{}", console.user.id);
    rate_limit::hit(&app.db, &bucket, p.attempts_per_window, p.attempt_window, app.now()).await?;
    if !password::verify_password_off_thread(&req.password, &console.user.password_hash).await {
        return Err(ApiError::unauthorized("wrong_password", "wrong password"));
    }
    rate_limit::reset(&app.db, &bucket).await?;
    grant(&app, &console).await
}

/// `POST /api/step-up/passkey/start`
pub(super) async fn passkey_start(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Json<Value>> {
    let (id, rcr) = ceremony::start_authentication(&app, Kind::StepUp, Some(&console.user)).await?;
    Ok(Json(json!({"ceremony_id": id, "options": rcr.public_key})))
}

/// `POST /api/step-up/passkey/finish`
pub(super) async fn passkey_finish(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<AssertionFinish>,
) -> ApiResult<Json<Value>> {
    ceremony::finish_authentication(&app, Kind::StepUp, &req.ceremony_id, Some(console.user.id), &req.credential)
        .await?;
    grant(&app, &console).await
}

/// `POST /api/step-up/email/start` — send a code to the bound address.
pub(super) async fn email_start(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Json<Value>> {
    let address = console
        .user
        .email
        .clone()
        .ok_or_else(|| ApiError::bad_request("email_not_bound", "no email address is bound to this account"))?;
    email::send_code(&app, console.user.id, &address, Purpose::StepUp).await?;
    Ok(Json(json!({"sent_to": address})))
}

/// `POST /api/step-up/email/finish`
pub(super) async fn email_finish(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Code>,
) -> ApiResult<Json<Value>> {
    let sent_to = email::check_code(&app, console.user.id, Purpose::StepUp, &req.code).await?;
    if console.user.email.as_deref() != Some(sent_to.as_str()) {
        return Err(ApiError::unauthorized("email_not_bound", "the code was sent to an address no longer bound"));
    }
    grant(&app, &console).await
}
