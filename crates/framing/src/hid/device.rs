//! CTAPHID device (authenticator) side (CTAP 2.1 §11.2).
//!
//! Feed every output report the host wrote to [`HidDevice::handle_report`],
//! call [`HidDevice::handle_timeout`] when [`HidDevice::next_timeout`] passes,
//! send every report from [`HidDevice::poll_transmit`] as an input report, and
//! serve the [`DeviceEvent::Request`]s from [`HidDevice::poll_event`] with
//! [`HidDevice::respond`]. PING, INIT, LOCK and WINK are answered here; MSG,
//! CBOR and vendor commands go to the owner, one transaction at a time.

use std::collections::VecDeque;
use std::time::Duration;

use thiserror::Error;

use super::packet::{
    fragment_message, max_payload_len, HidCommand, HidErrorCode, Packet, PacketError, Reassembly,
    ReassemblyError, ReportLen, BROADCAST_CID, RESERVED_CID,
};
use crate::KeepaliveStatus;

/// CTAPHID protocol version reported in the INIT response (§11.2.9.1.3).
pub const CTAPHID_PROTOCOL_VERSION: u8 = 2;
/// Length of the CTAPHID_INIT nonce.
pub const INIT_NONCE_LEN: usize = 8;
/// Longest lock a host may request, in seconds (§11.2.9.2.4).
pub const MAX_LOCK_SECONDS: u8 = 10;

/// Capability flags of the INIT response (§11.2.9.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(pub u8);

impl Capabilities {
    /// CAPABILITY_WINK: implements CTAPHID_WINK.
    pub const WINK: u8 = 0x01;
    /// CAPABILITY_CBOR: implements CTAPHID_CBOR.
    pub const CBOR: u8 = 0x04;
    /// CAPABILITY_NMSG: does *not* implement CTAPHID_MSG.
    pub const NMSG: u8 = 0x08;

    /// Whether the WINK flag is set.
    pub fn wink(self) -> bool {
        self.0 & Self::WINK != 0
    }
    /// Whether the CBOR flag is set.
    pub fn cbor(self) -> bool {
        self.0 & Self::CBOR != 0
    }
    /// Whether CTAPHID_MSG is supported (the NMSG flag is clear).
    pub fn msg(self) -> bool {
        self.0 & Self::NMSG == 0
    }
}

/// Device version reported in the INIT response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DeviceVersion {
    /// Major device version number.
    pub major: u8,
    /// Minor device version number.
    pub minor: u8,
    /// Build device version number.
    pub build: u8,
}

/// Device-side configuration.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// HID report length.
    pub report_len: ReportLen,
    /// Time allowed between packets of one message before ERR_MSG_TIMEOUT
    /// (§11.2.4 leaves the value to the authenticator; default 500 ms).
    pub message_timeout: Duration,
    /// Interval between CTAPHID_KEEPALIVE reports while a request is served
    /// (§11.2.9.1.5: at least every 100 ms).
    pub keepalive_interval: Duration,
    /// Version reported by INIT.
    pub version: DeviceVersion,
    /// Capabilities reported by INIT (and enforced).
    pub capabilities: Capabilities,
    /// First channel ID handed out by INIT (0 and broadcast are skipped).
    pub first_cid: u32,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        Self {
            report_len: ReportLen::DEFAULT,
            message_timeout: Duration::from_millis(500),
            keepalive_interval: Duration::from_millis(100),
            version: DeviceVersion::default(),
            capabilities: Capabilities(Capabilities::WINK | Capabilities::CBOR),
            first_cid: 1,
        }
    }
}

/// Identifies one request handed to the owner; stale after cancel-and-complete
/// or a resynchronising INIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(u64);

/// A complete request for the owner to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HidRequest {
    /// Pass to [`HidDevice::respond`].
    pub id: TransactionId,
    /// Channel it came from.
    pub cid: u32,
    /// `Msg`, `Cbor` or `Vendor(_)`.
    pub cmd: HidCommand,
    /// CTAP command byte + CBOR, or a U2F APDU, or vendor data.
    pub payload: Vec<u8>,
}

/// Something the owner must act on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// Serve this request, then call [`HidDevice::respond`].
    Request(HidRequest),
    /// The host sent CTAPHID_CANCEL for the outstanding request: finish it
    /// soon (CTAP2: respond with CTAP2_ERR_KEEPALIVE_CANCEL).
    Cancel {
        /// The request being cancelled.
        id: TransactionId,
    },
    /// The host resynchronised the channel with INIT: the request is dropped
    /// and any response to it would be discarded.
    Aborted {
        /// The dropped request.
        id: TransactionId,
    },
    /// CTAPHID_WINK: show something to identify the device (already answered).
    Wink {
        /// Channel that asked.
        cid: u32,
    },
}

/// Misuse of the device API by its owner, or a report that is not a packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The output report is not a CTAPHID packet.
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// The transaction was answered, aborted or never existed.
    #[error("no outstanding transaction {0:?}")]
    UnknownTransaction(TransactionId),
    /// The response does not fit CTAPHID framing; the transaction stays open
    /// so the owner can answer with an error instead.
    #[error("response of {len} bytes exceeds the {max}-byte CTAPHID limit")]
    ResponseTooLong {
        /// Response length.
        len: usize,
        /// Limit.
        max: usize,
    },
}

#[derive(Debug)]
struct Receiving {
    cid: u32,
    reassembly: Reassembly,
    last_packet_at: Duration,
}

#[derive(Debug)]
struct Serving {
    id: TransactionId,
    cid: u32,
    cmd: HidCommand,
    status: KeepaliveStatus,
    next_keepalive_at: Duration,
}

#[derive(Debug)]
struct Lock {
    cid: u32,
    until: Duration,
}

/// The authenticator side of CTAPHID.
#[derive(Debug)]
pub struct HidDevice {
    config: DeviceConfig,
    next_cid: u32,
    /// Channels handed out so far are `config.first_cid..next_cid`, wrapping
    /// past 0xFFFFFFFE to 1; a counter instead of a set keeps memory bounded
    /// whatever the host does.
    passed_max: bool,
    /// Every channel has been handed out once.
    exhausted: bool,
    receiving: Option<Receiving>,
    serving: Option<Serving>,
    lock: Option<Lock>,
    next_transaction: u64,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<DeviceEvent>,
}

impl HidDevice {
    /// A device with no channels allocated yet.
    pub fn new(config: DeviceConfig) -> Self {
        let next_cid = match config.first_cid {
            RESERVED_CID | BROADCAST_CID => 1,
            cid => cid,
        };
        Self {
            config: DeviceConfig { first_cid: next_cid, ..config },
            next_cid,
            passed_max: false,
            exhausted: false,
            receiving: None,
            serving: None,
            lock: None,
            next_transaction: 0,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    /// Consumes one output report (without report-ID byte, see
    /// [`super::report_id`]) received at `now`.
    pub fn handle_report(&mut self, report: &[u8], now: Duration) -> Result<(), DeviceError> {
        self.expire(now);
        match Packet::parse(report, self.config.report_len)? {
            Packet::Init { cid, cmd, payload_len, data } => {
                self.handle_init_packet(cid, cmd, payload_len, data, now)
            }
            Packet::Cont { cid, seq, data } => self.handle_cont_packet(cid, seq, data, now),
        }
        Ok(())
    }

    /// The next report to send to the host as an input report.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event for the owner.
    pub fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called.
    pub fn next_timeout(&self) -> Option<Duration> {
        let message = self.receiving.as_ref().map(|r| r.last_packet_at + self.config.message_timeout);
        let keepalive = self.serving.as_ref().map(|s| s.next_keepalive_at);
        match (message, keepalive) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires timers due at `now`: ERR_MSG_TIMEOUT for a stalled message and
    /// periodic keepalives for the request being served.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.expire(now);
        let interval = self.config.keepalive_interval;
        if let Some(serving) = self.serving.as_mut() {
            if now >= serving.next_keepalive_at {
                serving.next_keepalive_at = now + interval;
                let (cid, status) = (serving.cid, serving.status);
                self.queue_message(cid, HidCommand::Keepalive, &[status.to_byte()]);
            }
        }
    }

    /// Sets the keepalive status of the outstanding request (e.g. `UpNeeded`
    /// while waiting for a touch) and sends a keepalive with it at once.
    pub fn set_keepalive_status(
        &mut self,
        id: TransactionId,
        status: KeepaliveStatus,
        now: Duration,
    ) -> Result<(), DeviceError> {
        let interval = self.config.keepalive_interval;
        let serving = self.serving_mut(id)?;
        serving.status = status;
        serving.next_keepalive_at = now + interval;
        let cid = serving.cid;
        self.queue_message(cid, HidCommand::Keepalive, &[status.to_byte()]);
        Ok(())
    }

    /// Answers the outstanding request with `payload` under its own command.
    pub fn respond(&mut self, id: TransactionId, payload: &[u8]) -> Result<(), DeviceError> {
        let report_len = self.config.report_len;
        let serving = self.serving_mut(id)?;
        let reports = fragment_message(serving.cid, serving.cmd, payload, report_len)
            .map_err(|e| DeviceError::ResponseTooLong { len: e.len, max: e.max })?;
        self.serving = None;
        self.transmit.extend(reports);
        Ok(())
    }

    /// Answers the outstanding request with CTAPHID_ERROR.
    pub fn respond_error(&mut self, id: TransactionId, code: HidErrorCode) -> Result<(), DeviceError> {
        let cid = self.serving_mut(id)?.cid;
        self.serving = None;
        self.queue_error(cid, code);
        Ok(())
    }

    /// Whether `cid` was handed out by INIT.
    pub fn is_allocated(&self, cid: u32) -> bool {
        if cid == RESERVED_CID || cid == BROADCAST_CID {
            return false;
        }
        let (first, next) = (self.config.first_cid, self.next_cid);
        if self.exhausted {
            true
        } else if self.passed_max {
            cid >= first || cid < next
        } else {
            cid >= first && cid < next
        }
    }

    fn serving_mut(&mut self, id: TransactionId) -> Result<&mut Serving, DeviceError> {
        match self.serving.as_mut() {
            Some(serving) if serving.id == id => Ok(serving),
            _ => Err(DeviceError::UnknownTransaction(id)),
        }
    }

    fn expire(&mut self, now: Duration) {
        if let Some(receiving) = &self.receiving {
            if now >= receiving.last_packet_at + self.config.message_timeout {
                let cid = receiving.cid;
                self.receiving = None;
                self.queue_error(cid, HidErrorCode::MsgTimeout);
            }
        }
        if self.lock.as_ref().is_some_and(|lock| now >= lock.until) {
            self.lock = None;
        }
    }

    fn handle_init_packet(&mut self, cid: u32, cmd: HidCommand, payload_len: u16, data: &[u8], now: Duration) {
        if cid == RESERVED_CID {
            return self.queue_error(cid, HidErrorCode::InvalidChannel);
        }
        if cmd == HidCommand::Init {
            return self.handle_init_command(cid, payload_len, data);
        }
        if cid == BROADCAST_CID || !self.is_allocated(cid) {
            return self.queue_error(cid, HidErrorCode::InvalidChannel);
        }
        if cmd == HidCommand::Cancel {
            return self.handle_cancel(cid);
        }
        if self.lock.as_ref().is_some_and(|lock| lock.cid != cid) {
            return self.queue_error(cid, HidErrorCode::ChannelBusy);
        }
        if let Some(receiving) = &self.receiving {
            if receiving.cid == cid {
                // A new message started before the previous one was complete.
                self.receiving = None;
                return self.queue_error(cid, HidErrorCode::InvalidSeq);
            }
            return self.queue_error(cid, HidErrorCode::ChannelBusy);
        }
        if self.serving.is_some() {
            return self.queue_error(cid, HidErrorCode::ChannelBusy);
        }
        if usize::from(payload_len) > max_payload_len(self.config.report_len) {
            return self.queue_error(cid, HidErrorCode::InvalidLen);
        }
        if !self.command_supported(cmd) {
            return self.queue_error(cid, HidErrorCode::InvalidCmd);
        }
        let reassembly = Reassembly::start(cmd, payload_len, data);
        if reassembly.is_complete() {
            self.dispatch(cid, reassembly, now);
        } else {
            self.receiving = Some(Receiving { cid, reassembly, last_packet_at: now });
        }
    }

    fn handle_cont_packet(&mut self, cid: u32, seq: u8, data: &[u8], now: Duration) {
        // Spurious continuation packets (no message in progress on this
        // channel) are ignored (§11.2.4).
        let Some(receiving) = self.receiving.as_mut().filter(|r| r.cid == cid) else {
            return;
        };
        match receiving.reassembly.push(seq, data) {
            Err(ReassemblyError::Sequence { .. }) => {
                self.receiving = None;
                self.queue_error(cid, HidErrorCode::InvalidSeq);
            }
            Ok(()) => {
                receiving.last_packet_at = now;
                if receiving.reassembly.is_complete() {
                    if let Some(done) = self.receiving.take() {
                        self.dispatch(cid, done.reassembly, now);
                    }
                }
            }
        }
    }

    fn handle_init_command(&mut self, cid: u32, payload_len: u16, data: &[u8]) {
        let nonce = match data.get(..INIT_NONCE_LEN) {
            Some(nonce) if usize::from(payload_len) == INIT_NONCE_LEN => nonce,
            _ => return self.queue_error(cid, HidErrorCode::InvalidLen),
        };
        let channel = if cid == BROADCAST_CID {
            self.allocate_cid()
        } else if self.is_allocated(cid) {
            // Resynchronise: drop whatever this channel had in progress.
            self.abort_channel(cid);
            cid
        } else {
            return self.queue_error(cid, HidErrorCode::InvalidChannel);
        };
        let version = self.config.version;
        let mut response = Vec::with_capacity(17);
        response.extend_from_slice(nonce);
        response.extend_from_slice(&channel.to_be_bytes());
        response.extend_from_slice(&[
            CTAPHID_PROTOCOL_VERSION,
            version.major,
            version.minor,
            version.build,
            self.config.capabilities.0,
        ]);
        self.queue_message(cid, HidCommand::Init, &response);
    }

    fn handle_cancel(&mut self, cid: u32) {
        if self.receiving.as_ref().is_some_and(|r| r.cid == cid) {
            self.receiving = None;
        }
        if let Some(serving) = self.serving.as_ref().filter(|s| s.cid == cid) {
            self.events.push_back(DeviceEvent::Cancel { id: serving.id });
        }
        // CANCEL itself is never answered (§11.2.9.1.5).
    }

    fn abort_channel(&mut self, cid: u32) {
        if self.receiving.as_ref().is_some_and(|r| r.cid == cid) {
            self.receiving = None;
        }
        if let Some(serving) = self.serving.take_if(|s| s.cid == cid) {
            self.events.push_back(DeviceEvent::Aborted { id: serving.id });
        }
        if self.lock.as_ref().is_some_and(|lock| lock.cid == cid) {
            self.lock = None;
        }
    }

    fn allocate_cid(&mut self) -> u32 {
        let cid = self.next_cid;
        let mut next = cid.wrapping_add(1);
        if next == BROADCAST_CID {
            next = 1;
            self.passed_max = true;
        }
        if next == self.config.first_cid {
            self.exhausted = true;
        }
        self.next_cid = next;
        cid
    }

    fn command_supported(&self, cmd: HidCommand) -> bool {
        let caps = self.config.capabilities;
        match cmd {
            HidCommand::Ping | HidCommand::Lock | HidCommand::Vendor(_) => true,
            HidCommand::Msg => caps.msg(),
            HidCommand::Cbor => caps.cbor(),
            HidCommand::Wink => caps.wink(),
            HidCommand::Init
            | HidCommand::Cancel
            | HidCommand::Keepalive
            | HidCommand::Error
            | HidCommand::Unassigned(_) => false,
        }
    }

    fn dispatch(&mut self, cid: u32, reassembly: Reassembly, now: Duration) {
        let cmd = reassembly.cmd;
        let payload = reassembly.into_payload();
        match cmd {
            HidCommand::Ping => self.queue_message(cid, HidCommand::Ping, &payload),
            HidCommand::Wink => {
                self.events.push_back(DeviceEvent::Wink { cid });
                self.queue_message(cid, HidCommand::Wink, &[]);
            }
            HidCommand::Lock => self.handle_lock(cid, &payload, now),
            HidCommand::Cbor if payload.is_empty() => self.queue_error(cid, HidErrorCode::InvalidLen),
            _ => {
                let id = TransactionId(self.next_transaction);
                self.next_transaction += 1;
                self.serving = Some(Serving {
                    id,
                    cid,
                    cmd,
                    status: KeepaliveStatus::Processing,
                    next_keepalive_at: now + self.config.keepalive_interval,
                });
                self.events.push_back(DeviceEvent::Request(HidRequest { id, cid, cmd, payload }));
            }
        }
    }

    fn handle_lock(&mut self, cid: u32, payload: &[u8], now: Duration) {
        match payload {
            [0] => self.lock = None,
            [seconds @ 1..=MAX_LOCK_SECONDS] => {
                self.lock = Some(Lock { cid, until: now + Duration::from_secs(u64::from(*seconds)) });
            }
            [_] => return self.queue_error(cid, HidErrorCode::InvalidPar),
            _ => return self.queue_error(cid, HidErrorCode::InvalidLen),
        }
        self.queue_message(cid, HidCommand::Lock, &[]);
    }

    fn queue_error(&mut self, cid: u32, code: HidErrorCode) {
        self.queue_message(cid, HidCommand::Error, &[code.to_byte()]);
    }

    /// Queues a message the device itself builds; these are all far below the
    /// length limit, except PING echoes which were received within it.
    fn queue_message(&mut self, cid: u32, cmd: HidCommand, payload: &[u8]) {
        if let Ok(reports) = fragment_message(cid, cmd, payload, self.config.report_len) {
            self.transmit.extend(reports);
        }
    }
}
