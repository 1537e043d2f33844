//! authenticatorClientPIN (CTAP 2.1 §6.5), both PIN/UV auth protocols.

use keydesk_ctap::commands::{ClientPinRequest, ClientPinResponse, ClientPinSubCommand};
use keydesk_ctap::cose::{CoseKey, P256Point};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::pin::{decrypt_new_pin, decrypt_pin_hash, open_change_pin, open_set_pin, Pin, PinError, PinHash};
use keydesk_ctap_crypto::{
    CryptoError, KeyAgreementKeyPair, KeyAgreementPublicKey, Permissions, PinUvAuthProtocol, PinUvAuthToken, SharedSecret,
};

use crate::authenticator::{Authenticator, CommandResult, Stop};
use crate::bio::MAX_UV_RETRIES;
use crate::pin::PinCheckError;
use crate::secret::Secret32;

use super::permissions_from_wire;

fn required<T>(value: Option<T>) -> Result<T, Stop> {
    value.ok_or_else(|| StatusCode::MissingParameter.into())
}

/// The status for a PIN-carrying parameter that did not open.
fn pin_error_status(error: &PinError) -> StatusCode {
    match error {
        PinError::Crypto(CryptoError::AuthParamMismatch | CryptoError::WrongAuthParamLength { .. }) => StatusCode::PinAuthInvalid,
        PinError::TooShort { .. } | PinError::TooLong { .. } | PinError::NotUtf8 | PinError::ContainsNul => {
            StatusCode::PinPolicyViolation
        }
        _ => StatusCode::InvalidParameter,
    }
}

fn pin_check_status(error: PinCheckError) -> StatusCode {
    match error {
        PinCheckError::Blocked => StatusCode::PinBlocked,
        PinCheckError::PowerCycleNeeded => StatusCode::PinAuthBlocked,
        PinCheckError::Mismatch => StatusCode::PinInvalid,
    }
}

impl Authenticator {
    pub(crate) fn client_pin(&mut self, message: &[u8]) -> CommandResult {
        let request = ClientPinRequest::decode(message)?;
        let response = match request.sub_command {
            ClientPinSubCommand::GetPinRetries => ClientPinResponse {
                pin_retries: Some(u32::from(self.state.pin.retries())),
                power_cycle_state: Some(self.state.pin.power_cycle_needed()),
                ..ClientPinResponse::default()
            },
            ClientPinSubCommand::GetUvRetries => {
                if !self.config.fingerprint_sensor {
                    return Err(StatusCode::InvalidSubcommand.into());
                }
                ClientPinResponse { uv_retries: Some(u32::from(self.state.uv_retries)), ..ClientPinResponse::default() }
            }
            ClientPinSubCommand::GetKeyAgreement => {
                self.pin_uv_protocol(request.pin_uv_auth_protocol)?;
                let public = self.session.key_agreement.public_key();
                ClientPinResponse {
                    key_agreement: Some(CoseKey::EcdhEsHkdf256(P256Point { x: public.x, y: public.y })),
                    ..ClientPinResponse::default()
                }
            }
            ClientPinSubCommand::SetPin => self.set_pin(&request)?,
            ClientPinSubCommand::ChangePin => self.change_pin(&request)?,
            ClientPinSubCommand::GetPinToken => {
                // §6.5.5.7.1 (legacy): permissions and rpId must be absent; the token gets mc and ga.
                if request.permissions.is_some() || request.rp_id.is_some() {
                    return Err(StatusCode::InvalidParameter.into());
                }
                self.token_using_pin(&request, Permissions::MAKE_CREDENTIAL | Permissions::GET_ASSERTION)?
            }
            ClientPinSubCommand::GetPinUvAuthTokenUsingPinWithPermissions => {
                let permissions = self.requested_permissions(&request)?;
                self.token_using_pin(&request, permissions)?
            }
            ClientPinSubCommand::GetPinUvAuthTokenUsingUvWithPermissions => self.token_using_uv(&request)?,
            _ => return Err(StatusCode::InvalidSubcommand.into()),
        };
        Ok(response.encode())
    }

    /// The shared secret from the request's protocol and platform key (§6.5.5.x step "decapsulate").
    fn shared_secret(&self, request: &ClientPinRequest) -> Result<(PinUvAuthProtocol, SharedSecret), Stop> {
        let protocol = self.pin_uv_protocol(request.pin_uv_auth_protocol)?;
        let key = required(request.key_agreement.as_ref())?;
        let CoseKey::EcdhEsHkdf256(point) = key else {
            return Err(StatusCode::InvalidParameter.into());
        };
        let platform = KeyAgreementPublicKey { x: point.x, y: point.y };
        let shared = self.session.key_agreement.decapsulate(protocol, &platform).map_err(|_| StatusCode::InvalidParameter)?;
        Ok((protocol, shared))
    }

    /// setPIN (§6.5.5.5).
    fn set_pin(&mut self, request: &ClientPinRequest) -> Result<ClientPinResponse, Stop> {
        let new_pin_enc = required(request.new_pin_enc.as_deref())?;
        let param = required(request.pin_uv_auth_param.as_deref())?;
        let (_, shared) = self.shared_secret(request)?;
        if self.state.pin.is_set() {
            return Err(StatusCode::NotAllowed.into());
        }
        let min = usize::from(self.state.pin.min_length());
        let pin = open_set_pin(&shared, new_pin_enc, param, min).map_err(|e| pin_error_status(&e))?;
        self.store_new_pin(&pin);
        Ok(ClientPinResponse::default())
    }

    /// changePIN (§6.5.5.6).
    fn change_pin(&mut self, request: &ClientPinRequest) -> Result<ClientPinResponse, Stop> {
        let pin_hash_enc = required(request.pin_hash_enc.as_deref())?;
        let new_pin_enc = required(request.new_pin_enc.as_deref())?;
        let param = required(request.pin_uv_auth_param.as_deref())?;
        let (_, shared) = self.shared_secret(request)?;
        if !self.state.pin.is_set() {
            return Err(StatusCode::PinNotSet.into());
        }
        self.refuse_when_blocked()?;
        let current = open_change_pin(&shared, pin_hash_enc, new_pin_enc, param).map_err(|e| pin_error_status(&e))?;
        self.check_pin_hash(&current)?;
        let min = usize::from(self.state.pin.min_length());
        let pin = decrypt_new_pin(&shared, new_pin_enc, min).map_err(|e| pin_error_status(&e))?;
        // A forced change must really change the PIN (§6.5.5.6 step 9).
        if self.state.pin.force_change() && self.state.pin.is_current(&pin.hash()) {
            return Err(StatusCode::PinPolicyViolation.into());
        }
        self.store_new_pin(&pin);
        Ok(ClientPinResponse::default())
    }

    fn store_new_pin(&mut self, pin: &Pin) {
        let code_points = u8::try_from(pin.code_points()).unwrap_or(u8::MAX);
        self.state.pin.set_pin(&pin.hash(), code_points);
        // A new PIN invalidates every token, the persistent one included.
        self.session.token.reset_token(&mut self.rng);
        self.state.persistent_token = None;
        self.mark_dirty();
    }

    fn refuse_when_blocked(&self) -> Result<(), Stop> {
        if self.state.pin.retries() == 0 {
            return Err(StatusCode::PinBlocked.into());
        }
        if self.state.pin.power_cycle_needed() {
            return Err(StatusCode::PinAuthBlocked.into());
        }
        Ok(())
    }

    /// The retry-counting comparison shared by changePIN and the token subcommands
    /// (§6.5.5.7.2 steps 5-9): spend a retry, compare, and on mismatch regenerate the key
    /// agreement key.
    fn check_pin_hash(&mut self, candidate: &PinHash) -> Result<(), Stop> {
        self.state.pin.begin_attempt().map_err(pin_check_status)?;
        self.mark_dirty();
        match self.state.pin.finish_attempt(candidate) {
            Ok(()) => {
                // A correct PIN also restores the built-in UV retries (§6.5.5.7.2 step 8).
                self.state.uv_retries = MAX_UV_RETRIES;
                Ok(())
            }
            Err(error) => {
                self.session.key_agreement = KeyAgreementKeyPair::generate(&mut self.rng);
                Err(pin_check_status(error).into())
            }
        }
    }

    /// The permissions parameter of the ...WithPermissions subcommands (§6.5.5.7.2 steps 1-3).
    fn requested_permissions(&self, request: &ClientPinRequest) -> Result<Permissions, Stop> {
        let wire = required(request.permissions)?;
        if wire.is_empty() {
            return Err(StatusCode::InvalidParameter.into());
        }
        let permissions = permissions_from_wire(wire.0);
        if permissions.unknown_bits() != 0 {
            return Err(StatusCode::UnauthorizedPermission.into());
        }
        if permissions.contains(Permissions::BIO_ENROLLMENT) && !self.config.fingerprint_sensor {
            return Err(StatusCode::UnauthorizedPermission.into());
        }
        // The persistent read-only token (CTAP 2.2 pcmr) is issued on its own.
        if permissions.contains(Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY)
            && permissions != Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY
        {
            return Err(StatusCode::UnauthorizedPermission.into());
        }
        if permissions.requires_rp_id() && request.rp_id.is_none() {
            return Err(StatusCode::MissingParameter.into());
        }
        Ok(permissions)
    }

    /// getPinToken and getPinUvAuthTokenUsingPinWithPermissions (§6.5.5.7).
    fn token_using_pin(&mut self, request: &ClientPinRequest, permissions: Permissions) -> Result<ClientPinResponse, Stop> {
        let pin_hash_enc = required(request.pin_hash_enc.as_deref())?;
        let (protocol, shared) = self.shared_secret(request)?;
        if !self.state.pin.is_set() {
            return Err(StatusCode::PinNotSet.into());
        }
        self.refuse_when_blocked()?;
        let candidate = decrypt_pin_hash(&shared, pin_hash_enc).map_err(|e| pin_error_status(&e))?;
        self.check_pin_hash(&candidate)?;
        if self.state.pin.force_change() {
            return Err(StatusCode::PinPolicyViolation.into());
        }
        let encrypted = self.issue_token(protocol, &shared, permissions, request.rp_id.as_deref(), false)?;
        Ok(ClientPinResponse { pin_uv_auth_token: Some(encrypted), ..ClientPinResponse::default() })
    }

    /// getPinUvAuthTokenUsingUvWithPermissions (§6.5.5.7.3): the fingerprint sensor instead of the PIN.
    fn token_using_uv(&mut self, request: &ClientPinRequest) -> Result<ClientPinResponse, Stop> {
        if !self.config.fingerprint_sensor {
            return Err(StatusCode::InvalidSubcommand.into());
        }
        let permissions = self.requested_permissions(request)?;
        let (protocol, shared) = self.shared_secret(request)?;
        if !self.built_in_uv_configured() {
            return Err(StatusCode::NotAllowed.into());
        }
        self.perform_built_in_uv()?;
        let encrypted = self.issue_token(protocol, &shared, permissions, request.rp_id.as_deref(), true)?;
        Ok(ClientPinResponse { pin_uv_auth_token: Some(encrypted), ..ClientPinResponse::default() })
    }

    fn issue_token(
        &mut self,
        protocol: PinUvAuthProtocol,
        shared: &SharedSecret,
        permissions: Permissions,
        rp_id: Option<&str>,
        user_present: bool,
    ) -> Result<Vec<u8>, Stop> {
        if permissions == Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY {
            // CTAP 2.2 persistent token: survives power cycles until the PIN changes or a reset.
            let bytes = self.rng.bytes::<32>();
            let token = PinUvAuthToken::from_bytes(protocol, &bytes).map_err(|_| StatusCode::Other)?;
            self.state.persistent_token = Some(Secret32::new(bytes));
            self.mark_dirty();
            return token.encrypt(shared, &mut self.rng).map_err(|_| StatusCode::Other.into());
        }
        self.session.token.reset_token(&mut self.rng);
        self.session.token.begin_using(self.now, user_present, permissions, rp_id);
        self.session.token.token().encrypt(shared, &mut self.rng).map_err(|_| StatusCode::Other.into())
    }
}
