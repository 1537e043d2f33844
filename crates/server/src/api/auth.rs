//! Who is calling: a session (cookie `keydesk_session` or `Authorization:
//! Bearer <token>`), an API access key (`Authorization: AccessKey <id>:<secret>`),
//! or an administrator (`X-Admin-Token`, or an admin user's session).

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;

use crate::access_keys;
use crate::error::ApiError;
use crate::secrets::constant_time_eq;
use crate::sessions::{self, Session, Stage};
use crate::state::AppState;
use crate::users::{self, User};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "keydesk_session";

enum Credential {
    Session(String),
    AccessKey { id: String, secret: String },
}

fn credential(parts: &Parts) -> Option<Credential> {
    if let Some(value) = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        if let Some(token) = value.strip_prefix("Bearer ") {
            return Some(Credential::Session(token.trim().to_owned()));
        }
        if let Some(key) = value.strip_prefix("AccessKey ") {
            let (id, secret) = key.trim().split_once(':')?;
            return Some(Credential::AccessKey { id: id.to_owned(), secret: secret.to_owned() });
        }
        return None;
    }
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{SESSION_COOKIE}=")).map(str::to_owned))
        .map(Credential::Session)
}

fn not_logged_on() -> ApiError {
    ApiError::unauthorized("not_logged_on", "log on first (session cookie, Bearer token or access key)")
}

async fn session_user(app: &AppState, token: &str) -> Result<(Session, User), ApiError> {
    let session = sessions::find(&app.db, token, app.now()).await?.ok_or_else(not_logged_on)?;
    let user = users::find_by_id(&app.db, session.user_id).await?.ok_or_else(not_logged_on)?;
    Ok((session, user))
}

/// An active console session (password + second factor done, or passkey logon).
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    /// The session.
    pub session: Session,
    /// Its user.
    pub user: User,
}

impl ConsoleSession {
    /// Fail with 401 `step_up_required` unless a fresh verification is on record.
    pub fn require_step_up(&self, app: &AppState) -> Result<(), ApiError> {
        if self.session.step_up_until > app.now() {
            Ok(())
        } else {
            Err(ApiError::step_up_required())
        }
    }
}

impl FromRequestParts<AppState> for ConsoleSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        match credential(parts) {
            Some(Credential::Session(token)) => {
                let (session, user) = session_user(app, &token).await?;
                if session.stage != Stage::Active {
                    return Err(ApiError::unauthorized(
                        "mfa_required",
                        "complete the second factor of the logon first",
                    ));
                }
                Ok(Self { session, user })
            }
            Some(Credential::AccessKey { .. }) => Err(ApiError::forbidden(
                "console_session_required",
                "this operation needs a console logon (with MFA when bound), not an access key",
            )),
            None => Err(not_logged_on()),
        }
    }
}

/// A session that passed the password and still owes the second factor.
#[derive(Debug, Clone)]
pub struct PendingSession {
    /// The session.
    pub session: Session,
    /// Its user.
    pub user: User,
}

impl FromRequestParts<AppState> for PendingSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let Some(Credential::Session(token)) = credential(parts) else {
            return Err(not_logged_on());
        };
        let (session, user) = session_user(app, &token).await?;
        if session.stage != Stage::MfaPending {
            return Err(ApiError::bad_request("mfa_not_pending", "this session is not waiting for a second factor"));
        }
        Ok(Self { session, user })
    }
}

/// Any authenticated caller: an active session or an access key. Access keys
/// skip MFA by design (for API automation); they never satisfy step-up.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The calling user.
    pub user: User,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        match credential(parts) {
            Some(Credential::AccessKey { id, secret }) => {
                let bad = || ApiError::unauthorized("invalid_access_key", "unknown access key or wrong secret");
                let user_id = access_keys::authenticate(&app.db, &id, &secret, app.now()).await?.ok_or_else(bad)?;
                let user = users::find_by_id(&app.db, user_id).await?.ok_or_else(bad)?;
                Ok(Self { user })
            }
            Some(Credential::Session(_)) => {
                let console = ConsoleSession::from_request_parts(parts, app).await?;
                Ok(Self { user: console.user })
            }
            None => Err(not_logged_on()),
        }
    }
}

/// An administrator: the deployment's admin token, or an admin user's console session.
#[derive(Debug, Clone)]
pub struct Admin {
    /// The admin's session, when not calling with the admin token.
    pub console: Option<ConsoleSession>,
}

impl Admin {
    /// Sensitive admin changes: an admin user needs a fresh verification; the
    /// admin token is the deployment's root credential and needs none.
    pub fn require_step_up(&self, app: &AppState) -> Result<(), ApiError> {
        match &self.console {
            Some(console) => console.require_step_up(app),
            None => Ok(()),
        }
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if let Some(given) = parts.headers.get("x-admin-token").and_then(|v| v.to_str().ok()) {
            return match &app.config.admin_token {
                Some(expected) if constant_time_eq(expected, given) => Ok(Self { console: None }),
                _ => Err(ApiError::unauthorized("invalid_admin_token", "wrong admin token")),
            };
        }
        let console = ConsoleSession::from_request_parts(parts, app).await?;
        if !console.user.is_admin {
            return Err(ApiError::forbidden("admin_required", "this needs an administrator"));
        }
        Ok(Self { console: Some(console) })
    }
}
