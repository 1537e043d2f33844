//! authenticatorConfig (CTAP 2.1 §6.11).

use keydesk_ctap::commands::{ConfigParams, ConfigRequest, ConfigSubCommand as Sub, EmptyResponse};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::pin::MAX_PIN_BYTES;
use keydesk_ctap_crypto::{Permissions, RpIdRule};

use crate::authenticator::{Authenticator, CommandResult};

use super::get_info::MAX_RP_IDS_FOR_SET_MIN_PIN_LENGTH;

impl Authenticator {
    pub(crate) fn authenticator_config(&mut self, message: &[u8]) -> CommandResult {
        let request = ConfigRequest::decode(message)?;
        // §6.11 steps 1-4: a protected key needs a token with the acfg permission.
        match request.pin_uv_auth_param.as_deref() {
            Some(param) => {
                let protocol = self.pin_uv_protocol(request.pin_uv_auth_protocol)?;
                let auth_message = request.auth_message();
                self.authorize_token(protocol, &auth_message, param, Permissions::AUTHENTICATOR_CONFIGURATION, RpIdRule::Ignore)?;
            }
            None => {
                if self.state.pin.is_set() || self.built_in_uv_configured() || self.state.always_uv {
                    return Err(StatusCode::PuatRequired.into());
                }
            }
        }
        match request.sub_command {
            Sub::EnableEnterpriseAttestation => {
                if !self.config.enterprise_attestation_capable {
                    return Err(StatusCode::InvalidCommand.into());
                }
                self.state.enterprise_attestation_enabled = true;
            }
            Sub::ToggleAlwaysUv => {
                self.state.always_uv = !self.state.always_uv;
            }
            Sub::SetMinPinLength => {
                let params = match request.sub_command_params {
                    Some(ConfigParams::SetMinPinLength(p)) => p,
                    _ => Default::default(),
                };
                let new_min = match params.new_min_pin_length {
                    Some(n) => Some(u8::try_from(n).map_err(|_| StatusCode::PinPolicyViolation)?),
                    None => None,
                };
                if new_min.is_some_and(|n| usize::from(n) > MAX_PIN_BYTES) {
                    return Err(StatusCode::PinPolicyViolation.into());
                }
                if let Some(ids) = &params.min_pin_length_rp_ids {
                    if ids.len() > MAX_RP_IDS_FOR_SET_MIN_PIN_LENGTH as usize {
                        return Err(StatusCode::PinPolicyViolation.into());
                    }
                }
                let force = params.force_change_pin.unwrap_or(false);
                if force && !self.state.pin.is_set() {
                    return Err(StatusCode::PinNotSet.into());
                }
                self.state
                    .pin
                    .set_min_length(new_min, params.min_pin_length_rp_ids, force)
                    .map_err(|_| StatusCode::PinPolicyViolation)?;
            }
            _ => return Err(StatusCode::InvalidSubcommand.into()),
        }
        self.mark_dirty();
        Ok(EmptyResponse.encode())
    }
}
