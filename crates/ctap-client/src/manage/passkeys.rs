//! Passkeys stored on the key: authenticatorCredentialManagement (CTAP 2.1 §6.8; the
//! FIDO_2_1_PRE prototype command 0x41 where only `credentialMgmtPreview` is offered), and the
//! CTAP 2.2 persistent read-only token (permission `pcmr`).

use keydesk_ctap::commands::{
    versions, CredentialManagementParams, CredentialManagementRequest,
    CredentialManagementResponse, CredentialManagementSubCommand as Sub, Permissions,
};
use keydesk_ctap::entities::{CredentialDescriptor, UserEntity};
use keydesk_ctap::extensions::CredProtect;
use keydesk_ctap::{Command, CommandRequest, LargeBlobKeyBytes};
use keydesk_transport::Device;
use serde::Serialize;

use super::base64url;
use crate::client::{bounded_count, Client};
use crate::error::{Error, Feature};
use crate::interaction::{Interaction, Purpose};
use crate::pin::Silent;
use crate::token::{PersistentToken, PinUvToken};

/// How many passkeys the key holds and how many more fit (getCredsMetadata).
///
/// JSON: `{"existing": 3, "remaining": 22}`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PasskeyCapacity {
    /// existingResidentCredentialsCount.
    pub existing: u32,
    /// maxPossibleRemainingResidentCredentialsCount.
    pub remaining: u32,
}

/// Every passkey on the key, grouped by site.
///
/// JSON: `{"capacity": {"existing": 1, "remaining": 24}, "sites": [{"rp_id": "example.com",
/// "rp_name": "Example", "passkeys": [Passkey, ...]}, ...]}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PasskeyList {
    /// Stored and remaining counts.
    pub capacity: PasskeyCapacity,
    /// One entry per relying party, in the key's order.
    pub sites: Vec<Site>,
}

/// The passkeys of one relying party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    /// The RP ID (the key may truncate long IDs, CTAP 2.1 §6.8.3).
    pub rp_id: String,
    /// The RP's name when the key kept it.
    pub rp_name: Option<String>,
    /// Its passkeys.
    pub passkeys: Vec<Passkey>,
}

/// One stored passkey.
///
/// JSON: `{"credential_id": "base64url", "user_id": "base64url", "user_name": "alice@example.com",
/// "display_name": "Alice", "cred_protect": "uv_optional" | "uv_optional_with_credential_id_list"
/// | "uv_required" | null, "large_blob_key": true}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passkey {
    /// The credential ID (base64url).
    pub credential_id: String,
    /// The user handle (base64url).
    pub user_id: String,
    /// The account name.
    pub user_name: Option<String>,
    /// The display name.
    pub display_name: Option<String>,
    /// The credProtect level (CTAP 2.1 §12.1).
    pub cred_protect: Option<CredProtectLevel>,
    /// Whether the passkey has a large-blob key (it can own a large blob).
    pub large_blob_key: bool,
}

/// credProtect levels in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredProtectLevel {
    /// 0x01: usable without user verification.
    UvOptional,
    /// 0x02: without UV only when the RP names the credential.
    UvOptionalWithCredentialIdList,
    /// 0x03: always needs user verification.
    UvRequired,
}

impl From<CredProtect> for CredProtectLevel {
    fn from(level: CredProtect) -> Self {
        match level {
            CredProtect::UserVerificationOptional => Self::UvOptional,
            CredProtect::UserVerificationOptionalWithCredentialIdList => {
                Self::UvOptionalWithCredentialIdList
            }
            CredProtect::UserVerificationRequired => Self::UvRequired,
        }
    }
}

/// A stored credential as enumerated, with what later operations need.
#[derive(Debug, Clone)]
pub(crate) struct StoredCredential {
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub descriptor: CredentialDescriptor,
    pub user: UserEntity,
    pub cred_protect: Option<CredProtect>,
    pub large_blob_key: Option<LargeBlobKeyBytes>,
}

impl StoredCredential {
    fn to_passkey(&self) -> Passkey {
        Passkey {
            credential_id: base64url(&self.descriptor.id),
            user_id: base64url(&self.user.id),
            user_name: self.user.name.clone(),
            display_name: self.user.display_name.clone(),
            cred_protect: self.cred_protect.map(CredProtectLevel::from),
            large_blob_key: self.large_blob_key.is_some(),
        }
    }
}

fn group(capacity: PasskeyCapacity, credentials: &[StoredCredential]) -> PasskeyList {
    let mut sites: Vec<Site> = Vec::new();
    for credential in credentials {
        let passkey = credential.to_passkey();
        match sites.iter_mut().find(|s| s.rp_id == credential.rp_id) {
            Some(site) => site.passkeys.push(passkey),
            None => sites.push(Site {
                rp_id: credential.rp_id.clone(),
                rp_name: credential.rp_name.clone(),
                passkeys: vec![passkey],
            }),
        }
    }
    PasskeyList { capacity, sites }
}

fn missing(field: &str) -> Error {
    Error::InvalidResponse(format!("credentialManagement response without {field}"))
}

impl<D: Device> Client<D> {
    /// The credential-management command byte: 0x0A (credMgmt) or the prototype 0x41
    /// (credentialMgmtPreview on FIDO_2_1_PRE keys).
    fn credential_management_command(&mut self) -> Result<u8, Error> {
        let info = self.ctap2_info()?;
        if info.option("credMgmt") == Some(true) {
            Ok(Command::CredentialManagement.byte())
        } else if info.option("credentialMgmtPreview") == Some(true) {
            Ok(Command::PrototypeCredentialManagement.byte())
        } else {
            Err(Error::Unsupported(Feature::CredentialManagement))
        }
    }

    fn credential_management(
        &mut self,
        sub_command: Sub,
        params: Option<CredentialManagementParams>,
        token: Option<&PinUvToken>,
    ) -> Result<CredentialManagementResponse, Error> {
        let command = self.credential_management_command()?;
        let mut request = CredentialManagementRequest::new(sub_command);
        request.sub_command_params = params;
        if let Some(token) = token {
            request.pin_uv_auth_protocol = Some(token.protocol_number());
            request.pin_uv_auth_param = Some(token.auth_param(&request.auth_message()));
        }
        let mut bytes = request.encode();
        if let Some(first) = bytes.first_mut() {
            *first = command;
        }
        self.send_encoded(&bytes, &mut Silent)
    }

    /// A credential-management token (permission `cm`), asking for PIN/UV as needed.
    fn cm_token(&mut self, ui: &mut dyn Interaction) -> Result<PinUvToken, Error> {
        self.credential_management_command()?;
        self.token(
            Permissions::CREDENTIAL_MANAGEMENT,
            None,
            Purpose::ManagePasskeys,
            ui,
        )
    }

    fn capacity_with(&mut self, token: &PinUvToken) -> Result<PasskeyCapacity, Error> {
        let meta = self.credential_management(Sub::GetCredsMetadata, None, Some(token))?;
        Ok(PasskeyCapacity {
            existing: meta
                .existing_resident_credentials_count
                .ok_or_else(|| missing("existingResidentCredentialsCount"))?,
            remaining: meta
                .max_possible_remaining_resident_credentials_count
                .ok_or_else(|| missing("maxPossibleRemainingResidentCredentialsCount"))?,
        })
    }

    /// Every stored credential, RP by RP (enumerateRPs, enumerateCredentials).
    pub(crate) fn enumerate_credentials(
        &mut self,
        token: &PinUvToken,
    ) -> Result<Vec<StoredCredential>, Error> {
        let first = match self.credential_management(Sub::EnumerateRpsBegin, None, Some(token)) {
            Err(Error::NoCredentials) => return Ok(Vec::new()),
            other => other?,
        };
        let total_rps =
            bounded_count(first.total_rps.ok_or_else(|| missing("totalRPs"))?, "sites")?;
        let mut rps = vec![first];
        for _ in 1..total_rps {
            rps.push(self.credential_management(Sub::EnumerateRpsGetNextRp, None, None)?);
        }
        let mut credentials = Vec::new();
        for rp in rps {
            let entity = rp.rp.ok_or_else(|| missing("rp"))?;
            let rp_id_hash = rp.rp_id_hash.ok_or_else(|| missing("rpIDHash"))?;
            let params = CredentialManagementParams {
                rp_id_hash: Some(rp_id_hash),
                ..Default::default()
            };
            let first = match self.credential_management(
                Sub::EnumerateCredentialsBegin,
                Some(params),
                Some(token),
            ) {
                Err(Error::NoCredentials) => continue,
                other => other?,
            };
            let total = bounded_count(
                first
                    .total_credentials
                    .ok_or_else(|| missing("totalCredentials"))?,
                "passkeys",
            )?;
            let mut responses = vec![first];
            for _ in 1..total {
                responses.push(self.credential_management(
                    Sub::EnumerateCredentialsGetNextCredential,
                    None,
                    None,
                )?);
            }
            for response in responses {
                credentials.push(StoredCredential {
                    rp_id: entity.id.clone(),
                    rp_name: entity.name.clone(),
                    descriptor: response
                        .credential_id
                        .ok_or_else(|| missing("credentialID"))?,
                    user: response.user.ok_or_else(|| missing("user"))?,
                    cred_protect: response.cred_protect,
                    large_blob_key: response.large_blob_key,
                });
            }
        }
        Ok(credentials)
    }

    /// How many passkeys are stored and how many more fit (getCredsMetadata).
    pub fn passkey_capacity(&mut self, ui: &mut dyn Interaction) -> Result<PasskeyCapacity, Error> {
        let token = self.cm_token(ui)?;
        self.capacity_with(&token)
    }

    /// Lists every passkey grouped by site (asks for PIN/UV).
    pub fn list_passkeys(&mut self, ui: &mut dyn Interaction) -> Result<PasskeyList, Error> {
        // Unsupported before any PIN is asked for or any token requested (CTAP 2.1 §6.8).
        self.credential_management_command()?;
        self.with_token(
            Permissions::CREDENTIAL_MANAGEMENT,
            None,
            Purpose::ManagePasskeys,
            ui,
            |client, token, _| {
                let capacity = client.capacity_with(token)?;
                let credentials = client.enumerate_credentials(token)?;
                Ok(group(capacity, &credentials))
            },
        )
    }

    pub(crate) fn stored_credentials(
        &mut self,
        ui: &mut dyn Interaction,
    ) -> Result<Vec<StoredCredential>, Error> {
        self.credential_management_command()?;
        self.with_token(
            Permissions::CREDENTIAL_MANAGEMENT,
            None,
            Purpose::ManagePasskeys,
            ui,
            |client, token, _| client.enumerate_credentials(token),
        )
    }

    /// Obtains the CTAP 2.2 persistent read-only token (permission `pcmr`, option
    /// `perCredMgmtRO`) with the PIN or UV once; store its bytes and list passkeys later with
    /// [`Client::list_passkeys_read_only`] without asking again.
    pub fn persistent_token(&mut self, ui: &mut dyn Interaction) -> Result<PersistentToken, Error> {
        if self.option("perCredMgmtRO")? != Some(true) {
            return Err(Error::Unsupported(
                Feature::PersistentCredentialManagementToken,
            ));
        }
        self.credential_management_command()?;
        let token = self.token(
            Permissions::PERSISTENT_CREDENTIAL_MANAGEMENT_READ_ONLY,
            None,
            Purpose::ManagePasskeys,
            ui,
        )?;
        Ok(PersistentToken::from_token(&token))
    }

    /// Lists passkeys with a stored persistent token, without the PIN. A token the key no
    /// longer accepts (PIN changed, key reset) fails with [`Error::PersistentTokenRejected`]:
    /// obtain a new one with [`Client::persistent_token`].
    pub fn list_passkeys_read_only(
        &mut self,
        token: &PersistentToken,
    ) -> Result<PasskeyList, Error> {
        if self.option("perCredMgmtRO")? != Some(true) {
            return Err(Error::Unsupported(
                Feature::PersistentCredentialManagementToken,
            ));
        }
        let token = token.token()?;
        let list = self.capacity_with(&token).and_then(|capacity| {
            let credentials = self.enumerate_credentials(&token)?;
            Ok(group(capacity, &credentials))
        });
        match list {
            Err(Error::Ctap(keydesk_ctap::StatusCode::PinAuthInvalid)) => {
                Err(Error::PersistentTokenRejected)
            }
            other => other,
        }
    }

    /// Deletes the passkey with `credential_id` (deleteCredential).
    pub fn delete_passkey(
        &mut self,
        credential_id: &[u8],
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        self.credential_management_command()?;
        let params = CredentialManagementParams {
            credential_id: Some(CredentialDescriptor::public_key(credential_id.to_vec())),
            ..Default::default()
        };
        let outcome = self.with_token(
            Permissions::CREDENTIAL_MANAGEMENT,
            None,
            Purpose::ManagePasskeys,
            ui,
            |client, token, _| {
                client.credential_management(
                    Sub::DeleteCredential,
                    Some(params.clone()),
                    Some(token),
                )
            },
        );
        match outcome {
            Err(Error::NoCredentials) => Err(Error::PasskeyNotFound),
            other => other.map(drop),
        }
    }

    /// Changes the user name and/or display name of a stored passkey (updateUserInformation,
    /// CTAP 2.1 only). `None` keeps the current value; `Some("")` clears it.
    pub fn update_passkey_user(
        &mut self,
        credential_id: &[u8],
        user_name: Option<&str>,
        display_name: Option<&str>,
        ui: &mut dyn Interaction,
    ) -> Result<(), Error> {
        let info = self.ctap2_info()?;
        if info.option("credMgmt") != Some(true) || !info.supports_version(versions::FIDO_2_1) {
            return Err(Error::Unsupported(Feature::UpdateUserInformation));
        }
        let stored = self.stored_credentials(ui)?;
        let current = stored
            .into_iter()
            .find(|c| c.descriptor.id == credential_id)
            .ok_or(Error::PasskeyNotFound)?;
        let pick = |new: Option<&str>, old: Option<String>| match new {
            Some("") => None,
            Some(text) => Some(text.to_owned()),
            None => old,
        };
        let mut user = current.user.clone();
        user.name = pick(user_name, current.user.name.clone());
        user.display_name = pick(display_name, current.user.display_name.clone());
        let params = CredentialManagementParams {
            credential_id: Some(current.descriptor.clone()),
            user: Some(user),
            ..Default::default()
        };
        let outcome = self.with_token(
            Permissions::CREDENTIAL_MANAGEMENT,
            None,
            Purpose::ManagePasskeys,
            ui,
            |client, token, _| {
                client.credential_management(
                    Sub::UpdateUserInformation,
                    Some(params.clone()),
                    Some(token),
                )
            },
        );
        match outcome {
            Err(Error::NoCredentials) => Err(Error::PasskeyNotFound),
            other => other.map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_stored_credential_shows_no_large_blob_key_byte() {
        let key: Vec<u8> = (0xA0..0xC0).collect();
        let credential = StoredCredential {
            rp_id: "example.com".to_owned(),
            rp_name: None,
            descriptor: CredentialDescriptor::public_key(vec![1, 2, 3]),
            user: UserEntity::new(vec![4]),
            cred_protect: None,
            large_blob_key: Some(LargeBlobKeyBytes::new(key.clone())),
        };
        let shown = format!("{credential:?} {:#?}", credential.large_blob_key);
        assert!(shown.contains("LargeBlobKey(<32 secret bytes>)"), "{shown}");
        // The bytes appear neither as Debug prints a Vec (decimal) nor as hex.
        assert!(!shown.contains("160, 161"), "{shown}");
        assert!(!shown.contains("a0a1") && !shown.contains("A0A1"), "{shown}");
        assert_eq!(credential.large_blob_key.as_ref().map(LargeBlobKeyBytes::expose), Some(key.as_slice()));
    }
}
