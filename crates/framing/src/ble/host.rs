//! The host (central) side of FIDO over BLE (CTAP 2.1 §11.4).
//!
//! A btleplug shell reads fidoControlPointLength ([`ControlPointLen::parse`])
//! and the revision bitfield ([`super::ServiceRevisions::parse`], write back
//! the preferred bit), subscribes to fidoStatus, then: [`BleHost::send`],
//! write each fragment of [`BleHost::poll_transmit`] to fidoControlPoint (with
//! response), feed each fidoStatus notification to
//! [`BleHost::handle_notification`], and read [`BleEvent`]s. The shell owns
//! the overall timeout and may [`BleHost::cancel`].

use std::collections::VecDeque;

use thiserror::Error;

use super::frame::{
    fragment_message, BleCommand, BleErrorCode, ControlPointLen, MessageTooLong, Reassembler, ReassemblyError,
    MAX_MESSAGE_LEN,
};
use crate::KeepaliveStatus;

/// Longest notification value: ATT_MTU (at most 517) - 3.
pub const MAX_NOTIFICATION_LEN: usize = 514;

/// Results for the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BleEvent {
    /// KEEPALIVE: still processing / user presence needed.
    Keepalive(KeepaliveStatus),
    /// The response (same command as the request).
    Response {
        /// Its command.
        cmd: BleCommand,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// ERROR ended the request.
    Error(BleErrorCode),
}

/// Misuse of the host API, or an authenticator that broke the protocol.
/// After a protocol error the host is idle again.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BleHostError {
    /// A request while another is outstanding.
    #[error("a request is already outstanding")]
    Busy,
    /// Only MSG and PING are requests.
    #[error("{0:?} cannot be sent as a request")]
    NotARequestCommand(BleCommand),
    /// `cancel` with nothing outstanding.
    #[error("no request to cancel")]
    NothingToCancel,
    /// The request is too long.
    #[error(transparent)]
    RequestTooLong(#[from] MessageTooLong),
    /// The notifications do not reassemble.
    #[error(transparent)]
    Reassembly(#[from] ReassemblyError),
    /// A notification with no request outstanding.
    #[error("authenticator sent a notification with no request outstanding")]
    UnsolicitedNotification,
    /// A response under another command than the request's.
    #[error("authenticator answered {got:?} to a {expected:?} request")]
    UnexpectedResponseCommand {
        /// Request command.
        expected: BleCommand,
        /// Response command.
        got: BleCommand,
    },
    /// KEEPALIVE without a status byte.
    #[error("authenticator sent a keepalive without a status byte")]
    EmptyKeepalive,
    /// ERROR without a code.
    #[error("authenticator sent an error without an error code")]
    EmptyError,
}

/// The host side of one BLE connection.
#[derive(Debug)]
pub struct BleHost {
    control_point_len: ControlPointLen,
    reassembler: Reassembler,
    outstanding: Option<BleCommand>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<BleEvent>,
}

impl BleHost {
    /// `control_point_len` is what the authenticator reported;
    /// `max_response_len` bounds response reassembly (at most 65535).
    pub fn new(control_point_len: ControlPointLen, max_response_len: usize) -> Self {
        Self {
            control_point_len,
            reassembler: Reassembler::new(max_response_len.min(MAX_MESSAGE_LEN), MAX_NOTIFICATION_LEN),
            outstanding: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Queues a request (`Msg` or `Ping`).
    pub fn send(&mut self, cmd: BleCommand, payload: &[u8]) -> Result<(), BleHostError> {
        if !matches!(cmd, BleCommand::Msg | BleCommand::Ping) {
            return Err(BleHostError::NotARequestCommand(cmd));
        }
        if self.outstanding.is_some() {
            return Err(BleHostError::Busy);
        }
        let fragments = fragment_message(cmd, payload, self.control_point_len.get())?;
        self.transmit.extend(fragments);
        self.outstanding = Some(cmd);
        self.reassembler.reset();
        Ok(())
    }

    /// Queues CANCEL. The authenticator still answers the request (CTAP2:
    /// CTAP2_ERR_KEEPALIVE_CANCEL), which arrives as a normal response.
    pub fn cancel(&mut self) -> Result<(), BleHostError> {
        if self.outstanding.is_none() {
            return Err(BleHostError::NothingToCancel);
        }
        self.transmit.extend(fragment_message(BleCommand::Cancel, &[], self.control_point_len.get())?);
        Ok(())
    }

    /// The next fragment to write to fidoControlPoint.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<BleEvent> {
        self.events.pop_front()
    }

    /// Consumes one fidoStatus notification.
    pub fn handle_notification(&mut self, fragment: &[u8]) -> Result<(), BleHostError> {
        let result = self.consume(fragment);
        if result.is_err() {
            self.outstanding = None;
            self.reassembler.reset();
        }
        result
    }

    fn consume(&mut self, fragment: &[u8]) -> Result<(), BleHostError> {
        let expected = self.outstanding.ok_or(BleHostError::UnsolicitedNotification)?;
        let Some(message) = self.reassembler.push(fragment)? else {
            return Ok(());
        };
        match message.cmd {
            BleCommand::Keepalive => {
                let status = *message.payload.first().ok_or(BleHostError::EmptyKeepalive)?;
                self.events.push_back(BleEvent::Keepalive(KeepaliveStatus::from_byte(status)));
            }
            BleCommand::Error => {
                let code = *message.payload.first().ok_or(BleHostError::EmptyError)?;
                self.outstanding = None;
                self.events.push_back(BleEvent::Error(BleErrorCode::from_byte(code)));
            }
            cmd if cmd == expected => {
                self.outstanding = None;
                self.events.push_back(BleEvent::Response { cmd, payload: message.payload });
            }
            got => return Err(BleHostError::UnexpectedResponseCommand { expected, got }),
        }
        Ok(())
    }
}
