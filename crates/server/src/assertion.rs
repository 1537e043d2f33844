//! Passkey assertion verification, WebAuthn Level 3 §7.2 "Verifying an Authentication
//! Assertion", for ES256 passkeys, with each public key imported into OpenSSL and checked once,
//! then kept. webauthn-rs 0.5 rebuilds the OpenSSL key from the stored COSE coordinates for
//! every assertion (curve group, affine import with a full key check, a second `check_key`),
//! which costs about twice the signature check itself; that was the bound on logons per second.
//!
//! Who does what (webauthn-rs stays in the loop for everything but the order of the checks and
//! the signature call):
//! - webauthn-rs: registration (attestation, the stored [`Passkey`]), the challenge and the
//!   options sent (`start_*_authentication`), the response types and their base64url decoding,
//!   the authenticator data parser (`AuthenticatorData<Authentication>`), the client data type
//!   (`CollectedClientData`), the origin comparison (`WebauthnCore::origins_match`), the user
//!   handle of a discoverable assertion, and the whole verification of passkeys that are not
//!   ES256 (see `ceremony.rs`).
//! - this module: §7.2 steps 5 and 11-23 on those parsed values (step 14, topOrigin, is not
//!   checked, as by webauthn-rs), check for check as
//!   webauthn-rs 0.5 makes them (`verify_credential_internal` and `authenticate_credential`),
//!   and the ECDSA P-256 check with OpenSSL on the cached key. `tests/verification.rs` runs
//!   both on the same genuine and tampered assertions and requires the same verdicts.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::Public;
use serde::{Deserialize, Serialize};
use url::Url;
use webauthn_rs::prelude::{
    COSEAlgorithm, COSEKeyType, Credential, ECDSACurve, Passkey, PublicKeyCredential,
    RequestChallengeResponse, WebauthnError,
};
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{Authentication, CollectedClientData, UserVerificationPolicy};
use webauthn_rs_core::WebauthnCore;

/// What the relying party sent in one assertion ceremony's options, kept with its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expected {
    /// The challenge (§7.2 step 12).
    pub challenge: Vec<u8>,
    /// The credential IDs in allowCredentials; empty for a discoverable ceremony (step 5).
    pub allowed: Vec<Vec<u8>>,
    /// The userVerification requested (step 17).
    pub user_verification: UserVerificationPolicy,
    /// Whether a passkey registered as not backup eligible may now say it is (out of the
    /// spec; webauthn-rs allows it in `start_passkey_authentication`, not in the discoverable
    /// flow).
    pub backup_eligible_upgrade: bool,
}

impl Expected {
    /// The expectations of the options `rcr` that go to the client; `backup_eligible_upgrade`
    /// as webauthn-rs sets it for the flow that made them.
    pub fn of(rcr: &RequestChallengeResponse, backup_eligible_upgrade: bool) -> Self {
        let options = &rcr.public_key;
        Self {
            challenge: options.challenge.to_vec(),
            allowed: options.allow_credentials.iter().map(|c| c.id.to_vec()).collect(),
            user_verification: options.user_verification,
            backup_eligible_upgrade,
        }
    }
}

/// Why an assertion was refused; each names what the client or authenticator got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AssertionError {
    #[error("the passkey is not one this ceremony asked for")]
    CredentialNotAllowed,
    #[error("the client data is not valid JSON client data: {0}")]
    MalformedClientData(String),
    #[error("the authenticator data is malformed: {0}")]
    MalformedAuthenticatorData(String),
    #[error("the client data type is {0:?}, not \"webauthn.get\"")]
    WrongClientDataType(String),
    #[error("the client signed another challenge than this ceremony's")]
    WrongChallenge,
    #[error("the client ran at origin {0}, not at this site")]
    WrongOrigin(String),
    #[error("the authenticator signed for another RP ID than this site's")]
    WrongRpId,
    #[error("the authenticator did not report user presence")]
    UserNotPresent,
    #[error("the authenticator did not verify the user (PIN or biometric)")]
    UserNotVerified,
    #[error("the passkey's backup eligibility changed since it was registered")]
    BackupEligibilityChanged,
    #[error("the passkey says it is backed up but was registered as not backup eligible")]
    BackedUpWithoutEligibility,
    #[error("the signature does not verify with the passkey's public key")]
    BadSignature,
    #[error("the signature counter went from {stored} to {received}: the passkey may be cloned")]
    CounterRegression { stored: u32, received: u32 },
    #[error("the stored public key is unusable: {0}")]
    UnusableStoredKey(String),
}

/// What a verified assertion says about the passkey, to store (§7.2 steps 18-19 and 23).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub counter: u32,
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backup_state: bool,
}

/// The relying party's fixed expectations, and the checked OpenSSL public keys of the passkeys
/// seen so far, keyed by the key itself (x ‖ y): a cached entry can never be the wrong key for a
/// credential, whoever registered or deleted what since.
#[derive(Debug)]
pub struct AssertionVerifier {
    rp_id_hash: [u8; 32],
    origin: Url,
    keys: Mutex<HashMap<[u8; 64], EcKey<Public>>>,
}

/// Entries kept before the cache starts over (64 bytes + an OpenSSL key each).
const MAX_CACHED_KEYS: usize = 100_000;

impl AssertionVerifier {
    /// For the RP ID `rp_id` whose pages are served at `origin`.
    pub fn new(rp_id: &str, origin: &Url) -> Self {
        Self { rp_id_hash: openssl::sha::sha256(rp_id.as_bytes()), origin: origin.clone(), keys: Mutex::default() }
    }

    /// How many keys are cached.
    pub fn cached_keys(&self) -> usize {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The checked key for the P-256 point (x, y): imported (with OpenSSL's full key check) on
    /// first use, from the cache afterwards.
    fn key(&self, x: &[u8], y: &[u8]) -> Result<EcKey<Public>, AssertionError> {
        let unusable = |e: openssl::error::ErrorStack| AssertionError::UnusableStoredKey(e.to_string());
        let mut id = [0u8; 64];
        if x.len() != 32 || y.len() != 32 {
            return Err(AssertionError::UnusableStoredKey("P-256 coordinates are 32 bytes".into()));
        }
        id[..32].copy_from_slice(x);
        id[32..].copy_from_slice(y);
        if let Some(key) = self.keys.lock().unwrap_or_else(PoisonError::into_inner).get(&id) {
            return Ok(key.clone());
        }
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).map_err(unusable)?;
        let (x, y) = (BigNum::from_slice(x).map_err(unusable)?, BigNum::from_slice(y).map_err(unusable)?);
        let key = EcKey::from_public_key_affine_coordinates(&group, &x, &y).map_err(unusable)?;
        key.check_key().map_err(unusable)?;
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert(id, key.clone());
        Ok(key)
    }
}

/// The P-256 coordinates of an ES256 passkey; `None` for every other kind of key (those are
/// verified by webauthn-rs itself).
pub fn es256_point(passkey: &Passkey) -> Option<(&[u8], &[u8])> {
    let key = passkey.get_public_key();
    match (&key.type_, &key.key) {
        (COSEAlgorithm::ES256, COSEKeyType::EC_EC2(ec)) if ec.curve == ECDSACurve::SECP256R1 => {
            Some((ec.x.as_ref(), ec.y.as_ref()))
        }
        _ => None,
    }
}

impl AssertionVerifier {
    /// Verifies `response` for the ES256 `passkey` (its owner is checked by the caller, §7.2 step 6).
    pub fn verify(
        &self,
        response: &PublicKeyCredential,
        expected: &Expected,
        passkey: &Passkey,
    ) -> Result<Verified, AssertionError> {
        let (x, y) = es256_point(passkey)
            .ok_or_else(|| AssertionError::UnusableStoredKey("not an ES256 P-256 key".into()))?;
        let credential = Credential::from(passkey.clone());
        // Step 5: the credential was offered (webauthn-rs keeps the allowed credentials in its
        // state; for a discoverable ceremony the caller allows exactly the user's passkey).
        let raw_id = response.raw_id.as_slice();
        if !expected.allowed.is_empty() && !expected.allowed.iter().any(|id| id.as_slice() == raw_id) {
            return Err(AssertionError::CredentialNotAllowed);
        }
        if raw_id != credential.cred_id.as_slice() {
            return Err(AssertionError::CredentialNotAllowed);
        }
        // Steps 8-10: cData, authData, sig; JSONtext parsed as CollectedClientData.
        let client_data_bytes = response.response.client_data_json.as_slice();
        let client_data: CollectedClientData = serde_json::from_slice(client_data_bytes)
            .map_err(|e| AssertionError::MalformedClientData(e.to_string()))?;
        let auth_data_bytes = response.response.authenticator_data.as_slice();
        let auth_data = AuthenticatorData::<Authentication>::try_from(auth_data_bytes)
            .map_err(|e: WebauthnError| AssertionError::MalformedAuthenticatorData(e.to_string()))?;
        // Step 11: C.type.
        if client_data.type_ != "webauthn.get" {
            return Err(AssertionError::WrongClientDataType(client_data.type_));
        }
        // Step 12: C.challenge.
        if client_data.challenge.as_slice() != expected.challenge.as_slice() {
            return Err(AssertionError::WrongChallenge);
        }
        // Step 13: C.origin (exact origin: no subdomains, no other port, as webauthn-rs is built here).
        if !WebauthnCore::origins_match(false, false, &client_data.origin, &self.origin) {
            return Err(AssertionError::WrongOrigin(client_data.origin.to_string()));
        }
        // Step 15: rpIdHash, the first 32 bytes (the parser above checked the length;
        // passkey ceremonies never use the appid extension).
        if auth_data_bytes.get(..32) != Some(self.rp_id_hash.as_slice()) {
            return Err(AssertionError::WrongRpId);
        }
        // Step 16: UP.
        if !auth_data.user_present {
            return Err(AssertionError::UserNotPresent);
        }
        // Step 17: UV when required now or at registration; when preferred at registration and
        // given then, it is enforced too (webauthn-rs's "historical policy").
        let uv_required = expected.user_verification == UserVerificationPolicy::Required
            || credential.registration_policy == UserVerificationPolicy::Required
            || (credential.registration_policy == UserVerificationPolicy::Preferred && credential.user_verified);
        if uv_required && !auth_data.user_verified {
            return Err(AssertionError::UserNotVerified);
        }
        // Steps 18-19: backup flags; eligibility may only ever go from false to true, and
        // only where the flow allows it.
        let upgrade = expected.backup_eligible_upgrade && !credential.backup_eligible && auth_data.backup_eligible;
        if credential.backup_eligible != auth_data.backup_eligible && !upgrade {
            return Err(AssertionError::BackupEligibilityChanged);
        }
        if auth_data.backup_state && !credential.backup_eligible {
            return Err(AssertionError::BackedUpWithoutEligibility);
        }
        // Step 20: extensions are accepted as webauthn-rs does (none are requested).
        // Steps 21-22: hash = SHA-256(cData); sig over authData ‖ hash with the cached key.
        let mut signed = Vec::with_capacity(auth_data_bytes.len() + 32);
        signed.extend_from_slice(auth_data_bytes);
        signed.extend_from_slice(&openssl::sha::sha256(client_data_bytes));
        let key = self.key(x, y)?;
        // DER only, no trailing bytes: what OpenSSL's one-shot verify (webauthn-rs's) accepts.
        let der = response.response.signature.as_slice();
        let signature = EcdsaSig::from_der(der).map_err(|_| AssertionError::BadSignature)?;
        if signature.to_der().ok().as_deref() != Some(der) {
            return Err(AssertionError::BadSignature);
        }
        if !signature.verify(&openssl::sha::sha256(&signed), &key).unwrap_or(false) {
            return Err(AssertionError::BadSignature);
        }
        // Step 23: the signature counter, refused when it does not move forward.
        if (auth_data.counter > 0 || credential.counter > 0) && auth_data.counter <= credential.counter {
            return Err(AssertionError::CounterRegression { stored: credential.counter, received: auth_data.counter });
        }
        Ok(Verified {
            counter: auth_data.counter,
            user_verified: auth_data.user_verified,
            backup_eligible: auth_data.backup_eligible,
            backup_state: auth_data.backup_state,
        })
    }
}

/// The passkey as stored after `verified` (what webauthn-rs's `Passkey::update_credential`
/// does with its own result).
pub fn updated(passkey: &Passkey, verified: &Verified) -> Passkey {
    let mut credential = Credential::from(passkey.clone());
    if verified.counter > credential.counter {
        credential.counter = verified.counter;
    }
    credential.backup_state = verified.backup_state;
    if verified.backup_eligible {
        credential.backup_eligible = true;
    }
    Passkey::from(credential)
}
