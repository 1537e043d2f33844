//! Global settings changed by administrators.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use crate::error::ApiError;

/// The administrator's global security settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalSettings {
    /// Whether users may log on with a passkey alone (no password). Default on.
    pub allow_passkey_logon: bool,
}

const ALLOW_PASSKEY_LOGON: &str = "allow_passkey_logon";

/// Read the settings (defaults where unset).
pub async fn load(db: &AnyPool) -> Result<GlobalSettings, ApiError> {
    let row = sqlx::query("SELECT value FROM settings WHERE name = $1")
        .bind(ALLOW_PASSKEY_LOGON)
        .fetch_optional(db)
        .await?;
    let allow_passkey_logon = match row {
        Some(row) => row.try_get::<String, _>("value")? == "true",
        None => true,
    };
    Ok(GlobalSettings { allow_passkey_logon })
}

/// Store the settings.
pub async fn save(db: &AnyPool, settings: GlobalSettings) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(ALLOW_PASSKEY_LOGON)
    .bind(if settings.allow_passkey_logon { "true" } else { "false" })
    .execute(db)
    .await?;
    Ok(())
}
