//! Database connection and embedded migrations.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL through
//! sqlx's `Any` driver. Queries use `$1`-style placeholders, which both
//! backends accept, and only portable types (BIGINT, TEXT).

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

/// The embedded schema migrations, applied in order.
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_init.sql"))];

/// Errors opening or migrating the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The URL names a backend other than `sqlite:` or `postgres:`.
    #[error("unsupported database URL (use sqlite://PATH or postgres://...): {0}")]
    UnsupportedUrl(String),
    /// The database could not be reached or a migration failed.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
}

/// Open a pool on `url` (`sqlite://path` — created if missing — or
/// `postgres://...`) and bring the schema up to date.
pub async fn connect(url: &str) -> Result<AnyPool, DbError> {
    install_default_drivers();
    let is_sqlite = url.starts_with("sqlite:");
    if !is_sqlite && !url.starts_with("postgres:") && !url.starts_with("postgresql:") {
        return Err(DbError::UnsupportedUrl(redact_url(url)));
    }
    let url = if is_sqlite && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let mut options = AnyPoolOptions::new().max_connections(if is_sqlite { 4 } else { 16 });
    if is_sqlite {
        // WAL lets readers proceed beside the single writer; several server
        // processes may share one file. Busy waits instead of failing at once.
        options = options.after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA busy_timeout = 5000").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                Ok(())
            })
        });
    }
    let pool = options.connect(&url).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Begin a transaction that will write. On SQLite it takes the write lock at
/// once (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes
/// fails with SQLITE_BUSY, instead of waiting, when another connection wrote
/// in between.
pub async fn begin_write(db: &AnyPool) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    if db.connect_options().database_url.scheme() == "sqlite" {
        db.begin_with("BEGIN IMMEDIATE").await
    } else {
        db.begin().await
    }
}

/// Apply the migrations not yet recorded in `keydesk_migrations`.
async fn migrate(pool: &AnyPool) -> Result<(), sqlx::Error> {
    pool.execute("CREATE TABLE IF NOT EXISTS keydesk_migrations (version BIGINT PRIMARY KEY)")
        .await?;
    for (version, sql) in MIGRATIONS {
        let mut tx = begin_write(pool).await?;
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM keydesk_migrations WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        for statement in sql_statements(sql) {
            tx.execute(statement.as_str()).await?;
        }
        sqlx::query("INSERT INTO keydesk_migrations (version) VALUES ($1)")
            .bind(*version)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Split a migration file into statements: drop `--` comments, split on `;`.
fn sql_statements(sql: &str) -> Vec<String> {
    let without_comments: String = sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The URL without its password, for error messages.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_and_drops_comments() {
        let s = sql_statements("-- a; b\nCREATE TABLE t (x TEXT); -- c\n\nCREATE INDEX i ON t (x);\n");
        assert_eq!(s, vec!["CREATE TABLE t (x TEXT)", "CREATE INDEX i ON t (x)"]);
    }

    #[test]
    fn redacts_password() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }

    #[tokio::test]
    async fn rejects_other_backends() {
        assert!(matches!(connect("mysql://x").await, Err(DbError::UnsupportedUrl(_))));
    }
}
