//! The one error type of the WebAuthn client, with the DOMException name a browser would
//! reject the promise with (§5.1.3, §5.1.4, §6.3.2, §6.3.3).

use crate::origin::OriginError;

/// Why a ceremony did not produce a credential or an assertion.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebAuthnError {
    /// The origin or the requested RP ID is refused (phishing protection).
    #[error(transparent)]
    Origin(#[from] OriginError),
    /// The RP's options are malformed (a TypeError in a browser).
    #[error("The relying party's options are invalid: {0}")]
    InvalidOptions(String),
    /// None of the RP's algorithms is offered by the key.
    #[error("The key supports none of the algorithms the relying party accepts ({0})")]
    NoSupportedAlgorithm(String),
    /// The key already holds one of the excludeCredentials (InvalidStateError).
    #[error("This key is already registered for this account (it holds one of the passkeys the site listed): use another key")]
    AlreadyRegistered,
    /// The key cannot satisfy a requirement of the RP (NotAllowedError / NotSupportedError).
    #[error("This key cannot be used here: {0}")]
    RequirementNotMet(String),
    /// The key holds none of the allowCredentials, or no discoverable credential (NotAllowedError).
    #[error("This key holds no passkey for this site")]
    NoCredentials,
    /// The RP's timeout (or the caller's deadline) passed (NotAllowedError).
    #[error("Timed out: the key was not used in time")]
    Timeout,
    /// The user cancelled (NotAllowedError).
    #[error("Cancelled")]
    Cancelled,
    /// No authenticator is connected, or none matched the request.
    #[error("No usable security key is connected{0}")]
    NoAuthenticator(String),
    /// The authenticator answered something the client cannot use.
    #[error("The key sent an unusable response: {0}")]
    InvalidResponse(String),
    /// Any other failure of the key or its transport; the message says what to do.
    #[error(transparent)]
    Authenticator(keydesk_ctap_client::Error),
}

impl WebAuthnError {
    /// The DOMException name a browser would use (§5.1.3 / §5.1.4 / §6.3).
    pub fn dom_exception_name(&self) -> &'static str {
        match self {
            WebAuthnError::Origin(
                OriginError::Unparsable { .. } | OriginError::NotAnOrigin { .. },
            ) => "NotAllowedError",
            WebAuthnError::Origin(_) => "SecurityError",
            WebAuthnError::InvalidOptions(_) => "TypeError",
            WebAuthnError::NoSupportedAlgorithm(_) => "NotSupportedError",
            WebAuthnError::AlreadyRegistered => "InvalidStateError",
            WebAuthnError::RequirementNotMet(_) => "NotAllowedError",
            WebAuthnError::NoCredentials
            | WebAuthnError::Timeout
            | WebAuthnError::Cancelled
            | WebAuthnError::NoAuthenticator(_)
            | WebAuthnError::InvalidResponse(_)
            | WebAuthnError::Authenticator(_) => "NotAllowedError",
        }
    }
}

impl From<keydesk_ctap_client::Error> for WebAuthnError {
    fn from(error: keydesk_ctap_client::Error) -> Self {
        use keydesk_ctap_client::Error as E;
        match error {
            E::CredentialExcluded => WebAuthnError::AlreadyRegistered,
            E::NoCredentials => WebAuthnError::NoCredentials,
            E::Cancelled => WebAuthnError::Cancelled,
            E::UserActionTimeout => WebAuthnError::Timeout,
            E::Unsupported(feature) => {
                WebAuthnError::RequirementNotMet(format!("it does not support {feature}"))
            }
            other => WebAuthnError::Authenticator(other),
        }
    }
}
