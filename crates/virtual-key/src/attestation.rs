//! Attestation material: a self-made P-256 test CA and the batch attestation certificate it
//! signs, generated on first use and kept in the persistent state.
//!
//! The certificate follows WebAuthn L3 §8.2.1 (packed attestation certificate requirements):
//! X.509 v3, subject C/O/OU="Authenticator Attestation"/CN, basic constraints CA=false, and the
//! FIDO extension id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4) carrying the AAGUID.

use std::str::FromStr as _;
use std::time::Duration;

use der::asn1::UtcTime;
use der::{Encode as _, EncodeValue, FixedTag, Length, Tag, Writer};
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
use x509_cert::ext::AsExtension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::rng::KeyRng;
use crate::secret::Secret32;

/// OID of the FIDO AAGUID certificate extension.
pub const AAGUID_EXTENSION_OID: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.45724.1.1.4");

/// The CA and attestation keys with their certificates (DER).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttestationMaterial {
    pub ca_key: Secret32,
    #[serde(with = "serde_bytes")]
    pub ca_certificate: Vec<u8>,
    pub attestation_key: Secret32,
    #[serde(with = "serde_bytes")]
    pub attestation_certificate: Vec<u8>,
}

/// Building the certificates failed (a bug, not bad input).
#[derive(Debug, thiserror::Error)]
#[error("could not build the attestation certificates: {0}")]
pub struct AttestationBuildError(String);

/// The AAGUID extension value: an OCTET STRING of the 16 AAGUID bytes (wrapped once more in the
/// extension's extnValue OCTET STRING by the builder).
struct AaguidExtension([u8; 16]);

impl der::oid::AssociatedOid for AaguidExtension {
    const OID: der::asn1::ObjectIdentifier = AAGUID_EXTENSION_OID;
}

impl FixedTag for AaguidExtension {
    const TAG: Tag = Tag::OctetString;
}

impl EncodeValue for AaguidExtension {
    fn value_len(&self) -> der::Result<Length> {
        Ok(Length::new(16))
    }
    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(&self.0)
    }
}

impl AsExtension for AaguidExtension {
    fn critical(&self, _subject: &Name, _extensions: &[x509_cert::ext::Extension]) -> bool {
        false // WebAuthn L3 §8.2.1: "MUST NOT be marked as critical".
    }
}

fn fixed_validity() -> Result<Validity, AttestationBuildError> {
    // 2024-01-01T00:00:00Z .. 2049-12-31T23:59:59Z: fixed so generation reads no clock.
    let start = UtcTime::from_unix_duration(Duration::from_secs(1_704_067_200)).map_err(err)?;
    let end = UtcTime::from_unix_duration(Duration::from_secs(2_524_607_999)).map_err(err)?;
    Ok(Validity { not_before: Time::UtcTime(start), not_after: Time::UtcTime(end) })
}

fn err(e: impl std::fmt::Display) -> AttestationBuildError {
    AttestationBuildError(e.to_string())
}

fn signing_key(secret: &Secret32) -> Result<SigningKey, AttestationBuildError> {
    SigningKey::from_bytes(secret.expose().into()).map_err(err)
}

fn spki_of(key: &SigningKey) -> Result<SubjectPublicKeyInfoOwned, AttestationBuildError> {
    let der = key.verifying_key().to_public_key_der().map_err(err)?;
    SubjectPublicKeyInfoOwned::try_from(der.as_bytes()).map_err(err)
}

fn new_p256_secret(rng: &mut KeyRng) -> Secret32 {
    let key = p256::SecretKey::random(rng);
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&key.to_bytes());
    Secret32::new(bytes)
}

impl AttestationMaterial {
    /// Generates a CA and an attestation certificate for `aaguid`.
    pub fn generate(aaguid: [u8; 16], rng: &mut KeyRng) -> Result<Self, AttestationBuildError> {
        let ca_key = new_p256_secret(rng);
        let attestation_key = new_p256_secret(rng);
        let ca_signer = signing_key(&ca_key)?;
        let ca_name = Name::from_str("CN=KeyDesk Virtual Key Test CA,O=KeyDesk,C=US").map_err(err)?;
        let ca = CertificateBuilder::new(
            Profile::Root,
            SerialNumber::from(1u32),
            fixed_validity()?,
            ca_name.clone(),
            spki_of(&ca_signer)?,
            &ca_signer,
        )
        .map_err(err)?
        .build::<DerSignature>()
        .map_err(err)?;

        let subject = Name::from_str("CN=KeyDesk Virtual Key,OU=Authenticator Attestation,O=KeyDesk,C=US").map_err(err)?;
        let mut builder = CertificateBuilder::new(
            Profile::Leaf { issuer: ca_name, enable_key_agreement: false, enable_key_encipherment: false },
            SerialNumber::from(2u32),
            fixed_validity()?,
            subject,
            spki_of(&signing_key(&attestation_key)?)?,
            &ca_signer,
        )
        .map_err(err)?;
        builder.add_extension(&AaguidExtension(aaguid)).map_err(err)?;
        let leaf = builder.build::<DerSignature>().map_err(err)?;
        Ok(Self {
            ca_key,
            ca_certificate: ca.to_der().map_err(err)?,
            attestation_key,
            attestation_certificate: leaf.to_der().map_err(err)?,
        })
    }

    /// Signs with the attestation key (ASN.1 DER ECDSA signature).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, AttestationBuildError> {
        use p256::ecdsa::signature::Signer as _;
        let signature: DerSignature = signing_key(&self.attestation_key)?.sign(message);
        Ok(signature.as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode as _;
    use p256::ecdsa::signature::Verifier as _;
    use p256::pkcs8::DecodePublicKey as _;

    #[test]
    fn certificate_carries_the_aaguid_and_chains_to_the_ca() {
        let aaguid = *b"0123456789abcdef";
        let material = AttestationMaterial::generate(aaguid, &mut KeyRng::seeded(3)).unwrap();
        let leaf = x509_cert::Certificate::from_der(&material.attestation_certificate).unwrap();
        let ca = x509_cert::Certificate::from_der(&material.ca_certificate).unwrap();
        let extensions = leaf.tbs_certificate.extensions.clone().unwrap();
        let aaguid_ext = extensions.iter().find(|e| e.extn_id == AAGUID_EXTENSION_OID).unwrap();
        assert!(!aaguid_ext.critical);
        let mut expected = vec![0x04, 0x10];
        expected.extend_from_slice(&aaguid);
        assert_eq!(aaguid_ext.extn_value.as_bytes(), expected.as_slice());
        assert_eq!(leaf.tbs_certificate.version, x509_cert::Version::V3);
        assert!(leaf.tbs_certificate.subject.to_string().contains("OU=Authenticator Attestation"));

        // The CA's key verifies the leaf's signature.
        let ca_spki = ca.tbs_certificate.subject_public_key_info.to_der().unwrap();
        let ca_key = p256::ecdsa::VerifyingKey::from_public_key_der(&ca_spki).unwrap();
        let tbs = leaf.tbs_certificate.to_der().unwrap();
        let signature = DerSignature::try_from(leaf.signature.raw_bytes()).unwrap();
        ca_key.verify(&tbs, &signature).unwrap();

        // The attestation key matches the certificate.
        let leaf_spki = leaf.tbs_certificate.subject_public_key_info.to_der().unwrap();
        let leaf_key = p256::ecdsa::VerifyingKey::from_public_key_der(&leaf_spki).unwrap();
        let sig = DerSignature::try_from(material.sign(b"data").unwrap().as_slice()).unwrap();
        leaf_key.verify(b"data", &sig).unwrap();
    }
}
