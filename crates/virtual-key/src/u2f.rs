//! CTAP1/U2F register and authenticate (FIDO U2F Raw Message Formats §4-§6) on the same
//! credential store: key handles are sealed credential IDs bound to the application parameter.

use keydesk_u2f::{
    authenticate_signed_data, register_signed_data, AuthenticateControl, AuthenticateResponse, RegisterResponse,
    Request, ResponseApdu, StatusWord, U2F_V2, USER_PRESENT_FLAG,
};

use keydesk_ctap::extensions::CredProtect;

use crate::authenticator::Authenticator;
use crate::config::PresencePolicy;
use crate::credential_id::SealedCredential;
use crate::keys::{Algorithm, PrivateKey, PublicKey};

fn status(sw: StatusWord) -> Vec<u8> {
    ResponseApdu::status_only(sw).encode()
}

impl Authenticator {
    /// Answers one U2F command APDU with a response APDU (data || SW1 SW2). A request that
    /// needs user presence without it answers 6985 (conditions not satisfied); U2F hosts
    /// repeat the request until the user touches the key ([`Authenticator::touch`] with no
    /// CTAP2 request waiting arms the next U2F request).
    pub fn handle_u2f(&mut self, apdu: &[u8], now: std::time::Duration) -> Vec<u8> {
        self.now = now;
        // CTAP1/U2F cannot verify the user, so alwaysUv switches it off.
        if !self.config.u2f || self.state.always_uv {
            return status(StatusWord::InstructionNotSupported);
        }
        let request = match Request::decode(apdu) {
            Ok(request) => request,
            Err(error) => return status(error.status_word()),
        };
        let response = match request {
            Request::Version => {
                let mut out = U2F_V2.to_vec();
                out.extend_from_slice(&StatusWord::NoError.to_bytes());
                return out;
            }
            Request::Register(register) => {
                if !self.u2f_presence() {
                    return status(StatusWord::ConditionsNotSatisfied);
                }
                let sealed = SealedCredential {
                    key: PrivateKey::generate(Algorithm::Es256, &mut self.rng),
                    cred_protect: CredProtect::UserVerificationOptional,
                    hmac_secret: false,
                    discoverable: false,
                };
                let key_handle = self.cipher.seal(&sealed, &register.application, &mut self.rng);
                let Ok(PublicKey::Es256 { x, y }) = sealed.key.public_key() else {
                    return status(StatusWord::Other(0x6F00));
                };
                let mut user_public_key = [0u8; 65];
                user_public_key[0] = 0x04;
                user_public_key[1..33].copy_from_slice(&x);
                user_public_key[33..].copy_from_slice(&y);
                let Ok(material) = self.attestation_material() else {
                    return status(StatusWord::Other(0x6F00));
                };
                let signed = register_signed_data(&register.application, &register.challenge, &key_handle, &user_public_key);
                let Ok(signature) = material.sign(&signed) else {
                    return status(StatusWord::Other(0x6F00));
                };
                RegisterResponse {
                    user_public_key,
                    key_handle,
                    attestation_certificate: material.attestation_certificate.clone(),
                    signature,
                }
                .encode_response_apdu()
            }
            Request::Authenticate(authenticate) => {
                let Some(sealed) = self.find_credential(&authenticate.key_handle, &authenticate.application) else {
                    return status(StatusWord::WrongData);
                };
                let user_presence = match authenticate.control {
                    AuthenticateControl::CheckOnly => return status(StatusWord::ConditionsNotSatisfied),
                    AuthenticateControl::EnforceUserPresenceAndSign => {
                        if !self.u2f_presence() {
                            return status(StatusWord::ConditionsNotSatisfied);
                        }
                        USER_PRESENT_FLAG
                    }
                    AuthenticateControl::DontEnforceUserPresenceAndSign => 0,
                };
                let counter = self.next_sign_count();
                let signed = authenticate_signed_data(&authenticate.application, user_presence, counter, &authenticate.challenge);
                let Ok(signature) = sealed.key.sign(&signed) else {
                    return status(StatusWord::Other(0x6F00));
                };
                Ok(AuthenticateResponse { user_presence, counter, signature }.encode_response_apdu())
            }
        };
        match response {
            Ok(bytes) if self.save_changes() => bytes,
            _ => status(StatusWord::Other(0x6F00)),
        }
    }

    /// U2F's presence check: the policy, or a touch latched since the last U2F request.
    fn u2f_presence(&mut self) -> bool {
        match self.config.presence {
            PresencePolicy::ApproveAll => true,
            PresencePolicy::DenyAll => false,
            PresencePolicy::WaitForTouch => std::mem::take(&mut self.u2f_touch_latched),
        }
    }
}
