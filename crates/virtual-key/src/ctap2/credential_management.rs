//! authenticatorCredentialManagement (CTAP 2.1 §6.8), including read-only access with the
//! CTAP 2.2 persistent PIN/UV auth token (permission pcmr).

use keydesk_ctap::LargeBlobKeyBytes;
use keydesk_ctap::commands::{
    CredentialManagementRequest, CredentialManagementResponse, CredentialManagementSubCommand as Sub,
};
use keydesk_ctap::entities::{CredentialDescriptor, RpEntity, UserEntity};
use keydesk_ctap::message::{CommandRequest as _, CommandResponse as _};
use keydesk_ctap::StatusCode;
use keydesk_ctap_crypto::{Permissions, PinUvAuthToken, RpIdRule};

use crate::authenticator::{Authenticator, CommandResult, Stop};
use crate::store::ResidentCredential;

/// The rest of an enumeration, answered by the ...GetNext... subcommands.
#[derive(Debug)]
pub(crate) enum Enumeration {
    Rps(Vec<CredentialManagementResponse>),
    Credentials(Vec<CredentialManagementResponse>),
}

fn is_read_only(sub: Sub) -> bool {
    matches!(sub, Sub::GetCredsMetadata | Sub::EnumerateRpsBegin | Sub::EnumerateCredentialsBegin)
}

impl Authenticator {
    pub(crate) fn credential_management(&mut self, message: &[u8]) -> CommandResult {
        let request = CredentialManagementRequest::decode(message)?;
        let sub = request.sub_command;
        let params = request.sub_command_params.clone().unwrap_or_default();
        if sub.is_authenticated() {
            self.authorize_credential_management(&request)?;
        }
        let response = match sub {
            Sub::GetCredsMetadata => CredentialManagementResponse {
                existing_resident_credentials_count: u32::try_from(self.state.resident.len()).ok(),
                max_possible_remaining_resident_credentials_count: u32::try_from(
                    self.state.resident.remaining(self.config.resident_capacity),
                )
                .ok(),
                ..CredentialManagementResponse::default()
            },
            Sub::EnumerateRpsBegin => {
                let mut rps: Vec<CredentialManagementResponse> = self
                    .state
                    .resident
                    .rps()
                    .into_iter()
                    .map(|(id, name, hash)| CredentialManagementResponse {
                        rp: Some(RpEntity { name: name.map(str::to_owned), ..RpEntity::new(id) }),
                        rp_id_hash: Some(hash),
                        ..CredentialManagementResponse::default()
                    })
                    .collect();
                if rps.is_empty() {
                    return Err(StatusCode::NoCredentials.into());
                }
                let mut first = rps.remove(0);
                first.total_rps = u32::try_from(rps.len() + 1).ok();
                self.session.enumeration = Some(Enumeration::Rps(rps));
                first
            }
            Sub::EnumerateRpsGetNextRp => match &mut self.session.enumeration {
                Some(Enumeration::Rps(rest)) if !rest.is_empty() => rest.remove(0),
                _ => return Err(StatusCode::NotAllowed.into()),
            },
            Sub::EnumerateCredentialsBegin => {
                let rp_hash = params.rp_id_hash.ok_or(StatusCode::MissingParameter)?;
                let found: Vec<ResidentCredential> =
                    self.state.resident.for_rp(&rp_hash).into_iter().cloned().collect();
                if found.is_empty() {
                    return Err(StatusCode::NoCredentials.into());
                }
                let mut responses = found.iter().map(|c| self.describe(c)).collect::<Result<Vec<_>, Stop>>()?;
                let mut first = responses.remove(0);
                first.total_credentials = u32::try_from(found.len()).ok();
                self.session.enumeration = Some(Enumeration::Credentials(responses));
                first
            }
            Sub::EnumerateCredentialsGetNextCredential => match &mut self.session.enumeration {
                Some(Enumeration::Credentials(rest)) if !rest.is_empty() => rest.remove(0),
                _ => return Err(StatusCode::NotAllowed.into()),
            },
            Sub::DeleteCredential => {
                let descriptor = params.credential_id.ok_or(StatusCode::MissingParameter)?;
                self.state.resident.remove(&descriptor.id).ok_or(StatusCode::NoCredentials)?;
                self.mark_dirty();
                CredentialManagementResponse::default()
            }
            Sub::UpdateUserInformation => {
                let descriptor = params.credential_id.ok_or(StatusCode::MissingParameter)?;
                let user = params.user.ok_or(StatusCode::MissingParameter)?;
                let credential = self.state.resident.get_mut(&descriptor.id).ok_or(StatusCode::NoCredentials)?;
                if credential.user_id != user.id {
                    return Err(StatusCode::InvalidParameter.into());
                }
                // §6.8.7: absent or empty fields are removed, the others replaced.
                credential.user_name = user.name.filter(|n| !n.is_empty());
                credential.user_display_name = user.display_name.filter(|n| !n.is_empty());
                self.mark_dirty();
                CredentialManagementResponse::default()
            }
            _ => return Err(StatusCode::InvalidSubcommand.into()),
        };
        Ok(response.encode())
    }

    /// Checks pinUvAuthParam over `subCommand || subCommandParams`: a token with the cm
    /// permission (RP ID binding per subcommand), or the persistent pcmr token for read-only
    /// subcommands.
    fn authorize_credential_management(&mut self, request: &CredentialManagementRequest) -> Result<(), Stop> {
        let param = request.pin_uv_auth_param.as_deref().ok_or(StatusCode::PuatRequired)?;
        let protocol = self.pin_uv_protocol(request.pin_uv_auth_protocol)?;
        let message = request.auth_message();
        let sub = request.sub_command;
        if is_read_only(sub) {
            if let Some(persistent) = &self.state.persistent_token {
                let token = PinUvAuthToken::from_bytes(protocol, persistent.expose()).map_err(|_| StatusCode::Other)?;
                if token.verify(protocol, &message, param).is_ok() {
                    return Ok(());
                }
            }
        }
        let params = request.sub_command_params.clone().unwrap_or_default();
        let credential_rp = params
            .credential_id
            .as_ref()
            .and_then(|d| self.state.resident.get(&d.id))
            .map(|c| c.rp_id.clone());
        let rule = match sub {
            Sub::GetCredsMetadata | Sub::EnumerateRpsBegin => RpIdRule::MustBeUnbound,
            Sub::EnumerateCredentialsBegin => match &params.rp_id_hash {
                Some(hash) => RpIdRule::MatchHashIfBound(hash),
                None => return Err(StatusCode::MissingParameter.into()),
            },
            _ => match &credential_rp {
                Some(rp_id) => RpIdRule::MatchIfBound(rp_id),
                None => RpIdRule::Ignore,
            },
        };
        self.authorize_token(protocol, &message, param, Permissions::CREDENTIAL_MANAGEMENT, rule)
    }

    fn describe(&self, credential: &ResidentCredential) -> Result<CredentialManagementResponse, Stop> {
        let sealed = self.cipher.open(&credential.credential_id, &credential.rp_id_hash).ok_or(StatusCode::Other)?;
        Ok(CredentialManagementResponse {
            user: Some(UserEntity {
                name: credential.user_name.clone(),
                display_name: credential.user_display_name.clone(),
                ..UserEntity::new(credential.user_id.clone())
            }),
            credential_id: Some(CredentialDescriptor::public_key(credential.credential_id.clone())),
            public_key: Some(super::cose_public_key(&sealed.key)?),
            cred_protect: Some(credential.protection()),
            large_blob_key: credential.large_blob_key.as_ref().map(|k| LargeBlobKeyBytes::new(k.expose().to_vec())),
            ..CredentialManagementResponse::default()
        })
    }
}
