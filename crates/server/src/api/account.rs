//! The caller's own account: profile, password, passkeys, virtual MFA, email
//! and access keys. Sensitive operations need a console session with a fresh
//! verification (`require_step_up`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use super::auth::{Caller, ConsoleSession};
use super::ApiJson;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::{access_keys, ceremony, email, passkeys, password, sessions, totp, users};

#[derive(Deserialize)]
pub(super) struct ChangePassword {
    current_password: String,
    new_password: String,
}

#[derive(Deserialize)]
pub(super) struct Name {
    name: String,
}

#[derive(Deserialize)]
pub(super) struct RegisterFinish {
    ceremony_id: String,
    credential: RegisterPublicKeyCredential,
}

#[derive(Deserialize)]
pub(super) struct Code {
    code: String,
}

#[derive(Deserialize)]
pub(super) struct Email {
    email: String,
}

/// `GET /api/me`
pub(super) async fn me(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let user = &caller.user;
    Ok(Json(json!({
        "user": user.logon_name,
        "id": user.id,
        "is_admin": user.is_admin,
        "totp_bound": user.totp_secret.is_some(),
        "passkeys": passkeys::count(&app.db, user.id).await?,
        "email": user.email,
        "created_at": user.created_at,
    })))
}

/// `POST /api/me/password` (step-up). Ends the user's other sessions.
pub(super) async fn change_password(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<ChangePassword>,
) -> ApiResult<Json<Value>> {
    console.require_step_up(&app)?;
    if !password::verify_password_off_thread(&req.current_password, &console.user.password_hash).await {
        return Err(ApiError::unauthorized("wrong_password", "the current password is wrong"));
    }
    let hash = password::hash_password_off_thread(&req.new_password, app.config.argon2).await.map_err(|e| match e {
        password::PasswordError::BadLength => ApiError::bad_request("weak_password", e.to_string()),
        other => ApiError::internal(other),
    })?;
    users::set_password_hash(&app.db, console.user.id, &hash).await?;
    sessions::delete_others(&app.db, console.user.id, &console.session.token_hash).await?;
    Ok(Json(json!({"changed": true})))
}

/// `GET /api/me/passkeys`
pub(super) async fn list_passkeys(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let list: Vec<_> = passkeys::list(&app.db, caller.user.id).await?.into_iter().map(|p| p.info).collect();
    Ok(Json(json!({"passkeys": list, "max": app.config.policy.max_passkeys_per_user})))
}

/// `POST /api/me/passkeys/register/start`
pub(super) async fn register_start(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Name>,
) -> ApiResult<Json<Value>> {
    let (id, ccr) = ceremony::start_registration(&app, &console.user, &req.name).await?;
    Ok(Json(json!({"ceremony_id": id, "options": ccr.public_key})))
}

/// `POST /api/me/passkeys/register/finish`
pub(super) async fn register_finish(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<RegisterFinish>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let info = ceremony::finish_registration(&app, &console.user, &req.ceremony_id, &req.credential).await?;
    Ok((StatusCode::CREATED, Json(json!({"passkey": info}))))
}

/// `PATCH /api/me/passkeys/{id}`
pub(super) async fn rename_passkey(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Name>,
) -> ApiResult<Json<Value>> {
    let name = passkeys::check_name(&req.name)?;
    passkeys::rename(&app.db, caller.user.id, &id, &name).await?;
    Ok(Json(json!({"id": id, "name": name})))
}

/// `DELETE /api/me/passkeys/{id}` (step-up)
pub(super) async fn delete_passkey(
    State(app): State<AppState>,
    console: ConsoleSession,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    console.require_step_up(&app)?;
    passkeys::delete(&app.db, console.user.id, &id).await?;
    Ok(Json(json!({"deleted": id})))
}

/// `POST /api/me/mfa/totp/start` (step-up)
pub(super) async fn totp_start(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Json<Value>> {
    console.require_step_up(&app)?;
    if console.user.totp_secret.is_some() {
        return Err(ApiError::conflict("mfa_already_bound", "a virtual MFA device is already bound; unbind it first"));
    }
    let offer = totp::start_bind(&app, console.user.id, &console.user.logon_name).await?;
    Ok(Json(serde_json::to_value(offer).map_err(ApiError::internal)?))
}

/// `POST /api/me/mfa/totp/confirm`
pub(super) async fn totp_confirm(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Code>,
) -> ApiResult<Json<Value>> {
    totp::confirm_bind(&app, console.user.id, &console.user.logon_name, &req.code).await?;
    Ok(Json(json!({"totp_bound": true})))
}

/// `DELETE /api/me/mfa/totp` (step-up)
pub(super) async fn totp_unbind(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Json<Value>> {
    console.require_step_up(&app)?;
    totp::unbind(&app, console.user.id).await?;
    Ok(Json(json!({"totp_bound": false})))
}

/// `POST /api/me/email/start` (step-up)
pub(super) async fn email_start(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Email>,
) -> ApiResult<Json<Value>> {
    console.require_step_up(&app)?;
    email::start_bind(&app, console.user.id, &req.email).await?;
    Ok(Json(json!({"code_sent": true})))
}

/// `POST /api/me/email/confirm`
pub(super) async fn email_confirm(
    State(app): State<AppState>,
    console: ConsoleSession,
    ApiJson(req): ApiJson<Code>,
) -> ApiResult<Json<Value>> {
    let address = email::confirm_bind(&app, console.user.id, &req.code).await?;
    Ok(Json(json!({"email": address})))
}

/// `DELETE /api/me/email` (step-up)
pub(super) async fn email_unbind(State(app): State<AppState>, console: ConsoleSession) -> ApiResult<Json<Value>> {
    console.require_step_up(&app)?;
    email::unbind(&app, console.user.id).await?;
    Ok(Json(json!({"email": null})))
}

/// `GET /api/me/access-keys`
pub(super) async fn list_access_keys(State(app): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"access_keys": access_keys::list(&app.db, caller.user.id).await?})))
}

/// `POST /api/me/access-keys` (step-up): the secret is in this answer only.
pub(super) async fn create_access_key(
    State(app): State<AppState>,
    console: ConsoleSession,
) -> ApiResult<(StatusCode, Json<Value>)> {
    console.require_step_up(&app)?;
    let key = access_keys::create(&app.db, console.user.id, app.now()).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": key.id, "secret": key.secret}))))
}

/// `DELETE /api/me/access-keys/{id}`
pub(super) async fn delete_access_key(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    access_keys::delete(&app.db, caller.user.id, &id).await?;
    Ok(Json(json!({"deleted": id})))
}
