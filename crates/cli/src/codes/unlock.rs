//! Finding, creating and unlocking the vault, and the `unlock-with` slot commands.

use std::path::{Path, PathBuf};

use anyhow::Context;
use keydesk_otp::vault::providers::{self, KEYRING_KIND};
use keydesk_otp::vault::{PasswordKdfParams, SlotInfo, SlotKind, Vault, VaultOptions};
use keydesk_otp::SecretString;
use keydesk_transport::discovery;
use keydesk_transport::DeviceId;

use super::keyring_store::OsKeyring;
use super::output::{print_slots, report_save_warning};
use super::security_key;
use crate::key::confirm;
use crate::terminal::{read_new_secret, read_secret, Terminal};

/// Environment variable holding the vault password for non-interactive use.
pub const VAULT_PASSWORD_ENV: &str = "KEYDESK_VAULT_PASSWORD";

/// Options shared by every `codes` subcommand.
#[derive(Debug, clap::Args)]
pub struct VaultArgs {
    /// The vault file (default: codes.vault in the platform data directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub vault: Option<PathBuf>,
    /// Print JSON instead of sentences.
    #[arg(long, global = true)]
    pub json: bool,
    /// Unlock with this enrolled FIDO2 security key (an ID from `keydesk devices`).
    #[arg(long, global = true, value_name = "DEVICE_ID")]
    pub security_key: Option<String>,
    /// Argon2id memory in KiB for the password slot of a NEW vault (RFC 9106 default 65536).
    #[arg(long, global = true, default_value_t = PasswordKdfParams::default().memory_kib)]
    pub argon2_memory_kib: u32,
    /// Argon2id passes for the password slot of a NEW vault.
    #[arg(long, global = true, default_value_t = PasswordKdfParams::default().iterations)]
    pub argon2_iterations: u32,
}

impl VaultArgs {
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        match &self.vault {
            Some(path) => Ok(path.clone()),
            None => super::default_vault_path(),
        }
    }

    fn kdf(&self) -> PasswordKdfParams {
        PasswordKdfParams { memory_kib: self.argon2_memory_kib, iterations: self.argon2_iterations, ..PasswordKdfParams::default() }
    }

    /// Opens the vault, creating it on first use.
    pub fn open(&self) -> anyhow::Result<Vault> {
        let path = self.path()?;
        if !path.exists() {
            return self.create(&path);
        }
        if let Some(device) = &self.security_key {
            let mut client = keydesk_ctap_client::Client::new(discovery::open(&DeviceId(device.clone()))?);
            return security_key::unlock(&mut client, &path, VaultOptions::default(), &mut Terminal::new());
        }
        if std::env::var_os(VAULT_PASSWORD_ENV).is_some() {
            return unlock_with_password(&path);
        }
        if has_keyring_slot(&path)? {
            match providers::unlock_with_keystore(&path, &OsKeyring, VaultOptions::default()) {
                Ok(vault) => return Ok(vault),
                Err(error) => eprintln!("The OS keyring did not unlock the vault ({error}); using the password instead."),
            }
        }
        unlock_with_password(&path)
    }

    fn create(&self, path: &Path) -> anyhow::Result<Vault> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)?;
        }
        eprintln!("No vault at {}: creating one. Its password is the way in when the keyring or security key is unavailable.", path.display());
        let (kdf, recommended) = (self.kdf(), PasswordKdfParams::default());
        if kdf.memory_kib < recommended.memory_kib || kdf.iterations < recommended.iterations {
            eprintln!("Warning: Argon2id with {} KiB and {} passes is weaker than RFC 9106's recommendation ({} KiB, {} passes); meant for tests only.", kdf.memory_kib, kdf.iterations, recommended.memory_kib, recommended.iterations);
        }
        let password = read_new_secret(VAULT_PASSWORD_ENV, "New vault password")?;
        let password = SecretString::new(password.as_str().to_owned());
        let vault = Vault::create(path, &password, kdf, VaultOptions::default())?;
        eprintln!("Created the vault {}.", path.display());
        Ok(vault)
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("creating {}", dir.display()))
}

fn unlock_with_password(path: &Path) -> anyhow::Result<Vault> {
    let password = read_secret(VAULT_PASSWORD_ENV, "Vault password")?;
    let password = SecretString::new(password.as_str().to_owned());
    Vault::unlock_with_password(path, &password, VaultOptions::default()).with_context(|| format!("unlocking {}", path.display()))
}

fn has_keyring_slot(path: &Path) -> anyhow::Result<bool> {
    Ok(Vault::read_slots(path)?.iter().any(|s| is_kind(s, KEYRING_KIND)))
}

pub fn is_kind(slot: &SlotInfo, kind: &str) -> bool {
    matches!(&slot.kind, SlotKind::Raw { raw_kind, .. } if raw_kind == kind)
}

/// `keydesk codes unlock-with ...`.
#[derive(Debug, clap::Subcommand)]
pub enum UnlockWith {
    /// List the vault's unlock slots.
    Status,
    /// The OS keyring (Secret Service, Keychain, Credential Manager) holds a key that opens the vault.
    Keyring {
        #[arg(value_enum)]
        action: Toggle,
    },
    /// A FIDO2 security key opens the vault through its hmac-secret extension.
    #[command(subcommand, name = "security-key")]
    SecurityKey(SecurityKeyAction),
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Toggle {
    Enable,
    Disable,
}

#[derive(Debug, clap::Subcommand)]
pub enum SecurityKeyAction {
    /// Enroll a key: it makes a credential for `keydesk.vault` and a touch unlocks the vault.
    Enable {
        /// The key (an ID from `keydesk devices`).
        #[arg(long)]
        device: String,
        /// A name for the slot ("YubiKey on the keychain").
        #[arg(long, default_value = "security key")]
        label: String,
    },
    /// Remove a security-key slot (the credential stays on the key).
    Disable {
        /// The slot ID (from `unlock-with status`).
        slot: String,
        /// Confirm without asking.
        #[arg(long)]
        yes: bool,
    },
}

pub fn unlock_with(args: &VaultArgs, command: &UnlockWith) -> anyhow::Result<()> {
    let mut vault = args.open()?;
    match command {
        UnlockWith::Status => {}
        UnlockWith::Keyring { action: Toggle::Enable } => {
            if vault.slots().iter().any(|s| is_kind(s, KEYRING_KIND)) {
                anyhow::bail!("the OS keyring already unlocks this vault");
            }
            let name = keyring_entry_name(vault.path());
            providers::enroll_keystore_slot(&mut vault, &OsKeyring, &name, "OS keyring")
                .context("the OS keyring could not store the vault key; the vault is unchanged and the password still opens it")?;
            eprintln!("The OS keyring now unlocks the vault; the password still works too.");
        }
        UnlockWith::Keyring { action: Toggle::Disable } => {
            let slots: Vec<SlotInfo> = vault.slots().into_iter().filter(|s| is_kind(s, KEYRING_KIND)).collect();
            if slots.is_empty() {
                anyhow::bail!("the OS keyring does not unlock this vault");
            }
            for slot in slots {
                vault.remove_slot(&slot.id)?;
                if let SlotKind::Raw { params, .. } = &slot.kind {
                    if let Err(error) = OsKeyring::forget(&String::from_utf8_lossy(params)) {
                        eprintln!("The slot was removed, but its key could not be deleted from the keyring: {error}");
                    }
                }
            }
            eprintln!("The OS keyring no longer unlocks the vault.");
        }
        UnlockWith::SecurityKey(SecurityKeyAction::Enable { device, label }) => {
            let mut client = keydesk_ctap_client::Client::new(discovery::open(&DeviceId(device.clone()))?);
            security_key::enroll(&mut client, &mut vault, label, &mut Terminal::new())?;
            eprintln!("The security key now unlocks the vault (--security-key {device}); the password still works too.");
        }
        UnlockWith::SecurityKey(SecurityKeyAction::Disable { slot, yes }) => {
            let found = vault.slots().into_iter().find(|s| &s.id == slot && is_kind(s, providers::FIDO2_KIND));
            let Some(found) = found else { anyhow::bail!("no security-key slot {slot}: see `keydesk codes unlock-with status`") };
            confirm(&format!("Remove the security-key slot \"{}\"?", found.label), *yes)?;
            vault.remove_slot(slot)?;
        }
    }
    report_save_warning(&mut vault);
    print_slots(&vault.slots(), args.json)
}

/// The keyring entry of a vault: one per vault file.
pub fn keyring_entry_name(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("vault:{}", absolute.display())
}
