//! The JSON HTTP API (documented in docs/api.md and served as OpenAPI at
//! `/api/openapi.json`) and the router that also serves the web pages.

pub mod auth;
mod account;
mod admin;
pub use admin::add_user as admin_add_user;
mod logon;
pub mod openapi;
mod step_up;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::pages;
use crate::state::AppState;

/// A JSON request body whose rejections (wrong content type, syntax, missing
/// or mistyped fields) become 400/415 with the JSON error body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            )),
            Err(JsonRejection::BytesRejection(e)) => {
                Err(ApiError::new(e.status(), "unreadable_body", e.body_text()))
            }
            Err(e) => Err(ApiError::bad_request("invalid_json", e.body_text())),
        }
    }
}

/// A `Set-Cookie` header carrying the session token.
pub(crate) fn session_cookie(app: &AppState, token: &str) -> [(axum::http::HeaderName, HeaderValue); 1] {
    let secure = if app.config.secure_cookie { "; Secure" } else { "" };
    let value = format!("{}={token}; Path=/; HttpOnly; SameSite=Strict{secure}", auth::SESSION_COOKIE);
    [(SET_COOKIE, HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("")))]
}

async fn not_found() -> ApiError {
    ApiError::not_found("no_such_endpoint", "no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed on this endpoint")
}

async fn health() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

/// The complete application: API, OpenAPI document and web pages.
pub fn router(app: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/settings", get(admin::public_settings))
        // Logon
        .route("/api/logon/password", post(logon::password))
        .route("/api/logon/mfa/totp", post(logon::mfa_totp))
        .route("/api/logon/mfa/passkey/start", post(logon::mfa_passkey_start))
        .route("/api/logon/mfa/passkey/finish", post(logon::mfa_passkey_finish))
        .route("/api/logon/passkey/start", post(logon::passkey_start))
        .route("/api/logon/passkey/finish", post(logon::passkey_finish))
        .route("/api/logout", post(logon::logout))
        // Fresh verification
        .route("/api/step-up", get(step_up::status))
        .route("/api/step-up/totp", post(step_up::totp))
        .route("/api/step-up/password", post(step_up::password))
        .route("/api/step-up/passkey/start", post(step_up::passkey_start))
        .route("/api/step-up/passkey/finish", post(step_up::passkey_finish))
        .route("/api/step-up/email/start", post(step_up::email_start))
        .route("/api/step-up/email/finish", post(step_up::email_finish))
        // The caller's account
        .route("/api/me", get(account::me))
        .route("/api/me/password", post(account::change_password))
        .route("/api/me/passkeys", get(account::list_passkeys))
        .route("/api/me/passkeys/register/start", post(account::register_start))
        .route("/api/me/passkeys/register/finish", post(account::register_finish))
        .route("/api/me/passkeys/{id}", patch(account::rename_passkey).delete(account::delete_passkey))
        .route("/api/me/mfa/totp", delete(account::totp_unbind))
        .route("/api/me/mfa/totp/start", post(account::totp_start))
        .route("/api/me/mfa/totp/confirm", post(account::totp_confirm))
        .route("/api/me/email", delete(account::email_unbind))
        .route("/api/me/email/start", post(account::email_start))
        .route("/api/me/email/confirm", post(account::email_confirm))
        .route("/api/me/access-keys", get(account::list_access_keys).post(account::create_access_key))
        .route("/api/me/access-keys/{id}", delete(account::delete_access_key))
        // Administration
        .route("/api/admin/users", get(admin::list_users).post(admin::create_user))
        .route("/api/admin/users/{name}", delete(admin::delete_user))
        .route("/api/admin/settings", get(admin::get_settings).put(admin::put_settings))
        // Web pages
        .route("/", get(pages::index))
        .route("/logon", get(pages::logon))
        .route("/security", get(pages::security))
        .route("/admin", get(pages::admin))
        .route("/static/keydesk.js", get(pages::script))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}
