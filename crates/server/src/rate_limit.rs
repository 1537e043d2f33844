//! Attempt counters in fixed windows, stored in the database so that every
//! instance counts against the same limit. The increment is one atomic upsert.

use sqlx::{AnyPool, Row};

use crate::error::ApiError;

/// Count one attempt in `bucket`; fails with 429 when more than `limit`
/// attempts fall in the current window of `window` seconds.
pub async fn hit(
    db: &AnyPool,
    bucket: &str,
    limit: i64,
    window: i64,
    now: i64,
) -> Result<(), ApiError> {
    let fresh_before = now - window;
    let row = sqlx::query(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits, window_start",
    )
    .bind(bucket)
    .bind(now)
    .bind(fresh_before)
    .fetch_one(db)
    .await?;
    let hits: i64 = row.try_get("hits")?;
    let window_start: i64 = row.try_get("window_start")?;
    if hits > limit {
        let wait = (window_start + window - now).max(1);
        return Err(ApiError::too_many_attempts(format!(
            "too many attempts; try again in {wait} seconds"
        )));
    }
    Ok(())
}

/// Forget the attempts in `bucket` (after a success).
pub async fn reset(db: &AnyPool, bucket: &str) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM rate_limits WHERE bucket = $1").bind(bucket).execute(db).await?;
    Ok(())
}
