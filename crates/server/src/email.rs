//! Email addresses and one-time email codes: binding an address (confirmed by
//! a code sent to it) and codes for fresh verification. Codes are 6 digits,
//! stored hashed, expire, and allow a bounded number of wrong guesses.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::{AnyPool, Row};
use uuid::Uuid;

use crate::config::SmtpConfig;
use crate::error::ApiError;
use crate::secrets::{random_digits, sha256_hex};
use crate::state::AppState;

/// Longest email address accepted (RFC 5321 §4.5.3.1.3 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// What an email code proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Ownership of an address being bound.
    Bind,
    /// A fresh verification for a sensitive operation.
    StepUp,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Bind => "bind",
            Purpose::StepUp => "step_up",
        }
    }
}

/// Sends code messages over SMTP.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for the configured SMTP relay (plain SMTP, no authentication).
    pub fn new(config: &SmtpConfig) -> Result<Self, String> {
        let from: Mailbox = config.from.parse().map_err(|e| format!("sender address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .build();
        Ok(Self { transport, from })
    }

    async fn send_code(&self, to: &str, code: &str, purpose: Purpose, rp_name: &str) -> Result<(), ApiError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| ApiError::bad_request("invalid_email", "not a valid email address"))?;
        let what = match purpose {
            Purpose::Bind => "confirm this email address",
            Purpose::StepUp => "confirm a security-sensitive change",
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("{rp_name} verification code"))
            .body(format!("Your {rp_name} code to {what} is: {code}\n\nIt expires in a few minutes. If you did not ask for it, ignore this message.\n"))
            .map_err(ApiError::internal)?;
        self.transport.send(message).await.map_err(|e| {
            tracing::error!(error = %e, "sending email failed");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "email_unavailable",
                "the email could not be sent; try again later",
            )
        })?;
        Ok(())
    }
}

/// Lowercase and check an address given by a user.
pub fn normalize_address(input: &str) -> Result<String, ApiError> {
    let address = input.trim().to_ascii_lowercase();
    let invalid = || ApiError::bad_request("invalid_email", "not a valid email address");
    if address.len() > MAX_EMAIL_LEN || address.parse::<lettre::Address>().is_err() {
        return Err(invalid());
    }
    Ok(address)
}

/// Users already bound to `address`.
pub async fn users_with_address(db: &AnyPool, address: &str) -> Result<i64, ApiError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE email = $1")
        .bind(address)
        .fetch_one(db)
        .await?;
    Ok(row.try_get("n")?)
}

fn too_many_users(max: i64) -> ApiError {
    ApiError::conflict(
        "email_limit_reached",
        format!("this email address is already bound to {max} users, the most allowed"),
    )
}

fn mailer(app: &AppState) -> Result<&Mailer, ApiError> {
    app.mailer.as_ref().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "email_unavailable",
            "this server has no SMTP relay configured",
        )
    })
}

/// Create a code for `user_id` and send it to `address`. Earlier codes of the
/// same purpose are replaced.
pub async fn send_code(app: &AppState, user_id: Uuid, address: &str, purpose: Purpose) -> Result<(), ApiError> {
    let mailer = mailer(app)?;
    let code = random_digits(6);
    let id = Uuid::new_v4().to_string();
    let expires = app.now() + app.config.policy.email_code_lifetime;
    let mut tx = crate::db::begin_write(&app.db).await?;
    sqlx::query("DELETE FROM email_codes WHERE user_id = $1 AND purpose = $2")
        .bind(user_id.to_string())
        .bind(purpose.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO email_codes (id, user_id, purpose, email, code_hash, attempts, expires_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
    )
    .bind(&id)
    .bind(user_id.to_string())
    .bind(purpose.as_str())
    .bind(address)
    .bind(sha256_hex(&format!("{id}:{code}")))
    .bind(expires)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    mailer.send_code(address, &code, purpose, &app.config.rp_name).await
}

/// Check `code` against the user's pending code of `purpose`. A wrong code
/// uses up one attempt; the code dies after too many or on success.
/// Returns the address the code was sent to.
pub async fn check_code(app: &AppState, user_id: Uuid, purpose: Purpose, code: &str) -> Result<String, ApiError> {
    let row = sqlx::query(
        "SELECT id, email, code_hash, attempts, expires_at FROM email_codes \
         WHERE user_id = $1 AND purpose = $2",
    )
    .bind(user_id.to_string())
    .bind(purpose.as_str())
    .fetch_optional(&app.db)
    .await?
    .ok_or_else(|| ApiError::bad_request("no_email_code", "no email code is pending; request one first"))?;
    let id: String = row.try_get("id")?;
    let expires_at: i64 = row.try_get("expires_at")?;
    if expires_at <= app.now() {
        sqlx::query("DELETE FROM email_codes WHERE id = $1").bind(&id).execute(&app.db).await?;
        return Err(ApiError::unauthorized("email_code_expired", "the email code has expired; request a new one"));
    }
    // Count the attempt atomically before comparing, so parallel guesses on
    // several instances cannot exceed the limit.
    let max = app.config.policy.email_code_attempts;
    let counted = sqlx::query("UPDATE email_codes SET attempts = attempts + 1 WHERE id = $1 AND attempts < $2")
        .bind(&id)
        .bind(max)
        .execute(&app.db)
        .await?;
    if counted.rows_affected() != 1 {
        sqlx::query("DELETE FROM email_codes WHERE id = $1").bind(&id).execute(&app.db).await?;
        return Err(ApiError::too_many_attempts("too many wrong codes; request a new one"));
    }
    let stored: String = row.try_get("code_hash")?;
    let given = sha256_hex(&format!("{id}:{}", code.trim()));
    if !crate::secrets::constant_time_eq(&stored, &given) {
        return Err(ApiError::unauthorized("wrong_email_code", "the email code is wrong"));
    }
    let used = sqlx::query("DELETE FROM email_codes WHERE id = $1").bind(&id).execute(&app.db).await?;
    if used.rows_affected() != 1 {
        return Err(ApiError::bad_request("no_email_code", "this code was already used"));
    }
    Ok(row.try_get("email")?)
}

/// Start binding `address`: check the per-address user limit, send a code.
pub async fn start_bind(app: &AppState, user_id: Uuid, address: &str) -> Result<(), ApiError> {
    let address = normalize_address(address)?;
    let max = app.config.policy.max_users_per_email;
    if users_with_address(&app.db, &address).await? >= max {
        return Err(too_many_users(max));
    }
    send_code(app, user_id, &address, Purpose::Bind).await
}

/// Finish binding with the code from the message; returns the bound address.
pub async fn confirm_bind(app: &AppState, user_id: Uuid, code: &str) -> Result<String, ApiError> {
    let address = check_code(app, user_id, Purpose::Bind, code).await?;
    let max = app.config.policy.max_users_per_email;
    let mut tx = crate::db::begin_write(&app.db).await?;
    // Serialize binds of one address across instances: the upsert locks one
    // row per address (in rate_limits, whose rows are purged after a day), so
    // the count below sees every bind committed before.
    sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 0) \
         ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits",
    )
    .bind(format!("email-bind:{address}"))
    .bind(app.now())
    .execute(&mut *tx)
    .await?;
    let others: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE email = $1 AND id <> $2")
        .bind(&address)
        .bind(user_id.to_string())
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
    if others >= max {
        return Err(too_many_users(max));
    }
    sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
        .bind(&address)
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(address)
}

/// Remove the bound address.
pub async fn unbind(app: &AppState, user_id: Uuid) -> Result<(), ApiError> {
    sqlx::query("UPDATE users SET email = NULL WHERE id = $1")
        .bind(user_id.to_string())
        .execute(&app.db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalized() {
        assert_eq!(normalize_address(" Bob@Example.COM ").unwrap(), "bob@example.com");
        assert!(normalize_address("not an address").is_err());
        assert!(normalize_address(&format!("{}@example.com", "a".repeat(300))).is_err());
    }
}
