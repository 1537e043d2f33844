//! # keydesk-webauthn-client: a browser's WebAuthn role over any authenticator
//!
//! A relying party's options (WebAuthn Level 3 JSON: [`CreationOptionsJson`],
//! [`RequestOptionsJson`]) and the origin of the server that sent them go in; CTAP
//! ceremonies run on an authenticator through `keydesk-ctap-client`; the
//! RegistrationResponseJSON / AuthenticationResponseJSON a browser would post back come out
//! ([`RegistrationResponseJson`], [`AuthenticationResponseJson`]).
//!
//! What a browser enforces is enforced here:
//! - the origin must be a secure context and the RP ID its domain or a registrable suffix
//!   of it per the Public Suffix List ([`CallerOrigin`]): a server asking for another site's
//!   RP ID is refused ("https://evil.example asked for a passkey for bank.com: refused");
//! - clientDataJSON is serialized exactly as §5.8.1.2 prescribes ([`CollectedClientData`]);
//! - residentKey, userVerification, authenticatorAttachment, excludeCredentials (a key that
//!   holds one reports [`WebAuthnError::AlreadyRegistered`]), allowCredentials (silent
//!   pre-flight), timeouts ([`ceremony_deadline`]), attestation conveyance, and the
//!   extensions credProps, prf (hmac-secret), credProtect, largeBlob, minPinLength;
//! - with several keys connected the user touches one ([`select_by_touch`],
//!   [`register_on_any`], [`authenticate_on_any`]) or the caller names one ([`find_named`]).
//!
//! ```no_run
//! # use keydesk_webauthn_client::*;
//! # fn demo<D: keydesk_transport::Device>(
//! #     client: &mut keydesk_ctap_client::Client<D>,
//! #     ui: &mut dyn keydesk_ctap_client::Interaction,
//! #     json: &str,
//! # ) -> Result<String, Box<dyn std::error::Error>> {
//! let options = parse_creation_options(json)?;
//! let deadline = ceremony_deadline(options.timeout, std::time::Instant::now());
//! let credential = register(client, &options, "https://example.com", ui, deadline)?;
//! Ok(serde_json::to_string(&credential)?) // POST this to the relying party
//! # }
//! ```

mod attestation;
mod authenticate;
mod base64url;
mod client_data;
mod common;
mod create_extensions;
mod error;
mod options;
mod origin;
mod register;
mod response;
mod select;

pub use attestation::{attestation_object, convey, subject_public_key_info, Conveyance};
pub use authenticate::authenticate;
pub use base64url::{Base64Url, SecretBase64Url};
pub use client_data::{ccd_string, CeremonyType, CollectedClientData};
pub use common::{ceremony_deadline, user_verification, DEFAULT_TIMEOUT};
pub use error::WebAuthnError;
pub use options::{
    parse_creation_options, parse_request_options, AuthenticatorSelectionJson,
    ClientExtensionInputsJson, CreationOptionsJson, CredentialDescriptorJson, LargeBlobInputsJson,
    PrfInputsJson, PrfValuesJson, PubKeyCredParamJson, RequestOptionsJson, RpEntityJson,
    UserEntityJson, Wrapped,
};
pub use origin::{is_registrable_domain_suffix_or_equal, CallerOrigin, OriginError};
pub use register::register;
pub use response::{
    AssertionResponseJson, AttestationResponseJson, AuthenticationResponseJson,
    ClientExtensionOutputsJson, CredPropsOutput, LargeBlobOutput, PrfOutput, PrfResultsJson,
    RegistrationResponseJson, PUBLIC_KEY,
};
pub use select::{authenticate_on_any, find_named, register_on_any, select_by_touch};
