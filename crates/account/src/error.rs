//! The one error type of the account client: what went wrong and what to do next.
//!
//! Server answers carry a stable `kind` (crates/server/docs/api.md, "Errors"); each kind a
//! user can act on has its own variant, the rest keep the server's words in
//! [`AccountError::Server`].

use std::path::PathBuf;

use crate::wire::VerificationMethod;

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountError {
    // --- Profiles -------------------------------------------------------------------------
    /// No profile by that name.
    #[error("no server profile named \"{name}\": list them with `keydesk server list` or add one with `keydesk server add`")]
    ProfileNotFound {
        /// The name asked for.
        name: String,
    },
    /// A profile by that name exists already.
    #[error("a server profile named \"{name}\" exists already: choose another name or remove it first")]
    ProfileExists {
        /// The name given.
        name: String,
    },
    /// No profile was named and there is not exactly one.
    #[error("{0}")]
    ProfileNotChosen(String),
    /// The profile name is empty, too long or has control characters.
    #[error("invalid profile name: {0}")]
    InvalidProfileName(String),
    /// The user name is empty or has control characters.
    #[error("invalid user name: {0}")]
    InvalidUsername(String),
    /// The server URL is not an origin WebAuthn can use.
    #[error("the server URL {url} cannot be used: {reason}")]
    InvalidServerUrl {
        /// The URL given.
        url: String,
        /// Why not.
        reason: String,
    },
    /// The profiles file could not be read or written.
    #[error("{action} the server profiles at {path}: {source}")]
    ProfileFile {
        /// "reading" or "writing".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The profiles file is not a profile list.
    #[error("the server profiles at {path} are damaged ({reason}); fix or remove the file")]
    ProfileFileCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The platform has no configuration directory for this user.
    #[error("no configuration directory is known for this user (no home directory?)")]
    NoConfigDir,

    // --- Session --------------------------------------------------------------------------
    /// The session token could not be kept or read.
    #[error("the OS keyring did not keep the session ({0}); unlock or start the keyring (Secret Service, Keychain, Credential Manager) and log on again")]
    TokenStore(String),
    /// No session, or the server no longer knows it.
    #[error("not logged on to this server (or the session expired): log on first")]
    NotLoggedOn,
    /// The password was right but the logon still owes its second factor.
    #[error("the logon still needs its second factor ({})", methods_words(.methods))]
    SecondFactorNeeded {
        /// The second factors bound to the account.
        methods: Vec<VerificationMethod>,
    },
    /// A second factor was sent although no logon is waiting for one.
    #[error("no logon is waiting for a second factor: log on with the password first")]
    NoSecondFactorPending,

    // --- Credentials and codes ------------------------------------------------------------
    /// Wrong user name or password.
    #[error("wrong user name or password")]
    WrongPassword,
    /// The TOTP code is wrong or too old.
    #[error("the code is wrong or expired: check the device's clock and type the current code")]
    WrongCode,
    /// This TOTP code's time step was used already (RFC 6238 §5.2).
    #[error("this code was already used: wait for the next code (at most 30 seconds)")]
    CodeAlreadyUsed,
    /// Rate limit.
    #[error("too many attempts: wait a few minutes before trying again")]
    TooManyAttempts,
    /// A sensitive operation needs a fresh verification first.
    #[error("this needs a fresh verification first ({}), then try again", methods_words(.methods))]
    StepUpRequired {
        /// The ways this account can verify.
        methods: Vec<VerificationMethod>,
    },
    /// Password step-up refused because a stronger method is bound.
    #[error("verify with your authenticator app code, a passkey or an email code instead of the password")]
    StrongerVerificationRequired,

    // --- Passkeys -------------------------------------------------------------------------
    /// The account holds the most passkeys allowed.
    #[error("{message}")]
    PasskeyLimitReached {
        /// The server's words (with the limit).
        message: String,
    },
    /// The account has a passkey with that name.
    #[error("a passkey named \"{name}\" exists already on this account: choose another name")]
    PasskeyNameTaken {
        /// The name given.
        name: String,
    },
    /// The passkey name is empty, too long or not printable.
    #[error("invalid passkey name: {0}")]
    InvalidPasskeyName(String),
    /// The same credential is registered already.
    #[error("this authenticator is already registered for this account: use another one")]
    AlreadyRegistered,
    /// No passkey with that ID on the account.
    #[error("no passkey with ID {id} on this account: list them with `keydesk server passkeys list`")]
    PasskeyNotFound {
        /// The ID given.
        id: String,
    },
    /// The account has no passkey to log on with.
    #[error("this account has no passkey: log on with the password and enroll one")]
    NoPasskeys,
    /// The asserted passkey is not (or no longer) registered.
    #[error("the server does not know this passkey (deleted?): use another authenticator or the password")]
    UnknownPasskey,
    /// The signature counter went backwards: the server refused the logon.
    #[error("the server refused this passkey: its signature counter went backwards, which can mean the key was cloned; contact your administrator")]
    CounterRegression,
    /// Passkey-only logon is switched off by the administrator.
    #[error("the administrator has turned off logon with a passkey alone: log on with your password")]
    PasskeyLogonDisabled,
    /// The ceremony expired or was used.
    #[error("the request expired before it was finished: start again")]
    CeremonyExpired,
    /// The server could not verify the authenticator's answer.
    #[error("the server could not verify the authenticator's answer: {0}")]
    VerificationFailed(String),
    /// The authenticator or the WebAuthn client refused or failed.
    #[error(transparent)]
    Authenticator(keydesk_webauthn_client::WebAuthnError),

    // --- Virtual MFA and email ------------------------------------------------------------
    /// A virtual MFA device is bound already.
    #[error("a virtual MFA device is already bound to this account")]
    MfaAlreadyBound,
    /// No virtual MFA device is bound.
    #[error("no virtual MFA device is bound to this account")]
    MfaNotBound,
    /// Confirm called without a binding started.
    #[error("no virtual MFA binding was started: start binding first")]
    NoPendingMfa,
    /// No email address is bound.
    #[error("no email address is bound to this account: bind one first (its code arrives by email), or verify another way")]
    EmailNotBound,
    /// The email address is not one the server accepts.
    #[error("invalid email address: {0}")]
    InvalidEmail(String),
    /// The email code is wrong.
    #[error("the email code is wrong: type the code from the newest message (each new request replaces the earlier code)")]
    WrongEmailCode,
    /// The email code expired or none was sent.
    #[error("the email code expired or none was sent: ask for a new one")]
    EmailCodeExpired,
    /// The address is bound to the most users the server allows (five by default).
    #[error("{message}: bind another address")]
    EmailLimitReached {
        /// The server's words (with the limit).
        message: String,
    },
    /// The server could not send the email (no SMTP relay, or the relay is down).
    #[error("the server could not send the email ({message}): try again later or ask its administrator")]
    EmailUnavailable {
        /// The server's words.
        message: String,
    },

    // --- Transport ------------------------------------------------------------------------
    /// The server could not be reached.
    #[error("the server at {url} cannot be reached ({reason}): check the URL and your network")]
    Unreachable {
        /// The server.
        url: String,
        /// The underlying error.
        reason: String,
    },
    /// The server answered something this client does not understand.
    #[error("the server's answer to {endpoint} is not what KeyDesk expects ({reason}); is the URL a KeyDesk server?")]
    UnexpectedAnswer {
        /// The endpoint called.
        endpoint: String,
        /// What was wrong.
        reason: String,
    },
    /// Any other server refusal, in the server's words.
    #[error("the server refused ({kind}, HTTP {status}): {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's error kind.
        kind: String,
        /// The server's message.
        message: String,
    },
}

fn methods_words(methods: &[VerificationMethod]) -> String {
    if methods.is_empty() {
        return "no method is available".to_owned();
    }
    let words: Vec<&str> = methods.iter().map(VerificationMethod::describe).collect();
    format!("with {}", words.join(", or "))
}

impl AccountError {
    /// A stable machine-readable word for `--json` output and front ends.
    pub fn kind(&self) -> &str {
        match self {
            Self::ProfileNotFound { .. } => "profile_not_found",
            Self::ProfileExists { .. } => "profile_exists",
            Self::ProfileNotChosen(_) => "profile_not_chosen",
            Self::InvalidProfileName(_) => "invalid_profile_name",
            Self::InvalidUsername(_) => "invalid_username",
            Self::InvalidServerUrl { .. } => "invalid_server_url",
            Self::ProfileFile { .. } => "profile_file",
            Self::ProfileFileCorrupt { .. } => "profile_file_corrupt",
            Self::NoConfigDir => "no_config_dir",
            Self::TokenStore(_) => "token_store",
            Self::NotLoggedOn => "not_logged_on",
            Self::SecondFactorNeeded { .. } => "second_factor_needed",
            Self::NoSecondFactorPending => "no_second_factor_pending",
            Self::WrongPassword => "wrong_password",
            Self::WrongCode => "wrong_code",
            Self::CodeAlreadyUsed => "code_already_used",
            Self::TooManyAttempts => "too_many_attempts",
            Self::StepUpRequired { .. } => "step_up_required",
            Self::StrongerVerificationRequired => "stronger_verification_required",
            Self::PasskeyLimitReached { .. } => "passkey_limit_reached",
            Self::PasskeyNameTaken { .. } => "passkey_name_taken",
            Self::InvalidPasskeyName(_) => "invalid_passkey_name",
            Self::AlreadyRegistered => "already_registered",
            Self::PasskeyNotFound { .. } => "passkey_not_found",
            Self::NoPasskeys => "no_passkeys",
            Self::UnknownPasskey => "unknown_passkey",
            Self::CounterRegression => "counter_regression",
            Self::PasskeyLogonDisabled => "passkey_logon_disabled",
            Self::CeremonyExpired => "ceremony_expired",
            Self::VerificationFailed(_) => "verification_failed",
            Self::Authenticator(_) => "authenticator",
            Self::MfaAlreadyBound => "mfa_already_bound",
            Self::MfaNotBound => "mfa_not_bound",
            Self::NoPendingMfa => "no_pending_mfa",
            Self::EmailNotBound => "email_not_bound",
            Self::InvalidEmail(_) => "invalid_email",
            Self::WrongEmailCode => "wrong_email_code",
            Self::EmailCodeExpired => "email_code_expired",
            Self::EmailLimitReached { .. } => "email_limit_reached",
            Self::EmailUnavailable { .. } => "email_unavailable",
            Self::Unreachable { .. } => "unreachable",
            Self::UnexpectedAnswer { .. } => "unexpected_answer",
            Self::Server { .. } => "server",
        }
    }

    /// The variant for a server error answer (`{"error": {"kind", "message"}}`).
    ///
    /// `subject` is the passkey ID or name the request was about, for the variants that name it.
    pub(crate) fn from_server(status: u16, kind: &str, message: &str, subject: Option<&str>) -> Self {
        let subject = subject.unwrap_or_default().to_owned();
        match kind {
            "not_logged_on" => Self::NotLoggedOn,
            "wrong_credentials" | "wrong_password" => Self::WrongPassword,
            "mfa_required" => Self::SecondFactorNeeded { methods: Vec::new() },
            "mfa_not_pending" => Self::NoSecondFactorPending,
            "wrong_mfa_code" => Self::WrongCode,
            "mfa_code_already_used" => Self::CodeAlreadyUsed,
            "too_many_attempts" => Self::TooManyAttempts,
            "step_up_required" => Self::StepUpRequired { methods: Vec::new() },
            "stronger_verification_required" => Self::StrongerVerificationRequired,
            "passkey_limit_reached" => Self::PasskeyLimitReached { message: message.to_owned() },
            "passkey_name_taken" => Self::PasskeyNameTaken { name: subject },
            "passkey_name_required" | "invalid_passkey_name" => Self::InvalidPasskeyName(message.to_owned()),
            "passkey_already_registered" => Self::AlreadyRegistered,
            "passkey_not_found" => Self::PasskeyNotFound { id: subject },
            "no_passkeys" => Self::NoPasskeys,
            "unknown_passkey" => Self::UnknownPasskey,
            "passkey_counter_regression" => Self::CounterRegression,
            "passkey_logon_disabled" => Self::PasskeyLogonDisabled,
            "unknown_ceremony" => Self::CeremonyExpired,
            "webauthn_verification_failed" => Self::VerificationFailed(message.to_owned()),
            "mfa_already_bound" => Self::MfaAlreadyBound,
            "mfa_not_bound" => Self::MfaNotBound,
            "no_pending_mfa" => Self::NoPendingMfa,
            "email_not_bound" => Self::EmailNotBound,
            "wrong_email_code" => Self::WrongEmailCode,
            "email_code_expired" | "no_email_code" => Self::EmailCodeExpired,
            "invalid_email" => Self::InvalidEmail(message.to_owned()),
            "email_limit_reached" => Self::EmailLimitReached { message: message.to_owned() },
            "email_unavailable" => Self::EmailUnavailable { message: message.to_owned() },
            _ => Self::Server { status, kind: kind.to_owned(), message: message.to_owned() },
        }
    }
}

impl From<keydesk_webauthn_client::WebAuthnError> for AccountError {
    fn from(error: keydesk_webauthn_client::WebAuthnError) -> Self {
        match error {
            // The key holds one of the account's passkeys (excludeCredentials): same advice as
            // the server's own refusal of a credential registered twice.
            keydesk_webauthn_client::WebAuthnError::AlreadyRegistered => Self::AlreadyRegistered,
            other => Self::Authenticator(other),
        }
    }
}

/// Result type of the account client.
pub type Result<T, E = AccountError> = std::result::Result<T, E>;
