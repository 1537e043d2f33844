//! authenticatorMakeCredential (CTAP 2.1 §6.1).

use keydesk_ctap::LargeBlobKeyBytes;
use keydesk_ctap::attestation::{AttestationStatement, FMT_NONE, FMT_PACKED};
use keydesk_ctap::auth_data::{rp_id_hash, AttestedCredentialData, AuthDataFlags, AuthenticatorData};
use keydesk_ctap::commands::{MakeCredentialRequest, MakeCredentialResponse};
use keydesk_ctap::entities::{CredentialParameters, PUBLIC_KEY};
use keydesk_ctap::extensions::{CredBlobOutput, CredProtect, ExtensionOutputs, HmacSecretOutput};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::{Permissions, RpIdRule};

use crate::attestation::AttestationMaterial;
use crate::authenticator::{Authenticator, CommandResult, Stop};
use crate::config::AttestationMode;
use crate::credential_id::SealedCredential;
use crate::keys::{Algorithm, PrivateKey};
use crate::secret::Secret32;
use crate::store::ResidentCredential;

/// Longest credBlob stored (maxCredBlobLength; the spec's minimum is 32).
pub const MAX_CRED_BLOB_LENGTH: usize = 32;

/// §6.1.2 step 3: the first supported algorithm in the RP's order of preference. Entries
/// of another type are skipped; none supported is CTAP2_ERR_UNSUPPORTED_ALGORITHM.
fn choose_algorithm(params: &[CredentialParameters]) -> Result<Algorithm, Stop> {
    params
        .iter()
        .filter(|p| p.cred_type == PUBLIC_KEY)
        .find_map(|p| Algorithm::from_cose_id(p.alg))
        .ok_or_else(|| StatusCode::UnsupportedAlgorithm.into())
}

impl Authenticator {
    pub(crate) fn make_credential(&mut self, message: &[u8]) -> CommandResult {
        let request = MakeCredentialRequest::decode(message)?;
        // Step 1: a zero-length pinUvAuthParam only selects the authenticator.
        if request.pin_uv_auth_param.as_deref() == Some(&[]) {
            return self.answer_zero_length_pin_uv_auth_param();
        }
        // Step 2.
        let protocol = match request.pin_uv_auth_param {
            Some(_) => Some(self.pin_uv_protocol(request.pin_uv_auth_protocol)?),
            None => None,
        };
        // Step 3.
        let algorithm = choose_algorithm(&request.pub_key_cred_params)?;
        // Steps 4-5: options. "up" false is invalid here; "uv" is ignored with a pinUvAuthParam.
        let options = request.options.unwrap_or_default();
        let rk = options.rk.unwrap_or(false);
        if options.up == Some(false) {
            return Err(StatusCode::InvalidOption.into());
        }
        let mut uv = options.uv.unwrap_or(false) && protocol.is_none();
        if uv && !self.built_in_uv_configured() {
            return Err(StatusCode::InvalidOption.into());
        }
        let protected = self.state.pin.is_set() || self.built_in_uv_configured();
        // Step 6: alwaysUv makes every credential operation verified.
        if self.state.always_uv && protocol.is_none() && !uv {
            // Built-in UV is used when ready; otherwise the platform must bring a token
            // (and set a PIN first if there is none).
            if self.built_in_uv_configured() {
                uv = true;
            } else {
                return Err(StatusCode::PuatRequired.into());
            }
        }
        // Step 7: makeCredUvNotRqd is true, so only discoverable credentials on a protected key
        // need verification.
        if protected && rk && protocol.is_none() && !uv {
            return Err(StatusCode::PuatRequired.into());
        }
        // Step 8: enterprise attestation.
        let enterprise = match request.enterprise_attestation {
            None => false,
            Some(kind) => {
                if !self.config.enterprise_attestation_capable || !self.state.enterprise_attestation_enabled {
                    return Err(StatusCode::InvalidParameter.into());
                }
                match kind {
                    1 => self.config.enterprise_rp_ids.iter().any(|id| id == &request.rp.id),
                    2 => true,
                    _ => return Err(StatusCode::InvalidOption.into()),
                }
            }
        };
        // Step 11: user verification, by pinUvAuthToken or the built-in sensor.
        let mut user_verified = false;
        let mut presence_given = false;
        if let (Some(protocol), Some(param)) = (protocol, request.pin_uv_auth_param.as_deref()) {
            self.authorize_token(
                protocol,
                &request.client_data_hash,
                param,
                Permissions::MAKE_CREDENTIAL,
                RpIdRule::BindOrMatch(&request.rp.id),
            )?;
            user_verified = true;
            presence_given = self.session.token.user_present(self.now);
        } else if uv {
            self.perform_built_in_uv()?;
            user_verified = true;
            presence_given = true; // The finger on the sensor is also evidence of presence.
        }
        // Step 12: excludeList. Credentials of level 3 are invisible without verification.
        let rp_hash = rp_id_hash(&request.rp.id);
        for descriptor in request.exclude_list.iter().flatten() {
            if descriptor.cred_type != PUBLIC_KEY {
                continue;
            }
            if let Some(existing) = self.find_credential(&descriptor.id, &rp_hash) {
                if existing.cred_protect != CredProtect::UserVerificationRequired || user_verified {
                    // "Regardless of whether user presence is obtained or the authenticator
                    // times out, ... return CTAP2_ERR_CREDENTIAL_EXCLUDED."
                    if presence_given {
                        return Err(StatusCode::CredentialExcluded.into());
                    }
                    return Err(self.collect_presence_then_answer(StatusCode::CredentialExcluded));
                }
            }
        }
        let extensions = request.extensions.clone().unwrap_or_default();
        // largeBlobKey (§12.3): only true is valid, and only for discoverable credentials.
        let large_blob_key = match extensions.large_blob_key {
            None => false,
            Some(false) => return Err(StatusCode::InvalidOption.into()),
            Some(true) if !rk => return Err(StatusCode::InvalidOption.into()),
            Some(true) => true,
        };
        // Step 13: user presence (up is always true here).
        if !presence_given {
            self.collect_presence()?;
        }
        if protocol.is_some() {
            self.session.token.finish_credential_operation();
        }

        // Steps 14-15: extensions, then the credential.
        let cred_protect = extensions.cred_protect.unwrap_or(CredProtect::UserVerificationOptional);
        let hmac_secret = extensions.hmac_secret == Some(true);
        let sealed = SealedCredential {
            key: PrivateKey::generate(algorithm, &mut self.rng),
            cred_protect,
            hmac_secret,
            discoverable: rk,
        };
        let credential_id = self.cipher.seal(&sealed, &rp_hash, &mut self.rng);
        let mut outputs = ExtensionOutputs::default();
        if extensions.cred_protect.is_some() {
            outputs.cred_protect = Some(cred_protect);
        }
        if hmac_secret {
            outputs.hmac_secret = Some(HmacSecretOutput::Created(true));
            // CTAP 2.2 §12.7 hmac-secret-mc: the first outputs already at creation.
            if let Some(input) = &extensions.hmac_secret_mc {
                outputs.hmac_secret_mc = Some(self.hmac_secret_output(&credential_id, input, user_verified)?);
            }
        }
        let mut stored_blob = None;
        if let Some(blob) = &extensions.cred_blob {
            let fits = rk && blob.len() <= MAX_CRED_BLOB_LENGTH;
            if fits {
                stored_blob = Some(blob.clone());
            }
            outputs.cred_blob = Some(CredBlobOutput::Stored(fits));
        }
        if extensions.min_pin_length == Some(true)
            && self.state.pin.min_length_rp_ids().iter().any(|id| id == &request.rp.id)
        {
            outputs.min_pin_length = Some(u64::from(self.state.pin.min_length()));
        }
        let large_blob_key = large_blob_key.then(|| Secret32::new(self.rng.bytes()));
        if rk {
            let resident = ResidentCredential {
                credential_id: credential_id.clone(),
                rp_id: request.rp.id.clone(),
                rp_name: request.rp.name.clone(),
                rp_id_hash: rp_hash,
                user_id: request.user.id.clone(),
                user_name: request.user.name.clone(),
                user_display_name: request.user.display_name.clone(),
                algorithm: algorithm.cose_id(),
                cred_protect: cred_protect.value(),
                cred_blob: stored_blob,
                large_blob_key: large_blob_key.clone(),
                created: 0,
            };
            let capacity = self.config.resident_capacity;
            self.state.resident.insert(resident, capacity).map_err(|_| StatusCode::KeyStoreFull)?;
            self.mark_dirty();
        }

        let mut flags = AuthDataFlags::UP;
        if user_verified {
            flags |= AuthDataFlags::UV;
        }
        let auth_data = AuthenticatorData {
            rp_id_hash: rp_hash,
            flags: AuthDataFlags(flags),
            sign_count: self.next_sign_count(),
            attested_credential: Some(AttestedCredentialData {
                aaguid: self.config.aaguid,
                credential_id,
                public_key: super::cose_public_key(&sealed.key)?,
            }),
            extensions: (!outputs.is_empty()).then_some(outputs),
        }
        .to_bytes();

        // Step 16: attestation over authenticatorData || clientDataHash.
        let signed = [auth_data.as_slice(), &request.client_data_hash].concat();
        // CTAP 2.2 attestationFormatsPreference: the first format we offer wins.
        let preferred = request
            .attestation_formats_preference
            .iter()
            .flatten()
            .find(|f| *f == FMT_PACKED || *f == FMT_NONE);
        let mode = match preferred {
            _ if enterprise => AttestationMode::Batch,
            Some(format) if format == FMT_NONE => AttestationMode::None,
            _ => self.config.attestation,
        };
        let attestation = match mode {
            AttestationMode::Batch => {
                let material = self.attestation_material()?;
                AttestationStatement::Packed {
                    alg: Algorithm::Es256.cose_id(),
                    sig: material.sign(&signed).map_err(|_| StatusCode::Other)?,
                    x5c: Some(vec![material.attestation_certificate.clone()]),
                }
            }
            AttestationMode::SelfAttestation => AttestationStatement::Packed {
                alg: algorithm.cose_id(),
                sig: sealed.key.sign(&signed).map_err(|_| StatusCode::Other)?,
                x5c: None,
            },
            AttestationMode::None => AttestationStatement::None,
        };
        Ok(MakeCredentialResponse {
            attestation,
            auth_data,
            ep_att: enterprise.then_some(true),
            large_blob_key: large_blob_key.map(|k| LargeBlobKeyBytes::new(k.expose().to_vec())),
            unsigned_extension_outputs: None,
        }
        .encode())
    }

    /// The test CA and attestation certificate, generated on first use.
    pub(crate) fn attestation_material(&mut self) -> Result<AttestationMaterial, Stop> {
        if let Some(material) = &self.state.attestation {
            return Ok(material.clone());
        }
        let material = AttestationMaterial::generate(self.config.aaguid, &mut self.rng).map_err(|_| StatusCode::Other)?;
        self.state.attestation = Some(material.clone());
        self.mark_dirty();
        Ok(material)
    }

    /// The CA certificate (DER) that issued the attestation certificate, for relying parties
    /// that want to trust this virtual key.
    pub fn attestation_ca_certificate(&mut self) -> Option<Vec<u8>> {
        let material = self.attestation_material().ok()?;
        // Generated just now? Keep it, so the RP's trust anchor stays valid.
        self.save_changes().then_some(material.ca_certificate)
    }

    /// Opens one of our credential IDs for an RP: its sealed contents, provided a
    /// discoverable credential still exists in the store.
    pub(crate) fn find_credential(&self, credential_id: &[u8], rp_hash: &[u8; 32]) -> Option<SealedCredential> {
        let sealed = self.cipher.open(credential_id, rp_hash)?;
        if sealed.discoverable && self.state.resident.get(credential_id).is_none() {
            return None;
        }
        Some(sealed)
    }
}
