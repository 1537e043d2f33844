//! The security-key slot against the virtual key over CTAPHID in memory: enroll, lock,
//! unlock with the key; another key fails clearly and the password still opens the vault.

use std::path::Path;
use std::time::Duration;

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_otp::vault::providers::fido2_slots;
use keydesk_otp::vault::{PasswordKdfParams, Vault, VaultOptions};
use keydesk_otp::{Account, SecretBytes, SecretString};
use keydesk_transport::memory;
use keydesk_virtual_key::{Authenticator, Config, KeyRng};

use keydesk_codes::security_key::{self, RP_ID};
use keydesk_codes::CodesError;

/// Small Argon2 parameters: the KDF cost is a parameter, the defaults stay RFC 9106's.
const TEST_KDF: PasswordKdfParams = PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };

/// The virtual key answers alone: presence is approved; the PIN, when the key has one, is
/// `pin` (`None`: the user cancels).
#[derive(Debug, Default)]
struct NoUser {
    pin: Option<&'static str>,
    asked: usize,
}

impl Interaction for NoUser {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        self.asked += 1;
        self.pin.map(Pin::new)
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        None
    }
}

fn virtual_key(seed: u64, name: &str) -> Client<impl keydesk_transport::Device> {
    let key = Authenticator::new(Config::default(), KeyRng::seeded(seed), Duration::ZERO);
    let (link, _handle) = memory::hid(key, name);
    Client::new(link)
}

fn new_vault(path: &Path) -> anyhow::Result<Vault> {
    let mut vault = Vault::create(path, &SecretString::from("correct horse"), TEST_KDF, VaultOptions::default())?;
    vault.add_account(Account::totp("ACME", "alice", SecretBytes::new(b"12345678901234567890".to_vec()))?)?;
    Ok(vault)
}

#[test]
fn security_key_enrolls_and_unlocks_the_vault() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("codes.vault");
    let mut vault = new_vault(&path)?;
    let mut key = virtual_key(1, "enrolled");
    let slot = security_key::enroll(&mut key, &mut vault, "test key", &mut NoUser::default())?;
    drop(vault); // locked: only the file remains

    let slots = fido2_slots(&path)?;
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0].0, slot);
    assert_eq!(slots[0].1.rp_id, RP_ID);

    let unlocked = security_key::unlock(&mut key, &path, VaultOptions::default(), &mut NoUser::default())?;
    assert_eq!(unlocked.accounts().len(), 1);
    assert_eq!(unlocked.accounts()[0].name, "alice");
    // Unlocking twice gives the same key (hmac-secret is deterministic per credential and salt).
    assert!(security_key::unlock(&mut key, &path, VaultOptions::default(), &mut NoUser::default()).is_ok());
    Ok(())
}

#[test]
fn another_security_key_is_refused_clearly_and_nothing_is_lost() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("codes.vault");
    let mut vault = new_vault(&path)?;
    security_key::enroll(&mut virtual_key(1, "enrolled"), &mut vault, "test key", &mut NoUser::default())?;
    drop(vault);

    let before = std::fs::read(&path)?;
    let error = security_key::unlock(&mut virtual_key(2, "stranger"), &path, VaultOptions::default(), &mut NoUser::default())
        .err()
        .map(|e| format!("{e:#}"))
        .unwrap_or_default();
    assert!(error.contains("not enrolled"), "{error}");
    assert_eq!(std::fs::read(&path)?, before, "a refused key changes nothing");
    let by_password = Vault::unlock_with_password(&path, &SecretString::from("correct horse"), VaultOptions::default())?;
    assert_eq!(by_password.accounts().len(), 1);
    Ok(())
}

#[test]
fn a_vault_without_security_key_slot_says_how_to_enroll() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("codes.vault");
    drop(new_vault(&path)?);
    let error = security_key::unlock(&mut virtual_key(1, "k"), &path, VaultOptions::default(), &mut NoUser::default()).err();
    assert!(matches!(error, Some(CodesError::NoSecurityKeySlot)), "{error:?}");
    let said = error.map(|e| super::unlock::security_key_unlock_error(e, &path).to_string()).unwrap_or_default();
    assert!(said.contains("unlock-with security-key enable"), "{said}");
    Ok(())
}

#[test]
fn a_key_with_a_pin_asks_for_it_to_enroll_and_to_unlock() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("codes.vault");
    let mut vault = new_vault(&path)?;
    let mut key = virtual_key(3, "with pin");
    key.set_pin(&Pin::new("4321"))?;
    let mut user = NoUser { pin: Some("4321"), asked: 0 };
    security_key::enroll(&mut key, &mut vault, "pin key", &mut user)?;
    assert!(user.asked >= 1, "the PIN was asked for");
    drop(vault);

    // The user cancels the PIN prompt: no unlock, a clear error, the password still works.
    let mut fresh_key_session = Client::new(key.into_device());
    let refused = security_key::unlock(&mut fresh_key_session, &path, VaultOptions::default(), &mut NoUser::default());
    assert!(refused.is_err());
    let mut user = NoUser { pin: Some("4321"), asked: 0 };
    let unlocked = security_key::unlock(&mut fresh_key_session, &path, VaultOptions::default(), &mut user)?;
    assert_eq!(unlocked.accounts().len(), 1);
    assert!(user.asked >= 1);
    Ok(())
}
