//! The API's error type: every failure becomes an HTTP status and a JSON body
//! `{"error": {"kind": "...", "message": "..."}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answered to an API caller.
///
/// `kind` is a stable machine-readable word (documented in docs/api.md); `message`
/// is for people. Client mistakes are 4xx; only server faults (database down,
/// SMTP unreachable) are 5xx, and their details go to the log, not the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: StatusCode,
    /// Stable error kind, e.g. `passkey_limit_reached`.
    pub kind: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

/// Result type of API handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A new error with the given status, kind and message.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self { status, kind, message: message.into() }
    }

    /// 400: the request is malformed or a field is invalid.
    pub fn bad_request(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, kind, message)
    }

    /// 401: no or wrong credentials.
    pub fn unauthorized(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, kind, message)
    }

    /// 403: authenticated, but not allowed (yet).
    pub fn forbidden(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, kind, message)
    }

    /// 404: the named object does not exist (for this caller).
    pub fn not_found(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, kind, message)
    }

    /// 409: the request conflicts with existing state (duplicate name, limit reached).
    pub fn conflict(kind: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, kind, message)
    }

    /// 429: too many attempts.
    pub fn too_many_attempts(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message)
    }

    /// 500: a server fault; the cause is logged, the caller sees a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal server error")
    }

    /// 401 `step_up_required`: a sensitive operation needs a fresh verification.
    pub fn step_up_required() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "step_up_required",
            "this operation needs a fresh verification: POST /api/step-up/... first",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "kind": self.kind, "message": self.message }
        });
        (self.status, Json(body)).into_response()
    }
}
