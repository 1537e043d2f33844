//! CTAP 2.1 command processing (§6), one module per command, plus the steps they share.

pub(crate) mod bio_enrollment;
pub(crate) mod client_pin;
pub(crate) mod config;
pub(crate) mod credential_management;
pub(crate) mod get_assertion;
pub(crate) mod get_info;
pub(crate) mod large_blobs;
pub(crate) mod make_credential;
pub(crate) mod reset;

use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::{Permissions, PinUvAuthProtocol, RpIdRule};

use crate::authenticator::{Authenticator, CommandResult, Stop};
use crate::bio::MAX_UV_RETRIES;
use crate::keys::{PrivateKey, PublicKey};

/// The permissions bit set as the crypto crate models it.
pub(crate) fn permissions_from_wire(bits: u8) -> Permissions {
    Permissions::from_bits(u32::from(bits))
}

/// A credential public key as a COSE_Key.
pub(crate) fn cose_public_key(key: &PrivateKey) -> Result<CoseKey, Stop> {
    Ok(match key.public_key().map_err(|_| StatusCode::Other)? {
        PublicKey::Es256 { x, y } => CoseKey::Es256(P256Point { x, y }),
        PublicKey::EdDsa(x) => CoseKey::Ed25519 { x },
    })
}

impl Authenticator {
    /// The pinUvAuthProtocol parameter that must accompany a pinUvAuthParam
    /// (e.g. §6.1.2 step 2): absent is CTAP2_ERR_MISSING_PARAMETER, unknown
    /// CTAP1_ERR_INVALID_PARAMETER.
    pub(crate) fn pin_uv_protocol(&self, number: Option<u32>) -> Result<PinUvAuthProtocol, Stop> {
        let number = number.ok_or(StatusCode::MissingParameter)?;
        PinUvAuthProtocol::from_number(u64::from(number)).map_err(|_| StatusCode::InvalidParameter.into())
    }

    /// Verifies a pinUvAuthParam with the pinUvAuthToken and checks the token's permissions
    /// and RP ID binding; every failure is CTAP2_ERR_PIN_AUTH_INVALID.
    pub(crate) fn authorize_token(
        &mut self,
        protocol: PinUvAuthProtocol,
        message: &[u8],
        pin_uv_auth_param: &[u8],
        required: Permissions,
        rule: RpIdRule<'_>,
    ) -> Result<(), Stop> {
        let now = self.now;
        self.session
            .token
            .verify(now, protocol, message, pin_uv_auth_param)
            .map_err(|_| StatusCode::PinAuthInvalid)?;
        self.session.token.authorize(now, required, rule).map_err(|_| StatusCode::PinAuthInvalid)?;
        Ok(())
    }

    /// Whether built-in user verification (the fingerprint sensor) is ready to use.
    pub(crate) fn built_in_uv_configured(&self) -> bool {
        self.config.fingerprint_sensor && self.state.sensor.is_enrolled()
    }

    /// performBuiltInUv (CTAP 2.1 §6.5.5.8 / §6.1.2 step 11): a match restores uvRetries, a
    /// mismatch spends one; none left is CTAP2_ERR_UV_BLOCKED.
    pub(crate) fn perform_built_in_uv(&mut self) -> Result<(), Stop> {
        if self.state.uv_retries == 0 {
            return Err(StatusCode::UvBlocked.into());
        }
        match self.state.sensor.verify() {
            Some(_) => {
                if self.state.uv_retries != MAX_UV_RETRIES {
                    self.state.uv_retries = MAX_UV_RETRIES;
                    self.mark_dirty();
                }
                Ok(())
            }
            None => {
                self.state.uv_retries -= 1;
                self.mark_dirty();
                if self.state.uv_retries == 0 {
                    Err(StatusCode::UvBlocked.into())
                } else {
                    Err(StatusCode::UvInvalid.into())
                }
            }
        }
    }

    /// A zero-length pinUvAuthParam asks "is this the key the user touches?"
    /// (§6.1.2 step 1, §6.2.2 step 1): after a touch, answer PIN_INVALID when a PIN is set,
    /// PIN_NOT_SET otherwise.
    pub(crate) fn answer_zero_length_pin_uv_auth_param(&mut self) -> CommandResult {
        self.collect_presence()?;
        Err(if self.state.pin.is_set() { StatusCode::PinInvalid } else { StatusCode::PinNotSet }.into())
    }

    /// Increments and returns the global signature counter.
    pub(crate) fn next_sign_count(&mut self) -> u32 {
        self.state.sign_count = self.state.sign_count.wrapping_add(1);
        self.mark_dirty();
        self.state.sign_count
    }
}
