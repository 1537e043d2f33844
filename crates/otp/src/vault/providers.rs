//! Glue for raw-key slots, so front-ends only supply the device or store access:
//!
//! * OS keyring: [`KeyStore`] is the two calls a keyring needs (the `keyring` crate's
//!   `Entry::set_secret`/`get_secret` fit directly). Enrolling stores a fresh random 32-byte key
//!   under the slot's name and adds a `keyring` slot; unlocking loads it back.
//! * FIDO2 hmac-secret (CTAP 2.1 §12.5): [`Fido2SlotParams`] is the public data kept in the slot
//!   (relying party id, credential id, the 32-byte salt); the authenticator's 32-byte
//!   hmac-secret output for that salt is the slot key.

use std::path::Path;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{SlotKind, Vault, VaultError, VaultOptions};
use crate::random;

/// `raw_kind` of keyring slots.
pub const KEYRING_KIND: &str = "keyring";
/// `raw_kind` of FIDO2 hmac-secret slots.
pub const FIDO2_KIND: &str = "fido2-hmac-secret";

/// Where a keyring slot's key lives (an OS secret store).
pub trait KeyStore {
    type Error: std::error::Error + Send + Sync + 'static;
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), Self::Error>;
    fn load(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, Self::Error>;
}

/// Failures of the provider glue.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("the secret store failed: {0}")]
    Store(Box<dyn std::error::Error + Send + Sync>),
    #[error("the secret store returned {0} bytes, not a 32-byte key")]
    BadStoredKey(usize),
    #[error("the vault has no {0} slot")]
    NoSlot(&'static str),
    #[error("the FIDO2 slot parameters are malformed")]
    BadFido2Params,
}

/// Adds a keyring slot: a random key is stored under `name` in `store`, then wraps the master
/// key. Returns the slot id.
pub fn enroll_keystore_slot<S: KeyStore>(vault: &mut Vault, store: &S, name: &str, label: &str) -> Result<String, ProviderError> {
    let key = Zeroizing::new(random::array::<32>().map_err(VaultError::from)?);
    store.store(name, key.as_ref()).map_err(|e| ProviderError::Store(Box::new(e)))?;
    Ok(vault.add_raw_key_slot(KEYRING_KIND, label, name.as_bytes(), &key)?)
}

/// Unlocks with the first keyring slot whose key `store` still has.
pub fn unlock_with_keystore<S: KeyStore>(path: &Path, store: &S, options: VaultOptions) -> Result<Vault, ProviderError> {
    let mut last_error = ProviderError::NoSlot(KEYRING_KIND);
    for slot in Vault::read_slots(path)? {
        let SlotKind::Raw { raw_kind, params } = &slot.kind else { continue };
        if raw_kind != KEYRING_KIND {
            continue;
        }
        let name = String::from_utf8_lossy(params);
        let stored = match store.load(&name) {
            Ok(s) => s,
            Err(e) => {
                last_error = ProviderError::Store(Box::new(e));
                continue;
            }
        };
        let key: [u8; 32] = match stored.as_slice().try_into() {
            Ok(k) => k,
            Err(_) => {
                last_error = ProviderError::BadStoredKey(stored.len());
                continue;
            }
        };
        let key = Zeroizing::new(key);
        match Vault::unlock_with_raw_key(path, &slot.id, &key, options) {
            Ok(v) => return Ok(v),
            Err(e) => last_error = e.into(),
        }
    }
    Err(last_error)
}

/// Public data of a FIDO2 hmac-secret slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fido2SlotParams {
    pub rp_id: String,
    #[serde(with = "b64")]
    pub credential_id: Vec<u8>,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
}

impl Fido2SlotParams {
    /// New parameters with a fresh random 32-byte salt (hmac-secret salts are 32 bytes).
    pub fn new(rp_id: &str, credential_id: &[u8]) -> Result<Self, VaultError> {
        Ok(Self { rp_id: rp_id.to_owned(), credential_id: credential_id.to_vec(), salt: random::array::<32>()?.to_vec() })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses stored parameters (bounded: credential ids are at most 1023 bytes, CTAP 2.1 §6.1).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProviderError> {
        if bytes.len() > 4096 {
            return Err(ProviderError::BadFido2Params);
        }
        let params: Self = serde_json::from_slice(bytes).map_err(|_| ProviderError::BadFido2Params)?;
        if params.salt.len() != 32 || params.credential_id.is_empty() || params.credential_id.len() > 1023 {
            return Err(ProviderError::BadFido2Params);
        }
        Ok(params)
    }
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// Adds a FIDO2 slot whose key is `hmac_secret_output` (the authenticator's output for
/// `params.salt`). Returns the slot id.
pub fn enroll_fido2_slot(vault: &mut Vault, params: &Fido2SlotParams, label: &str, hmac_secret_output: &[u8; 32]) -> Result<String, VaultError> {
    vault.add_raw_key_slot(FIDO2_KIND, label, &params.to_bytes(), hmac_secret_output)
}

/// The FIDO2 slots of a vault file with their parameters, so the caller can ask the security
/// key for the hmac-secret output before unlocking with [`Vault::unlock_with_raw_key`].
pub fn fido2_slots(path: &Path) -> Result<Vec<(String, Fido2SlotParams)>, ProviderError> {
    let mut out = Vec::new();
    for slot in Vault::read_slots(path)? {
        if let SlotKind::Raw { raw_kind, params } = &slot.kind {
            if raw_kind == FIDO2_KIND {
                out.push((slot.id.clone(), Fido2SlotParams::from_bytes(params)?));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;
    use crate::secret::SecretString;
    use crate::vault::PasswordKdfParams;

    #[derive(Default)]
    struct MemoryStore(RefCell<HashMap<String, Vec<u8>>>);

    #[derive(Debug, thiserror::Error)]
    #[error("no entry")]
    struct NoEntry;

    impl KeyStore for MemoryStore {
        type Error = NoEntry;
        fn store(&self, name: &str, secret: &[u8]) -> Result<(), NoEntry> {
            self.0.borrow_mut().insert(name.to_owned(), secret.to_vec());
            Ok(())
        }
        fn load(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, NoEntry> {
            self.0.borrow().get(name).cloned().map(Zeroizing::new).ok_or(NoEntry)
        }
    }

    fn vault(dir: &Path) -> Vault {
        let kdf = PasswordKdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };
        Vault::create(&dir.join("v.vault"), &SecretString::from("pw"), kdf, VaultOptions::default()).unwrap()
    }

    #[test]
    fn keyring_slot_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let store = MemoryStore::default();
        assert!(matches!(unlock_with_keystore(v.path(), &store, VaultOptions::default()), Err(ProviderError::NoSlot(_))));
        enroll_keystore_slot(&mut v, &store, "keydesk-otp/v.vault", "login keyring").unwrap();
        assert!(unlock_with_keystore(v.path(), &store, VaultOptions::default()).is_ok());
        // The keyring lost the key (reset, new machine): a clear error; the password still works.
        store.0.borrow_mut().clear();
        assert!(matches!(unlock_with_keystore(v.path(), &store, VaultOptions::default()), Err(ProviderError::Store(_))));
        store.0.borrow_mut().insert("keydesk-otp/v.vault".into(), vec![1; 31]);
        assert!(matches!(unlock_with_keystore(v.path(), &store, VaultOptions::default()), Err(ProviderError::BadStoredKey(31))));
        assert!(Vault::unlock_with_password(v.path(), &SecretString::from("pw"), VaultOptions::default()).is_ok());
    }

    #[test]
    fn fido2_slot_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = vault(dir.path());
        let params = Fido2SlotParams::new("keydesk.local", &[9; 64]).unwrap();
        let output = [0x5au8; 32];
        let id = enroll_fido2_slot(&mut v, &params, "YubiKey", &output).unwrap();
        let slots = fido2_slots(v.path()).unwrap();
        assert_eq!(slots, vec![(id.clone(), params)]);
        assert!(Vault::unlock_with_raw_key(v.path(), &id, &output, VaultOptions::default()).is_ok());
        assert!(Fido2SlotParams::from_bytes(b"{}").is_err());
        assert!(Fido2SlotParams::from_bytes(&vec![b' '; 5000]).is_err());
    }
}
