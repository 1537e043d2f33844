//! PIN state (CTAP 2.1 §6.5): the stored PIN hash, the retry counter, the power-cycle block
//! after three consecutive mismatches, forcePINChange and the minimum PIN length.

use keydesk_ctap_crypto::pin::PinHash;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Maximum (and initial) pinRetries (CTAP 2.1 §6.5.2.1).
pub const MAX_PIN_RETRIES: u8 = 8;
/// Consecutive mismatches after which a power cycle is needed (CTAP 2.1 §6.5.5.5 step 8).
pub const MISMATCHES_BEFORE_POWER_CYCLE: u8 = 3;
/// Default minimum PIN length in Unicode code points (CTAP 2.1 §6.4).
pub const DEFAULT_MIN_PIN_LENGTH: u8 = 4;

/// The stored form of [`PinHash`] (LEFT(SHA-256(PIN), 16)), the only form of the PIN the
/// authenticator keeps; zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, Serialize, Deserialize)]
#[serde(transparent)]
struct StoredPinHash(#[serde(with = "serde_bytes")] [u8; 16]);

impl StoredPinHash {
    fn matches(&self, candidate: &PinHash) -> bool {
        bool::from(self.0.ct_eq(candidate.as_bytes()))
    }
}

impl std::fmt::Debug for StoredPinHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredPinHash(<redacted>)")
    }
}

/// Why a PIN check failed, each mapping to one CTAP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheckError {
    /// No retries left (CTAP2_ERR_PIN_BLOCKED).
    Blocked,
    /// Three mismatches since power-up (CTAP2_ERR_PIN_AUTH_BLOCKED).
    PowerCycleNeeded,
    /// Wrong PIN, retries remain (CTAP2_ERR_PIN_INVALID).
    Mismatch,
}

/// Persistent PIN state plus the volatile mismatch counter.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PinState {
    hash: Option<StoredPinHash>,
    /// Length in code points of the current PIN (reported by getInfo minPINLength checks).
    code_points: u8,
    retries: u8,
    force_change: bool,
    min_length: u8,
    min_length_rp_ids: Vec<String>,
    /// Volatile: cleared by a power cycle.
    #[serde(skip)]
    consecutive_mismatches: u8,
}

impl Default for PinState {
    fn default() -> Self {
        Self {
            hash: None,
            code_points: 0,
            retries: MAX_PIN_RETRIES,
            force_change: false,
            min_length: DEFAULT_MIN_PIN_LENGTH,
            min_length_rp_ids: Vec::new(),
            consecutive_mismatches: 0,
        }
    }
}

impl PinState {
    pub fn is_set(&self) -> bool {
        self.hash.is_some()
    }

    pub fn retries(&self) -> u8 {
        self.retries
    }

    pub fn force_change(&self) -> bool {
        self.force_change
    }

    pub fn set_force_change(&mut self, value: bool) {
        self.force_change = value;
    }

    pub fn min_length(&self) -> u8 {
        self.min_length
    }

    pub fn min_length_rp_ids(&self) -> &[String] {
        &self.min_length_rp_ids
    }

    pub fn current_length(&self) -> u8 {
        self.code_points
    }

    /// authenticatorConfig setMinPINLength (CTAP 2.1 §6.11.4): the length may only grow; RP IDs
    /// are replaced when given; a PIN shorter than the new minimum forces a change.
    pub fn set_min_length(&mut self, new_min: Option<u8>, rp_ids: Option<Vec<String>>, force: bool) -> Result<(), MinLengthDecrease> {
        let new_min = new_min.unwrap_or(self.min_length);
        if new_min < self.min_length {
            return Err(MinLengthDecrease);
        }
        self.min_length = new_min;
        if let Some(rp_ids) = rp_ids {
            self.min_length_rp_ids = rp_ids;
        }
        // A PIN set before the new minimum (or an explicit forceChangePin) must be changed; the
        // engine rejects forceChangePin without a PIN before calling this (step 3).
        if self.is_set() && (force || self.code_points < new_min) {
            self.force_change = true;
        }
        Ok(())
    }

    /// The step common to every PIN check (CTAP 2.1 §6.5.5.5 steps 2-3): refuse when blocked,
    /// then spend one retry before comparing.
    pub fn begin_attempt(&mut self) -> Result<(), PinCheckError> {
        if self.retries == 0 {
            return Err(PinCheckError::Blocked);
        }
        if self.consecutive_mismatches >= MISMATCHES_BEFORE_POWER_CYCLE {
            return Err(PinCheckError::PowerCycleNeeded);
        }
        self.retries -= 1;
        Ok(())
    }

    /// Compares the decrypted pinHash after [`Self::begin_attempt`]; on success restores the
    /// retries (step 9), on mismatch reports which of the three errors applies (step 8).
    pub fn finish_attempt(&mut self, candidate: &PinHash) -> Result<(), PinCheckError> {
        let matched = self.hash.as_ref().is_some_and(|h| h.matches(candidate));
        if matched {
            self.retries = MAX_PIN_RETRIES;
            self.consecutive_mismatches = 0;
            return Ok(());
        }
        self.consecutive_mismatches = self.consecutive_mismatches.saturating_add(1);
        if self.retries == 0 {
            Err(PinCheckError::Blocked)
        } else if self.consecutive_mismatches >= MISMATCHES_BEFORE_POWER_CYCLE {
            Err(PinCheckError::PowerCycleNeeded)
        } else {
            Err(PinCheckError::Mismatch)
        }
    }

    /// Stores a new PIN (setPIN / changePIN), clearing forcePINChange.
    pub fn set_pin(&mut self, hash: &PinHash, code_points: u8) {
        self.hash = Some(StoredPinHash(*hash.as_bytes()));
        self.code_points = code_points;
        self.retries = MAX_PIN_RETRIES;
        self.force_change = false;
    }

    /// Whether `hash` equals the current PIN (changePIN must not keep the same PIN when forced).
    pub fn is_current(&self, hash: &PinHash) -> bool {
        self.hash.as_ref().is_some_and(|h| h.matches(hash))
    }

    /// Whether three consecutive mismatches block PIN use until a power cycle.
    pub fn power_cycle_needed(&self) -> bool {
        self.consecutive_mismatches >= MISMATCHES_BEFORE_POWER_CYCLE
    }

    pub fn power_cycle(&mut self) {
        self.consecutive_mismatches = 0;
    }
}

/// setMinPINLength tried to lower the minimum (CTAP2_ERR_PIN_POLICY_VIOLATION).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the minimum PIN length can only increase")]
pub struct MinLengthDecrease;

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(state: &mut PinState, pin: &str) -> Result<(), PinCheckError> {
        state.begin_attempt()?;
        state.finish_attempt(&PinHash::of(pin))
    }

    #[test]
    fn three_mismatches_need_a_power_cycle_and_eight_block() {
        let mut state = PinState::default();
        state.set_pin(&PinHash::of("1234"), 4);
        assert_eq!(attempt(&mut state, "0000"), Err(PinCheckError::Mismatch));
        assert_eq!(attempt(&mut state, "0000"), Err(PinCheckError::Mismatch));
        assert_eq!(attempt(&mut state, "0000"), Err(PinCheckError::PowerCycleNeeded));
        // Even the right PIN is refused until the power cycle, without spending a retry.
        assert_eq!(attempt(&mut state, "1234"), Err(PinCheckError::PowerCycleNeeded));
        assert_eq!(state.retries(), 5);
        state.power_cycle();
        assert_eq!(attempt(&mut state, "1234"), Ok(()));
        assert_eq!(state.retries(), MAX_PIN_RETRIES);
        for round in 0..3 {
            for _ in 0..2 {
                let _ = attempt(&mut state, "0000");
            }
            if round < 2 {
                assert_eq!(attempt(&mut state, "0000"), Err(PinCheckError::PowerCycleNeeded));
            } else {
                assert_eq!(attempt(&mut state, "0000"), Err(PinCheckError::Blocked));
            }
            state.power_cycle();
        }
        assert_eq!(state.retries(), 0);
        assert_eq!(attempt(&mut state, "1234"), Err(PinCheckError::Blocked));
    }

    #[test]
    fn minimum_length_only_grows_and_forces_change() {
        let mut state = PinState::default();
        state.set_pin(&PinHash::of("1234"), 4);
        assert_eq!(state.set_min_length(Some(3), None, false), Err(MinLengthDecrease));
        state.set_min_length(Some(6), Some(vec!["example.com".into()]), false).unwrap();
        assert!(state.force_change());
        assert_eq!(state.min_length_rp_ids(), ["example.com".to_string()]);
    }
}
