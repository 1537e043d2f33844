//! User accounts: `<username>@<logon-suffix>`, Argon2id password, bound factors.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use uuid::Uuid;

use crate::error::ApiError;

/// Longest username (the part before `@`).
pub const MAX_USERNAME_LEN: usize = 64;

/// A stored user account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Stable ID; also the WebAuthn user handle.
    pub id: Uuid,
    /// Full logon name, `<username>@<logon-suffix>`.
    pub logon_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Whether the user may use the admin API and pages.
    pub is_admin: bool,
    /// Bound TOTP secret (base32), if virtual MFA is bound.
    pub totp_secret: Option<String>,
    /// Bound email address, if any.
    pub email: Option<String>,
    /// Creation time, Unix seconds.
    pub created_at: i64,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("logon_name", &self.logon_name)
            .field("is_admin", &self.is_admin)
            .field("totp_bound", &self.totp_secret.is_some())
            .field("email", &self.email)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

const USER_COLUMNS: &str =
    "id, logon_name, password_hash, is_admin, totp_secret, email, created_at";

fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let id: String = row.try_get("id")?;
    Ok(User {
        id: Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        logon_name: row.try_get("logon_name")?,
        password_hash: row.try_get("password_hash")?,
        is_admin: row.try_get::<i64, _>("is_admin")? != 0,
        totp_secret: row.try_get("totp_secret")?,
        email: row.try_get("email")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Normalize a logon name given by a person: `alice` or `alice@suffix`
/// (any case) becomes `alice@suffix`. Rejects other suffixes and characters
/// outside `[a-z0-9._-]`.
pub fn normalize_logon_name(input: &str, suffix: &str) -> Result<String, ApiError> {
    let input = input.trim().to_ascii_lowercase();
    let suffix = suffix.to_ascii_lowercase();
    let username = match input.split_once('@') {
        Some((user, given_suffix)) if given_suffix == suffix => user.to_owned(),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_username",
                format!("user names on this server end with @{suffix}"),
            ))
        }
        None => input,
    };
    let valid_chars = username
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if username.is_empty() || username.len() > MAX_USERNAME_LEN || !valid_chars {
        return Err(ApiError::bad_request(
            "invalid_username",
            format!("a username is 1 to {MAX_USERNAME_LEN} characters of a-z, 0-9, '.', '_' and '-'"),
        ));
    }
    Ok(format!("{username}@{suffix}"))
}

/// Insert a new user. Fails with 409 `user_exists` on a duplicate name.
pub async fn create(
    db: &AnyPool,
    logon_name: &str,
    password_hash: &str,
    is_admin: bool,
    now: i64,
) -> Result<User, ApiError> {
    if find_by_name(db, logon_name).await?.is_some() {
        return Err(ApiError::conflict("user_exists", format!("user {logon_name} already exists")));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO users (id, logon_name, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(logon_name)
    .bind(password_hash)
    .bind(i64::from(is_admin))
    .bind(now)
    .execute(db)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            ApiError::conflict("user_exists", format!("user {logon_name} already exists"))
        }
        _ => ApiError::from(e),
    })?;
    find_by_id(db, id).await?.ok_or_else(|| ApiError::internal("user vanished after insert"))
}

/// The user named `logon_name` (already normalized).
pub async fn find_by_name(db: &AnyPool, logon_name: &str) -> Result<Option<User>, ApiError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE logon_name = $1"))
        .bind(logon_name)
        .fetch_optional(db)
        .await?;
    Ok(row.as_ref().map(user_from_row).transpose()?)
}

/// The user with ID `id`.
pub async fn find_by_id(db: &AnyPool, id: Uuid) -> Result<Option<User>, ApiError> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(db)
        .await?;
    Ok(row.as_ref().map(user_from_row).transpose()?)
}

/// All users, ordered by logon name.
pub async fn list(db: &AnyPool) -> Result<Vec<User>, ApiError> {
    let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY logon_name"))
        .fetch_all(db)
        .await?;
    Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
}

/// Delete a user and (by cascade) everything bound to it. Returns whether it existed.
pub async fn delete(db: &AnyPool, logon_name: &str) -> Result<bool, ApiError> {
    let Some(user) = find_by_name(db, logon_name).await? else {
        return Ok(false);
    };
    let id = user.id.to_string();
    let mut tx = crate::db::begin_write(db).await?;
    // Explicit deletes: cascades are not relied upon (SQLite enforces them
    // only with the foreign_keys pragma).
    for table in ["passkeys", "sessions", "email_codes", "access_keys"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM ceremonies WHERE user_id = $1").bind(&id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM users WHERE id = $1").bind(&id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// Replace the user's password hash.
pub async fn set_password_hash(db: &AnyPool, id: Uuid, hash: &str) -> Result<(), ApiError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(id.to_string())
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_logon_name("Alice", "corp.example").unwrap(), "alice@corp.example");
        assert_eq!(
            normalize_logon_name("alice@CORP.example", "corp.example").unwrap(),
            "alice@corp.example"
        );
        assert!(normalize_logon_name("alice@other.example", "corp.example").is_err());
        assert!(normalize_logon_name("", "corp.example").is_err());
        assert!(normalize_logon_name("a b", "corp.example").is_err());
        assert!(normalize_logon_name(&"a".repeat(65), "corp.example").is_err());
    }
}
