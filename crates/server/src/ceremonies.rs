//! WebAuthn ceremony state between `start` and `finish`, kept in the database
//! (serialized webauthn-rs state) so the finish may reach another instance.
//! Each ceremony is consumed once: `take` deletes it; an assertion's finish
//! reads it with `peek` and deletes it with `consume` in the transaction that
//! records the outcome (or with `discard` when it fails).

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};
use uuid::Uuid;

use crate::error::ApiError;

/// What a ceremony is for; a ceremony started for one purpose cannot finish another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Registering a new passkey.
    Register,
    /// Second factor after the password.
    LogonMfa,
    /// Passkey-only logon.
    LogonPasskey,
    /// Fresh verification for a sensitive operation.
    StepUp,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Register => "register",
            Kind::LogonMfa => "logon_mfa",
            Kind::LogonPasskey => "logon_passkey",
            Kind::StepUp => "step_up",
        }
    }
}

/// Store `state`; returns the ceremony ID the client sends back with its response.
pub async fn put<T: Serialize>(
    db: &AnyPool,
    kind: Kind,
    user_id: Option<Uuid>,
    state: &T,
    expires_at: i64,
) -> Result<String, ApiError> {
    let id = Uuid::new_v4().to_string();
    let json = serde_json::to_string(state).map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO ceremonies (id, kind, user_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(kind.as_str())
    .bind(user_id.map(|u| u.to_string()))
    .bind(json)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(id)
}

/// Remove and return the ceremony `id` of `kind` (and, when given, of `user_id`).
/// Unknown, expired, foreign or already-used ceremonies give 400 `unknown_ceremony`.
pub async fn take<T: DeserializeOwned>(
    db: &AnyPool,
    id: &str,
    kind: Kind,
    user_id: Option<Uuid>,
    now: i64,
) -> Result<(T, Option<Uuid>), ApiError> {
    if !crate::secrets::is_plain_id(id) {
        return Err(unknown());
    }
    // Deleted and read in one statement: whichever instance deletes the row owns the ceremony.
    let row = sqlx::query("DELETE FROM ceremonies WHERE id = $1 RETURNING kind, user_id, state, expires_at")
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(unknown)?;
    check(&row, kind, user_id, now)
}

/// Read the ceremony `id` of `kind` (and, when given, of `user_id`) without consuming it;
/// the same refusals as [`take`]. The caller must [`consume`] or [`discard`] it.
pub async fn peek<T: DeserializeOwned>(
    db: &AnyPool,
    id: &str,
    kind: Kind,
    user_id: Option<Uuid>,
    now: i64,
) -> Result<(T, Option<Uuid>), ApiError> {
    if !crate::secrets::is_plain_id(id) {
        return Err(unknown());
    }
    let row = sqlx::query("SELECT kind, user_id, state, expires_at FROM ceremonies WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(unknown)?;
    check(&row, kind, user_id, now)
}

/// Consume the ceremony `id` within the caller's transaction: whichever request deletes the
/// row owns the ceremony; the others get 400 `unknown_ceremony` (and roll back).
pub async fn consume(tx: &mut AnyConnection, id: &str) -> Result<(), ApiError> {
    let deleted = sqlx::query("DELETE FROM ceremonies WHERE id = $1").bind(id).execute(tx).await?;
    if deleted.rows_affected() == 1 {
        Ok(())
    } else {
        Err(unknown())
    }
}

/// Drop the ceremony `id` after a failed finish: it cannot be tried again.
pub async fn discard(db: &AnyPool, id: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM ceremonies WHERE id = $1").bind(id).execute(db).await?;
    Ok(())
}

fn unknown() -> ApiError {
    ApiError::bad_request("unknown_ceremony", "unknown, expired or already used ceremony ID")
}

fn check<T: DeserializeOwned>(
    row: &AnyRow,
    kind: Kind,
    user_id: Option<Uuid>,
    now: i64,
) -> Result<(T, Option<Uuid>), ApiError> {
    let stored_kind: String = row.try_get("kind")?;
    let stored_user: Option<String> = row.try_get("user_id")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    let stored_user = stored_user.and_then(|u| Uuid::parse_str(&u).ok());
    if stored_kind != kind.as_str() || expires_at <= now {
        return Err(unknown());
    }
    if user_id.is_some() && stored_user != user_id {
        return Err(unknown());
    }
    let state: String = row.try_get("state")?;
    let state = serde_json::from_str(&state).map_err(ApiError::internal)?;
    Ok((state, stored_user))
}
