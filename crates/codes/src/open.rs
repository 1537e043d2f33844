//! Finding, creating and unlocking the vault with each slot (password, OS keyring, FIDO2
//! security key), and managing the extra slots. The password slot always exists: it is the
//! way in when the keyring or the key is unavailable.

use std::path::{Path, PathBuf};

use keydesk_ctap_client::{Client, Interaction};
use keydesk_otp::vault::providers::{self, KeyStore, FIDO2_KIND, KEYRING_KIND};
use keydesk_otp::vault::{PasswordKdfParams, SlotInfo, SlotKind, Vault, VaultOptions};
use keydesk_otp::SecretString;
use keydesk_transport::Device;
use serde::Serialize;

use crate::error::{io_error, CodesError};
use crate::keyring_store::{entry_name, ForgettingKeyStore};
use crate::security_key;
use crate::service::Codes;

/// Where the vault lives unless the user names another file: `<data dir>/keydesk/codes.vault`
/// (the CLI and the desktop app open the same file).
pub fn default_vault_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "keydesk").map(|dirs| dirs.data_dir().join("codes.vault"))
}

/// What a locked vault offers before it is opened (slot parameters are not shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    pub path: PathBuf,
    pub exists: bool,
    /// The ways to unlock it; empty when it does not exist.
    pub slots: Vec<Slot>,
}

/// One unlock slot, without its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub id: String,
    pub label: String,
    /// "password", "keyring", "fido2-hmac-secret", or another provider's name.
    pub kind: String,
}

impl Slot {
    fn from_info(info: &SlotInfo) -> Self {
        let kind = match &info.kind {
            SlotKind::Password => "password".to_owned(),
            SlotKind::Raw { raw_kind, .. } => raw_kind.clone(),
            _ => "other".to_owned(),
        };
        Self { id: info.id.clone(), label: info.label.clone(), kind }
    }
}

/// The unlock slots of an open vault.
pub fn slots(vault: &Vault) -> Vec<Slot> {
    vault.slots().iter().map(Slot::from_info).collect()
}

/// Whether the vault at `path` exists and which slots it has.
pub fn status(path: &Path) -> Result<VaultStatus, CodesError> {
    let exists = path.exists();
    let slots = if exists { Vault::read_slots(path)?.iter().map(Slot::from_info).collect() } else { Vec::new() };
    Ok(VaultStatus { path: path.to_path_buf(), exists, slots })
}

fn is_kind(slot: &SlotInfo, kind: &str) -> bool {
    matches!(&slot.kind, SlotKind::Raw { raw_kind, .. } if raw_kind == kind)
}

/// Whether the vault at `path` has an OS keyring slot.
pub fn has_keyring_slot(path: &Path) -> Result<bool, CodesError> {
    Ok(Vault::read_slots(path)?.iter().any(|s| is_kind(s, KEYRING_KIND)))
}

/// Whether `kdf` is weaker than RFC 9106's recommendation (front-ends warn: tests only).
pub fn is_weaker_than_recommended(kdf: PasswordKdfParams) -> bool {
    let recommended = PasswordKdfParams::default();
    kdf.memory_kib < recommended.memory_kib || kdf.iterations < recommended.iterations
}

/// Creates a new vault at `path` with its password slot; its directory is created readable by
/// the owner only.
pub fn create(path: &Path, password: &SecretString, kdf: PasswordKdfParams) -> Result<Codes, CodesError> {
    if path.exists() {
        return Err(CodesError::VaultExists(path.display().to_string()));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(io_error("creating", parent))?;
    }
    Ok(Codes::new(Vault::create(path, password, kdf, VaultOptions::default())?))
}

fn require_vault(path: &Path) -> Result<(), CodesError> {
    if path.exists() {
        Ok(())
    } else {
        Err(CodesError::NoVault(path.display().to_string()))
    }
}

/// Unlocks with the password slot.
pub fn unlock_with_password(path: &Path, password: &SecretString) -> Result<Codes, CodesError> {
    require_vault(path)?;
    Ok(Codes::new(Vault::unlock_with_password(path, password, VaultOptions::default())?))
}

/// Unlocks with the key `store` holds for a keyring slot (the OS keyring: [`crate::OsKeyring`]).
pub fn unlock_with_keyring<S: KeyStore>(path: &Path, store: &S) -> Result<Codes, CodesError> {
    require_vault(path)?;
    Ok(Codes::new(providers::unlock_with_keystore(path, store, VaultOptions::default())?))
}

/// Unlocks with the enrolled FIDO2 security key behind `client` (a touch; its PIN when set).
pub fn unlock_with_security_key<D: Device>(client: &mut Client<D>, path: &Path, ui: &mut dyn Interaction) -> Result<Codes, CodesError> {
    require_vault(path)?;
    Ok(Codes::new(security_key::unlock(client, path, VaultOptions::default(), ui)?))
}

impl Codes {
    /// The vault's unlock slots.
    pub fn slots(&self) -> Vec<Slot> {
        slots(self.vault())
    }

    /// Adds an OS keyring slot: a fresh key is stored in `store` under this vault's entry name.
    pub fn enable_keyring<S: KeyStore>(&mut self, store: &S) -> Result<Slot, CodesError> {
        if self.vault().slots().iter().any(|s| is_kind(s, KEYRING_KIND)) {
            return Err(CodesError::KeyringAlreadyEnabled);
        }
        let name = entry_name(self.vault().path());
        let id = providers::enroll_keystore_slot(self.vault_mut(), store, &name, "OS keyring")?;
        self.slot(&id)
    }

    /// Removes the keyring slots and deletes their keys from `store`. The slots are gone even
    /// when the store cannot delete a key; that failure is returned as the warning.
    pub fn disable_keyring<S: ForgettingKeyStore>(&mut self, store: &S) -> Result<Option<String>, CodesError> {
        let found: Vec<SlotInfo> = self.vault().slots().into_iter().filter(|s| is_kind(s, KEYRING_KIND)).collect();
        if found.is_empty() {
            return Err(CodesError::KeyringNotEnabled);
        }
        let mut warning = None;
        for slot in found {
            self.vault_mut().remove_slot(&slot.id)?;
            if let SlotKind::Raw { params, .. } = &slot.kind {
                if let Err(error) = store.forget(&String::from_utf8_lossy(params)) {
                    warning = Some(format!("the slot was removed, but its key could not be deleted from the keyring: {error}"));
                }
            }
        }
        Ok(warning)
    }

    /// Enrolls the security key behind `client` as a slot named `label` (two touches).
    pub fn enroll_security_key<D: Device>(&mut self, client: &mut Client<D>, label: &str, ui: &mut dyn Interaction) -> Result<Slot, CodesError> {
        let id = security_key::enroll(client, self.vault_mut(), label, ui)?;
        self.slot(&id)
    }

    /// Removes a security-key slot (the credential stays on the key).
    pub fn remove_security_key(&mut self, slot_id: &str) -> Result<(), CodesError> {
        if !self.vault().slots().iter().any(|s| s.id == slot_id && is_kind(s, FIDO2_KIND)) {
            return Err(CodesError::NoSuchSecurityKeySlot(slot_id.to_owned()));
        }
        Ok(self.vault_mut().remove_slot(slot_id)?)
    }

    /// Changes the vault password (the password slot is rewrapped).
    pub fn change_password(&mut self, password: &SecretString, kdf: PasswordKdfParams) -> Result<(), CodesError> {
        Ok(self.vault_mut().change_password(password, kdf)?)
    }

    fn slot(&self, id: &str) -> Result<Slot, CodesError> {
        self.slots()
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| CodesError::NoSuchSecurityKeySlot(id.to_owned()))
    }
}
