//! Injectable randomness: a seeded ChaCha20 generator for deterministic tests, the operating
//! system's generator in production.

use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, OsRng, RngCore, SeedableRng};

trait Source: RngCore + CryptoRng + Send {}
impl<T: RngCore + CryptoRng + Send> Source for T {}

/// The random source of one virtual key.
pub struct KeyRng(Box<dyn Source>);

impl KeyRng {
    /// Deterministic randomness from a seed (tests, reproducible fuzzing).
    pub fn seeded(seed: u64) -> Self {
        Self(Box::new(ChaCha20Rng::seed_from_u64(seed)))
    }

    /// The operating system's generator (production).
    pub fn os() -> Self {
        Self(Box::new(OsRng))
    }

    /// Any cryptographic generator the owner supplies.
    pub fn custom(rng: impl RngCore + CryptoRng + Send + 'static) -> Self {
        Self(Box::new(rng))
    }

    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.0.fill_bytes(&mut out);
        out
    }
}

impl std::fmt::Debug for KeyRng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRng(..)")
    }
}

impl RngCore for KeyRng {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl CryptoRng for KeyRng {}
