//! Server configuration, built by the binary from its command line or by tests.

use std::fmt;

/// Argon2id cost parameters for password hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1.
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

/// Where email codes are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// SMTP server host name or address.
    pub host: String,
    /// SMTP server port.
    pub port: u16,
    /// Sender address of the code messages.
    pub from: String,
}

/// Limits and lifetimes of the account rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Passkeys one user may hold.
    pub max_passkeys_per_user: i64,
    /// Users one email address may be bound to.
    pub max_users_per_email: i64,
    /// Lifetime of a logged-on session, seconds.
    pub session_lifetime: i64,
    /// Time to complete the second factor after the password, seconds.
    pub mfa_pending_lifetime: i64,
    /// How long a fresh verification ("step-up") lasts, seconds.
    pub step_up_window: i64,
    /// Lifetime of an email code, seconds.
    pub email_code_lifetime: i64,
    /// Wrong guesses allowed per email code.
    pub email_code_attempts: i64,
    /// Lifetime of a WebAuthn ceremony (challenge), seconds.
    pub ceremony_lifetime: i64,
    /// Attempts allowed per user and rate-limit window (password, TOTP).
    pub attempts_per_window: i64,
    /// Length of a rate-limit window, seconds.
    pub attempt_window: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_passkeys_per_user: 5,
            max_users_per_email: 5,
            session_lifetime: 12 * 3600,
            mfa_pending_lifetime: 300,
            step_up_window: 300,
            email_code_lifetime: 600,
            email_code_attempts: 5,
            ceremony_lifetime: 300,
            attempts_per_window: 5,
            attempt_window: 300,
        }
    }
}

/// Everything the server needs to know besides the database.
#[derive(Clone)]
pub struct Config {
    /// Suffix of every logon name: users are `<username>@<logon_suffix>`.
    pub logon_suffix: String,
    /// WebAuthn relying-party ID (a domain, e.g. `localhost` or `example.com`).
    pub rp_id: String,
    /// Origin the browser pages are served from, e.g. `http://localhost:8080`.
    pub rp_origin: url::Url,
    /// Relying-party display name, also the TOTP issuer.
    pub rp_name: String,
    /// Token authorizing the admin API (`X-Admin-Token`); `None` disables token access.
    pub admin_token: Option<String>,
    /// Password hashing cost.
    pub argon2: Argon2Params,
    /// Outgoing mail; `None` means email binding and email codes are unavailable.
    pub smtp: Option<SmtpConfig>,
    /// Limits and lifetimes.
    pub policy: Policy,
    /// Mark the session cookie `Secure` (set when serving over https).
    pub secure_cookie: bool,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("logon_suffix", &self.logon_suffix)
            .field("rp_id", &self.rp_id)
            .field("rp_origin", &self.rp_origin.as_str())
            .field("rp_name", &self.rp_name)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<redacted>"))
            .field("argon2", &self.argon2)
            .field("smtp", &self.smtp)
            .field("policy", &self.policy)
            .field("secure_cookie", &self.secure_cookie)
            .finish()
    }
}
