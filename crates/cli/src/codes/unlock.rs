//! Finding, creating and unlocking the vault for a command, and the `unlock-with` slot
//! commands: the terminal's side (prompts, environment variables, messages) over
//! `keydesk_codes::open`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use keydesk_codes::open::{self, Slot};
use keydesk_codes::{Codes, CodesError, OsKeyring, SecretString};
use keydesk_otp::vault::PasswordKdfParams;
use keydesk_transport::DeviceId;

use super::output::{print_slots, report_save_warning};
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
            None => open::default_vault_path().ok_or_else(|| anyhow::anyhow!("no home directory is known for this user: pass --vault PATH")),
        }
    }

    fn kdf(&self) -> PasswordKdfParams {
        PasswordKdfParams { memory_kib: self.argon2_memory_kib, iterations: self.argon2_iterations, ..PasswordKdfParams::default() }
    }

    /// Opens the vault, creating it on first use. Unlocking, in order: `--security-key`, the
    /// password from the environment, the OS keyring slot, the password from a prompt.
    pub fn open(&self) -> anyhow::Result<Codes> {
        let path = self.path()?;
        if !path.exists() {
            return self.create(&path);
        }
        if let Some(device) = &self.security_key {
            let mut client = crate::key::open(&DeviceId(device.clone()))?;
            eprintln!("Unlocking with the security key: touch it when it blinks.");
            return open::unlock_with_security_key(&mut client, &path, &mut Terminal::new()).map_err(|e| security_key_unlock_error(e, &path));
        }
        if std::env::var_os(VAULT_PASSWORD_ENV).is_some() {
            return unlock_with_password(&path);
        }
        if open::has_keyring_slot(&path)? {
            match open::unlock_with_keyring(&path, &OsKeyring) {
                Ok(codes) => return Ok(codes),
                Err(error) => eprintln!("The OS keyring did not unlock the vault ({error}); using the password instead."),
            }
        }
        unlock_with_password(&path)
    }

    fn create(&self, path: &Path) -> anyhow::Result<Codes> {
        eprintln!("No vault at {}: creating one. Its password is the way in when the keyring or security key is unavailable.", path.display());
        let (kdf, recommended) = (self.kdf(), PasswordKdfParams::default());
        if open::is_weaker_than_recommended(kdf) {
            eprintln!("Warning: Argon2id with {} KiB and {} passes is weaker than RFC 9106's recommendation ({} KiB, {} passes); meant for tests only.", kdf.memory_kib, kdf.iterations, recommended.memory_kib, recommended.iterations);
        }
        let password = read_new_secret(VAULT_PASSWORD_ENV, "New vault password")?;
        let codes = open::create(path, &SecretString::new(password.as_str().to_owned()), kdf)?;
        eprintln!("Created the vault {}.", path.display());
        Ok(codes)
    }
}

/// A failed security-key unlock in the CLI's words: a vault without a security-key slot says
/// how to enroll one.
pub fn security_key_unlock_error(error: CodesError, path: &Path) -> anyhow::Error {
    match error {
        CodesError::NoSecurityKeySlot => {
            anyhow::anyhow!("{error}: enroll one with `keydesk codes unlock-with security-key enable --device ID`")
        }
        other => anyhow::Error::new(other).context(format!("unlocking {}", path.display())),
    }
}

fn unlock_with_password(path: &Path) -> anyhow::Result<Codes> {
    let password = read_secret(VAULT_PASSWORD_ENV, "Vault password")?;
    let password = SecretString::new(password.as_str().to_owned());
    open::unlock_with_password(path, &password).with_context(|| format!("unlocking {}", path.display()))
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
    let mut codes = args.open()?;
    match command {
        UnlockWith::Status => {}
        UnlockWith::Keyring { action: Toggle::Enable } => {
            codes
                .enable_keyring(&OsKeyring)
                .map_err(|error| match error {
                    CodesError::KeyringAlreadyEnabled => anyhow::Error::new(error),
                    other => anyhow::Error::new(other)
                        .context("the OS keyring could not store the vault key; the vault is unchanged and the password still opens it"),
                })?;
            eprintln!("The OS keyring now unlocks the vault; the password still works too.");
        }
        UnlockWith::Keyring { action: Toggle::Disable } => {
            if let Some(warning) = codes.disable_keyring(&OsKeyring)? {
                eprintln!("The {warning}");
            }
            eprintln!("The OS keyring no longer unlocks the vault.");
        }
        UnlockWith::SecurityKey(SecurityKeyAction::Enable { device, label }) => {
            let mut client = crate::key::open(&DeviceId(device.clone()))?;
            eprintln!("Creating the vault credential on the security key, then deriving the vault key: touch it each time it blinks.");
            codes.enroll_security_key(&mut client, label, &mut Terminal::new())?;
            eprintln!("The security key now unlocks the vault (--security-key {device}); the password still works too.");
        }
        UnlockWith::SecurityKey(SecurityKeyAction::Disable { slot, yes }) => {
            let found: Option<Slot> = codes.slots().into_iter().find(|s| &s.id == slot && s.kind == keydesk_otp::vault::providers::FIDO2_KIND);
            let Some(found) = found else { anyhow::bail!("no security-key slot {slot}: see `keydesk codes unlock-with status`") };
            confirm(&format!("Remove the security-key slot \"{}\"?", found.label), *yes)?;
            codes.remove_security_key(slot)?;
        }
    }
    report_save_warning(&mut codes);
    print_slots(&codes.slots(), args.json)
}
