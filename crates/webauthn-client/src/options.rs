//! The relying party's options as WebAuthn Level 3 JSON (§5.1.8
//! PublicKeyCredentialCreationOptionsJSON, §5.1.9 PublicKeyCredentialRequestOptionsJSON),
//! i.e. what `PublicKeyCredential.parseCreationOptionsFromJSON()` /
//! `parseRequestOptionsFromJSON()` accept.
//!
//! Enumerations (residentKey, userVerification, attestation, ...) are DOMStrings in the IDL:
//! a value this client does not know is ignored as the spec requires (§2.1.1), so they are
//! kept as strings here and interpreted by the ceremonies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::base64url::Base64Url;
use crate::error::WebAuthnError;

/// PublicKeyCredentialRpEntity (§5.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpEntityJson {
    /// The RP ID; absent means the origin's effective domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Human-palatable name.
    pub name: String,
}

/// PublicKeyCredentialUserEntityJSON (§5.4.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEntityJson {
    /// The user handle (at most 64 bytes).
    pub id: Base64Url,
    /// Account name.
    pub name: String,
    /// Display name.
    pub display_name: String,
}

/// PublicKeyCredentialParameters (§5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PubKeyCredParamJson {
    /// "public-key".
    #[serde(rename = "type")]
    pub cred_type: String,
    /// COSE algorithm identifier.
    pub alg: i64,
}

/// PublicKeyCredentialDescriptorJSON (§5.8.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialDescriptorJson {
    /// The credential ID.
    pub id: Base64Url,
    /// "public-key".
    #[serde(rename = "type")]
    pub cred_type: String,
    /// Transport hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<String>>,
}

/// AuthenticatorSelectionCriteria (§5.4.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelectionJson {
    /// "platform" or "cross-platform".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// "discouraged", "preferred" or "required".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_key: Option<String>,
    /// WebAuthn Level 1 spelling of residentKey = "required".
    #[serde(default)]
    pub require_resident_key: bool,
    /// "required", "preferred" (default) or "discouraged".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<String>,
}

/// AuthenticationExtensionsPRFValues (§10.1.4), as base64url in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrfValuesJson {
    /// First PRF input.
    pub first: Base64Url,
    /// Optional second PRF input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<Base64Url>,
}

/// AuthenticationExtensionsPRFInputs (§10.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrfInputsJson {
    /// Inputs for any credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval: Option<PrfValuesJson>,
    /// Inputs per credential ID (base64url keys); only with allowCredentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_by_credential: Option<BTreeMap<String, PrfValuesJson>>,
}

/// AuthenticationExtensionsLargeBlobInputs (§10.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LargeBlobInputsJson {
    /// Registration: "required" or "preferred".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<String>,
    /// Authentication: read the credential's blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<bool>,
    /// Authentication: store this blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<Base64Url>,
}

/// AuthenticationExtensionsClientInputsJSON: the extensions this client implements
/// (others are ignored, as a browser ignores extensions it does not know, §9).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientExtensionInputsJson {
    /// credProps (§10.1.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cred_props: Option<bool>,
    /// prf (§10.1.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf: Option<PrfInputsJson>,
    /// credProtect (CTAP 2.1 §12.1): "userVerificationOptional",
    /// "userVerificationOptionalWithCredentialIDList" or "userVerificationRequired".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_protection_policy: Option<String>,
    /// credProtect: fail rather than create a less protected credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_credential_protection_policy: Option<bool>,
    /// largeBlob (§10.1.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_blob: Option<LargeBlobInputsJson>,
    /// minPinLength (CTAP 2.1 §12.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pin_length: Option<bool>,
    /// hmacCreateSecret (CTAP 2.1 §12.5, the WebAuthn name of hmac-secret at creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac_create_secret: Option<bool>,
}

/// PublicKeyCredentialCreationOptionsJSON (§5.1.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptionsJson {
    /// The relying party.
    pub rp: RpEntityJson,
    /// The user account.
    pub user: UserEntityJson,
    /// The challenge.
    pub challenge: Base64Url,
    /// Acceptable algorithms, most preferred first.
    pub pub_key_cred_params: Vec<PubKeyCredParamJson>,
    /// Milliseconds the RP is willing to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Credentials the account already has.
    #[serde(default)]
    pub exclude_credentials: Vec<CredentialDescriptorJson>,
    /// Which authenticators are acceptable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<AuthenticatorSelectionJson>,
    /// Hints ("security-key", "client-device", "hybrid").
    #[serde(default)]
    pub hints: Vec<String>,
    /// "none" (default), "indirect", "direct" or "enterprise".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
    /// Preferred attestation formats.
    #[serde(default)]
    pub attestation_formats: Vec<String>,
    /// Client extension inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<ClientExtensionInputsJson>,
}

/// PublicKeyCredentialRequestOptionsJSON (§5.1.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptionsJson {
    /// The challenge.
    pub challenge: Base64Url,
    /// Milliseconds the RP is willing to wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// The RP ID; absent means the origin's effective domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rp_id: Option<String>,
    /// Acceptable credentials; empty for discoverable credentials.
    #[serde(default)]
    pub allow_credentials: Vec<CredentialDescriptorJson>,
    /// "required", "preferred" (default) or "discouraged".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<String>,
    /// Hints.
    #[serde(default)]
    pub hints: Vec<String>,
    /// Client extension inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<ClientExtensionInputsJson>,
}

/// webauthn-rs and other servers wrap the options as `{"publicKey": {...}}`
/// (CredentialCreationOptions / CredentialRequestOptions); this unwraps either form.
/// [`parse_creation_options`] / [`parse_request_options`] do the same with precise errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Wrapped<T> {
    /// `{"publicKey": options}`.
    PublicKey {
        /// The options.
        #[serde(rename = "publicKey")]
        public_key: T,
    },
    /// The options themselves.
    Bare(T),
}

impl<T> Wrapped<T> {
    /// The options, whichever form they came in.
    pub fn into_inner(self) -> T {
        match self {
            Wrapped::PublicKey { public_key } => public_key,
            Wrapped::Bare(options) => options,
        }
    }
}

fn parse_options<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
) -> Result<T, WebAuthnError> {
    let value: serde_json::Value = serde_json::from_str(json)
        .map_err(|e| WebAuthnError::InvalidOptions(format!("{what} are not JSON: {e}")))?;
    let inner = match value {
        serde_json::Value::Object(mut map) if map.contains_key("publicKey") => {
            map.remove("publicKey").unwrap_or_default()
        }
        other => other,
    };
    serde_json::from_value(inner).map_err(|e| WebAuthnError::InvalidOptions(format!("{what}: {e}")))
}

/// Parses PublicKeyCredentialCreationOptionsJSON, bare or wrapped in `{"publicKey": ...}`;
/// the error names the member that is wrong.
pub fn parse_creation_options(json: &str) -> Result<CreationOptionsJson, WebAuthnError> {
    parse_options(json, "the registration options")
}

/// Parses PublicKeyCredentialRequestOptionsJSON, bare or wrapped in `{"publicKey": ...}`;
/// the error names the member that is wrong.
pub fn parse_request_options(json: &str) -> Result<RequestOptionsJson, WebAuthnError> {
    parse_options(json, "the sign-in options")
}
