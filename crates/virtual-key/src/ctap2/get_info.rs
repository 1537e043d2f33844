//! authenticatorGetInfo (CTAP 2.1 §6.4).

use std::collections::BTreeMap;

use keydesk_ctap::commands::{versions, GetInfoRequest, GetInfoResponse};
use keydesk_ctap::entities::CredentialParameters;
use keydesk_ctap::attestation::{FMT_NONE, FMT_PACKED};
use keydesk_ctap::extensions::{CRED_BLOB, CRED_PROTECT, HMAC_SECRET, HMAC_SECRET_MC, LARGE_BLOB_KEY, MIN_PIN_LENGTH};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};

use crate::authenticator::{Authenticator, CommandResult};
use crate::bio::MAX_UV_RETRIES;
use crate::credential_id::CREDENTIAL_ID_LEN;
use crate::keys::Algorithm;
use crate::large_blob::MAX_SERIALIZED_LARGE_BLOB_ARRAY;

use super::make_credential::MAX_CRED_BLOB_LENGTH;

/// Longest allowList / excludeList processed (maxCredentialCountInList).
pub const MAX_CREDENTIAL_COUNT_IN_LIST: u32 = 16;
/// How many RP IDs setMinPINLength accepts (maxRPIDsForSetMinPINLength).
pub const MAX_RP_IDS_FOR_SET_MIN_PIN_LENGTH: u32 = 8;
/// uvModality: fingerprint internal (FIDO Registry §3.1, USER_VERIFY_FINGERPRINT_INTERNAL).
const UV_MODALITY_FINGERPRINT: u32 = 0x0000_0002;

impl Authenticator {
    pub(crate) fn get_info(&mut self, message: &[u8]) -> CommandResult {
        GetInfoRequest::decode(message)?;
        Ok(self.info().encode())
    }

    /// The getInfo response for the current state.
    pub fn info(&self) -> GetInfoResponse {
        let mut options = BTreeMap::new();
        options.insert("rk".to_owned(), true);
        options.insert("up".to_owned(), true);
        options.insert("plat".to_owned(), false);
        options.insert("clientPin".to_owned(), self.state.pin.is_set());
        options.insert("pinUvAuthToken".to_owned(), true);
        options.insert("credMgmt".to_owned(), true);
        options.insert("largeBlobs".to_owned(), true);
        options.insert("authnrCfg".to_owned(), true);
        options.insert("setMinPINLength".to_owned(), true);
        // §7.2.3: with alwaysUv every credential needs verification.
        options.insert("makeCredUvNotRqd".to_owned(), !self.state.always_uv);
        options.insert("alwaysUv".to_owned(), self.state.always_uv);
        // CTAP 2.2: the persistent PIN/UV auth token with permission pcmr (0x40).
        options.insert("perCredMgmtRO".to_owned(), true);
        if self.config.enterprise_attestation_capable {
            options.insert("ep".to_owned(), self.state.enterprise_attestation_enabled);
        }
        if self.config.fingerprint_sensor {
            let enrolled = self.state.sensor.is_enrolled();
            options.insert("uv".to_owned(), enrolled);
            options.insert("bioEnroll".to_owned(), enrolled);
        }
        let mut version_list = Vec::new();
        if self.config.u2f && !self.state.always_uv {
            version_list.push(versions::U2F_V2.to_owned());
        }
        version_list.extend([versions::FIDO_2_0.to_owned(), versions::FIDO_2_1.to_owned()]);
        GetInfoResponse {
            versions: version_list,
            extensions: Some(
                [CRED_PROTECT, HMAC_SECRET, HMAC_SECRET_MC, CRED_BLOB, LARGE_BLOB_KEY, MIN_PIN_LENGTH].map(str::to_owned).to_vec(),
            ),
            aaguid: self.config.aaguid,
            options: Some(options),
            max_msg_size: Some(self.config.max_msg_size),
            pin_uv_auth_protocols: Some(vec![2, 1]),
            max_credential_count_in_list: Some(MAX_CREDENTIAL_COUNT_IN_LIST),
            max_credential_id_length: u32::try_from(CREDENTIAL_ID_LEN).ok(),
            transports: Some(self.config.transports.clone()),
            algorithms: Some(vec![
                CredentialParameters::public_key(Algorithm::Es256.cose_id()),
                CredentialParameters::public_key(Algorithm::EdDsa.cose_id()),
            ]),
            max_serialized_large_blob_array: u32::try_from(MAX_SERIALIZED_LARGE_BLOB_ARRAY).ok(),
            force_pin_change: Some(self.state.pin.force_change()),
            min_pin_length: Some(u32::from(self.state.pin.min_length())),
            firmware_version: Some(1),
            max_cred_blob_length: u32::try_from(MAX_CRED_BLOB_LENGTH).ok(),
            max_rp_ids_for_set_min_pin_length: Some(MAX_RP_IDS_FOR_SET_MIN_PIN_LENGTH),
            preferred_platform_uv_attempts: self.config.fingerprint_sensor.then_some(u32::from(MAX_UV_RETRIES.min(3))),
            uv_modality: self.config.fingerprint_sensor.then_some(UV_MODALITY_FINGERPRINT),
            attestation_formats: Some(vec![FMT_PACKED.to_owned(), FMT_NONE.to_owned()]),
            remaining_discoverable_credentials: u32::try_from(self.state.resident.remaining(self.config.resident_capacity)).ok(),
            ..GetInfoResponse::default()
        }
    }
}
