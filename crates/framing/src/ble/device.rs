//! The authenticator (peripheral) side of FIDO over BLE (CTAP 2.1 §11.4).
//!
//! A GATT server shell feeds every write to fidoControlPoint to
//! [`BleDevice::handle_write`], notifies fidoStatus with every fragment of
//! [`BleDevice::poll_transmit`], calls [`BleDevice::handle_timeout`] at
//! [`BleDevice::next_timeout`], and serves [`BleDeviceEvent::Request`]s with
//! [`BleDevice::respond`]. PING is answered here; keepalives are sent
//! periodically while a request is served.

use std::collections::VecDeque;
use std::time::Duration;

use thiserror::Error;

use super::frame::{
    fragment_message, BleCommand, BleErrorCode, BleMessage, ControlPointLen, Reassembler, ReassemblyError,
};
use crate::KeepaliveStatus;

/// Device configuration.
#[derive(Debug, Clone)]
pub struct BleDeviceConfig {
    /// Advertised fidoControlPointLength: the largest write accepted.
    pub control_point_len: ControlPointLen,
    /// Notification fragment size (ATT_MTU - 3, at least 20).
    pub notify_len: usize,
    /// Longest request accepted (should match getInfo maxMsgSize).
    pub max_request_len: usize,
    /// Time allowed between fragments of one request before ERR_REQ_TIMEOUT.
    pub request_timeout: Duration,
    /// Interval between KEEPALIVE notifications while a request is served.
    pub keepalive_interval: Duration,
}

impl Default for BleDeviceConfig {
    fn default() -> Self {
        Self {
            control_point_len: ControlPointLen::SMALLEST,
            notify_len: 20,
            max_request_len: 7609,
            request_timeout: Duration::from_secs(1),
            keepalive_interval: Duration::from_millis(100),
        }
    }
}

/// Identifies one request handed to the owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BleTransactionId(u64);

/// Something the owner must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BleDeviceEvent {
    /// A MSG to serve; answer with [`BleDevice::respond`].
    Request {
        /// Pass to `respond`.
        id: BleTransactionId,
        /// CTAP command byte + CBOR, or a U2F APDU.
        payload: Vec<u8>,
    },
    /// CANCEL for the outstanding request.
    Cancel {
        /// The request being cancelled.
        id: BleTransactionId,
    },
}

/// Misuse of the device API by its owner, or a write that broke framing (an
/// ERROR notification has already been queued for the host).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BleDeviceError {
    /// The write did not reassemble.
    #[error(transparent)]
    Reassembly(#[from] ReassemblyError),
    /// The transaction was answered or never existed.
    #[error("no outstanding transaction {0:?}")]
    UnknownTransaction(BleTransactionId),
    /// The response does not fit BLE framing.
    #[error("response of {0} bytes exceeds the 65535-byte BLE limit")]
    ResponseTooLong(usize),
}

#[derive(Debug)]
struct Serving {
    id: BleTransactionId,
    status: KeepaliveStatus,
    next_keepalive_at: Duration,
}

/// The authenticator side of one BLE connection.
#[derive(Debug)]
pub struct BleDevice {
    config: BleDeviceConfig,
    reassembler: Reassembler,
    last_fragment_at: Option<Duration>,
    serving: Option<Serving>,
    next_transaction: u64,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<BleDeviceEvent>,
}

impl BleDevice {
    /// A device waiting for its first request.
    pub fn new(config: BleDeviceConfig) -> Self {
        let reassembler = Reassembler::new(config.max_request_len, config.control_point_len.get());
        let notify_len = config.notify_len.max(usize::from(ControlPointLen::MIN));
        Self {
            config: BleDeviceConfig { notify_len, ..config },
            reassembler,
            last_fragment_at: None,
            serving: None,
            next_transaction: 0,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Consumes one write to fidoControlPoint received at `now`.
    pub fn handle_write(&mut self, fragment: &[u8], now: Duration) -> Result<(), BleDeviceError> {
        self.expire(now);
        let message = match self.reassembler.push(fragment) {
            Ok(Some(message)) => message,
            Ok(None) => {
                self.last_fragment_at = Some(now);
                return Ok(());
            }
            Err(error) => {
                self.last_fragment_at = None;
                let code = match error {
                    ReassemblyError::UnexpectedSequence { .. }
                    | ReassemblyError::UnexpectedContinuation
                    | ReassemblyError::UnexpectedInitialFragment => BleErrorCode::InvalidSeq,
                    _ => BleErrorCode::InvalidLen,
                };
                self.queue_error(code);
                return Err(error.into());
            }
        };
        self.last_fragment_at = None;
        self.dispatch(message, now);
        Ok(())
    }

    /// The next fragment to notify on fidoStatus.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<BleDeviceEvent> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called.
    pub fn next_timeout(&self) -> Option<Duration> {
        let request = self.last_fragment_at.map(|at| at + self.config.request_timeout);
        let keepalive = self.serving.as_ref().map(|s| s.next_keepalive_at);
        match (request, keepalive) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires timers due at `now`: ERR_REQ_TIMEOUT for a stalled request and
    /// periodic keepalives.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.expire(now);
        let interval = self.config.keepalive_interval;
        if let Some(serving) = self.serving.as_mut() {
            if now >= serving.next_keepalive_at {
                serving.next_keepalive_at = now + interval;
                let status = serving.status;
                self.queue(BleCommand::Keepalive, &[status.to_byte()]);
            }
        }
    }

    /// Sets the keepalive status of the outstanding request and notifies it now.
    pub fn set_keepalive_status(
        &mut self,
        id: BleTransactionId,
        status: KeepaliveStatus,
        now: Duration,
    ) -> Result<(), BleDeviceError> {
        let interval = self.config.keepalive_interval;
        let serving = self.serving_mut(id)?;
        serving.status = status;
        serving.next_keepalive_at = now + interval;
        self.queue(BleCommand::Keepalive, &[status.to_byte()]);
        Ok(())
    }

    /// Answers the outstanding request with a MSG response.
    pub fn respond(&mut self, id: BleTransactionId, payload: &[u8]) -> Result<(), BleDeviceError> {
        self.serving_mut(id)?;
        let fragments = fragment_message(BleCommand::Msg, payload, self.config.notify_len)
            .map_err(|e| BleDeviceError::ResponseTooLong(e.len))?;
        self.serving = None;
        self.transmit.extend(fragments);
        Ok(())
    }

    /// Answers the outstanding request with ERROR.
    pub fn respond_error(&mut self, id: BleTransactionId, code: BleErrorCode) -> Result<(), BleDeviceError> {
        self.serving_mut(id)?;
        self.serving = None;
        self.queue_error(code);
        Ok(())
    }

    fn serving_mut(&mut self, id: BleTransactionId) -> Result<&mut Serving, BleDeviceError> {
        match self.serving.as_mut() {
            Some(serving) if serving.id == id => Ok(serving),
            _ => Err(BleDeviceError::UnknownTransaction(id)),
        }
    }

    fn expire(&mut self, now: Duration) {
        if self.last_fragment_at.is_some_and(|at| now >= at + self.config.request_timeout) {
            self.last_fragment_at = None;
            self.reassembler.reset();
            self.queue_error(BleErrorCode::ReqTimeout);
        }
    }

    fn dispatch(&mut self, message: BleMessage, now: Duration) {
        match message.cmd {
            BleCommand::Cancel => {
                if let Some(serving) = &self.serving {
                    self.events.push_back(BleDeviceEvent::Cancel { id: serving.id });
                }
            }
            _ if self.serving.is_some() => self.queue_error(BleErrorCode::Busy),
            BleCommand::Ping => self.queue(BleCommand::Ping, &message.payload),
            BleCommand::Msg if message.payload.is_empty() => self.queue_error(BleErrorCode::InvalidLen),
            BleCommand::Msg => {
                let id = BleTransactionId(self.next_transaction);
                self.next_transaction += 1;
                self.serving = Some(Serving {
                    id,
                    status: KeepaliveStatus::Processing,
                    next_keepalive_at: now + self.config.keepalive_interval,
                });
                self.events.push_back(BleDeviceEvent::Request { id, payload: message.payload });
            }
            BleCommand::Keepalive | BleCommand::Error | BleCommand::Unassigned(_) => {
                self.queue_error(BleErrorCode::InvalidCmd)
            }
        }
    }

    fn queue_error(&mut self, code: BleErrorCode) {
        self.queue(BleCommand::Error, &[code.to_byte()]);
    }

    /// Queues a message the device builds itself (errors, keepalives, PING
    /// echoes, all within the limit they were received under).
    fn queue(&mut self, cmd: BleCommand, payload: &[u8]) {
        if let Ok(fragments) = fragment_message(cmd, payload, self.config.notify_len) {
            self.transmit.extend(fragments);
        }
    }
}
