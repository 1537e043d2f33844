//! The persistent state of one virtual key and its (de)serialization.

use serde::{Deserialize, Serialize};

use crate::attestation::AttestationMaterial;
use crate::bio::{FingerprintSensor, MAX_UV_RETRIES};
use crate::large_blob::LargeBlobStore;
use crate::persist::{decode_file, encode_file, StateFileError};
use crate::pin::PinState;
use crate::rng::KeyRng;
use crate::secret::Secret32;
use crate::store::ResidentStore;

/// Everything that survives a power cycle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersistentState {
    /// Seals credential IDs and derives CredRandom.
    pub master_secret: Secret32,
    /// Global signature counter (WebAuthn §6.1.1).
    pub sign_count: u32,
    pub resident: ResidentStore,
    pub pin: PinState,
    pub always_uv: bool,
    pub enterprise_attestation_enabled: bool,
    /// uvRetries of the built-in fingerprint sensor.
    pub uv_retries: u8,
    pub sensor: FingerprintSensor,
    pub large_blobs: LargeBlobStore,
    /// Generated on first use (first makeCredential needing batch attestation).
    pub attestation: Option<AttestationMaterial>,
    /// CTAP 2.2 persistent PIN/UV auth token (permission pcmr), if one was issued.
    pub persistent_token: Option<Secret32>,
}

impl PersistentState {
    /// A factory-fresh key.
    pub fn new(rng: &mut KeyRng) -> Self {
        Self {
            master_secret: Secret32::new(rng.bytes()),
            sign_count: 0,
            resident: ResidentStore::default(),
            pin: PinState::default(),
            always_uv: false,
            enterprise_attestation_enabled: false,
            uv_retries: MAX_UV_RETRIES,
            sensor: FingerprintSensor::default(),
            large_blobs: LargeBlobStore::default(),
            attestation: None,
            persistent_token: None,
        }
    }

    /// The state file bytes.
    pub fn to_file_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        // Serializing plain data into a Vec cannot fail.
        let _ = ciborium::into_writer(self, &mut body);
        let file = encode_file(&body);
        zeroize::Zeroize::zeroize(&mut body);
        file
    }

    /// Parses state file bytes; any damage is a precise error.
    pub fn from_file_bytes(bytes: &[u8]) -> Result<Self, StateFileError> {
        let body = decode_file(bytes)?;
        ciborium::from_reader(body).map_err(|e| StateFileError::MalformedBody(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_damage_is_reported_without_panic() {
        let mut rng = KeyRng::seeded(5);
        let state = PersistentState::new(&mut rng);
        let bytes = state.to_file_bytes();
        let restored = PersistentState::from_file_bytes(&bytes).unwrap();
        assert_eq!(restored.master_secret, state.master_secret);
        for cut in [0, 3, 9, bytes.len() / 2, bytes.len() - 1] {
            assert!(PersistentState::from_file_bytes(&bytes[..cut]).is_err());
        }
        // A well-framed file whose body is not our CBOR.
        let bogus = encode_file(&[0xa1, 0x01, 0x02]);
        assert!(matches!(PersistentState::from_file_bytes(&bogus), Err(StateFileError::MalformedBody(_))));
    }
}
