//! The attestation object (WebAuthn L3 §6.5.4) built from the key's makeCredential
//! response, attestation conveyance (§5.1.3 "constructCredentialAlg" step for `none`), and
//! getPublicKey()'s SubjectPublicKeyInfo (§5.2.1.1).

use keydesk_ctap::attestation::AttestationStatement;
use keydesk_ctap::cbor::{encode, MapBuilder, Value};
use keydesk_ctap::cose::CoseKey;

/// AttestationConveyancePreference (§5.4.7); unknown values count as `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conveyance {
    /// The RP does not want attestation (default).
    None,
    /// The client may anonymize; this client passes the statement through.
    Indirect,
    /// The statement as the authenticator produced it.
    Direct,
    /// Enterprise attestation: passed through like direct (this client is not configured
    /// to permit enterprise attestation for any RP, so none is requested from the key).
    Enterprise,
}

impl Conveyance {
    /// The preference named in the options.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("indirect") => Conveyance::Indirect,
            Some("direct") => Conveyance::Direct,
            Some("enterprise") => Conveyance::Enterprise,
            _ => Conveyance::None,
        }
    }
}

/// The statement the RP receives. For `none`: self attestation (packed, zero AAGUID, no
/// x5c) is kept; anything else becomes `fmt: "none"` with an empty attStmt. WebAuthn L3
/// keeps the AAGUID (Level 2 zeroed it, which broke the signed authData of self
/// attestation and hid the model from RPs that only want to show it).
pub fn convey(
    conveyance: Conveyance,
    statement: &AttestationStatement,
    aaguid: &[u8; 16],
) -> AttestationStatement {
    if conveyance != Conveyance::None {
        return statement.clone();
    }
    match statement {
        AttestationStatement::Packed { x5c: None, .. } if *aaguid == [0; 16] => statement.clone(),
        _ => AttestationStatement::None,
    }
}

/// The CBOR attestation object `{"fmt", "attStmt", "authData"}` in CTAP2 canonical order.
pub fn attestation_object(statement: &AttestationStatement, auth_data: &[u8]) -> Vec<u8> {
    let map = MapBuilder::new()
        .insert("fmt", Value::Text(statement.format().to_owned()))
        .insert("attStmt", statement.statement())
        .insert("authData", auth_data.to_vec())
        .build();
    encode(&map)
}

/// DER prefix of a P-256 SubjectPublicKeyInfo up to the uncompressed point (RFC 5480).
const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];
/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410).
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// getPublicKey(): the credential key as SubjectPublicKeyInfo DER, for ES256 and EdDSA
/// (other algorithms return `None`, as the spec allows).
pub fn subject_public_key_info(key: &CoseKey) -> Option<Vec<u8>> {
    match key {
        CoseKey::Es256(point) => {
            let mut der = P256_SPKI_PREFIX.to_vec();
            der.extend_from_slice(&point.x);
            der.extend_from_slice(&point.y);
            Some(der)
        }
        CoseKey::Ed25519 { x } => {
            let mut der = ED25519_SPKI_PREFIX.to_vec();
            der.extend_from_slice(x);
            Some(der)
        }
        _ => None,
    }
}
