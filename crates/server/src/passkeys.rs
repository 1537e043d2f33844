//! Stored passkeys: the webauthn-rs credential plus the account rules' data
//! (name unique per user, creation and last-use times, counter regressions).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use uuid::Uuid;
use webauthn_rs::prelude::Passkey;

use crate::error::ApiError;

/// Longest passkey name, in characters.
pub const MAX_NAME_LEN: usize = 64;

/// A passkey as listed to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeyInfo {
    /// Credential ID, base64url.
    pub id: String,
    /// The user's name for it.
    pub name: String,
    /// Registration time, Unix seconds.
    pub created_at: i64,
    /// Last successful logon or verification with it, Unix seconds.
    pub last_used_at: Option<i64>,
    /// How many assertions carried a signature counter not above the stored
    /// one (WebAuthn L3 §6.1.1: a sign the key may have been cloned).
    pub counter_regressions: i64,
    /// When the last regression was seen.
    pub last_regression_at: Option<i64>,
}

/// A stored passkey with its verifying credential.
#[derive(Debug, Clone)]
pub struct StoredPasskey {
    /// Listing data.
    pub info: PasskeyInfo,
    /// Owner.
    pub user_id: Uuid,
    /// The webauthn-rs credential (public key, counter, flags).
    pub credential: Passkey,
}

/// Base64url (no padding) form of a credential ID, the passkey's public ID.
pub fn encode_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// Validate and trim a passkey name.
pub fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("passkey_name_required", "a passkey needs a name"));
    }
    if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_passkey_name",
            format!("a passkey name is at most {MAX_NAME_LEN} printable characters"),
        ));
    }
    Ok(name.to_owned())
}

const COLUMNS: &str = "id, user_id, name, credential, counter_regressions, last_regression_at, \
                       created_at, last_used_at";

fn from_row(row: &AnyRow) -> Result<StoredPasskey, ApiError> {
    let user_id: String = row.try_get("user_id")?;
    let credential: String = row.try_get("credential")?;
    Ok(StoredPasskey {
        info: PasskeyInfo {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            created_at: row.try_get("created_at")?,
            last_used_at: row.try_get("last_used_at")?,
            counter_regressions: row.try_get("counter_regressions")?,
            last_regression_at: row.try_get("last_regression_at")?,
        },
        user_id: Uuid::parse_str(&user_id).map_err(ApiError::internal)?,
        credential: serde_json::from_str(&credential).map_err(ApiError::internal)?,
    })
}

/// The user's passkeys, oldest first.
pub async fn list(db: &AnyPool, user_id: Uuid) -> Result<Vec<StoredPasskey>, ApiError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, name"
    ))
    .bind(user_id.to_string())
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The passkey with credential ID `id` (base64url), whoever owns it.
pub async fn find(db: &AnyPool, id: &str) -> Result<Option<StoredPasskey>, ApiError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM passkeys WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Number of passkeys the user holds.
pub async fn count(db: &AnyPool, user_id: Uuid) -> Result<i64, ApiError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM passkeys WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_one(db)
        .await?;
    Ok(row.try_get("n")?)
}

/// Whether the user already has a passkey called `name` (ignoring `except_id`).
pub async fn name_taken(
    db: &AnyPool,
    user_id: Uuid,
    name: &str,
    except_id: Option<&str>,
) -> Result<bool, ApiError> {
    let row = sqlx::query("SELECT id FROM passkeys WHERE user_id = $1 AND name = $2")
        .bind(user_id.to_string())
        .bind(name)
        .fetch_optional(db)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get::<String, _>("id")?.as_str()) != except_id,
        None => false,
    })
}

/// Error when the user already holds `max` passkeys.
pub fn limit_error(max: i64) -> ApiError {
    ApiError::conflict(
        "passkey_limit_reached",
        format!("you already have {max} passkeys, the most allowed; delete one before adding another"),
    )
}

/// Error when the name is taken.
pub fn duplicate_name_error(name: &str) -> ApiError {
    ApiError::conflict(
        "passkey_name_taken",
        format!("you already have a passkey named \"{name}\"; choose another name"),
    )
}

/// Store a newly registered passkey, enforcing the per-user limit and unique
/// names inside one transaction.
pub async fn insert(
    db: &AnyPool,
    user_id: Uuid,
    name: &str,
    credential: &Passkey,
    max: i64,
    now: i64,
) -> Result<PasskeyInfo, ApiError> {
    let id = encode_id(credential.cred_id().as_ref());
    let json = serde_json::to_string(credential).map_err(ApiError::internal)?;
    let mut tx = crate::db::begin_write(db).await?;
    // Lock the user's row (portable `SELECT ... FOR UPDATE`) so concurrent
    // registrations on several instances cannot both pass the limit check.
    sqlx::query("UPDATE users SET id = id WHERE id = $1").bind(user_id.to_string()).execute(&mut *tx).await?;
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM passkeys WHERE user_id = $1")
        .bind(user_id.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if n >= max {
        return Err(limit_error(max));
    }
    let existing = sqlx::query("SELECT user_id, name FROM passkeys WHERE id = $1 OR (user_id = $2 AND name = $3)")
        .bind(&id)
        .bind(user_id.to_string())
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(row) = existing {
        let existing_name: String = row.try_get("name")?;
        if existing_name == name {
            return Err(duplicate_name_error(name));
        }
        return Err(ApiError::conflict(
            "passkey_already_registered",
            "this passkey is already registered",
        ));
    }
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, name, credential, counter_regressions, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(&id)
    .bind(user_id.to_string())
    .bind(name)
    .bind(json)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => duplicate_name_error(name),
        _ => ApiError::from(e),
    })?;
    tx.commit().await?;
    Ok(PasskeyInfo {
        id,
        name: name.to_owned(),
        created_at: now,
        last_used_at: None,
        counter_regressions: 0,
        last_regression_at: None,
    })
}

/// Rename the user's passkey `id`.
pub async fn rename(db: &AnyPool, user_id: Uuid, id: &str, name: &str) -> Result<(), ApiError> {
    if !crate::secrets::is_plain_id(id) {
        return Err(not_found());
    }
    if name_taken(db, user_id, name, Some(id)).await? {
        return Err(duplicate_name_error(name));
    }
    let done = sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
        .bind(name)
        .bind(id)
        .bind(user_id.to_string())
        .execute(db)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => duplicate_name_error(name),
            _ => ApiError::from(e),
        })?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Delete the user's passkey `id`.
pub async fn delete(db: &AnyPool, user_id: Uuid, id: &str) -> Result<(), ApiError> {
    if !crate::secrets::is_plain_id(id) {
        return Err(not_found());
    }
    let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id.to_string())
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// Record a successful use: new credential state (counter) and last-use time.
pub async fn record_use(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
    credential: &Passkey,
    now: i64,
) -> Result<(), ApiError> {
    let json = serde_json::to_string(credential).map_err(ApiError::internal)?;
    sqlx::query("UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3")
        .bind(json)
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Flag a signature-counter regression on passkey `id`.
pub async fn record_counter_regression(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    id: &str,
    now: i64,
) -> Result<(), ApiError> {
    tracing::warn!(passkey = id, "signature counter regression: the passkey may be cloned");
    sqlx::query(
        "UPDATE passkeys SET counter_regressions = counter_regressions + 1, \
         last_regression_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

fn not_found() -> ApiError {
    ApiError::not_found("passkey_not_found", "no passkey with that ID on your account")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(check_name("  YubiKey 5 ").unwrap(), "YubiKey 5");
        assert_eq!(check_name("   ").unwrap_err().kind, "passkey_name_required");
        assert_eq!(check_name(&"x".repeat(65)).unwrap_err().kind, "invalid_passkey_name");
        assert_eq!(check_name("a\nb").unwrap_err().kind, "invalid_passkey_name");
    }
}
