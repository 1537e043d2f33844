//! authenticatorClientPIN from the platform side (CTAP 2.1 §6.5): retries, key agreement,
//! setPIN, changePIN, and pinUvAuthTokens by built-in UV or PIN, with the PIN asked from the
//! front end each time and never retried on its own.

use keydesk_ctap::commands::{ClientPinRequest, ClientPinResponse, Permissions};
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::pin::{self as pin_crypto, PinError};
use keydesk_ctap_crypto::{KeyAgreementPublicKey, PinUvAuthProtocol, PinUvAuthToken, SharedSecret};
use keydesk_transport::Device;
use rand_core::OsRng;

use crate::client::Client;
use crate::error::{Error, Feature};
use crate::interaction::{Interaction, Pin, PinReason, PinRequest, Purpose};
use crate::token::PinUvToken;

/// getPINRetries (CTAP 2.1 §6.5.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinRetries {
    /// pinRetries: wrong PINs left before the PIN blocks.
    pub retries: u32,
    /// powerCycleState: the key wants a power cycle before the next PIN attempt.
    pub power_cycle_required: bool,
}

/// An [`Interaction`] for messages that need no user: it declines every request.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Silent;

impl Interaction for Silent {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        None
    }
    fn choose_credential(
        &mut self,
        _users: &[keydesk_ctap::entities::UserEntity],
    ) -> Option<usize> {
        None
    }
}

/// How built-in UV ended when it did not yield a token.
enum UvFailure {
    /// UV_INVALID on every attempt; retries left when known.
    Failed(Option<u32>),
    /// UV_BLOCKED (or zero retries left).
    Blocked,
    /// Anything else: not a UV problem, passed on.
    Other(Error),
}

/// Checks a new PIN against CTAP's rules and the key's minimum (and CTAP 2.2 maximum) length.
fn check_new_pin(
    pin: &Pin,
    min: usize,
    max_code_points: Option<u32>,
) -> Result<pin_crypto::Pin, Error> {
    let checked = pin_crypto::Pin::new(pin.as_str(), min).map_err(|e| match e {
        PinError::TooShort { code_points, min } => Error::PinTooShort { code_points, min },
        PinError::TooLong { bytes } => Error::PinTooLong { bytes },
        _ => Error::PinInvalidCharacters,
    })?;
    if let Some(max) = max_code_points.and_then(|m| usize::try_from(m).ok()) {
        if checked.code_points() > max {
            return Err(Error::InvalidInput(format!(
                "The new PIN is too long: this key accepts at most {max} characters"
            )));
        }
    }
    Ok(checked)
}

impl<D: Device> Client<D> {
    /// getPINRetries (CTAP 2.1 §6.5.5.2).
    pub fn pin_retries(&mut self) -> Result<PinRetries, Error> {
        let response: ClientPinResponse =
            self.send(&ClientPinRequest::get_pin_retries(), &mut Silent)?;
        let retries = response
            .pin_retries
            .ok_or_else(|| Error::InvalidResponse("getPINRetries without pinRetries".to_owned()))?;
        Ok(PinRetries {
            retries,
            power_cycle_required: response.power_cycle_state == Some(true),
        })
    }

    /// getUVRetries (CTAP 2.1 §6.5.5.8).
    pub fn uv_retries(&mut self) -> Result<u32, Error> {
        let response: ClientPinResponse =
            self.send(&ClientPinRequest::get_uv_retries(), &mut Silent)?;
        response
            .uv_retries
            .ok_or_else(|| Error::InvalidResponse("getUVRetries without uvRetries".to_owned()))
    }

    /// getKeyAgreement (CTAP 2.1 §6.5.5.4) and `encapsulate` (§6.5.6): the platform key to send
    /// and the shared secret. The authenticator's current key is asked every time (it changes
    /// at power-up and after a wrong PIN, and a secret for an old key would cost a PIN retry);
    /// the platform's key pair is the one of this client's series of transactions (§6.5.4
    /// `initialize()`), and the ECDH is computed again only when the authenticator's key
    /// changed.
    pub fn key_agreement(
        &mut self,
        protocol: PinUvAuthProtocol,
    ) -> Result<(CoseKey, SharedSecret), Error> {
        let request = ClientPinRequest::get_key_agreement(u32::from(protocol.number()));
        let response: ClientPinResponse = self.send(&request, &mut Silent)?;
        let point = match response.key_agreement {
            Some(CoseKey::EcdhEsHkdf256(p)) => p,
            // Some keys label the key-agreement key ES256; the point is what matters.
            Some(CoseKey::Es256(p)) => p,
            Some(_) => {
                return Err(Error::InvalidResponse(
                    "getKeyAgreement returned a key that is not a P-256 point".to_owned(),
                ))
            }
            None => {
                return Err(Error::InvalidResponse(
                    "getKeyAgreement without keyAgreement".to_owned(),
                ))
            }
        };
        let peer = KeyAgreementPublicKey {
            x: point.x,
            y: point.y,
        };
        let (platform, shared) = self.platform_key_agreement().encapsulate(protocol, &peer)?;
        let platform_key = CoseKey::EcdhEsHkdf256(P256Point {
            x: platform.x,
            y: platform.y,
        });
        Ok((platform_key, shared))
    }

    /// The key's minimum PIN length in code points (getInfo minPINLength, default 4).
    pub fn min_pin_length(&mut self) -> Result<usize, Error> {
        let min = self.ctap2_info()?.min_pin_length.unwrap_or(4);
        Ok(usize::try_from(min).unwrap_or(usize::MAX))
    }

    fn check_new_pin(&mut self, new_pin: &Pin) -> Result<pin_crypto::Pin, Error> {
        let min = self.min_pin_length()?;
        let max = self.ctap2_info()?.max_pin_length;
        check_new_pin(new_pin, min, max)
    }

    /// setPIN (CTAP 2.1 §6.5.5.5) on a key without a PIN. The new PIN is checked first:
    /// at least minPINLength code points, at most 63 bytes.
    pub fn set_pin(&mut self, new_pin: &Pin) -> Result<(), Error> {
        match self.option("clientPin")? {
            None => return Err(Error::Unsupported(Feature::Pin)),
            Some(true) => return Err(Error::PinAlreadySet),
            Some(false) => {}
        }
        let checked = self.check_new_pin(new_pin)?;
        let protocol = self.pin_protocol()?;
        let (platform_key, shared) = self.key_agreement(protocol)?;
        let params = pin_crypto::set_pin_params(&shared, &checked, &mut OsRng)?;
        let request = ClientPinRequest::set_pin(
            u32::from(protocol.number()),
            platform_key,
            params.new_pin_enc,
            params.pin_uv_auth_param,
        );
        let outcome: Result<ClientPinResponse, Error> = self.send(&request, &mut Silent);
        match outcome {
            Err(Error::Ctap(StatusCode::PinPolicyViolation)) => {
                return Err(Error::PinPolicyViolation)
            }
            other => other?,
        };
        self.forget_token();
        self.refresh_info()?;
        Ok(())
    }

    /// changePIN (CTAP 2.1 §6.5.5.6): the current PIN is asked from the front end
    /// ([`Purpose::ChangePin`]); a wrong one is reported with the retries left and tried again
    /// only with a PIN the front end supplies.
    pub fn change_pin(&mut self, new_pin: &Pin, ui: &mut dyn Interaction) -> Result<(), Error> {
        match self.option("clientPin")? {
            None => return Err(Error::Unsupported(Feature::Pin)),
            Some(false) => return Err(Error::PinNotSet),
            Some(true) => {}
        }
        let checked = self.check_new_pin(new_pin)?;
        let protocol = self.pin_protocol()?;
        self.with_pin(
            Purpose::ChangePin,
            PinReason::Required,
            ui,
            |client, current| {
                let (platform_key, shared) = client.key_agreement(protocol)?;
                let params = pin_crypto::change_pin_params(&shared, current, &checked, &mut OsRng)?;
                let request = ClientPinRequest::change_pin(
                    u32::from(protocol.number()),
                    platform_key,
                    params.pin_hash_enc,
                    params.new_pin_enc,
                    params.pin_uv_auth_param,
                );
                match client.send::<_, ClientPinResponse>(&request, &mut Silent) {
                    Err(Error::Ctap(StatusCode::PinPolicyViolation)) => {
                        Err(Error::PinPolicyViolation)
                    }
                    other => other.map(drop),
                }
            },
        )?;
        self.forget_token();
        self.refresh_info()?;
        Ok(())
    }

    /// Asks the front end for the PIN and runs `attempt` with it, until it succeeds, fails
    /// for another reason than a wrong PIN, or the front end gives no PIN. Each wrong PIN is
    /// reported (with the retries left) in the next request; nothing is retried on its own.
    pub(crate) fn with_pin<T>(
        &mut self,
        purpose: Purpose,
        mut reason: PinReason,
        ui: &mut dyn Interaction,
        mut attempt: impl FnMut(&mut Self, &str) -> Result<T, Error>,
    ) -> Result<T, Error> {
        loop {
            let retries = self.pin_retries()?;
            if retries.retries == 0 {
                return Err(Error::PinBlocked);
            }
            if retries.power_cycle_required {
                return Err(Error::PinAuthBlocked);
            }
            let request = PinRequest {
                purpose,
                reason,
                retries_left: Some(retries.retries),
                attempts_this_session: self.pin_attempts(),
            };
            let Some(pin) = ui.pin_needed(&request) else {
                return Err(match reason {
                    PinReason::WrongPin => Error::WrongPin {
                        retries_left: retries.retries,
                    },
                    _ => Error::PinRequired,
                });
            };
            self.count_pin_attempt();
            match attempt(self, pin.as_str()) {
                Err(Error::Ctap(StatusCode::PinInvalid)) => reason = PinReason::WrongPin,
                other => return other,
            }
        }
    }

    /// A pinUvAuthToken with `permissions` (bound to `rp_id` for mc/ga), reusing the cached one
    /// when it covers them. Built-in UV is tried first where the key offers UV tokens; when UV
    /// fails or is blocked the PIN is the fallback (CTAP 2.1 §6.5.5.7, WebAuthn L3 §6.3.2
    /// platform rules).
    pub fn token(
        &mut self,
        permissions: Permissions,
        rp_id: Option<&str>,
        purpose: Purpose,
        ui: &mut dyn Interaction,
    ) -> Result<PinUvToken, Error> {
        if let Some(token) = self.cached_token(permissions, rp_id) {
            return Ok(token.clone());
        }
        let token = self.fresh_token(permissions, rp_id, purpose, ui)?;
        Ok(self.store_token(token).clone())
    }

    fn fresh_token(
        &mut self,
        permissions: Permissions,
        rp_id: Option<&str>,
        purpose: Purpose,
        ui: &mut dyn Interaction,
    ) -> Result<PinUvToken, Error> {
        let info = self.ctap2_info()?;
        let uv_tokens =
            info.option("uv") == Some(true) && info.option("pinUvAuthToken") == Some(true);
        let pin_option = info.option("clientPin");
        let uv_attempts = info.preferred_platform_uv_attempts.unwrap_or(1).clamp(1, 5);
        let mut reason = PinReason::Required;
        if uv_tokens {
            match self.token_using_uv(permissions, rp_id, uv_attempts, ui) {
                Ok(token) => return Ok(token),
                Err(UvFailure::Other(e)) => return Err(e),
                Err(_) if pin_option == Some(true) => reason = PinReason::UvFallback,
                Err(UvFailure::Failed(retries_left)) => {
                    return Err(Error::UvFailed { retries_left })
                }
                Err(UvFailure::Blocked) => return Err(Error::UvBlocked),
            }
        }
        match pin_option {
            Some(true) => {}
            Some(false) => return Err(Error::PinNotSet),
            None => return Err(Error::Unsupported(Feature::Pin)),
        }
        self.with_pin(purpose, reason, ui, |client, pin| {
            client.token_using_pin(pin, permissions, rp_id)
        })
    }

    /// getPinUvAuthTokenUsingUvWithPermissions (§6.5.5.7.3), up to `attempts` times.
    fn token_using_uv(
        &mut self,
        permissions: Permissions,
        rp_id: Option<&str>,
        attempts: u32,
        ui: &mut dyn Interaction,
    ) -> Result<PinUvToken, UvFailure> {
        let protocol = self.pin_protocol().map_err(UvFailure::Other)?;
        let mut retries_left = None;
        for _ in 0..attempts {
            ui.uv_needed();
            let (platform_key, shared) = self.key_agreement(protocol).map_err(UvFailure::Other)?;
            let request = ClientPinRequest::get_pin_uv_auth_token_using_uv_with_permissions(
                u32::from(protocol.number()),
                platform_key,
                permissions,
                rp_id.map(str::to_owned),
            );
            match self.send::<_, ClientPinResponse>(&request, ui) {
                Ok(response) => {
                    let token = decrypt_token(&shared, &response).map_err(UvFailure::Other)?;
                    return Ok(PinUvToken::new(
                        protocol,
                        token,
                        permissions,
                        rp_id.map(str::to_owned),
                    ));
                }
                Err(Error::Ctap(StatusCode::UvInvalid)) => {
                    retries_left = self.uv_retries().ok();
                    ui.uv_failed(retries_left);
                    if retries_left == Some(0) {
                        return Err(UvFailure::Blocked);
                    }
                }
                Err(Error::UvBlocked) => {
                    ui.uv_failed(Some(0));
                    return Err(UvFailure::Blocked);
                }
                Err(other) => return Err(UvFailure::Other(other)),
            }
        }
        Err(UvFailure::Failed(retries_left))
    }

    /// One PIN attempt: getPinUvAuthTokenUsingPinWithPermissions (§6.5.5.7.2), or the legacy
    /// getPinToken (§6.5.5.6) for keys without the pinUvAuthToken option (CTAP 2.0).
    fn token_using_pin(
        &mut self,
        pin: &str,
        permissions: Permissions,
        rp_id: Option<&str>,
    ) -> Result<PinUvToken, Error> {
        let protocol = self.pin_protocol()?;
        let with_permissions = self.option("pinUvAuthToken")? == Some(true);
        let force_change = self.ctap2_info()?.force_pin_change == Some(true);
        let (platform_key, shared) = self.key_agreement(protocol)?;
        let pin_hash_enc = pin_crypto::pin_hash_enc(&shared, pin, &mut OsRng)?;
        let number = u32::from(protocol.number());
        let request = if with_permissions {
            ClientPinRequest::get_pin_uv_auth_token_using_pin_with_permissions(
                number,
                platform_key,
                pin_hash_enc,
                permissions,
                rp_id.map(str::to_owned),
            )
        } else {
            ClientPinRequest::get_pin_token(number, platform_key, pin_hash_enc)
        };
        let response = match self.send::<_, ClientPinResponse>(&request, &mut Silent) {
            Err(Error::Ctap(StatusCode::PinPolicyViolation))
                if force_change || with_permissions =>
            {
                return Err(Error::PinChangeRequired)
            }
            other => other?,
        };
        let token = decrypt_token(&shared, &response)?;
        Ok(if with_permissions {
            PinUvToken::new(protocol, token, permissions, rp_id.map(str::to_owned))
        } else {
            PinUvToken::legacy(protocol, token)
        })
    }
}

fn decrypt_token(
    shared: &SharedSecret,
    response: &ClientPinResponse,
) -> Result<PinUvAuthToken, Error> {
    let encrypted = response.pin_uv_auth_token.as_deref().ok_or_else(|| {
        Error::InvalidResponse("token response without pinUvAuthToken".to_owned())
    })?;
    Ok(PinUvAuthToken::decrypt(shared, encrypted)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_pin_length_counts_code_points_and_bytes() {
        // Four code points, eight bytes: meets a minimum of 4.
        assert!(check_new_pin(&Pin::new("ääää"), 4, None).is_ok());
        assert!(matches!(
            check_new_pin(&Pin::new("123"), 4, None),
            Err(Error::PinTooShort {
                code_points: 3,
                min: 4
            })
        ));
        // 32 two-byte characters = 64 bytes: over the 63-byte limit.
        let long: String = std::iter::repeat_n('é', 32).collect();
        assert!(matches!(
            check_new_pin(&Pin::new(long), 4, None),
            Err(Error::PinTooLong { bytes: 64 })
        ));
        assert!(matches!(
            check_new_pin(&Pin::new("12\u{0}45"), 4, None),
            Err(Error::PinInvalidCharacters)
        ));
        assert!(check_new_pin(&Pin::new("123456789"), 4, Some(8)).is_err());
    }
}
