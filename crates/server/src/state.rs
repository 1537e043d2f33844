//! Shared application state handed to every request handler. It holds no
//! per-user state: that lives in the database.

use std::sync::Arc;

use sqlx::AnyPool;
use webauthn_rs::prelude::{Webauthn, WebauthnBuilder};

use crate::assertion::AssertionVerifier;
use crate::clock::Clock;
use crate::config::Config;
use crate::email::Mailer;

/// Handles shared by all requests.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database (SQLite or PostgreSQL).
    pub db: AnyPool,
    /// Configuration.
    pub config: Arc<Config>,
    /// WebAuthn relying party.
    pub webauthn: Arc<Webauthn>,
    /// ES256 assertion checks with cached public keys (see [`crate::assertion`]).
    pub assertions: Arc<AssertionVerifier>,
    /// Time source.
    pub clock: Arc<dyn Clock>,
    /// Outgoing mail, when SMTP is configured.
    pub mailer: Option<Mailer>,
    /// A hash of a random password with the configured cost, verified against
    /// when the user does not exist so that the answer takes as long either way.
    pub dummy_password_hash: Arc<String>,
}

/// Errors building the state from a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The RP ID does not fit the origin, or the origin is not usable.
    #[error("WebAuthn relying party: {0}")]
    Webauthn(String),
    /// The SMTP settings are unusable.
    #[error("SMTP: {0}")]
    Smtp(String),
    /// The Argon2 parameters are invalid.
    #[error("Argon2 parameters: {0}")]
    Argon2(String),
}

impl AppState {
    /// Build the state from an opened, migrated database and a configuration.
    pub fn new(db: AnyPool, config: Config, clock: Arc<dyn Clock>) -> Result<Self, StateError> {
        let webauthn = WebauthnBuilder::new(&config.rp_id, &config.rp_origin)
            .map_err(|e| StateError::Webauthn(e.to_string()))?
            .rp_name(&config.rp_name)
            .build()
            .map_err(|e| StateError::Webauthn(e.to_string()))?;
        let mailer = config.smtp.as_ref().map(Mailer::new).transpose().map_err(StateError::Smtp)?;
        let dummy = crate::password::hash_password(&crate::secrets::random_token(16), config.argon2)
            .map_err(|e| StateError::Argon2(e.to_string()))?;
        let assertions = AssertionVerifier::new(&config.rp_id, &config.rp_origin);
        Ok(Self {
            db,
            config: Arc::new(config),
            webauthn: Arc::new(webauthn),
            assertions: Arc::new(assertions),
            clock,
            mailer,
            dummy_password_hash: Arc::new(dummy),
        })
    }

    /// Current Unix time in seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
