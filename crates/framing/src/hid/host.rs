//! CTAPHID host side (CTAP 2.1 §11.2).
//!
//! Call [`HidHost::begin_init`] with a fresh random nonce, write every report
//! from [`HidHost::poll_transmit`] (hidapi: prefix report ID 0, see
//! [`super::report_id`]), feed every input report read to
//! [`HidHost::handle_report`] and take [`HostEvent`]s from
//! [`HidHost::poll_event`]. Once [`HostEvent::Initialized`] arrived, send one
//! transaction at a time with [`HidHost::send`]. The host keeps no timers: the
//! shell decides how long to wait (and may [`HidHost::cancel`]).

use std::collections::VecDeque;

use thiserror::Error;

use super::device::{Capabilities, DeviceVersion, INIT_NONCE_LEN};
use super::packet::{
    fragment_message, max_payload_len, HidCommand, HidErrorCode, Packet, PacketError, PayloadTooLong,
    Reassembly, ReassemblyError, ReportLen, BROADCAST_CID,
};
use crate::KeepaliveStatus;

/// What the device reported in its INIT response (§11.2.9.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitInfo {
    /// The channel allocated to us.
    pub cid: u32,
    /// CTAPHID protocol version (2).
    pub protocol_version: u8,
    /// Device version.
    pub device_version: DeviceVersion,
    /// Capability flags.
    pub capabilities: Capabilities,
}

/// What the host reports to its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostEvent {
    /// INIT answered with our nonce: the channel is ready.
    Initialized(InitInfo),
    /// CTAPHID_KEEPALIVE: the device is still working on our request.
    Keepalive(KeepaliveStatus),
    /// The response to the transaction (same command as the request).
    Response {
        /// Command of the response.
        cmd: HidCommand,
        /// Response payload.
        payload: Vec<u8>,
    },
    /// CTAPHID_ERROR ended the transaction.
    Error(HidErrorCode),
}

/// What became of a report given to [`HidHost::handle_report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportOutcome {
    /// The report belonged to our transaction.
    Consumed,
    /// The report was for another channel (another application); ignored.
    OtherChannel {
        /// The channel it was for.
        cid: u32,
    },
    /// An INIT response on the broadcast channel with another application's
    /// nonce; ignored (§11.2.9.1.3).
    OtherNonce,
}

/// Misuse of the host API, or a device that broke the protocol. After a
/// protocol error the transaction is over and the host is idle again.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum HostError {
    /// The input report is not a CTAPHID packet.
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// The request does not fit CTAPHID framing (never truncated).
    #[error(transparent)]
    PayloadTooLong(#[from] PayloadTooLong),
    /// `send` before INIT completed.
    #[error("no channel allocated yet: run INIT first")]
    NoChannel,
    /// `send` while a transaction is outstanding.
    #[error("a transaction is already outstanding")]
    Busy,
    /// `cancel` with no transaction outstanding.
    #[error("no transaction to cancel")]
    NothingToCancel,
    /// INIT, CANCEL, KEEPALIVE and ERROR are not sent with `send`.
    #[error("{0:?} cannot be sent as a transaction")]
    NotATransactionCommand(HidCommand),
    /// The device sent a packet on our channel while no transaction was open.
    #[error("device sent a packet on our channel with no transaction outstanding")]
    UnsolicitedPacket,
    /// The device answered with a different command than we sent.
    #[error("device answered {got:?} to a {expected:?} request")]
    UnexpectedResponseCommand {
        /// Command sent.
        expected: HidCommand,
        /// Command received.
        got: HidCommand,
    },
    /// A continuation packet before any initialization packet.
    #[error("device sent a continuation packet before an initialization packet")]
    UnexpectedContinuation,
    /// A new initialization packet in the middle of a response.
    #[error("device started a new message before finishing its response")]
    InterruptedResponse,
    /// A continuation packet out of sequence.
    #[error("device sent continuation sequence {got}, expected {expected}")]
    UnexpectedSequence {
        /// Expected sequence number.
        expected: u8,
        /// Received sequence number.
        got: u8,
    },
    /// The response length field is beyond the CTAPHID limit.
    #[error("device announced a {len}-byte response, above the {max}-byte limit")]
    ResponseTooLong {
        /// Announced length.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// A KEEPALIVE without its status byte.
    #[error("device sent a keepalive without a status byte")]
    EmptyKeepalive,
    /// An ERROR without its code byte.
    #[error("device sent an error without an error code")]
    EmptyError,
    /// An INIT response shorter than 17 bytes.
    #[error("device sent a {0}-byte INIT response, expected at least 17")]
    ShortInitResponse(usize),
    /// The INIT response allocated the reserved or broadcast channel.
    #[error("device allocated the invalid channel {0:#010x}")]
    InvalidAllocatedChannel(u32),
}

#[derive(Debug)]
enum State {
    Idle,
    AwaitingInit { nonce: [u8; INIT_NONCE_LEN] },
    Awaiting { cmd: HidCommand },
    /// Receiving a response; `init_nonce` is set for an INIT response.
    Receiving { reassembly: Reassembly, init_nonce: Option<[u8; INIT_NONCE_LEN]> },
}

/// The host side of CTAPHID for one device.
#[derive(Debug)]
pub struct HidHost {
    report_len: ReportLen,
    cid: Option<u32>,
    state: State,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<HostEvent>,
}

impl HidHost {
    /// A host with no channel yet.
    pub fn new(report_len: ReportLen) -> Self {
        Self { report_len, cid: None, state: State::Idle, transmit: VecDeque::new(), events: VecDeque::new() }
    }

    /// The allocated channel, once INIT completed.
    pub fn cid(&self) -> Option<u32> {
        self.cid
    }

    /// Whether a transaction (or INIT) is outstanding.
    pub fn is_busy(&self) -> bool {
        !matches!(self.state, State::Idle)
    }

    /// Queues CTAPHID_INIT on the broadcast channel with a caller-chosen random
    /// nonce. Allowed at any time: it abandons any outstanding transaction.
    pub fn begin_init(&mut self, nonce: [u8; INIT_NONCE_LEN]) {
        self.state = State::AwaitingInit { nonce };
        self.queue(BROADCAST_CID, HidCommand::Init, &nonce);
    }

    /// Queues a transaction (`Cbor`, `Msg`, `Ping`, `Wink`, `Lock`, vendor).
    pub fn send(&mut self, cmd: HidCommand, payload: &[u8]) -> Result<(), HostError> {
        let cid = self.cid.ok_or(HostError::NoChannel)?;
        if matches!(cmd, HidCommand::Init | HidCommand::Cancel | HidCommand::Keepalive | HidCommand::Error) {
            return Err(HostError::NotATransactionCommand(cmd));
        }
        if self.is_busy() {
            return Err(HostError::Busy);
        }
        let reports = fragment_message(cid, cmd, payload, self.report_len)?;
        self.transmit.extend(reports);
        self.state = State::Awaiting { cmd };
        Ok(())
    }

    /// Queues CTAPHID_CANCEL for the outstanding transaction. The device then
    /// answers the request (CTAP2: CTAP2_ERR_KEEPALIVE_CANCEL), which arrives as
    /// a normal response.
    pub fn cancel(&mut self) -> Result<(), HostError> {
        let cid = self.cid.ok_or(HostError::NoChannel)?;
        if !matches!(self.state, State::Awaiting { .. } | State::Receiving { init_nonce: None, .. }) {
            return Err(HostError::NothingToCancel);
        }
        self.queue(cid, HidCommand::Cancel, &[]);
        Ok(())
    }

    /// The next report to write (without report ID).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<HostEvent> {
        self.events.pop_front()
    }

    /// Consumes one input report.
    pub fn handle_report(&mut self, report: &[u8]) -> Result<ReportOutcome, HostError> {
        let packet = Packet::parse(report, self.report_len)?;
        let ours = match self.state {
            State::AwaitingInit { .. } | State::Receiving { init_nonce: Some(_), .. } => BROADCAST_CID,
            _ => match self.cid {
                Some(cid) => cid,
                None => return Ok(ReportOutcome::OtherChannel { cid: packet.cid() }),
            },
        };
        if packet.cid() != ours {
            return Ok(ReportOutcome::OtherChannel { cid: packet.cid() });
        }
        let result = self.handle_packet(packet);
        if result.is_err() {
            self.state = State::Idle;
        }
        result
    }

    fn handle_packet(&mut self, packet: Packet<'_>) -> Result<ReportOutcome, HostError> {
        match (&mut self.state, packet) {
            (State::Idle, _) => Err(HostError::UnsolicitedPacket),
            (State::AwaitingInit { nonce }, Packet::Init { cmd: HidCommand::Init, payload_len, data, .. }) => {
                let init_nonce = Some(*nonce);
                self.state = State::Receiving { reassembly: Reassembly::start(HidCommand::Init, payload_len, data), init_nonce };
                self.finish_if_complete()
            }
            (State::AwaitingInit { .. }, Packet::Init { cmd: HidCommand::Error, payload_len, data, .. }) => {
                self.finish_with_error(payload_len, data)
            }
            (State::AwaitingInit { .. }, Packet::Init { cmd, .. }) => {
                Err(HostError::UnexpectedResponseCommand { expected: HidCommand::Init, got: cmd })
            }
            (State::AwaitingInit { .. } | State::Awaiting { .. }, Packet::Cont { .. }) => {
                Err(HostError::UnexpectedContinuation)
            }
            (State::Awaiting { cmd: expected }, Packet::Init { cmd, payload_len, data, .. }) => {
                let expected = *expected;
                match cmd {
                    HidCommand::Keepalive => {
                        let status = first_byte(payload_len, data).ok_or(HostError::EmptyKeepalive)?;
                        self.events.push_back(HostEvent::Keepalive(KeepaliveStatus::from_byte(status)));
                        Ok(ReportOutcome::Consumed)
                    }
                    HidCommand::Error => self.finish_with_error(payload_len, data),
                    cmd if cmd == expected => {
                        let max = max_payload_len(self.report_len);
                        if usize::from(payload_len) > max {
                            return Err(HostError::ResponseTooLong { len: usize::from(payload_len), max });
                        }
                        let reassembly = Reassembly::start(cmd, payload_len, data);
                        self.state = State::Receiving { reassembly, init_nonce: None };
                        self.finish_if_complete()
                    }
                    got => Err(HostError::UnexpectedResponseCommand { expected, got }),
                }
            }
            (State::Receiving { .. }, Packet::Init { .. }) => Err(HostError::InterruptedResponse),
            (State::Receiving { reassembly, .. }, Packet::Cont { seq, data, .. }) => {
                reassembly.push(seq, data).map_err(|ReassemblyError::Sequence { expected, got }| {
                    HostError::UnexpectedSequence { expected, got }
                })?;
                self.finish_if_complete()
            }
        }
    }

    fn handle_init_response(&mut self, nonce: [u8; INIT_NONCE_LEN], body: &[u8]) -> Result<ReportOutcome, HostError> {
        let len = body.len();
        let Some(fields) = body.get(..17) else {
            return Err(HostError::ShortInitResponse(len));
        };
        let (echoed, rest) = fields.split_at(INIT_NONCE_LEN);
        if echoed != nonce {
            // Another application's INIT: keep waiting for ours.
            self.state = State::AwaitingInit { nonce };
            return Ok(ReportOutcome::OtherNonce);
        }
        let &[c0, c1, c2, c3, protocol_version, major, minor, build, caps] = rest else {
            return Err(HostError::ShortInitResponse(len));
        };
        let cid = u32::from_be_bytes([c0, c1, c2, c3]);
        if cid == BROADCAST_CID || cid == super::packet::RESERVED_CID {
            return Err(HostError::InvalidAllocatedChannel(cid));
        }
        self.cid = Some(cid);
        self.state = State::Idle;
        self.events.push_back(HostEvent::Initialized(InitInfo {
            cid,
            protocol_version,
            device_version: DeviceVersion { major, minor, build },
            capabilities: Capabilities(caps),
        }));
        Ok(ReportOutcome::Consumed)
    }

    fn finish_with_error(&mut self, payload_len: u16, data: &[u8]) -> Result<ReportOutcome, HostError> {
        let code = first_byte(payload_len, data).ok_or(HostError::EmptyError)?;
        self.state = State::Idle;
        self.events.push_back(HostEvent::Error(HidErrorCode::from_byte(code)));
        Ok(ReportOutcome::Consumed)
    }

    fn finish_if_complete(&mut self) -> Result<ReportOutcome, HostError> {
        if !matches!(&self.state, State::Receiving { reassembly, .. } if reassembly.is_complete()) {
            return Ok(ReportOutcome::Consumed);
        }
        let State::Receiving { reassembly, init_nonce } = std::mem::replace(&mut self.state, State::Idle) else {
            return Ok(ReportOutcome::Consumed);
        };
        let cmd = reassembly.cmd;
        let payload = reassembly.into_payload();
        match init_nonce {
            Some(nonce) => self.handle_init_response(nonce, &payload),
            None => {
                self.events.push_back(HostEvent::Response { cmd, payload });
                Ok(ReportOutcome::Consumed)
            }
        }
    }

    fn queue(&mut self, cid: u32, cmd: HidCommand, payload: &[u8]) {
        // Only used for INIT (8 bytes) and CANCEL (empty): always fits.
        if let Ok(reports) = fragment_message(cid, cmd, payload, self.report_len) {
            self.transmit.extend(reports);
        }
    }
}

fn first_byte(payload_len: u16, data: &[u8]) -> Option<u8> {
    if payload_len == 0 {
        None
    } else {
        data.first().copied()
    }
}
