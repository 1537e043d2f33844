//! Logon sessions, stored in the database so any server instance can serve them.
//! The caller holds a random token; the database holds only its SHA-256.

use sqlx::{AnyPool, Row};
use uuid::Uuid;

use crate::error::ApiError;
use crate::secrets::{random_token, sha256_hex};

/// How far a session has come through logon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the bound second factor is still due.
    MfaPending,
    /// Fully logged on.
    Active,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::MfaPending => "mfa_pending",
            Stage::Active => "active",
        }
    }
}

/// A session looked up from its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the token (the row's key).
    pub token_hash: String,
    /// Owner.
    pub user_id: Uuid,
    /// Logon progress.
    pub stage: Stage,
    /// Until when a fresh verification counts, Unix seconds.
    pub step_up_until: i64,
}

/// Create a session; returns the token to hand to the caller (shown once).
pub async fn create(
    db: &AnyPool,
    user_id: Uuid,
    stage: Stage,
    now: i64,
    lifetime: i64,
) -> Result<String, ApiError> {
    create_verified(db, user_id, stage, now, lifetime, 0).await
}

/// Like [`create`], with the session counting as freshly verified until `step_up_until`
/// (one write: a logon by passkey is itself a fresh verification).
pub async fn create_verified(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    user_id: Uuid,
    stage: Stage,
    now: i64,
    lifetime: i64,
    step_up_until: i64,
) -> Result<String, ApiError> {
    let token = random_token(32);
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, stage, created_at, expires_at, step_up_until) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sha256_hex(&token))
    .bind(user_id.to_string())
    .bind(stage.as_str())
    .bind(now)
    .bind(now + lifetime)
    .bind(step_up_until)
    .execute(db)
    .await?;
    Ok(token)
}

/// The unexpired session for `token`, if any.
pub async fn find(db: &AnyPool, token: &str, now: i64) -> Result<Option<Session>, ApiError> {
    let row = sqlx::query(
        "SELECT token_hash, user_id, stage, step_up_until FROM sessions \
         WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(sha256_hex(token))
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user_id: String = row.try_get("user_id")?;
    let stage: String = row.try_get("stage")?;
    Ok(Some(Session {
        token_hash: row.try_get("token_hash")?,
        user_id: Uuid::parse_str(&user_id).map_err(ApiError::internal)?,
        stage: if stage == "active" { Stage::Active } else { Stage::MfaPending },
        step_up_until: row.try_get("step_up_until")?,
    }))
}

/// Promote an MFA-pending session to active, with a new lifetime. The second
/// factor just given also counts as a fresh verification.
pub async fn activate(
    db: &AnyPool,
    token_hash: &str,
    now: i64,
    lifetime: i64,
    step_up_until: i64,
) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE sessions SET stage = 'active', expires_at = $1, step_up_until = $2 \
         WHERE token_hash = $3",
    )
    .bind(now + lifetime)
    .bind(step_up_until)
    .bind(token_hash)
    .execute(db)
    .await?;
    Ok(())
}

/// Record a fresh verification on the session, valid until `until`.
pub async fn set_step_up(db: &AnyPool, token_hash: &str, until: i64) -> Result<(), ApiError> {
    sqlx::query("UPDATE sessions SET step_up_until = $1 WHERE token_hash = $2")
        .bind(until)
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// End one session.
pub async fn delete(db: &AnyPool, token_hash: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(db).await?;
    Ok(())
}

/// End every other session of a user (after a password change).
pub async fn delete_others(db: &AnyPool, user_id: Uuid, keep: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id.to_string())
        .bind(keep)
        .execute(db)
        .await?;
    Ok(())
}

/// Drop expired sessions, ceremonies, codes and rate-limit windows.
pub async fn purge_expired(db: &AnyPool, now: i64) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(db).await?;
    sqlx::query("DELETE FROM ceremonies WHERE expires_at <= $1").bind(now).execute(db).await?;
    sqlx::query("DELETE FROM email_codes WHERE expires_at <= $1").bind(now).execute(db).await?;
    // Windows are at most minutes long; a day-old counter is dead.
    sqlx::query("DELETE FROM rate_limits WHERE window_start <= $1").bind(now - 86_400).execute(db).await?;
    Ok(())
}
