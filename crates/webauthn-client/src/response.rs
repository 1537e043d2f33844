//! What the client hands back to the relying party: RegistrationResponseJSON and
//! AuthenticationResponseJSON (WebAuthn L3 §5.1.10 and `PublicKeyCredential.toJSON()`), with
//! the client extension outputs (§9, §10).
//!
//! Field names are the spec's; absent optional members are omitted rather than `null`, which
//! both the spec's JSON and webauthn-rs's `RegisterPublicKeyCredential` /
//! `PublicKeyCredential` (it reads `clientExtensionResults` through an alias and ignores
//! members it does not model) accept.

use serde::{Deserialize, Serialize};

use crate::base64url::{Base64Url, SecretBase64Url};

/// `"public-key"`, the only credential type.
pub const PUBLIC_KEY: &str = "public-key";

/// AuthenticatorAttestationResponseJSON (§5.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponseJson {
    /// The exact clientDataJSON whose hash the authenticator signed.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: Base64Url,
    /// The authenticator data (also inside the attestation object).
    pub authenticator_data: Base64Url,
    /// getTransports(): sorted, without duplicates.
    pub transports: Vec<String>,
    /// getPublicKey(): SubjectPublicKeyInfo DER, for algorithms the client understands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<Base64Url>,
    /// getPublicKeyAlgorithm(): the COSE algorithm.
    pub public_key_algorithm: i64,
    /// The CBOR attestation object `{fmt, attStmt, authData}`.
    pub attestation_object: Base64Url,
}

/// AuthenticatorAssertionResponseJSON (§5.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponseJson {
    /// The exact clientDataJSON whose hash the authenticator signed.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: Base64Url,
    /// The authenticator data.
    pub authenticator_data: Base64Url,
    /// The signature over authenticatorData || SHA-256(clientDataJSON).
    pub signature: Base64Url,
    /// The user handle of a discoverable credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<Base64Url>,
}

/// credProps output (§10.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredPropsOutput {
    /// Whether a client-side discoverable credential was created.
    pub rk: bool,
}

/// AuthenticationExtensionsPRFValues as outputs: secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrfResultsJson {
    /// PRF(first).
    pub first: SecretBase64Url,
    /// PRF(second), when a second input was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second: Option<SecretBase64Url>,
}

/// AuthenticationExtensionsPRFOutputs (§10.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrfOutput {
    /// Registration: whether the credential supports PRF.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The evaluated PRF values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<PrfResultsJson>,
}

/// AuthenticationExtensionsLargeBlobOutputs (§10.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LargeBlobOutput {
    /// Registration: whether the credential can store a large blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported: Option<bool>,
    /// Authentication with `read`: the stored blob (absent when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blob: Option<SecretBase64Url>,
    /// Authentication with `write`: whether it was stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<bool>,
}

/// AuthenticationExtensionsClientOutputsJSON: the outputs of the extensions this client
/// implements. Only extensions that were requested (and, where the spec says so, honoured)
/// appear.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientExtensionOutputsJson {
    /// credProps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cred_props: Option<CredPropsOutput>,
    /// prf.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prf: Option<PrfOutput>,
    /// largeBlob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_blob: Option<LargeBlobOutput>,
    /// minPinLength: the key's current minimum PIN length (CTAP 2.1 §12.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pin_length: Option<u32>,
    /// hmacCreateSecret: whether the credential is hmac-secret capable (CTAP 2.1 §12.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmac_create_secret: Option<bool>,
}

/// RegistrationResponseJSON (§5.1.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponseJson {
    /// The credential ID as base64url (the same as `rawId`).
    pub id: String,
    /// The credential ID.
    pub raw_id: Base64Url,
    /// The attestation response.
    pub response: AttestationResponseJson,
    /// "platform" or "cross-platform".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// Client extension outputs.
    pub client_extension_results: ClientExtensionOutputsJson,
    /// "public-key".
    #[serde(rename = "type")]
    pub cred_type: String,
}

/// AuthenticationResponseJSON (§5.1.10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponseJson {
    /// The credential ID as base64url (the same as `rawId`).
    pub id: String,
    /// The credential ID.
    pub raw_id: Base64Url,
    /// The assertion response.
    pub response: AssertionResponseJson,
    /// "platform" or "cross-platform".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    /// Client extension outputs.
    pub client_extension_results: ClientExtensionOutputsJson,
    /// "public-key".
    #[serde(rename = "type")]
    pub cred_type: String,
}
