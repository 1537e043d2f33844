//! Discoverable (resident) credential storage with a finite capacity.
//!
//! The private key lives inside the credential ID (see [`crate::credential_id`]); the store keeps
//! what only a discoverable credential needs: RP and user entities, credBlob, largeBlobKey.

use serde::{Deserialize, Serialize};

use keydesk_ctap::extensions::CredProtect;
use crate::secret::Secret32;

/// One discoverable credential.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResidentCredential {
    #[serde(with = "serde_bytes")]
    pub credential_id: Vec<u8>,
    pub rp_id: String,
    pub rp_name: Option<String>,
    #[serde(with = "serde_bytes")]
    pub rp_id_hash: [u8; 32],
    #[serde(with = "serde_bytes")]
    pub user_id: Vec<u8>,
    pub user_name: Option<String>,
    pub user_display_name: Option<String>,
    pub algorithm: i64,
    /// credProtect level 1..=3 (CTAP 2.1 §12.1).
    pub cred_protect: u8,
    #[serde(with = "serde_bytes")]
    pub cred_blob: Option<Vec<u8>>,
    pub large_blob_key: Option<Secret32>,
    /// Creation order: getAssertion returns the most recently created first (CTAP 2.1 §6.2.2 step 12).
    pub created: u64,
}

impl ResidentCredential {
    /// The credential's credProtect level (a corrupted value reads as level 3, the strictest).
    pub fn protection(&self) -> CredProtect {
        CredProtect::from_value(u64::from(self.cred_protect)).unwrap_or(CredProtect::UserVerificationRequired)
    }
}

/// The store is full (CTAP2_ERR_KEY_STORE_FULL).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the discoverable credential store is full")]
pub struct StoreFull;

/// All discoverable credentials of one device.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ResidentStore {
    credentials: Vec<ResidentCredential>,
    next_sequence: u64,
}

impl ResidentStore {
    pub fn len(&self) -> usize {
        self.credentials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.credentials.is_empty()
    }

    /// Free slots (remainingDiscoverableCredentials).
    pub fn remaining(&self, capacity: usize) -> usize {
        capacity.saturating_sub(self.credentials.len())
    }

    /// Stores `credential`, replacing one with the same RP ID and user ID (CTAP 2.1 §6.1.2
    /// step 15: "overwrite that credential"); fails when a new slot is needed and none is free.
    pub fn insert(&mut self, mut credential: ResidentCredential, capacity: usize) -> Result<(), StoreFull> {
        credential.created = self.next_sequence;
        self.next_sequence = self.next_sequence.saturating_add(1);
        if let Some(existing) = self
            .credentials
            .iter_mut()
            .find(|c| c.rp_id_hash == credential.rp_id_hash && c.user_id == credential.user_id)
        {
            *existing = credential;
            return Ok(());
        }
        if self.credentials.len() >= capacity {
            return Err(StoreFull);
        }
        self.credentials.push(credential);
        Ok(())
    }

    pub fn get(&self, credential_id: &[u8]) -> Option<&ResidentCredential> {
        self.credentials.iter().find(|c| c.credential_id == credential_id)
    }

    pub fn get_mut(&mut self, credential_id: &[u8]) -> Option<&mut ResidentCredential> {
        self.credentials.iter_mut().find(|c| c.credential_id == credential_id)
    }

    pub fn remove(&mut self, credential_id: &[u8]) -> Option<ResidentCredential> {
        let index = self.credentials.iter().position(|c| c.credential_id == credential_id)?;
        Some(self.credentials.remove(index))
    }

    /// Credentials of one RP, most recently created first.
    pub fn for_rp(&self, rp_id_hash: &[u8; 32]) -> Vec<&ResidentCredential> {
        let mut found: Vec<_> = self.credentials.iter().filter(|c| &c.rp_id_hash == rp_id_hash).collect();
        found.sort_by_key(|c| std::cmp::Reverse(c.created));
        found
    }

    /// Distinct RPs in first-stored order, each with its ID and name.
    pub fn rps(&self) -> Vec<(&str, Option<&str>, [u8; 32])> {
        let mut rps: Vec<(&str, Option<&str>, [u8; 32])> = Vec::new();
        for c in &self.credentials {
            if !rps.iter().any(|(_, _, hash)| hash == &c.rp_id_hash) {
                rps.push((&c.rp_id, c.rp_name.as_deref(), c.rp_id_hash));
            }
        }
        rps
    }

    pub fn clear(&mut self) {
        self.credentials.clear();
    }

    pub fn iter(&self) -> impl Iterator<Item = &ResidentCredential> {
        self.credentials.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(id: u8, rp: u8, user: u8) -> ResidentCredential {
        ResidentCredential {
            credential_id: vec![id],
            rp_id: format!("rp{rp}"),
            rp_name: None,
            rp_id_hash: [rp; 32],
            user_id: vec![user],
            user_name: None,
            user_display_name: None,
            algorithm: -7,
            cred_protect: 1,
            cred_blob: None,
            large_blob_key: None,
            created: 0,
        }
    }

    #[test]
    fn capacity_is_enforced_and_same_user_overwrites() {
        let mut store = ResidentStore::default();
        store.insert(credential(1, 1, 1), 2).unwrap();
        store.insert(credential(2, 1, 2), 2).unwrap();
        assert_eq!(store.remaining(2), 0);
        assert_eq!(store.insert(credential(3, 2, 1), 2), Err(StoreFull));
        // Same RP and user: replaces credential 1 even when full.
        store.insert(credential(4, 1, 1), 2).unwrap();
        assert!(store.get(&[1]).is_none());
        let ids: Vec<_> = store.for_rp(&[1; 32]).iter().map(|c| c.credential_id[0]).collect();
        assert_eq!(ids, vec![4, 2], "most recent first");
        assert_eq!(store.rps().len(), 1);
    }
}
