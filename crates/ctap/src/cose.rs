//! COSE_Key (RFC 9052 §7, RFC 9053) for the keys CTAP exchanges, as raw coordinates:
//! credential public keys (ES256 on P-256, EdDSA on Ed25519) and the platform /
//! authenticator key-agreement key of CTAP 2.1 §6.5.6 (EC2, P-256, alg -25
//! "ECDH-ES + HKDF-256"). No cryptography happens here.

use crate::cbor::{Fields, FromCbor, MapBuilder, ToCbor, Value};
use crate::error::DecodeError;

/// COSE algorithm ES256 (ECDSA with SHA-256 on P-256).
pub const ALG_ES256: i64 = -7;
/// COSE algorithm EdDSA (Ed25519 in WebAuthn).
pub const ALG_EDDSA: i64 = -8;
/// COSE algorithm ECDH-ES + HKDF-256, used for the CTAP PIN/UV key agreement key.
pub const ALG_ECDH_ES_HKDF_256: i64 = -25;
/// COSE key type OKP (octet key pair).
pub const KTY_OKP: i64 = 1;
/// COSE key type EC2 (elliptic curve with x and y).
pub const KTY_EC2: i64 = 2;
/// COSE curve P-256.
pub const CRV_P256: i64 = 1;
/// COSE curve Ed25519.
pub const CRV_ED25519: i64 = 6;

const LABEL_KTY: i32 = 1;
const LABEL_ALG: i32 = 3;
const LABEL_CRV: i32 = -1;
const LABEL_X: i32 = -2;
const LABEL_Y: i32 = -3;

/// An uncompressed P-256 public point as its two 32-byte big-endian coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P256Point {
    /// x coordinate.
    pub x: [u8; 32],
    /// y coordinate.
    pub y: [u8; 32],
}

/// A COSE_Key as found in CTAP messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoseKey {
    /// kty EC2, alg -7, crv P-256: an ES256 credential public key.
    Es256(P256Point),
    /// kty EC2, alg -25, crv P-256: a PIN/UV auth protocol key-agreement key.
    EcdhEsHkdf256(P256Point),
    /// kty OKP, alg -8, crv Ed25519: an EdDSA credential public key (32-byte x).
    Ed25519 {
        /// The public key bytes.
        x: [u8; 32],
    },
    /// Any other key (e.g. RS256 from another authenticator), kept as its CBOR map.
    Other(Value),
}

impl CoseKey {
    /// The COSE algorithm identifier, if present.
    pub fn alg(&self) -> Option<i64> {
        match self {
            CoseKey::Es256(_) => Some(ALG_ES256),
            CoseKey::EcdhEsHkdf256(_) => Some(ALG_ECDH_ES_HKDF_256),
            CoseKey::Ed25519 { .. } => Some(ALG_EDDSA),
            CoseKey::Other(v) => v.map_get(&Value::from(3i64)).and_then(Value::as_i64),
        }
    }
}

fn ec2(alg: i64, p: &P256Point) -> Value {
    MapBuilder::new()
        .insert(LABEL_KTY, KTY_EC2)
        .insert(LABEL_ALG, alg)
        .insert(LABEL_CRV, CRV_P256)
        .insert(LABEL_X, p.x.to_vec())
        .insert(LABEL_Y, p.y.to_vec())
        .build()
}

impl ToCbor for CoseKey {
    fn to_cbor(&self) -> Value {
        match self {
            CoseKey::Es256(p) => ec2(ALG_ES256, p),
            CoseKey::EcdhEsHkdf256(p) => ec2(ALG_ECDH_ES_HKDF_256, p),
            CoseKey::Ed25519 { x } => MapBuilder::new()
                .insert(LABEL_KTY, KTY_OKP)
                .insert(LABEL_ALG, ALG_EDDSA)
                .insert(LABEL_CRV, CRV_ED25519)
                .insert(LABEL_X, x.to_vec())
                .build(),
            CoseKey::Other(v) => v.clone(),
        }
    }
}

impl FromCbor for CoseKey {
    fn from_cbor(value: &Value, field: &'static str) -> Result<Self, DecodeError> {
        let f = Fields::new(value, field)?;
        let kty: i64 = f.required(LABEL_KTY, "COSE_Key.kty")?;
        if kty != KTY_EC2 && kty != KTY_OKP {
            // Labels -1.. mean other things for other key types (e.g. RSA's n and e).
            return Ok(CoseKey::Other(value.clone()));
        }
        let alg: Option<i64> = f.optional(LABEL_ALG, "COSE_Key.alg")?;
        let crv: Option<i64> = f.optional(LABEL_CRV, "COSE_Key.crv")?;
        let point = |f: &Fields<'_>| -> Result<P256Point, DecodeError> {
            Ok(P256Point {
                x: f.required(LABEL_X, "COSE_Key.x")?,
                y: f.required(LABEL_Y, "COSE_Key.y")?,
            })
        };
        match (kty, alg, crv) {
            (KTY_EC2, Some(ALG_ES256), Some(CRV_P256)) => Ok(CoseKey::Es256(point(&f)?)),
            (KTY_EC2, Some(ALG_ECDH_ES_HKDF_256), Some(CRV_P256)) => {
                Ok(CoseKey::EcdhEsHkdf256(point(&f)?))
            }
            (KTY_OKP, Some(ALG_EDDSA), Some(CRV_ED25519)) => Ok(CoseKey::Ed25519 {
                x: f.required(LABEL_X, "COSE_Key.x")?,
            }),
            _ => Ok(CoseKey::Other(value.clone())),
        }
    }
}
