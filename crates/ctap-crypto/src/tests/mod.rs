//! Golden vectors, platform/authenticator cross-checks, error cases and hostile input.

mod hmac_secret;
mod hostile;
mod large_blob;
mod pin;
mod protocol;
mod token_state;

use rand_chacha::rand_core::SeedableRng;
use rand_core::{CryptoRng, RngCore};

/// A seeded ChaCha20 generator: deterministic randomness for a test.
pub(crate) fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

/// Produces 0x00, 0x01, 0x02, ... so that a protocol 2 IV is `00 01 .. 0f`.
pub(crate) struct CountingRng(u8);

impl CountingRng {
    pub(crate) fn new() -> Self {
        Self(0)
    }
}

impl RngCore for CountingRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            *byte = self.0;
            self.0 = self.0.wrapping_add(1);
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for CountingRng {}

pub(crate) fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("test hex")
}

pub(crate) fn hex32(s: &str) -> [u8; 32] {
    hex(s).try_into().expect("32 bytes of hex")
}
