//! Administration: users and global settings.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Admin;
use super::ApiJson;
use crate::error::{ApiError, ApiResult};
use crate::settings::{self, GlobalSettings};
use crate::state::AppState;
use crate::{password, users};

#[derive(Deserialize)]
pub(super) struct NewUser {
    username: String,
    password: String,
    #[serde(default)]
    admin: bool,
}

fn user_json(user: &users::User) -> Value {
    json!({
        "user": user.logon_name,
        "id": user.id,
        "is_admin": user.is_admin,
        "totp_bound": user.totp_secret.is_some(),
        "email": user.email,
        "created_at": user.created_at,
    })
}

/// `GET /api/admin/users`
pub(super) async fn list_users(State(app): State<AppState>, _admin: Admin) -> ApiResult<Json<Value>> {
    let list: Vec<_> = users::list(&app.db).await?.iter().map(user_json).collect();
    Ok(Json(json!({"users": list})))
}

/// Create a user (shared by the admin API and the `user add` command).
pub async fn add_user(app: &AppState, username: &str, password: &str, admin: bool) -> ApiResult<users::User> {
    let name = users::normalize_logon_name(username, &app.config.logon_suffix)?;
    let hash = password::hash_password_off_thread(password, app.config.argon2).await.map_err(|e| match e {
        password::PasswordError::BadLength => ApiError::bad_request("weak_password", e.to_string()),
        other => ApiError::internal(other),
    })?;
    users::create(&app.db, &name, &hash, admin, app.now()).await
}

/// `POST /api/admin/users`
pub(super) async fn create_user(
    State(app): State<AppState>,
    _admin: Admin,
    ApiJson(req): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let user = add_user(&app, &req.username, &req.password, req.admin).await?;
    Ok((StatusCode::CREATED, Json(user_json(&user))))
}

/// `DELETE /api/admin/users/{name}`
pub(super) async fn delete_user(
    State(app): State<AppState>,
    _admin: Admin,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let name = users::normalize_logon_name(&name, &app.config.logon_suffix)?;
    if !users::delete(&app.db, &name).await? {
        return Err(ApiError::not_found("user_not_found", format!("no user {name}")));
    }
    Ok(Json(json!({"deleted": name})))
}

/// `GET /api/admin/settings`
pub(super) async fn get_settings(State(app): State<AppState>, _admin: Admin) -> ApiResult<Json<GlobalSettings>> {
    Ok(Json(settings::load(&app.db).await?))
}

/// `PUT /api/admin/settings` (admin users need a fresh verification)
pub(super) async fn put_settings(
    State(app): State<AppState>,
    admin: Admin,
    ApiJson(req): ApiJson<GlobalSettings>,
) -> ApiResult<Json<GlobalSettings>> {
    admin.require_step_up(&app)?;
    settings::save(&app.db, req).await?;
    Ok(Json(req))
}

/// `GET /api/settings` — the settings the logon page needs, no authentication.
pub(super) async fn public_settings(State(app): State<AppState>) -> ApiResult<Json<GlobalSettings>> {
    Ok(Json(settings::load(&app.db).await?))
}
