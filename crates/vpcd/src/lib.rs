//! Serves a software smart card to the real PC/SC stack through vsmartcard's `vpcd` driver.
//!
//! pcscd loads vpcd as a reader driver; vpcd listens on TCP (slot 0: port 35963) and the card is
//! the TCP *client*. Every message in both directions is a big-endian `u16` length followed by the
//! payload. A one-byte payload from vpcd is a control code (power off, power on, reset, get ATR);
//! anything longer is a command APDU, answered with the response APDU including SW1 SW2.
//!
//! ```text
//!   pcsc client ── pcscd ── vpcd ──TCP──▶ [this crate] ──▶ Card::transmit(apdu) ──▶ virtual key
//! ```
//!
//! Closing the socket is how a card is "removed"; [`CardServer::remove`] does that on purpose so
//! tests can pull the card in the middle of an operation.

mod presence;
mod server;
mod virtual_key;
mod wire;

pub use presence::{wait_for_card, VPCD_READER};
pub use server::{CardServer, ServeError};
pub use virtual_key::VirtualKeyCard;
pub use wire::{Control, VpcdMessage, WireError};

/// ATR of a contactless card with no historical bytes; pcscd negotiates T=1 with it.
pub const CONTACTLESS_ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// The vpcd reader slot 0 as configured by Debian's `/etc/reader.conf.d/vpcd`.
pub const DEFAULT_VPCD_ADDRESS: &str = "127.0.0.1:35963";

/// A smart card as vpcd drives it. Implementations answer every APDU; they never see the wire.
pub trait Card: Send {
    /// The Answer To Reset sent when vpcd asks for it.
    fn atr(&self) -> Vec<u8> {
        CONTACTLESS_ATR.to_vec()
    }
    /// The reader powered the card (a tap on an NFC reader, or the card being inserted).
    fn power_on(&mut self);
    /// The reader cut power.
    fn power_off(&mut self);
    /// A command APDU; returns the response APDU including the status word.
    fn transmit(&mut self, command_apdu: &[u8]) -> Vec<u8>;
}
