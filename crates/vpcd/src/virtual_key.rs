//! The virtual security key as a vpcd [`Card`]: KeyDesk's software authenticator on the
//! "Virtual PCD" reader, for every PC/SC client on the machine.

use crate::Card;
use keydesk_framing::iso7816::CardConfig;
use keydesk_virtual_key::device::CardKey;
use keydesk_virtual_key::Authenticator;
use std::time::{Duration, Instant};

/// The virtual key's FIDO applet with the clock the engine needs (timeouts, reset window).
#[derive(Debug)]
pub struct VirtualKeyCard {
    card: CardKey,
    epoch: Instant,
}

impl VirtualKeyCard {
    pub fn new(key: Authenticator) -> Self {
        Self { card: CardKey::new(key, CardConfig::default()), epoch: Instant::now() }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// The user touches the key; the result goes out on the host's next status poll.
    pub fn touch(&mut self) {
        let now = self.now();
        self.card.touch(now);
    }

    /// The engine, e.g. to inspect its state or change its presence policy in tests.
    pub fn key_mut(&mut self) -> &mut Authenticator {
        self.card.key_mut()
    }
}

impl Card for VirtualKeyCard {
    fn atr(&self) -> Vec<u8> {
        self.card.atr().to_vec()
    }

    /// A new field (tap) or reinsertion is a power cycle: it opens the reset window and clears
    /// the PIN power-cycle block, as on a real key.
    fn power_on(&mut self) {
        let now = self.now();
        self.card.power_cycle(now);
    }

    fn power_off(&mut self) {}

    fn transmit(&mut self, command_apdu: &[u8]) -> Vec<u8> {
        let now = self.now();
        self.card.handle_apdu(command_apdu, now)
    }
}
