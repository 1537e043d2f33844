//! The virtual key as a contactless FIDO card (CTAP 2.1 §11.3): the APDU-level API the vpcd
//! shell serves to pcscd.

use std::time::Duration;

use keydesk_framing::iso7816::{CardAction, CardConfig, FidoCard, RequestKind};
use keydesk_framing::KeepaliveStatus;

use crate::authenticator::{Authenticator, Reply};

use super::CTAP_ERR_OTHER;

/// SW 6F00 "no precise diagnosis".
const SW_UNKNOWN: [u8; 2] = [0x6f, 0x00];

/// A virtual key behind ISO 7816 framing: SELECT, NFCCTAP_MSG with GETRESPONSE status polling,
/// command chaining, 61xx GET RESPONSE, extended length and raw U2F APDUs.
#[derive(Debug)]
pub struct CardKey {
    key: Authenticator,
    card: FidoCard,
}

impl CardKey {
    pub fn new(key: Authenticator, config: CardConfig) -> Self {
        Self { key, card: FidoCard::new(config) }
    }

    pub fn key(&self) -> &Authenticator {
        &self.key
    }

    pub fn key_mut(&mut self) -> &mut Authenticator {
        &mut self.key
    }

    /// The engine back, e.g. to serve it over another transport.
    pub fn into_key(self) -> Authenticator {
        self.key
    }

    /// Answers one command APDU received at `now` with the response APDU (data || SW1 SW2).
    pub fn handle_apdu(&mut self, apdu: &[u8], now: Duration) -> Vec<u8> {
        // A touch timeout or a touch since the last APDU completes a deferred request first.
        if let Some(response) = self.key.poll(now) {
            let _ = self.card.complete(&response);
        }
        match self.card.handle_apdu(apdu) {
            CardAction::Respond(bytes) => bytes,
            CardAction::Cancel(bytes) => {
                if let Some(response) = self.key.cancel(now) {
                    let _ = self.card.complete(&response);
                }
                bytes
            }
            CardAction::Dispatch(request) => {
                let polling = request.status_polling;
                let response = match request.kind {
                    RequestKind::Ctap(message) => match self.key.handle(&message, now) {
                        Reply::Response(response) => response,
                        Reply::WaitingForUserPresence => {
                            if polling {
                                if let Ok(update) = self.card.defer(KeepaliveStatus::UpNeeded) {
                                    return update;
                                }
                            }
                            // A host without status polling cannot wait: the touch must come
                            // from the policy, so answer as a denied touch.
                            self.key.deny(now).unwrap_or_else(|| vec![CTAP_ERR_OTHER])
                        }
                    },
                    RequestKind::U2f(command) => match command.encode(command.smallest_form()) {
                        Ok(bytes) => self.key.handle_u2f(&bytes, now),
                        Err(_) => SW_UNKNOWN.to_vec(),
                    },
                    _ => SW_UNKNOWN.to_vec(),
                };
                self.card.complete(&response).ok().flatten().unwrap_or_else(|| SW_UNKNOWN.to_vec())
            }
            _ => SW_UNKNOWN.to_vec(),
        }
    }

    /// The user touched the card's sensor; the result goes out on the host's next poll.
    pub fn touch(&mut self, now: Duration) {
        if let Some(response) = self.key.touch(now) {
            let _ = self.card.complete(&response);
        }
    }

    /// The user refused.
    pub fn deny(&mut self, now: Duration) {
        if let Some(response) = self.key.deny(now) {
            let _ = self.card.complete(&response);
        }
    }

    /// Card removed and presented again (vpcd power off/on or reset): the applet is
    /// deselected and the key power-cycled (which opens the reset window).
    pub fn power_cycle(&mut self, now: Duration) {
        self.card.reset();
        self.key.power_cycle(now);
    }

    /// The ATR of a contactless card without historical bytes (accepted by pcscd with vpcd).
    pub fn atr(&self) -> &'static [u8] {
        &[0x3b, 0x80, 0x80, 0x01, 0x01]
    }
}
