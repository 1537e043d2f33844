//! Virtual MFA device: RFC 6238 TOTP (SHA-1, 6 digits, 30-second steps).
//! Codes are accepted within one step of skew, and each time step at most
//! once per user (RFC 6238 §5.2): the last accepted step is stored and only
//! later steps are accepted, with an atomic conditional update.

use sqlx::Row;
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::ApiError;
use crate::rate_limit;
use crate::state::AppState;

/// Length of a time step, seconds (RFC 6238 §4.1 default X).
pub const STEP: i64 = 30;
/// Digits in a code.
pub const DIGITS: usize = 6;

/// A fresh binding offer shown to the user.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BindOffer {
    /// Base32 secret to type into a device.
    pub secret: String,
    /// `otpauth://totp/...` URI for QR scanning.
    pub otpauth_uri: String,
    /// The URI as an SVG QR code.
    pub qr_svg: String,
}

fn totp_for(secret_b32: &str, issuer: &str, account: &str) -> Result<TOTP, ApiError> {
    let bytes = Zeroizing::new(
        Secret::Encoded(secret_b32.to_owned()).to_bytes().map_err(ApiError::internal)?,
    );
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP as u64, bytes.to_vec(), Some(issuer.to_owned()), account.to_owned())
        .map_err(ApiError::internal)
}

/// The code for Unix time `time` (used by tests and the demo device).
pub fn code_at(secret_b32: &str, time: i64) -> Result<String, ApiError> {
    let t = totp_for(secret_b32, "x", "x")?;
    Ok(t.generate(u64::try_from(time).unwrap_or(0)))
}

/// Which step within ±1 of `now` produces `code`, if any.
fn matching_step(t: &TOTP, code: &str, now: i64) -> Option<i64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = now / STEP;
    (current - 1..=current + 1).find(|step| {
        let expected = t.generate(u64::try_from(step * STEP).unwrap_or(0));
        crate::secrets::constant_time_eq(&expected, code)
    })
}

fn issuer(app: &AppState) -> String {
    app.config.rp_name.replace(':', " ")
}

/// Generate a secret, keep it pending on the user, and return the offer.
pub async fn start_bind(app: &AppState, user_id: Uuid, account: &str) -> Result<BindOffer, ApiError> {
    let mut raw = Zeroizing::new([0u8; 20]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, raw.as_mut());
    let secret = Secret::Raw(raw.to_vec()).to_encoded().to_string();
    let t = totp_for(&secret, &issuer(app), account)?;
    let otpauth_uri = t.get_url();
    let qr_svg = qrcode::QrCode::new(otpauth_uri.as_bytes())
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    sqlx::query("UPDATE users SET totp_pending_secret = $1 WHERE id = $2")
        .bind(&secret)
        .bind(user_id.to_string())
        .execute(&app.db)
        .await?;
    Ok(BindOffer { secret, otpauth_uri, qr_svg })
}

/// Confirm the pending binding with a code from the device.
pub async fn confirm_bind(app: &AppState, user_id: Uuid, account: &str, code: &str) -> Result<(), ApiError> {
    limit_attempts(app, user_id).await?;
    let row = sqlx::query("SELECT totp_pending_secret FROM users WHERE id = $1")
        .bind(user_id.to_string())
        .fetch_one(&app.db)
        .await?;
    let pending: Option<String> = row.try_get("totp_pending_secret")?;
    let pending = pending.ok_or_else(|| {
        ApiError::bad_request("no_pending_mfa", "start binding a virtual MFA device first")
    })?;
    let t = totp_for(&pending, &issuer(app), account)?;
    let step = matching_step(&t, code, app.now()).ok_or_else(wrong_code)?;
    sqlx::query(
        "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, \
         totp_last_step = $1 WHERE id = $2",
    )
    .bind(step)
    .bind(user_id.to_string())
    .execute(&app.db)
    .await?;
    rate_limit::reset(&app.db, &bucket(user_id)).await
}

/// Verify a code from the bound device; consumes its time step.
pub async fn verify(app: &AppState, user_id: Uuid, code: &str) -> Result<(), ApiError> {
    limit_attempts(app, user_id).await?;
    let row = sqlx::query("SELECT totp_secret, logon_name FROM users WHERE id = $1")
        .bind(user_id.to_string())
        .fetch_one(&app.db)
        .await?;
    let secret: Option<String> = row.try_get("totp_secret")?;
    let account: String = row.try_get("logon_name")?;
    let secret = secret.ok_or_else(|| {
        ApiError::bad_request("mfa_not_bound", "no virtual MFA device is bound to this account")
    })?;
    let t = totp_for(&secret, &issuer(app), &account)?;
    let step = matching_step(&t, code, app.now()).ok_or_else(wrong_code)?;
    let consumed = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
    )
    .bind(step)
    .bind(user_id.to_string())
    .execute(&app.db)
    .await?;
    if consumed.rows_affected() != 1 {
        return Err(ApiError::unauthorized(
            "mfa_code_already_used",
            "this code was already used; wait for the next one",
        ));
    }
    rate_limit::reset(&app.db, &bucket(user_id)).await
}

/// Remove the bound device.
pub async fn unbind(app: &AppState, user_id: Uuid) -> Result<(), ApiError> {
    let done = sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL WHERE id = $1 AND totp_secret IS NOT NULL",
    )
    .bind(user_id.to_string())
    .execute(&app.db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found("mfa_not_bound", "no virtual MFA device is bound"));
    }
    Ok(())
}

fn bucket(user_id: Uuid) -> String {
    format!("totp:{user_id}")
}

async fn limit_attempts(app: &AppState, user_id: Uuid) -> Result<(), ApiError> {
    let p = &app.config.policy;
    rate_limit::hit(&app.db, &bucket(user_id), p.attempts_per_window, p.attempt_window, app.now()).await
}

fn wrong_code() -> ApiError {
    ApiError::unauthorized("wrong_mfa_code", "the code is wrong or expired")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", 8 digits; the
    /// last six digits are the 6-digit code.
    #[test]
    fn rfc6238_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(&secret, 1_234_567_890).unwrap(), "005924");
        assert_eq!(code_at(&secret, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn one_step_of_skew() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        let t = totp_for(&secret, "i", "a").unwrap();
        let now = 1_111_111_109;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&t, &code, now), Some(now / STEP));
        assert_eq!(matching_step(&t, &code, now + STEP), Some(now / STEP));
        assert_eq!(matching_step(&t, &code, now - STEP), Some(now / STEP));
        assert_eq!(matching_step(&t, &code, now + 2 * STEP), None);
        assert_eq!(matching_step(&t, "12345", now), None);
        assert_eq!(matching_step(&t, "abcdef", now), None);
    }
}
