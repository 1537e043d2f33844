//! makeCredential and getAssertion on CTAP1/U2F-only keys, mapped as CTAP 2.1 §10.2 and
//! §10.3 ("Interoperating with CTAP1/U2F authenticators") describe: U2F_REGISTER becomes a
//! `fido-u2f` attestation object, U2F_AUTHENTICATE an assertion over CTAP2-shaped
//! authenticator data. U2F keys have no PIN, no discoverable credentials and only ES256.
//!
//! A U2F key answers 6985 (conditions not satisfied) until it is touched, so requests that
//! need presence are repeated every [`U2F_POLL_INTERVAL`] while the front end is told to
//! touch the key, until it answers, the front end cancels, or [`U2F_TOUCH_TIMEOUT`] passes.

use std::time::{Duration, Instant};

use keydesk_ctap::attestation::AttestationStatement;
use keydesk_ctap::auth_data::{
    rp_id_hash, AttestedCredentialData, AuthDataFlags, AuthenticatorData,
};
use keydesk_ctap::commands::{GetAssertionResponse, MakeCredentialResponse};
use keydesk_ctap::cose::{CoseKey, P256Point, ALG_ES256};
use keydesk_ctap::entities::CredentialDescriptor;
use keydesk_transport::{Device, Message};
use keydesk_u2f::{
    ApduEncoding, AuthenticateControl, AuthenticateRequest, AuthenticateResponse, RegisterRequest,
    RegisterResponse, Request, ResponseError, StatusWord,
};

use crate::ceremony::{Assertion, GetAssertionArgs, MakeCredentialArgs, UserVerification};
use crate::client::Client;
use crate::error::{Error, Feature};
use crate::interaction::Interaction;

/// How often a request waiting for a touch is repeated.
pub const U2F_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long a U2F request waits for a touch.
pub const U2F_TOUCH_TIMEOUT: Duration = Duration::from_secs(30);

fn u2f_error(error: ResponseError) -> Error {
    match error {
        ResponseError::Status(status) => Error::InvalidResponse(format!("U2F status {status:?}")),
        other => Error::InvalidResponse(format!("U2F: {other}")),
    }
}

/// The status word at the end of a U2F response.
fn status_of(response: &[u8]) -> Option<StatusWord> {
    response
        .split_last_chunk::<2>()
        .map(|(_, sw)| StatusWord::from_u16(u16::from_be_bytes(*sw)))
}

impl<D: Device> Client<D> {
    fn u2f_send(&mut self, request: &Request, ui: &mut dyn Interaction) -> Result<Vec<u8>, Error> {
        let apdu = request
            .encode(ApduEncoding::Extended)
            .map_err(|e| Error::InvalidInput(format!("U2F request: {e}")))?;
        self.transact(Message::Ctap1(&apdu), ui)
    }

    /// Sends `request` until the key stops answering "touch needed" (6985).
    fn u2f_with_presence(
        &mut self,
        request: &Request,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<u8>, Error> {
        let started = Instant::now();
        let mut asked = false;
        loop {
            let response = self.u2f_send(request, ui)?;
            if status_of(&response) != Some(StatusWord::ConditionsNotSatisfied) {
                return Ok(response);
            }
            if !asked {
                asked = true;
                ui.touch_needed();
            }
            if ui.cancel_requested() {
                return Err(Error::Cancelled);
            }
            if started.elapsed() > U2F_TOUCH_TIMEOUT {
                return Err(Error::UserActionTimeout);
            }
            std::thread::sleep(U2F_POLL_INTERVAL);
        }
    }

    /// Sends `request` until touched and discards the answer (selection on U2F keys).
    pub(crate) fn u2f_touch(
        &mut self,
        request: &Request,
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        self.u2f_with_presence(request, ui).map(drop)
    }

    /// Whether `key_handle` belongs to this key for `application` (check-only: 6985 = yes).
    fn u2f_owns(
        &mut self,
        application: [u8; 32],
        key_handle: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<bool, Error> {
        if key_handle.len() > keydesk_u2f::MAX_KEY_HANDLE_LEN {
            return Ok(false);
        }
        let request = Request::Authenticate(AuthenticateRequest {
            control: AuthenticateControl::CheckOnly,
            challenge: [0; 32],
            application,
            key_handle: key_handle.to_vec(),
        });
        let response = self.u2f_send(&request, ui)?;
        Ok(status_of(&response) == Some(StatusWord::ConditionsNotSatisfied))
    }

    /// makeCredential on a U2F-only key (CTAP 2.1 §10.2).
    pub(crate) fn make_credential_u2f(
        &mut self,
        args: &MakeCredentialArgs,
        ui: &mut dyn Interaction,
    ) -> Result<MakeCredentialResponse, Error> {
        if args.resident_key {
            return Err(Error::Unsupported(Feature::DiscoverableCredentials));
        }
        if args.user_verification == UserVerification::Required {
            return Err(Error::Unsupported(Feature::Pin));
        }
        if !args.pub_key_cred_params.iter().any(|p| p.alg == ALG_ES256) {
            return Err(Error::Ctap(keydesk_ctap::StatusCode::UnsupportedAlgorithm));
        }
        let application = rp_id_hash(&args.rp.id);
        for excluded in &args.exclude_list {
            if self.u2f_owns(application, &excluded.id, ui)? {
                return Err(Error::CredentialExcluded);
            }
        }
        let request = Request::Register(RegisterRequest {
            challenge: args.client_data_hash,
            application,
        });
        let response = self.u2f_with_presence(&request, ui)?;
        let registered = RegisterResponse::decode_response_apdu(&response).map_err(u2f_error)?;
        let (x, y) = registered.public_key_coordinates();
        let auth_data = AuthenticatorData {
            rp_id_hash: application,
            flags: AuthDataFlags(AuthDataFlags::UP | AuthDataFlags::AT),
            sign_count: 0,
            attested_credential: Some(AttestedCredentialData {
                aaguid: [0; 16],
                credential_id: registered.key_handle.clone(),
                public_key: CoseKey::Es256(P256Point { x, y }),
            }),
            extensions: None,
        };
        Ok(MakeCredentialResponse {
            attestation: AttestationStatement::FidoU2f {
                sig: registered.signature,
                certificate: registered.attestation_certificate,
            },
            auth_data: auth_data.to_bytes(),
            ep_att: None,
            large_blob_key: None,
            unsigned_extension_outputs: None,
        })
    }

    /// getAssertion on a U2F-only key (CTAP 2.1 §10.3): the first allow-list credential the
    /// key owns signs.
    pub(crate) fn get_assertion_u2f(
        &mut self,
        args: &GetAssertionArgs,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<Assertion>, Error> {
        if args.allow_list.is_empty() {
            return Err(Error::Unsupported(Feature::DiscoverableCredentials));
        }
        if args.user_verification == UserVerification::Required {
            return Err(Error::Unsupported(Feature::Pin));
        }
        if args.hmac_secret_salts.is_some() {
            return Err(Error::Unsupported(Feature::HmacSecret));
        }
        let application = rp_id_hash(&args.rp_id);
        let mut owned: Option<&CredentialDescriptor> = None;
        for candidate in &args.allow_list {
            if self.u2f_owns(application, &candidate.id, ui)? {
                owned = Some(candidate);
                break;
            }
        }
        let credential = owned.ok_or(Error::NoCredentials)?;
        let control = if args.user_presence {
            AuthenticateControl::EnforceUserPresenceAndSign
        } else {
            AuthenticateControl::DontEnforceUserPresenceAndSign
        };
        let request = Request::Authenticate(AuthenticateRequest {
            control,
            challenge: args.client_data_hash,
            application,
            key_handle: credential.id.clone(),
        });
        let response = self.u2f_with_presence(&request, ui)?;
        let signed = AuthenticateResponse::decode_response_apdu(&response).map_err(u2f_error)?;
        let flags = if signed.user_present() {
            AuthDataFlags::UP
        } else {
            0
        };
        let auth_data = AuthenticatorData {
            rp_id_hash: application,
            flags: AuthDataFlags(flags),
            sign_count: signed.counter,
            attested_credential: None,
            extensions: None,
        };
        Ok(vec![Assertion {
            response: GetAssertionResponse {
                credential: Some(credential.clone()),
                auth_data: auth_data.to_bytes(),
                signature: signed.signature,
                user: None,
                number_of_credentials: None,
                user_selected: None,
                large_blob_key: None,
                unsigned_extension_outputs: None,
            },
            hmac_secret: None,
        }])
    }
}
