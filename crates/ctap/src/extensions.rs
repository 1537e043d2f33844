//! CTAP 2.1 §12 "Defined Extensions" as data: the authenticator-extension inputs sent in
//! makeCredential / getAssertion (`extensions` member) and the outputs returned in the
//! authenticator data's extensions map. Unknown extensions are preserved, not dropped.
//!
//! Cryptographic contents (hmac-secret salts and outputs) are opaque bytes here; the
//! PIN/UV protocol crate (`keydesk-ctap-crypto`) produces and checks them.

use crate::cbor::{Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::cose::CoseKey;
use crate::error::DecodeError;

/// Extension identifier `hmac-secret` (§12.5).
pub const HMAC_SECRET: &str = "hmac-secret";
/// Extension identifier `hmac-secret-mc` (CTAP 2.2 §12.7).
pub const HMAC_SECRET_MC: &str = "hmac-secret-mc";
/// Extension identifier `credProtect` (§12.1).
pub const CRED_PROTECT: &str = "credProtect";
/// Extension identifier `credBlob` (§12.2).
pub const CRED_BLOB: &str = "credBlob";
/// Extension identifier `largeBlobKey` (§12.3).
pub const LARGE_BLOB_KEY: &str = "largeBlobKey";
/// Extension identifier `minPinLength` (§12.4).
pub const MIN_PIN_LENGTH: &str = "minPinLength";

/// credProtect levels (CTAP 2.1 §12.1 "Credential Protection").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredProtect {
    /// 0x01 userVerificationOptional.
    UserVerificationOptional,
    /// 0x02 userVerificationOptionalWithCredentialIDList.
    UserVerificationOptionalWithCredentialIdList,
    /// 0x03 userVerificationRequired.
    UserVerificationRequired,
}

impl CredProtect {
    /// The wire value 1..=3.
    pub fn value(self) -> u8 {
        match self {
            CredProtect::UserVerificationOptional => 1,
            CredProtect::UserVerificationOptionalWithCredentialIdList => 2,
            CredProtect::UserVerificationRequired => 3,
        }
    }

    /// The level for a wire value, `None` outside 1..=3.
    pub fn from_value(value: u64) -> Option<Self> {
        match value {
            1 => Some(CredProtect::UserVerificationOptional),
            2 => Some(CredProtect::UserVerificationOptionalWithCredentialIdList),
            3 => Some(CredProtect::UserVerificationRequired),
            _ => None,
        }
    }
}

impl ToCbor for CredProtect {
    fn to_cbor(&self) -> Value {
        Value::from(self.value())
    }
}

impl FromCbor for CredProtect {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let n = u64::from_cbor(value, field)?;
        CredProtect::from_value(n).ok_or(DecodeError::InvalidValue {
            field,
            reason: "credProtect level must be 1, 2 or 3",
        })
    }
}

/// hmac-secret input to getAssertion (§12.5) and hmac-secret-mc input to makeCredential
/// (CTAP 2.2): `{1: keyAgreement, 2: saltEnc, 3: saltAuth, 4: pinUvAuthProtocol}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HmacSecretInput {
    /// 0x01 the platform's key-agreement public key.
    pub key_agreement: CoseKey,
    /// 0x02 encrypt(sharedSecret, salt1 [|| salt2]).
    pub salt_enc: Vec<u8>,
    /// 0x03 authenticate(sharedSecret, saltEnc).
    pub salt_auth: Vec<u8>,
    /// 0x04 PIN/UV auth protocol; absent means protocol 1.
    pub pin_uv_auth_protocol: Option<u8>,
}

impl ToCbor for HmacSecretInput {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert(1, self.key_agreement.to_cbor())
            .insert(2, self.salt_enc.clone())
            .insert(3, self.salt_auth.clone())
            .insert_opt(4, self.pin_uv_auth_protocol)
            .build()
    }
}

impl FromCbor for HmacSecretInput {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            key_agreement: f.required(1, "hmac-secret.keyAgreement")?,
            salt_enc: f.required(2, "hmac-secret.saltEnc")?,
            salt_auth: f.required(3, "hmac-secret.saltAuth")?,
            pin_uv_auth_protocol: f.optional(4, "hmac-secret.pinUvAuthProtocol")?,
        })
    }
}

/// Reads the extension map's entries that this crate does not model.
fn unknown_entries(f: &Fields<'_>, known: &[&str]) -> Result<Vec<(String, Value)>, DecodeError> {
    let mut other = Vec::new();
    for (k, v) in f.entries() {
        let name = k.as_text().ok_or_else(|| DecodeError::WrongType {
            field: "extensions key",
            expected: "text string",
            found: k.type_name(),
        })?;
        if !known.contains(&name) {
            other.push((name.to_owned(), v.clone()));
        }
    }
    Ok(other)
}

fn with_unknown(mut builder: MapBuilder, other: &[(String, Value)]) -> Value {
    for (k, v) in other {
        builder = builder.insert(k.as_str(), v.clone());
    }
    builder.build()
}

/// Extension inputs of authenticatorMakeCredential (CTAP 2.1 §6.1 member 0x06).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MakeCredentialExtensions {
    /// `hmac-secret: true` asks for an hmac-secret-capable credential.
    pub hmac_secret: Option<bool>,
    /// `hmac-secret-mc`: evaluate the secret right away (CTAP 2.2).
    pub hmac_secret_mc: Option<HmacSecretInput>,
    /// `credProtect` level.
    pub cred_protect: Option<CredProtect>,
    /// `credBlob` to store with the credential.
    pub cred_blob: Option<Vec<u8>>,
    /// `largeBlobKey: true` asks for a large-blob key.
    pub large_blob_key: Option<bool>,
    /// `minPinLength: true` asks for the minimum PIN length in the output.
    pub min_pin_length: Option<bool>,
    /// Extensions this crate does not model, preserved as sent.
    pub other: Vec<(String, Value)>,
}

impl ToCbor for MakeCredentialExtensions {
    fn to_cbor(&self) -> Value {
        let b = MapBuilder::new()
            .insert_opt(HMAC_SECRET, self.hmac_secret)
            .insert_opt(HMAC_SECRET_MC, self.hmac_secret_mc.as_ref().map(ToCbor::to_cbor))
            .insert_opt(CRED_PROTECT, self.cred_protect.map(|c| c.to_cbor()))
            .insert_opt(CRED_BLOB, self.cred_blob.clone())
            .insert_opt(LARGE_BLOB_KEY, self.large_blob_key)
            .insert_opt(MIN_PIN_LENGTH, self.min_pin_length);
        with_unknown(b, &self.other)
    }
}

impl FromCbor for MakeCredentialExtensions {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            hmac_secret: f.optional(HMAC_SECRET, "extensions.hmac-secret")?,
            hmac_secret_mc: f.optional(HMAC_SECRET_MC, "extensions.hmac-secret-mc")?,
            cred_protect: f.optional(CRED_PROTECT, "extensions.credProtect")?,
            cred_blob: f.optional(CRED_BLOB, "extensions.credBlob")?,
            large_blob_key: f.optional(LARGE_BLOB_KEY, "extensions.largeBlobKey")?,
            min_pin_length: f.optional(MIN_PIN_LENGTH, "extensions.minPinLength")?,
            other: unknown_entries(
                &f,
                &[HMAC_SECRET, HMAC_SECRET_MC, CRED_PROTECT, CRED_BLOB, LARGE_BLOB_KEY, MIN_PIN_LENGTH],
            )?,
        })
    }
}

/// Extension inputs of authenticatorGetAssertion (CTAP 2.1 §6.2 member 0x04).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetAssertionExtensions {
    /// `hmac-secret` salts.
    pub hmac_secret: Option<HmacSecretInput>,
    /// `credBlob: true` asks for the stored credBlob.
    pub cred_blob: Option<bool>,
    /// `largeBlobKey: true` asks for the credential's large-blob key.
    pub large_blob_key: Option<bool>,
    /// Extensions this crate does not model, preserved as sent.
    pub other: Vec<(String, Value)>,
}

impl ToCbor for GetAssertionExtensions {
    fn to_cbor(&self) -> Value {
        let b = MapBuilder::new()
            .insert_opt(HMAC_SECRET, self.hmac_secret.as_ref().map(ToCbor::to_cbor))
            .insert_opt(CRED_BLOB, self.cred_blob)
            .insert_opt(LARGE_BLOB_KEY, self.large_blob_key);
        with_unknown(b, &self.other)
    }
}

impl FromCbor for GetAssertionExtensions {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            hmac_secret: f.optional(HMAC_SECRET, "extensions.hmac-secret")?,
            cred_blob: f.optional(CRED_BLOB, "extensions.credBlob")?,
            large_blob_key: f.optional(LARGE_BLOB_KEY, "extensions.largeBlobKey")?,
            other: unknown_entries(&f, &[HMAC_SECRET, CRED_BLOB, LARGE_BLOB_KEY])?,
        })
    }
}

/// The `hmac-secret` output: `true`/`false` from makeCredential, the encrypted outputs
/// from getAssertion (§12.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HmacSecretOutput {
    /// makeCredential: whether the credential is hmac-secret capable.
    Created(bool),
    /// getAssertion: encrypt(sharedSecret, output1 [|| output2]).
    Secret(Vec<u8>),
}

/// The `credBlob` output: stored-or-not from makeCredential, the blob from getAssertion
/// (§12.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredBlobOutput {
    /// makeCredential: whether the blob was stored.
    Stored(bool),
    /// getAssertion: the stored blob (empty if none).
    Blob(Vec<u8>),
}

/// Authenticator extension outputs: the CBOR map at the end of authenticator data when
/// the ED flag is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtensionOutputs {
    /// `credProtect` level applied.
    pub cred_protect: Option<CredProtect>,
    /// `hmac-secret`.
    pub hmac_secret: Option<HmacSecretOutput>,
    /// `hmac-secret-mc`: encrypted outputs at creation (CTAP 2.2).
    pub hmac_secret_mc: Option<Vec<u8>>,
    /// `credBlob`.
    pub cred_blob: Option<CredBlobOutput>,
    /// `minPinLength`: the current minimum PIN length.
    pub min_pin_length: Option<u64>,
    /// Outputs this crate does not model, preserved as received.
    pub other: Vec<(String, Value)>,
}

impl ExtensionOutputs {
    /// Whether no output is present (then the ED flag must be clear).
    pub fn is_empty(&self) -> bool {
        *self == ExtensionOutputs::default()
    }
}

impl ToCbor for ExtensionOutputs {
    fn to_cbor(&self) -> Value {
        let b = MapBuilder::new()
            .insert_opt(CRED_PROTECT, self.cred_protect.map(|c| c.to_cbor()))
            .insert_opt(
                HMAC_SECRET,
                self.hmac_secret.as_ref().map(|h| match h {
                    HmacSecretOutput::Created(b) => Value::Bool(*b),
                    HmacSecretOutput::Secret(s) => Value::Bytes(s.clone()),
                }),
            )
            .insert_opt(HMAC_SECRET_MC, self.hmac_secret_mc.clone())
            .insert_opt(
                CRED_BLOB,
                self.cred_blob.as_ref().map(|c| match c {
                    CredBlobOutput::Stored(b) => Value::Bool(*b),
                    CredBlobOutput::Blob(s) => Value::Bytes(s.clone()),
                }),
            )
            .insert_opt(MIN_PIN_LENGTH, self.min_pin_length);
        with_unknown(b, &self.other)
    }
}

impl FromCbor for ExtensionOutputs {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        let hmac_secret = match f.get(HMAC_SECRET) {
            None => None,
            Some(Value::Bool(b)) => Some(HmacSecretOutput::Created(*b)),
            Some(Value::Bytes(s)) => Some(HmacSecretOutput::Secret(s.clone())),
            Some(other) => return Err(crate::cbor::fields_wrong_type("extensions.hmac-secret", "boolean or byte string", other)),
        };
        let cred_blob = match f.get(CRED_BLOB) {
            None => None,
            Some(Value::Bool(b)) => Some(CredBlobOutput::Stored(*b)),
            Some(Value::Bytes(s)) => Some(CredBlobOutput::Blob(s.clone())),
            Some(other) => return Err(crate::cbor::fields_wrong_type("extensions.credBlob", "boolean or byte string", other)),
        };
        Ok(Self {
            cred_protect: f.optional(CRED_PROTECT, "extensions.credProtect")?,
            hmac_secret,
            hmac_secret_mc: f.optional(HMAC_SECRET_MC, "extensions.hmac-secret-mc")?,
            cred_blob,
            min_pin_length: f.optional(MIN_PIN_LENGTH, "extensions.minPinLength")?,
            other: unknown_entries(
                &f,
                &[CRED_PROTECT, HMAC_SECRET, HMAC_SECRET_MC, CRED_BLOB, MIN_PIN_LENGTH],
            )?,
        })
    }
}
