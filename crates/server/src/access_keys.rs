//! API access keys: an ID and a secret shown once at creation. The database
//! keeps only the SHA-256 of the (256-bit random) secret.

use serde::Serialize;
use sqlx::{AnyPool, Row};
use uuid::Uuid;

use crate::error::ApiError;
use crate::secrets::{constant_time_eq, random_token, sha256_hex};

/// Most access keys one user may hold.
pub const MAX_KEYS_PER_USER: i64 = 2;

/// A new key, returned once.
#[derive(Clone, Serialize)]
pub struct NewAccessKey {
    /// Public ID, `KDAK` + 16 upper-case hex digits.
    pub id: String,
    /// The secret; never retrievable again.
    pub secret: String,
}

impl std::fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccessKey").field("id", &self.id).field("secret", &"<redacted>").finish()
    }
}

/// A key as listed to its owner.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccessKeyInfo {
    /// Public ID.
    pub id: String,
    /// Creation time, Unix seconds.
    pub created_at: i64,
    /// Last authenticated call, Unix seconds.
    pub last_used_at: Option<i64>,
}

/// Create a key for `user_id` (at most [`MAX_KEYS_PER_USER`]).
pub async fn create(db: &AnyPool, user_id: Uuid, now: i64) -> Result<NewAccessKey, ApiError> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM access_keys WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_one(db)
        .await?
        .try_get("n")?;
    if n >= MAX_KEYS_PER_USER {
        return Err(ApiError::conflict(
            "access_key_limit_reached",
            format!("you already have {MAX_KEYS_PER_USER} access keys; delete one first"),
        ));
    }
    let mut id_bytes = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id_bytes);
    let id = format!("KDAK{}", id_bytes.iter().map(|b| format!("{b:02X}")).collect::<String>());
    let secret = random_token(32);
    sqlx::query("INSERT INTO access_keys (id, user_id, secret_hash, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(user_id.to_string())
        .bind(sha256_hex(&secret))
        .bind(now)
        .execute(db)
        .await?;
    Ok(NewAccessKey { id, secret })
}

/// The owner of the key if `secret` matches; records the use.
pub async fn authenticate(db: &AnyPool, id: &str, secret: &str, now: i64) -> Result<Option<Uuid>, ApiError> {
    if !crate::secrets::is_plain_id(id) {
        return Ok(None);
    }
    let row = sqlx::query("SELECT user_id, secret_hash FROM access_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let stored: String = row.try_get("secret_hash")?;
    if !constant_time_eq(&stored, &sha256_hex(secret)) {
        return Ok(None);
    }
    sqlx::query("UPDATE access_keys SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(db).await?;
    let user: String = row.try_get("user_id")?;
    Ok(Some(Uuid::parse_str(&user).map_err(ApiError::internal)?))
}

/// The user's keys.
pub async fn list(db: &AnyPool, user_id: Uuid) -> Result<Vec<AccessKeyInfo>, ApiError> {
    let rows = sqlx::query("SELECT id, created_at, last_used_at FROM access_keys WHERE user_id = $1 ORDER BY created_at, id")
        .bind(user_id.to_string())
        .fetch_all(db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AccessKeyInfo {
                id: r.try_get("id")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// Delete the user's key `id`.
pub async fn delete(db: &AnyPool, user_id: Uuid, id: &str) -> Result<(), ApiError> {
    if !crate::secrets::is_plain_id(id) {
        return Err(not_found());
    }
    let done = sqlx::query("DELETE FROM access_keys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id.to_string())
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

fn not_found() -> ApiError {
    ApiError::not_found("access_key_not_found", "no access key with that ID on your account")
}
