//! The authenticator (card) side of FIDO over ISO 7816 (CTAP 2.1 §11.3).
//!
//! A card server (e.g. the virtual key behind vpcd) calls
//! [`FidoCard::handle_apdu`] for every command APDU. The answer is either
//! [`CardAction::Respond`] (send these bytes) or [`CardAction::Dispatch`]: a
//! complete CTAP or U2F request for the owner. The owner then answers *that
//! same APDU* with one of
//!
//! * [`FidoCard::complete`] with the CTAP/U2F response → bytes to send, or
//! * [`FidoCard::defer`] (only when [`CardRequest::status_polling`]) → a `9100`
//!   status update to send now; the host then polls with NFCCTAP_GETRESPONSE,
//!   which the card answers with the current status
//!   ([`FidoCard::set_status`]) until the owner calls [`FidoCard::complete`]
//!   (which then returns `None`: the result goes out on the next poll).
//!
//! SELECT, command chaining (CLA bit 0x10), `61xx` + GET RESPONSE for long
//! answers and extended-length APDUs are handled here.

use thiserror::Error;

use super::apdu::{
    encode_response, CommandApdu, LengthForm, StatusWord, CLA_CHAINING, CLA_ISO, CLA_PROPRIETARY,
    EXTENDED_MAX_NE, FIDO_AID, INS_GET_RESPONSE, INS_NFCCTAP_GETRESPONSE, INS_NFCCTAP_MSG, INS_SELECT,
    INS_U2F_AUTHENTICATE, INS_U2F_REGISTER, INS_U2F_VERSION, P1_CANCEL, P1_SELECT_BY_NAME, P1_STATUS_POLLING,
    SHORT_MAX_NE, VERSION_FIDO_2_0, VERSION_U2F_V2,
};
use crate::KeepaliveStatus;

/// Which protocols the card's FIDO applet speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applet {
    /// CTAP2 (and CTAP1/U2F): SELECT answers `FIDO_2_0`.
    Fido2,
    /// CTAP1/U2F only: SELECT answers `U2F_V2`.
    U2fOnly,
}

/// Card configuration.
#[derive(Debug, Clone)]
pub struct CardConfig {
    /// Protocols offered.
    pub applet: Applet,
    /// Whether extended-length APDUs are accepted (else answered with 6700).
    pub extended_length: bool,
    /// Longest request accepted, summed over chained segments (bounds memory).
    pub max_request_len: usize,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self { applet: Applet::Fido2, extended_length: true, max_request_len: 65_535 }
    }
}

/// The payload of a dispatched request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// NFCCTAP_MSG: CTAP command byte + CBOR. Answer with CTAP status byte + CBOR.
    Ctap(Vec<u8>),
    /// A raw CTAP1/U2F command APDU (chaining already undone). Answer with the
    /// U2F response APDU (data || SW1 SW2).
    U2f(CommandApdu),
}

/// A complete request for the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardRequest {
    /// What is asked.
    pub kind: RequestKind,
    /// The host set NFCCTAP_MSG P1 = 0x80: the owner may [`FidoCard::defer`].
    pub status_polling: bool,
}

/// What to do with a command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardAction {
    /// Send these response bytes.
    Respond(Vec<u8>),
    /// Serve this request, then answer the APDU with `complete` or `defer`.
    Dispatch(CardRequest),
    /// The host asked (NFCCTAP_GETRESPONSE P1 = 0x11) to cancel the deferred
    /// request: tell the worker (CTAP2: finish with CTAP2_ERR_KEEPALIVE_CANCEL)
    /// and send these bytes (a status update) now.
    Cancel(Vec<u8>),
}

/// Misuse of the card API by its owner.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CardError {
    /// `complete`/`defer`/`set_status` without a dispatched request.
    #[error("no request is outstanding")]
    NoRequest,
    /// `defer` for a host that did not allow status polling, or twice.
    #[error("the request cannot be deferred (host did not set P1=0x80, or already deferred)")]
    CannotDefer,
    /// A U2F response without its status word.
    #[error("a U2F response must end with SW1 SW2")]
    U2fResponseWithoutStatus,
}

#[derive(Debug)]
struct Chain {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
}

#[derive(Debug)]
struct Outgoing {
    data: Vec<u8>,
    offset: usize,
    sw: StatusWord,
}

#[derive(Debug)]
enum Pending {
    /// Dispatched; the owner must answer the APDU that caused it.
    AwaitingAnswer { ne: usize, polling: bool, u2f: bool },
    /// Deferred; GETRESPONSE polls get status updates.
    Deferred { status: KeepaliveStatus },
    /// The owner completed a deferred request; the next poll gets it.
    Ready { data: Vec<u8>, sw: StatusWord },
}

/// The FIDO applet of a card.
#[derive(Debug)]
pub struct FidoCard {
    config: CardConfig,
    selected: bool,
    chain: Option<Chain>,
    outgoing: Option<Outgoing>,
    pending: Option<Pending>,
}

impl FidoCard {
    /// A card with the applet not yet selected.
    pub fn new(config: CardConfig) -> Self {
        Self { config, selected: false, chain: None, outgoing: None, pending: None }
    }

    /// Forget all state, as on power-off, reset or card removal.
    pub fn reset(&mut self) {
        self.selected = false;
        self.chain = None;
        self.outgoing = None;
        self.pending = None;
    }

    /// Handles one command APDU.
    pub fn handle_apdu(&mut self, bytes: &[u8]) -> CardAction {
        if matches!(self.pending, Some(Pending::AwaitingAnswer { .. })) {
            // The owner did not answer the previous APDU; a host cannot send
            // another before it got that answer, so drop the request.
            self.pending = None;
        }
        let (apdu, form) = match CommandApdu::decode(bytes) {
            Ok(decoded) => decoded,
            Err(_) => return respond(StatusWord::WrongLength),
        };
        if form == LengthForm::Extended && !self.config.extended_length {
            return respond(StatusWord::WrongLength);
        }
        let ne_default = if form == LengthForm::Extended { EXTENDED_MAX_NE } else { SHORT_MAX_NE };
        let ne = apdu.ne.unwrap_or(ne_default);

        // GET RESPONSE continues a 61xx answer; anything else abandons it.
        if apdu.cla & !CLA_CHAINING == CLA_ISO && apdu.ins == INS_GET_RESPONSE {
            return match self.outgoing.take() {
                Some(outgoing) => CardAction::Respond(self.send_chunk(outgoing, ne)),
                None => respond(StatusWord::ConditionsNotSatisfied),
            };
        }
        self.outgoing = None;

        if apdu.is_chained() {
            return self.handle_chained_segment(apdu);
        }
        let apdu = match self.chain.take() {
            None => apdu,
            Some(chain) if (chain.cla & !CLA_CHAINING, chain.ins, chain.p1, chain.p2) == (apdu.cla, apdu.ins, apdu.p1, apdu.p2) => {
                let mut data = chain.data;
                if data.len() + apdu.data.len() > self.config.max_request_len {
                    return respond(StatusWord::WrongLength);
                }
                data.extend_from_slice(&apdu.data);
                CommandApdu { data, ..apdu }
            }
            Some(_) => return respond(StatusWord::LastCommandOfChainExpected),
        };
        self.handle_command(apdu, ne)
    }

    /// Answers the dispatched request. `response` is CTAP status byte + CBOR
    /// for [`RequestKind::Ctap`], or `data || SW1 SW2` for [`RequestKind::U2f`].
    /// Returns the bytes to send now, or `None` when the request was deferred
    /// (the response goes out on the host's next poll).
    pub fn complete(&mut self, response: &[u8]) -> Result<Option<Vec<u8>>, CardError> {
        let u2f = matches!(self.pending, Some(Pending::AwaitingAnswer { u2f: true, .. }));
        if self.pending.is_none() || matches!(self.pending, Some(Pending::Ready { .. })) {
            return Err(CardError::NoRequest);
        }
        let (data, sw) = if u2f {
            let (data, sw) = response.split_last_chunk::<2>().ok_or(CardError::U2fResponseWithoutStatus)?;
            (data.to_vec(), StatusWord::from_bytes(sw[0], sw[1]))
        } else {
            (response.to_vec(), StatusWord::NoError)
        };
        match self.pending.take() {
            Some(Pending::AwaitingAnswer { ne, .. }) => {
                Ok(Some(self.send_chunk(Outgoing { data, offset: 0, sw }, ne)))
            }
            Some(Pending::Deferred { .. }) => {
                self.pending = Some(Pending::Ready { data, sw });
                Ok(None)
            }
            other @ (None | Some(Pending::Ready { .. })) => {
                self.pending = other;
                Err(CardError::NoRequest)
            }
        }
    }

    /// Answers the dispatched request with a status update (`status || 9100`)
    /// and keeps it open for polling.
    pub fn defer(&mut self, status: KeepaliveStatus) -> Result<Vec<u8>, CardError> {
        match self.pending {
            Some(Pending::AwaitingAnswer { polling: true, .. }) => {
                self.pending = Some(Pending::Deferred { status });
                Ok(status_update(status))
            }
            None => Err(CardError::NoRequest),
            Some(_) => Err(CardError::CannotDefer),
        }
    }

    /// Updates the status reported to polls of a deferred request.
    pub fn set_status(&mut self, status: KeepaliveStatus) -> Result<(), CardError> {
        match self.pending.as_mut() {
            Some(Pending::Deferred { status: current }) => {
                *current = status;
                Ok(())
            }
            _ => Err(CardError::NoRequest),
        }
    }

    /// Whether a deferred request is still being worked on.
    pub fn is_deferred(&self) -> bool {
        matches!(self.pending, Some(Pending::Deferred { .. }))
    }

    fn handle_chained_segment(&mut self, apdu: CommandApdu) -> CardAction {
        match self.chain.as_mut() {
            Some(chain) if (chain.cla, chain.ins, chain.p1, chain.p2) == (apdu.cla, apdu.ins, apdu.p1, apdu.p2) => {
                if chain.data.len() + apdu.data.len() > self.config.max_request_len {
                    self.chain = None;
                    return respond(StatusWord::WrongLength);
                }
                chain.data.extend_from_slice(&apdu.data);
            }
            Some(_) => {
                self.chain = None;
                return respond(StatusWord::LastCommandOfChainExpected);
            }
            None => {
                if apdu.data.len() > self.config.max_request_len {
                    return respond(StatusWord::WrongLength);
                }
                let CommandApdu { cla, ins, p1, p2, data, .. } = apdu;
                self.chain = Some(Chain { cla, ins, p1, p2, data });
            }
        }
        respond(StatusWord::NoError)
    }

    fn handle_command(&mut self, apdu: CommandApdu, ne: usize) -> CardAction {
        match (apdu.cla, apdu.ins) {
            (CLA_ISO, INS_SELECT) => self.handle_select(&apdu, ne),
            _ if !self.selected => respond(StatusWord::InstructionNotSupported),
            (CLA_PROPRIETARY, INS_NFCCTAP_MSG) if self.config.applet == Applet::Fido2 => {
                if self.pending.is_some() {
                    return respond(StatusWord::ConditionsNotSatisfied);
                }
                if apdu.data.is_empty() {
                    return respond(StatusWord::WrongLength);
                }
                let polling = apdu.p1 & P1_STATUS_POLLING != 0;
                self.pending = Some(Pending::AwaitingAnswer { ne, polling, u2f: false });
                CardAction::Dispatch(CardRequest { kind: RequestKind::Ctap(apdu.data), status_polling: polling })
            }
            (CLA_PROPRIETARY, INS_NFCCTAP_GETRESPONSE) if self.config.applet == Applet::Fido2 => {
                self.handle_poll(apdu.p1, ne)
            }
            (CLA_ISO, INS_U2F_REGISTER | INS_U2F_AUTHENTICATE | INS_U2F_VERSION) => {
                if self.pending.is_some() {
                    return respond(StatusWord::ConditionsNotSatisfied);
                }
                self.pending = Some(Pending::AwaitingAnswer { ne, polling: false, u2f: true });
                CardAction::Dispatch(CardRequest { kind: RequestKind::U2f(apdu), status_polling: false })
            }
            (CLA_ISO | CLA_PROPRIETARY, _) => respond(StatusWord::InstructionNotSupported),
            _ => respond(StatusWord::ClassNotSupported),
        }
    }

    fn handle_select(&mut self, apdu: &CommandApdu, ne: usize) -> CardAction {
        if apdu.p1 != P1_SELECT_BY_NAME || apdu.data != FIDO_AID {
            self.selected = false;
            return respond(StatusWord::FileNotFound);
        }
        // Selecting again abandons anything in progress.
        self.selected = true;
        self.pending = None;
        let version = match self.config.applet {
            Applet::Fido2 => VERSION_FIDO_2_0,
            Applet::U2fOnly => VERSION_U2F_V2,
        };
        CardAction::Respond(self.send_chunk(Outgoing { data: version.to_vec(), offset: 0, sw: StatusWord::NoError }, ne))
    }

    fn handle_poll(&mut self, p1: u8, ne: usize) -> CardAction {
        match self.pending.take() {
            Some(Pending::Deferred { status }) => {
                self.pending = Some(Pending::Deferred { status });
                if p1 == P1_CANCEL {
                    CardAction::Cancel(status_update(status))
                } else {
                    CardAction::Respond(status_update(status))
                }
            }
            Some(Pending::Ready { data, sw }) => CardAction::Respond(self.send_chunk(Outgoing { data, offset: 0, sw }, ne)),
            other => {
                self.pending = other;
                respond(StatusWord::ConditionsNotSatisfied)
            }
        }
    }

    /// Sends up to `ne` bytes; keeps the rest for GET RESPONSE (`61xx`).
    fn send_chunk(&mut self, outgoing: Outgoing, ne: usize) -> Vec<u8> {
        let remaining = outgoing.data.get(outgoing.offset..).unwrap_or_default();
        if remaining.len() <= ne {
            return encode_response(remaining, outgoing.sw);
        }
        let (chunk, rest) = remaining.split_at(ne);
        let next = rest.len().min(SHORT_MAX_NE) % 256; // 256 or more: 6100
        let bytes = encode_response(chunk, StatusWord::BytesRemaining(next as u8));
        self.outgoing = Some(Outgoing { offset: outgoing.offset + ne, ..outgoing });
        bytes
    }
}

fn respond(sw: StatusWord) -> CardAction {
    CardAction::Respond(sw.to_bytes().to_vec())
}

fn status_update(status: KeepaliveStatus) -> Vec<u8> {
    encode_response(&[status.to_byte()], StatusWord::CtapStatusUpdate)
}
