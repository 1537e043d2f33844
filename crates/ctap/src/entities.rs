//! WebAuthn entities as CTAP carries them: CTAP 2.1 §6.1 (rp, user, pubKeyCredParams,
//! excludeList) referring to WebAuthn Level 3 §5.4 and §5.8.

use crate::cbor::{array, Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::error::DecodeError;

/// The credential type string of every current credential (`"public-key"`).
pub const PUBLIC_KEY: &str = "public-key";

/// PublicKeyCredentialRpEntity (WebAuthn §5.4.2): `id` and an optional `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpEntity {
    /// The RP ID (a domain).
    pub id: String,
    /// Human-palatable name; optional in CTAP.
    pub name: Option<String>,
    /// `icon` URL: removed from WebAuthn Level 2 but still sent by CTAP 2.0 platforms
    /// (and in the CTAP spec's own examples); kept so such messages round-trip exactly.
    pub icon: Option<String>,
}

impl RpEntity {
    /// An RP entity with only an ID.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            icon: None,
        }
    }
}

impl ToCbor for RpEntity {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert("id", self.id.as_str())
            .insert_opt("name", self.name.as_deref())
            .insert_opt("icon", self.icon.as_deref())
            .build()
    }
}

impl FromCbor for RpEntity {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            id: f.required("id", "rp.id")?,
            name: f.optional("name", "rp.name")?,
            icon: f.optional("icon", "rp.icon")?,
        })
    }
}

/// PublicKeyCredentialUserEntity (WebAuthn §5.4.3): `id` (at most 64 bytes) and optional
/// `name` and `displayName`. The response to getAssertion carries only `id` unless user
/// verification happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntity {
    /// The user handle.
    pub id: Vec<u8>,
    /// Account name, e.g. an email address.
    pub name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// `icon` URL (deprecated, see [`RpEntity::icon`]).
    pub icon: Option<String>,
}

impl UserEntity {
    /// A user entity with only an ID.
    pub fn new(id: impl Into<Vec<u8>>) -> Self {
        Self {
            id: id.into(),
            name: None,
            display_name: None,
            icon: None,
        }
    }
}

impl ToCbor for UserEntity {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert("id", self.id.clone())
            .insert_opt("name", self.name.as_deref())
            .insert_opt("displayName", self.display_name.as_deref())
            .insert_opt("icon", self.icon.as_deref())
            .build()
    }
}

impl FromCbor for UserEntity {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            id: f.required("id", "user.id")?,
            name: f.optional("name", "user.name")?,
            display_name: f.optional("displayName", "user.displayName")?,
            icon: f.optional("icon", "user.icon")?,
        })
    }
}

/// PublicKeyCredentialDescriptor (WebAuthn §5.8.3): `type`, `id`, optional `transports`.
/// The type is kept as text so descriptors of unknown types survive a round trip
/// (authenticators skip descriptors whose type they do not know, CTAP 2.1 §6.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialDescriptor {
    /// Credential type, `"public-key"`.
    pub cred_type: String,
    /// Credential ID.
    pub id: Vec<u8>,
    /// Transport hints such as `"usb"`, `"nfc"`, `"ble"`, `"internal"`, `"hybrid"`.
    pub transports: Option<Vec<String>>,
}

impl CredentialDescriptor {
    /// A `"public-key"` descriptor without transports.
    pub fn public_key(id: impl Into<Vec<u8>>) -> Self {
        Self {
            cred_type: PUBLIC_KEY.to_owned(),
            id: id.into(),
            transports: None,
        }
    }
}

impl ToCbor for CredentialDescriptor {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert("type", self.cred_type.as_str())
            .insert("id", self.id.clone())
            .insert_opt("transports", self.transports.as_deref().map(array))
            .build()
    }
}

impl FromCbor for CredentialDescriptor {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            cred_type: f.required("type", "credentialDescriptor.type")?,
            id: f.required("id", "credentialDescriptor.id")?,
            transports: f.optional_array("transports", "credentialDescriptor.transports")?,
        })
    }
}

/// PublicKeyCredentialParameters (WebAuthn §5.3): `type` and COSE `alg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialParameters {
    /// Credential type, `"public-key"`.
    pub cred_type: String,
    /// COSE algorithm identifier (e.g. -7 ES256, -8 EdDSA).
    pub alg: i64,
}

impl CredentialParameters {
    /// A `"public-key"` parameter for `alg`.
    pub fn public_key(alg: i64) -> Self {
        Self {
            cred_type: PUBLIC_KEY.to_owned(),
            alg,
        }
    }
}

impl ToCbor for CredentialParameters {
    fn to_cbor(&self) -> Value {
        MapBuilder::new()
            .insert("alg", self.alg)
            .insert("type", self.cred_type.as_str())
            .build()
    }
}

impl FromCbor for CredentialParameters {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        Ok(Self {
            cred_type: f.required("type", "pubKeyCredParams.type")?,
            alg: f.required("alg", "pubKeyCredParams.alg")?,
        })
    }
}
