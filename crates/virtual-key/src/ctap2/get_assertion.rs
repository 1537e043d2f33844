//! authenticatorGetAssertion (CTAP 2.1 §6.2) and authenticatorGetNextAssertion (§6.3).

use std::time::Duration;

use keydesk_ctap::LargeBlobKeyBytes;
use keydesk_ctap::auth_data::{rp_id_hash, AuthDataFlags, AuthenticatorData};
use keydesk_ctap::commands::{GetAssertionRequest, GetAssertionResponse, GetNextAssertionRequest};
use keydesk_ctap::cose::CoseKey;
use keydesk_ctap::entities::{CredentialDescriptor, UserEntity, PUBLIC_KEY};
use keydesk_ctap::extensions::{CredBlobOutput, CredProtect, ExtensionOutputs, GetAssertionExtensions, HmacSecretInput, HmacSecretOutput};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::hmac_secret::{compute_output, decrypt_salts, encrypt_output, HmacSecretError};
use keydesk_ctap_crypto::{CryptoError, KeyAgreementPublicKey, Permissions, PinUvAuthProtocol, RpIdRule};

use crate::authenticator::{Authenticator, CommandResult, Stop};

/// getNextAssertion must follow within this time (CTAP 2.1 §6.3 step 3, 30 s).
const NEXT_ASSERTION_TIMEOUT: Duration = Duration::from_secs(30);

/// What getNextAssertion needs from the getAssertion that started a batch.
#[derive(Debug)]
pub(crate) struct AssertionBatch {
    remaining: Vec<Vec<u8>>,
    context: AssertionContext,
    last_time: Duration,
}

#[derive(Debug, Clone)]
struct AssertionContext {
    rp_hash: [u8; 32],
    client_data_hash: [u8; 32],
    user_present: bool,
    user_verified: bool,
    extensions: GetAssertionExtensions,
}

impl Authenticator {
    pub(crate) fn get_assertion(&mut self, message: &[u8]) -> CommandResult {
        let request = GetAssertionRequest::decode(message)?;
        // Step 1.
        if request.pin_uv_auth_param.as_deref() == Some(&[]) {
            return self.answer_zero_length_pin_uv_auth_param();
        }
        // Step 2.
        let protocol = match request.pin_uv_auth_param {
            Some(_) => Some(self.pin_uv_protocol(request.pin_uv_auth_protocol)?),
            None => None,
        };
        // Steps 3-4: options; "rk" is not an option of getAssertion.
        let options = request.options.unwrap_or_default();
        if options.rk.is_some() {
            return Err(StatusCode::UnsupportedOption.into());
        }
        let up = options.up.unwrap_or(true);
        let mut uv = options.uv.unwrap_or(false) && protocol.is_none();
        if uv && !self.built_in_uv_configured() {
            return Err(StatusCode::InvalidOption.into());
        }
        // Step 5: alwaysUv.
        if self.state.always_uv && up && protocol.is_none() && !uv {
            // Built-in UV is used when ready; otherwise the platform must bring a token
            // (and set a PIN first if there is none).
            if self.built_in_uv_configured() {
                uv = true;
            } else {
                return Err(StatusCode::PuatRequired.into());
            }
        }
        let extensions = request.extensions.clone().unwrap_or_default();
        if extensions.large_blob_key == Some(false) {
            return Err(StatusCode::InvalidOption.into());
        }
        // Step 6: user verification.
        let mut user_verified = false;
        let mut presence_given = false;
        if let (Some(protocol), Some(param)) = (protocol, request.pin_uv_auth_param.as_deref()) {
            self.authorize_token(
                protocol,
                &request.client_data_hash,
                param,
                Permissions::GET_ASSERTION,
                RpIdRule::BindOrMatch(&request.rp_id),
            )?;
            user_verified = true;
            presence_given = self.session.token.user_present(self.now);
        } else if uv {
            self.perform_built_in_uv()?;
            user_verified = true;
            presence_given = true;
        }
        // Step 7: applicable credentials, filtered by credProtect (§12.1).
        let rp_hash = rp_id_hash(&request.rp_id);
        let allow_list: Vec<&CredentialDescriptor> =
            request.allow_list.iter().flatten().filter(|d| d.cred_type == PUBLIC_KEY).collect();
        let mut applicable: Vec<Vec<u8>> = Vec::new();
        let discovery = request.allow_list.as_ref().is_none_or(Vec::is_empty);
        if discovery {
            for credential in self.state.resident.for_rp(&rp_hash) {
                let visible = user_verified || credential.protection() == CredProtect::UserVerificationOptional;
                if visible {
                    applicable.push(credential.credential_id.clone());
                }
            }
        } else {
            for descriptor in allow_list {
                if let Some(sealed) = self.find_credential(&descriptor.id, &rp_hash) {
                    if user_verified || sealed.cred_protect != CredProtect::UserVerificationRequired {
                        applicable.push(descriptor.id.clone());
                        break; // With an allowList one assertion is returned.
                    }
                }
            }
        }
        if applicable.is_empty() {
            return Err(StatusCode::NoCredentials.into());
        }
        // Steps 8-9: user presence. Only an assertion with presence spends the token's flags
        // and permissions (clearUserPresentFlag etc. belong to the "up" step), so a silent
        // pre-flight (up=false) leaves the token usable for the real request.
        if up {
            if !presence_given {
                self.collect_presence()?;
            }
            if protocol.is_some() {
                self.session.token.finish_credential_operation();
            }
        }
        let context = AssertionContext {
            rp_hash,
            client_data_hash: request.client_data_hash,
            user_present: up,
            user_verified,
            extensions,
        };
        let total = applicable.len();
        let first = applicable.remove(0);
        let mut response = self.sign_assertion(&first, &context)?;
        if discovery && total > 1 {
            response.number_of_credentials = u32::try_from(total).ok();
            self.session.assertions = Some(AssertionBatch { remaining: applicable, context, last_time: self.now });
        }
        Ok(response.encode())
    }

    pub(crate) fn get_next_assertion(&mut self, message: &[u8]) -> CommandResult {
        GetNextAssertionRequest::decode(message)?;
        let mut batch = self.session.assertions.take().ok_or(StatusCode::NotAllowed)?;
        if self.now.saturating_sub(batch.last_time) > NEXT_ASSERTION_TIMEOUT || batch.remaining.is_empty() {
            return Err(StatusCode::NotAllowed.into());
        }
        let credential_id = batch.remaining.remove(0);
        let response = self.sign_assertion(&credential_id, &batch.context)?;
        batch.last_time = self.now;
        if !batch.remaining.is_empty() {
            self.session.assertions = Some(batch);
        }
        Ok(response.encode())
    }

    fn sign_assertion(&mut self, credential_id: &[u8], context: &AssertionContext) -> Result<GetAssertionResponse, Stop> {
        let sealed = self.find_credential(credential_id, &context.rp_hash).ok_or(StatusCode::NoCredentials)?;
        let resident = self.state.resident.get(credential_id).cloned();
        let mut outputs = ExtensionOutputs::default();
        if let Some(input) = &context.extensions.hmac_secret {
            if sealed.hmac_secret {
                let output = self.hmac_secret_output(credential_id, input, context.user_verified)?;
                outputs.hmac_secret = Some(HmacSecretOutput::Secret(output));
            }
        }
        if context.extensions.cred_blob == Some(true) {
            let blob = resident.as_ref().and_then(|r| r.cred_blob.clone()).unwrap_or_default();
            outputs.cred_blob = Some(CredBlobOutput::Blob(blob));
        }
        let large_blob_key = match context.extensions.large_blob_key {
            Some(true) => resident.as_ref().and_then(|r| r.large_blob_key.as_ref()).map(|k| LargeBlobKeyBytes::new(k.expose().to_vec())),
            _ => None,
        };
        let mut flags = 0u8;
        if context.user_present {
            flags |= AuthDataFlags::UP;
        }
        if context.user_verified {
            flags |= AuthDataFlags::UV;
        }
        let auth_data = AuthenticatorData {
            rp_id_hash: context.rp_hash,
            flags: AuthDataFlags(flags),
            sign_count: self.next_sign_count(),
            attested_credential: None,
            extensions: (!outputs.is_empty()).then_some(outputs),
        }
        .to_bytes();
        let signed = [auth_data.as_slice(), &context.client_data_hash].concat();
        let signature = sealed.key.sign(&signed).map_err(|_| StatusCode::Other)?;
        // User-identifiable fields only after user verification (§6.2.2 step 12).
        let user = resident.as_ref().map(|r| UserEntity {
            name: if context.user_verified { r.user_name.clone() } else { None },
            display_name: if context.user_verified { r.user_display_name.clone() } else { None },
            ..UserEntity::new(r.user_id.clone())
        });
        Ok(GetAssertionResponse {
            credential: Some(CredentialDescriptor::public_key(credential_id.to_vec())),
            auth_data,
            signature,
            user,
            number_of_credentials: None,
            user_selected: None,
            large_blob_key,
            unsigned_extension_outputs: None,
        })
    }

    /// hmac-secret (§12.5): decapsulate the platform key, check saltAuth, then encrypt
    /// HMAC(CredRandom, salt) for the one or two salts.
    pub(crate) fn hmac_secret_output(
        &mut self,
        credential_id: &[u8],
        input: &HmacSecretInput,
        user_verified: bool,
    ) -> Result<Vec<u8>, Stop> {
        let protocol = PinUvAuthProtocol::from_number(u64::from(input.pin_uv_auth_protocol.unwrap_or(1)))
            .map_err(|_| StatusCode::InvalidParameter)?;
        let CoseKey::EcdhEsHkdf256(point) = &input.key_agreement else {
            return Err(StatusCode::InvalidParameter.into());
        };
        let platform_key = KeyAgreementPublicKey { x: point.x, y: point.y };
        let shared = self
            .session
            .key_agreement
            .decapsulate(protocol, &platform_key)
            .map_err(|_| StatusCode::InvalidParameter)?;
        let salts = decrypt_salts(&shared, &input.salt_enc, &input.salt_auth).map_err(|e| match e {
            HmacSecretError::Crypto(CryptoError::AuthParamMismatch | CryptoError::WrongAuthParamLength { .. }) => {
                StatusCode::PinAuthInvalid
            }
            _ => StatusCode::InvalidParameter,
        })?;
        let cred_random = self.cipher.cred_random(credential_id, user_verified);
        let output = compute_output(cred_random.expose(), &salts);
        encrypt_output(&shared, &output, &mut self.rng).map_err(|_| StatusCode::Other.into())
    }
}
