//! The host side of FIDO over ISO 7816 (CTAP 2.1 §11.3): plans the APDU
//! sequence of each request and follows the card's answers.
//!
//! A PC/SC shell loops: take an APDU from [`ApduHost::poll_transmit`],
//! transmit it, give the answer to [`ApduHost::handle_response`]; when no APDU
//! is ready, wait until [`ApduHost::next_timeout`] (status polling pace) and
//! call [`ApduHost::handle_timeout`]. Results come from
//! [`ApduHost::poll_event`]. Exactly one APDU is in flight at a time.

use std::collections::VecDeque;
use std::time::Duration;

use thiserror::Error;

use super::apdu::{
    CommandApdu, CommandEncodeError, LengthForm, ResponseApdu, ResponseDecodeError, StatusWord, CLA_CHAINING,
    CLA_ISO, CLA_PROPRIETARY, EXTENDED_MAX_DATA, EXTENDED_MAX_NE, FIDO_AID, INS_GET_RESPONSE,
    INS_NFCCTAP_GETRESPONSE, INS_NFCCTAP_MSG, INS_SELECT, P1_CANCEL, P1_SELECT_BY_NAME, P1_STATUS_POLLING,
    SHORT_MAX_DATA, SHORT_MAX_NE, VERSION_FIDO_2_0, VERSION_U2F_V2,
};
use super::card::Applet;
use crate::KeepaliveStatus;

/// Host configuration: what the card and reader accept.
#[derive(Debug, Clone)]
pub struct ApduHostConfig {
    /// Send a request as one extended-length APDU when it fits (else chain
    /// short APDUs).
    pub extended_length: bool,
    /// Data bytes per chained short APDU, 1..=255 (python-fido2 uses 250).
    pub chunk_len: usize,
    /// Set NFCCTAP_MSG P1 = 0x80 so the card may answer with status updates.
    pub status_polling: bool,
    /// Pause before each NFCCTAP_GETRESPONSE after a status update.
    pub poll_interval: Duration,
    /// Longest response collected over `61xx` continuations (bounds memory).
    pub max_response_len: usize,
}

impl Default for ApduHostConfig {
    fn default() -> Self {
        Self {
            extended_length: false,
            chunk_len: SHORT_MAX_DATA,
            status_polling: true,
            poll_interval: Duration::from_millis(100),
            max_response_len: EXTENDED_MAX_NE,
        }
    }
}

/// Results for the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostEvent {
    /// SELECT of the FIDO applet succeeded.
    Selected(Applet),
    /// A status update (SW 9100) to a CTAP request: still processing / touch needed.
    Status(KeepaliveStatus),
    /// The response to NFCCTAP_MSG: CTAP status byte + CBOR.
    CtapResponse(Vec<u8>),
    /// The response to a raw U2F APDU, whatever its status word.
    U2fResponse(ResponseApdu),
    /// SELECT or NFCCTAP_MSG was refused with this status word (SELECT of a
    /// card without the FIDO applet: [`StatusWord::FileNotFound`]).
    Rejected(StatusWord),
}

/// Misuse of the host API, or a card that broke the protocol. After a card
/// error the exchange is over.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HostError {
    /// A request while another one is in progress.
    #[error("a request is already in progress")]
    Busy,
    /// `cancel` with no CTAP request in progress.
    #[error("no CTAP request to cancel")]
    NothingToCancel,
    /// Over ISO 7816 a request can only be cancelled through status polling,
    /// which this host's configuration turned off.
    #[error("cancel needs status polling (NFCCTAP_MSG P1 = 0x80), which is disabled")]
    CancelNeedsStatusPolling,
    /// An empty CTAP payload (it must start with the command byte).
    #[error("a CTAP request needs at least the command byte")]
    EmptyRequest,
    /// The request cannot be encoded.
    #[error(transparent)]
    Encode(#[from] CommandEncodeError),
    /// A response arrived while no APDU was in flight.
    #[error("response received while no command APDU was in flight")]
    UnexpectedResponse,
    /// The response is not an APDU.
    #[error(transparent)]
    Decode(#[from] ResponseDecodeError),
    /// The card refused a segment of a chained command.
    #[error("card refused a chained command segment with {0:?}")]
    ChainSegmentRejected(StatusWord),
    /// A 9100 status update without its status byte.
    #[error("card sent a status update without a status byte")]
    EmptyStatusUpdate,
    /// A 9100 status update to something other than NFCCTAP_MSG, or to an
    /// NFCCTAP_MSG sent without P1 = 0x80.
    #[error("card sent a status update to a request that does not allow it")]
    UnexpectedStatusUpdate,
    /// The response grew past the configured bound.
    #[error("card response exceeds {max} bytes")]
    ResponseTooLong {
        /// Configured bound.
        max: usize,
    },
    /// SELECT answered 9000 with an unknown version string.
    #[error("FIDO applet answered SELECT with unknown version {0:02x?}")]
    UnknownAppletVersion(Vec<u8>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Select,
    Ctap,
    U2f,
}

#[derive(Debug)]
struct Exchange {
    operation: Operation,
    /// Command APDUs still to send (remaining chain segments, or the next poll).
    queued: VecDeque<Vec<u8>>,
    /// Number of segments of the original command still unanswered.
    segments_left: usize,
    in_flight: bool,
    collected: Vec<u8>,
    /// A status update arrived: the next APDU is NFCCTAP_GETRESPONSE (built
    /// when sent, so a cancel requested meanwhile goes into its P1).
    poll_next: bool,
    poll_at: Option<Duration>,
    cancel_requested: bool,
}

/// The host side for one card.
#[derive(Debug)]
pub struct ApduHost {
    config: ApduHostConfig,
    exchange: Option<Exchange>,
    events: VecDeque<HostEvent>,
}

impl ApduHost {
    /// A host for a card with the given capabilities. `chunk_len` is clamped to 1..=255.
    pub fn new(config: ApduHostConfig) -> Self {
        let chunk_len = config.chunk_len.clamp(1, SHORT_MAX_DATA);
        Self { config: ApduHostConfig { chunk_len, ..config }, exchange: None, events: VecDeque::new() }
    }

    /// Whether a request is in progress.
    pub fn is_busy(&self) -> bool {
        self.exchange.is_some()
    }

    /// SELECT the FIDO applet (`00 A4 04 00 08 A0000006472F0001 00`).
    pub fn select(&mut self) -> Result<(), HostError> {
        let apdu = CommandApdu::new(CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME, 0x00).with_data(FIDO_AID).with_ne(SHORT_MAX_NE);
        let segments = vec![apdu.encode(LengthForm::Short)?];
        self.start(Operation::Select, segments)
    }

    /// NFCCTAP_MSG with `payload` = CTAP command byte + CBOR.
    pub fn send_ctap(&mut self, payload: &[u8]) -> Result<(), HostError> {
        if payload.is_empty() {
            return Err(HostError::EmptyRequest);
        }
        let p1 = if self.config.status_polling { P1_STATUS_POLLING } else { 0x00 };
        let apdu = CommandApdu::new(CLA_PROPRIETARY, INS_NFCCTAP_MSG, p1, 0x00).with_data(payload);
        let segments = self.plan(apdu)?;
        self.start(Operation::Ctap, segments)
    }

    /// A raw CTAP1/U2F command APDU (Ne defaults to the maximum when unset).
    pub fn send_u2f(&mut self, apdu: CommandApdu) -> Result<(), HostError> {
        let segments = self.plan(apdu)?;
        self.start(Operation::U2f, segments)
    }

    /// Asks the card to cancel the CTAP request: the next NFCCTAP_GETRESPONSE
    /// carries P1 = 0x11. The card still answers the request (CTAP2:
    /// CTAP2_ERR_KEEPALIVE_CANCEL), which arrives as a normal response.
    pub fn cancel(&mut self) -> Result<(), HostError> {
        if !self.config.status_polling {
            return Err(HostError::CancelNeedsStatusPolling);
        }
        match self.exchange.as_mut() {
            Some(exchange) if exchange.operation == Operation::Ctap => {
                exchange.cancel_requested = true;
                Ok(())
            }
            _ => Err(HostError::NothingToCancel),
        }
    }

    /// The next command APDU to transmit, if one is due.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let extended = self.config.extended_length;
        let exchange = self.exchange.as_mut()?;
        if exchange.in_flight || exchange.poll_at.is_some() {
            return None;
        }
        let apdu = match exchange.queued.pop_front() {
            Some(apdu) => apdu,
            None if exchange.poll_next => {
                exchange.poll_next = false;
                let p1 = if std::mem::take(&mut exchange.cancel_requested) { P1_CANCEL } else { 0x00 };
                let (form, ne) =
                    if extended { (LengthForm::Extended, EXTENDED_MAX_NE) } else { (LengthForm::Short, SHORT_MAX_NE) };
                let poll = CommandApdu::new(CLA_PROPRIETARY, INS_NFCCTAP_GETRESPONSE, p1, 0x00).with_ne(ne);
                poll.encode(form).ok()?
            }
            None => return None,
        };
        exchange.in_flight = true;
        Some(apdu)
    }

    /// The next result.
    pub fn poll_event(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    /// When the next status poll is due.
    pub fn next_timeout(&self) -> Option<Duration> {
        self.exchange.as_ref().and_then(|e| e.poll_at)
    }

    /// Releases a status poll due at `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Some(exchange) = self.exchange.as_mut() {
            if exchange.poll_at.is_some_and(|at| now >= at) {
                exchange.poll_at = None;
            }
        }
    }

    /// Consumes the response to the APDU in flight, received at `now`.
    pub fn handle_response(&mut self, bytes: &[u8], now: Duration) -> Result<(), HostError> {
        let result = self.consume(bytes, now);
        if result.is_err() {
            self.exchange = None;
        }
        result
    }

    fn consume(&mut self, bytes: &[u8], now: Duration) -> Result<(), HostError> {
        let exchange = match self.exchange.as_mut() {
            Some(exchange) if exchange.in_flight => exchange,
            _ => return Err(HostError::UnexpectedResponse),
        };
        exchange.in_flight = false;
        let response = ResponseApdu::decode(bytes)?;
        if exchange.segments_left > 1 {
            exchange.segments_left -= 1;
            return match response.sw {
                StatusWord::NoError => Ok(()),
                sw => Err(HostError::ChainSegmentRejected(sw)),
            };
        }
        exchange.segments_left = 0;
        if exchange.collected.len() + response.data.len() > self.config.max_response_len {
            return Err(HostError::ResponseTooLong { max: self.config.max_response_len });
        }
        match response.sw {
            StatusWord::BytesRemaining(n) => {
                exchange.collected.extend_from_slice(&response.data);
                let ne = if n == 0 { SHORT_MAX_NE } else { usize::from(n) };
                let get_response = CommandApdu::new(CLA_ISO, INS_GET_RESPONSE, 0x00, 0x00).with_ne(ne);
                exchange.queued.push_back(get_response.encode(LengthForm::Short)?);
                Ok(())
            }
            StatusWord::CtapStatusUpdate => {
                if exchange.operation != Operation::Ctap || !self.config.status_polling {
                    return Err(HostError::UnexpectedStatusUpdate);
                }
                let status = *response.data.first().ok_or(HostError::EmptyStatusUpdate)?;
                exchange.poll_next = true;
                exchange.collected.clear();
                if !self.config.poll_interval.is_zero() {
                    exchange.poll_at = Some(now + self.config.poll_interval);
                }
                self.events.push_back(HostEvent::Status(KeepaliveStatus::from_byte(status)));
                Ok(())
            }
            sw => {
                let mut data = std::mem::take(&mut exchange.collected);
                data.extend_from_slice(&response.data);
                let operation = exchange.operation;
                self.exchange = None;
                self.finish(operation, data, sw)
            }
        }
    }

    fn finish(&mut self, operation: Operation, data: Vec<u8>, sw: StatusWord) -> Result<(), HostError> {
        let event = match (operation, sw) {
            (Operation::U2f, sw) => HostEvent::U2fResponse(ResponseApdu { data, sw }),
            (Operation::Select, StatusWord::NoError) => match data.as_slice() {
                VERSION_FIDO_2_0 => HostEvent::Selected(Applet::Fido2),
                VERSION_U2F_V2 => HostEvent::Selected(Applet::U2fOnly),
                _ => return Err(HostError::UnknownAppletVersion(data)),
            },
            (Operation::Ctap, StatusWord::NoError) => HostEvent::CtapResponse(data),
            (Operation::Select | Operation::Ctap, sw) => HostEvent::Rejected(sw),
        };
        self.events.push_back(event);
        Ok(())
    }

    fn start(&mut self, operation: Operation, segments: Vec<Vec<u8>>) -> Result<(), HostError> {
        if self.exchange.is_some() {
            return Err(HostError::Busy);
        }
        self.exchange = Some(Exchange {
            operation,
            segments_left: segments.len(),
            queued: segments.into(),
            in_flight: false,
            collected: Vec::new(),
            poll_next: false,
            poll_at: None,
            cancel_requested: false,
        });
        Ok(())
    }

    /// One extended APDU when allowed and it fits, a single short APDU when
    /// it fits, else a chain of short APDUs (CLA | 0x10 on all but the last).
    fn plan(&self, apdu: CommandApdu) -> Result<Vec<Vec<u8>>, HostError> {
        let extended = self.config.extended_length;
        let ne = apdu.ne.unwrap_or(if extended { EXTENDED_MAX_NE } else { SHORT_MAX_NE });
        let apdu = apdu.with_ne(ne);
        if extended && apdu.data.len() <= EXTENDED_MAX_DATA {
            let form = apdu.smallest_form();
            return Ok(vec![apdu.encode(form)?]);
        }
        let ne = ne.min(SHORT_MAX_NE);
        if apdu.data.len() <= SHORT_MAX_DATA.min(self.config.chunk_len) {
            return Ok(vec![apdu.with_ne(ne).encode(LengthForm::Short)?]);
        }
        let mut chunks = apdu.data.chunks(self.config.chunk_len).peekable();
        let mut segments = Vec::new();
        while let Some(chunk) = chunks.next() {
            let last = chunks.peek().is_none();
            let segment = CommandApdu {
                cla: if last { apdu.cla } else { apdu.cla | CLA_CHAINING },
                ins: apdu.ins,
                p1: apdu.p1,
                p2: apdu.p2,
                data: chunk.to_vec(),
                ne: if last { Some(ne) } else { None },
            };
            segments.push(segment.encode(LengthForm::Short)?);
        }
        Ok(segments)
    }
}
