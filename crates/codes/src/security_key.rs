//! The FIDO2 security-key slot: the vault key is the authenticator's hmac-secret output
//! (CTAP 2.1 §12.5 hmac-secret extension) for a salt kept in the slot, from a
//! non-discoverable credential made for the RP ID [`RP_ID`]. The credential id and salt are
//! public slot parameters; without the key (and its PIN, when one is set) the output cannot be
//! reproduced.

use std::path::Path;

use keydesk_ctap::entities::{CredentialDescriptor, RpEntity, UserEntity};
use keydesk_ctap::extensions::MakeCredentialExtensions;
use keydesk_ctap_client::{Client, Error, GetAssertionArgs, Interaction, MakeCredentialArgs};
use keydesk_ctap_crypto::hmac_secret::HmacSecretSalts;
use keydesk_otp::vault::providers::{self, Fido2SlotParams};
use keydesk_otp::vault::{Vault, VaultOptions};
use keydesk_transport::Device;
use zeroize::Zeroizing;

use crate::error::CodesError;

/// The relying party the vault's credentials belong to (never a web origin, so no site can
/// ask for them).
pub const RP_ID: &str = "keydesk.vault";

/// No client data is signed for anyone: the hash only has to be fixed.
const CLIENT_DATA_HASH: [u8; 32] = [0x6b; 32];

fn key_error(context: &'static str) -> impl FnOnce(Error) -> CodesError {
    move |source| CodesError::SecurityKey { context, source }
}

/// Enrolls the key behind `client`: makes an hmac-secret credential (CTAP 2.1 §6.1
/// authenticatorMakeCredential), evaluates it for a fresh salt (§6.2 authenticatorGetAssertion)
/// and adds the slot. The key asks for two touches. Returns the slot id.
pub fn enroll<D: Device>(client: &mut Client<D>, vault: &mut Vault, label: &str, ui: &mut dyn Interaction) -> Result<String, CodesError> {
    let info = client.ctap2_info().map_err(key_error("the security key did not describe itself"))?;
    if !info.supports_extension("hmac-secret") {
        return Err(CodesError::NoHmacSecret);
    }
    let mut user = UserEntity::new(b"keydesk-vault".to_vec());
    user.name = Some("KeyDesk codes vault".to_owned());
    let mut args = MakeCredentialArgs::new(CLIENT_DATA_HASH, RpEntity::new(RP_ID), user);
    args.extensions = Some(MakeCredentialExtensions { hmac_secret: Some(true), ..Default::default() });
    let made = client.make_credential(&args, ui).map_err(key_error("the security key did not create the vault credential"))?;
    let credential_id = made
        .authenticator_data()
        .map_err(|_| CodesError::SecurityKeyAnswer("the security key's authenticator data is malformed"))?
        .attested_credential
        .map(|c| c.credential_id)
        .ok_or(CodesError::SecurityKeyAnswer("the security key returned no credential"))?;
    let params = Fido2SlotParams::new(RP_ID, &credential_id)?;
    let key = slot_key(client, &params, ui)?.ok_or(CodesError::SecurityKeyAnswer("the security key does not find the credential it just created"))?;
    Ok(providers::enroll_fido2_slot(vault, &params, label, &key)?)
}

/// Unlocks the vault at `path` with the security key behind `client` (one touch).
pub fn unlock<D: Device>(client: &mut Client<D>, path: &Path, options: VaultOptions, ui: &mut dyn Interaction) -> Result<Vault, CodesError> {
    let slots = providers::fido2_slots(path)?;
    if slots.is_empty() {
        return Err(CodesError::NoSecurityKeySlot);
    }
    for (slot_id, params) in &slots {
        if params.rp_id != RP_ID {
            continue;
        }
        if let Some(key) = slot_key(client, params, ui)? {
            return Ok(Vault::unlock_with_raw_key(path, slot_id, &key, options)?);
        }
    }
    Err(CodesError::SecurityKeyNotEnrolled(slots.len()))
}

/// The hmac-secret output for the slot's salt, or `None` when this key does not hold the
/// slot's credential.
fn slot_key<D: Device>(client: &mut Client<D>, params: &Fido2SlotParams, ui: &mut dyn Interaction) -> Result<Option<Zeroizing<[u8; 32]>>, CodesError> {
    let salt: [u8; 32] = params.salt.as_slice().try_into().map_err(|_| CodesError::SecurityKeyAnswer("the slot's salt is not 32 bytes"))?;
    let mut args = GetAssertionArgs::new(params.rp_id.clone(), CLIENT_DATA_HASH);
    args.allow_list = vec![CredentialDescriptor::public_key(params.credential_id.clone())];
    args.hmac_secret_salts = Some(HmacSecretSalts::new(salt, None));
    match client.get_assertion(&args, ui) {
        Ok(assertion) => {
            let output = assertion.hmac_secret.ok_or(CodesError::SecurityKeyAnswer("the security key returned no hmac-secret output"))?;
            Ok(Some(Zeroizing::new(*output.first())))
        }
        Err(Error::NoCredentials) => Ok(None),
        Err(other) => Err(key_error("the security key did not answer the unlock request")(other)),
    }
}
