//! KeyDesk reference relying-party server (`keydesk-server`).
//!
//! Accounts named `<username>@<logon-suffix>` log on with a password and,
//! when bound, a second factor (a virtual MFA TOTP code or a passkey), or with
//! a passkey alone when the administrator allows it. Sensitive operations need
//! a fresh verification. Passkeys are verified by webauthn-rs (WebAuthn
//! Level 3), ES256 assertions with a cached public key ([`assertion`]); all state (sessions, ceremonies, rate-limit counters, email
//! codes) lives in the database — SQLite by default, PostgreSQL for several
//! instances — so instances are interchangeable.
//!
//! Entry points: [`db::connect`], [`AppState::new`], [`api::router`], [`serve`].

pub mod access_keys;
pub mod api;
pub mod assertion;
pub mod ceremonies;
pub mod ceremony;
pub mod clock;
pub mod config;
pub mod db;
pub mod email;
pub mod error;
pub mod pages;
pub mod passkeys;
pub mod password;
pub mod rate_limit;
pub mod secrets;
pub mod sessions;
pub mod settings;
pub mod state;
pub mod totp;
pub mod users;

pub use api::router;
pub use config::{Argon2Params, Config, Policy, SmtpConfig};
pub use state::AppState;

/// Serve the application on `listener` until `shutdown` completes. A
/// background task purges expired sessions, ceremonies and codes every minute.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purge_state = app.clone();
    let purger = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = sessions::purge_expired(&purge_state.db, purge_state.now()).await {
                tracing::warn!(error = %e.message, "purging expired state failed");
            }
        }
    });
    let result = axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await;
    purger.abort();
    result
}
