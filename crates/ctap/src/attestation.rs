//! Attestation statement formats as data (WebAuthn Level 3 §8): `packed` (§8.2),
//! `fido-u2f` (§8.6) and `none` (§8.7). Other formats are kept as their CBOR map.

use crate::cbor::{array, Fields, MapBuilder, Value};
use crate::cbor::{array_from, FromCbor};
use crate::error::DecodeError;

/// Format identifier `packed`.
pub const FMT_PACKED: &str = "packed";
/// Format identifier `fido-u2f`.
pub const FMT_FIDO_U2F: &str = "fido-u2f";
/// Format identifier `none`.
pub const FMT_NONE: &str = "none";

/// An attestation statement with its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestationStatement {
    /// `packed`: `{alg, sig, x5c?}`; without `x5c` it is self attestation.
    Packed {
        /// COSE algorithm of the signature.
        alg: i64,
        /// The signature over authenticatorData || clientDataHash.
        sig: Vec<u8>,
        /// DER certificates, attestation certificate first; `None` for self attestation.
        x5c: Option<Vec<Vec<u8>>>,
    },
    /// `fido-u2f`: `{sig, x5c: [certificate]}`.
    FidoU2f {
        /// The U2F registration signature.
        sig: Vec<u8>,
        /// The single DER attestation certificate.
        certificate: Vec<u8>,
    },
    /// `none`: an empty map.
    None,
    /// Another format, kept as received.
    Other {
        /// The `fmt` identifier.
        fmt: String,
        /// The `attStmt` map.
        statement: Value,
    },
}

impl AttestationStatement {
    /// The `fmt` identifier.
    pub fn format(&self) -> &str {
        match self {
            AttestationStatement::Packed { .. } => FMT_PACKED,
            AttestationStatement::FidoU2f { .. } => FMT_FIDO_U2F,
            AttestationStatement::None => FMT_NONE,
            AttestationStatement::Other { fmt, .. } => fmt,
        }
    }

    /// The `attStmt` map.
    pub fn statement(&self) -> Value {
        match self {
            AttestationStatement::Packed { alg, sig, x5c } => MapBuilder::new()
                .insert("alg", *alg)
                .insert("sig", sig.clone())
                .insert_opt(
                    "x5c",
                    x5c.as_ref()
                        .map(|certs| Value::Array(certs.iter().cloned().map(Value::Bytes).collect())),
                )
                .build(),
            AttestationStatement::FidoU2f { sig, certificate } => MapBuilder::new()
                .insert("sig", sig.clone())
                .insert("x5c", array(&[Value::Bytes(certificate.clone())]))
                .build(),
            AttestationStatement::None => Value::Map(Vec::new()),
            AttestationStatement::Other { statement, .. } => statement.clone(),
        }
    }

    /// Interprets `statement` according to `fmt`.
    pub fn from_parts(fmt: &str, statement: &Value) -> Result<Self, DecodeError> {
        let f = Fields::new(statement, "attStmt")?;
        match fmt {
            FMT_PACKED => Ok(AttestationStatement::Packed {
                alg: f.required("alg", "attStmt.alg")?,
                sig: f.required("sig", "attStmt.sig")?,
                x5c: f.optional_array("x5c", "attStmt.x5c")?,
            }),
            FMT_FIDO_U2F => {
                let x5c = f
                    .get("x5c")
                    .ok_or(DecodeError::MissingField { field: "attStmt.x5c" })?;
                let certs: Vec<Vec<u8>> = array_from(x5c, "attStmt.x5c")?;
                let [certificate]: [Vec<u8>; 1] =
                    certs.try_into().map_err(|_| DecodeError::InvalidValue {
                        field: "attStmt.x5c",
                        reason: "fido-u2f requires exactly one certificate",
                    })?;
                Ok(AttestationStatement::FidoU2f {
                    sig: f.required("sig", "attStmt.sig")?,
                    certificate,
                })
            }
            FMT_NONE => {
                if f.entries().is_empty() {
                    Ok(AttestationStatement::None)
                } else {
                    Err(DecodeError::InvalidValue {
                        field: "attStmt",
                        reason: "format none requires an empty map",
                    })
                }
            }
            other => Ok(AttestationStatement::Other {
                fmt: other.to_owned(),
                statement: Value::from_cbor(statement, "attStmt")?,
            }),
        }
    }
}

/// The WebAuthn attestation object (WebAuthn Level 3 §6.5): the CTAP makeCredential
/// response re-keyed with text keys, `{"fmt", "attStmt", "authData"}`, as a relying party
/// receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationObject {
    /// `fmt` and `attStmt`.
    pub statement: AttestationStatement,
    /// `authData`, the exact authenticator data bytes.
    pub auth_data: Vec<u8>,
}

impl AttestationObject {
    /// Canonical CBOR encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::cbor::encode(
            &MapBuilder::new()
                .insert("fmt", self.statement.format())
                .insert("attStmt", self.statement.statement())
                .insert("authData", self.auth_data.clone())
                .build(),
        )
    }

    /// Parses an attestation object (authenticator data is checked to parse).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let value = crate::cbor::decode(bytes)?;
        let f = Fields::new(&value, "attestationObject")?;
        let fmt: String = f.required("fmt", "attestationObject.fmt")?;
        let statement = f
            .get("attStmt")
            .ok_or(DecodeError::MissingField { field: "attestationObject.attStmt" })?;
        let auth_data: Vec<u8> = f.required("authData", "attestationObject.authData")?;
        crate::auth_data::AuthenticatorData::from_bytes(&auth_data)?;
        Ok(Self {
            statement: AttestationStatement::from_parts(&fmt, statement)?,
            auth_data,
        })
    }
}
