//! CTAPHID packet layout, commands, error codes and message fragmentation
//! (CTAP 2.1 §11.2.4).
//!
//! Initialization packet: `CID(4) | CMD(1, bit 7 set) | BCNTH | BCNTL | DATA`.
//! Continuation packet:   `CID(4) | SEQ(1, 0..=0x7F) | DATA`.

use thiserror::Error;

/// Default HID report length (CTAP 2.1 §11.2.4: 64-byte reports on full-speed USB).
pub const DEFAULT_REPORT_LEN: usize = 64;
/// The broadcast channel, used by CTAPHID_INIT to allocate a channel (§11.2.3).
pub const BROADCAST_CID: u32 = 0xFFFF_FFFF;
/// Channel 0 is reserved and never valid (§11.2.3).
pub const RESERVED_CID: u32 = 0;
/// Largest continuation sequence number (§11.2.4).
pub const MAX_SEQ: u8 = 0x7F;
/// Smallest report length that can carry an initialization header.
pub const MIN_REPORT_LEN: usize = 8;
/// Largest report length accepted (full-speed USB interrupt endpoints carry at most 64
/// bytes, high-speed 1024); it bounds buffers, the spec has no other use for it.
pub const MAX_REPORT_LEN: usize = 1024;
/// Largest payload with 64-byte reports: 57 + 128 * 59 = 7609 bytes (§11.2.4).
pub const MAX_PAYLOAD_LEN: usize = max_payload_len(ReportLen::DEFAULT);

const INIT_HEADER_LEN: usize = 7;
const CONT_HEADER_LEN: usize = 5;
const COMMAND_BIT: u8 = 0x80;

/// A validated HID report length (without report-ID byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportLen(usize);

impl ReportLen {
    /// 64 bytes, the length every FIDO HID device uses.
    pub const DEFAULT: ReportLen = ReportLen(DEFAULT_REPORT_LEN);

    /// A report length in `MIN_REPORT_LEN..=MAX_REPORT_LEN`, else `None`.
    pub const fn new(len: usize) -> Option<Self> {
        if len >= MIN_REPORT_LEN && len <= MAX_REPORT_LEN {
            Some(Self(len))
        } else {
            None
        }
    }

    /// The length in bytes.
    pub const fn get(self) -> usize {
        self.0
    }
}

impl Default for ReportLen {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Largest message that fits one initialization packet and 128 continuation
/// packets (and the 16-bit length field).
pub const fn max_payload_len(report_len: ReportLen) -> usize {
    let len = report_len.0;
    let fits = (len - INIT_HEADER_LEN) + (MAX_SEQ as usize + 1) * (len - CONT_HEADER_LEN);
    if fits > u16::MAX as usize {
        u16::MAX as usize
    } else {
        fits
    }
}

/// A CTAPHID command (the 7 low bits of the CMD byte, CTAP 2.1 §11.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HidCommand {
    /// CTAPHID_PING 0x01: echo.
    Ping,
    /// CTAPHID_MSG 0x03: a CTAP1/U2F APDU.
    Msg,
    /// CTAPHID_LOCK 0x04: exclusive channel lock.
    Lock,
    /// CTAPHID_INIT 0x06: channel allocation and resynchronisation.
    Init,
    /// CTAPHID_WINK 0x08: identify the device.
    Wink,
    /// CTAPHID_CBOR 0x10: a CTAP2 command byte + CBOR.
    Cbor,
    /// CTAPHID_CANCEL 0x11: cancel the outstanding request on this channel.
    Cancel,
    /// CTAPHID_KEEPALIVE 0x3B: device still processing.
    Keepalive,
    /// CTAPHID_ERROR 0x3F: transport error.
    Error,
    /// CTAPHID_VENDOR_FIRST..=CTAPHID_VENDOR_LAST (0x40..=0x7F).
    Vendor(u8),
    /// A command value the spec leaves undefined.
    Unassigned(u8),
}

/// First vendor-specific command (§11.2.9.3).
pub const VENDOR_FIRST: u8 = 0x40;
/// Last vendor-specific command (§11.2.9.3).
pub const VENDOR_LAST: u8 = 0x7F;

impl HidCommand {
    /// Decodes a command from the CMD byte (bit 7 is ignored).
    pub fn from_byte(byte: u8) -> Self {
        match byte & !COMMAND_BIT {
            0x01 => Self::Ping,
            0x03 => Self::Msg,
            0x04 => Self::Lock,
            0x06 => Self::Init,
            0x08 => Self::Wink,
            0x10 => Self::Cbor,
            0x11 => Self::Cancel,
            0x3B => Self::Keepalive,
            0x3F => Self::Error,
            v @ VENDOR_FIRST..=VENDOR_LAST => Self::Vendor(v),
            other => Self::Unassigned(other),
        }
    }

    /// The 7-bit command value (without bit 7).
    pub fn value(self) -> u8 {
        match self {
            Self::Ping => 0x01,
            Self::Msg => 0x03,
            Self::Lock => 0x04,
            Self::Init => 0x06,
            Self::Wink => 0x08,
            Self::Cbor => 0x10,
            Self::Cancel => 0x11,
            Self::Keepalive => 0x3B,
            Self::Error => 0x3F,
            Self::Vendor(v) | Self::Unassigned(v) => v & !COMMAND_BIT,
        }
    }

    /// The CMD byte of an initialization packet (bit 7 set).
    pub fn to_byte(self) -> u8 {
        self.value() | COMMAND_BIT
    }
}

/// CTAPHID_ERROR codes (CTAP 2.1 §11.2.9.1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HidErrorCode {
    /// ERR_INVALID_CMD 0x01: the command is not supported.
    InvalidCmd,
    /// ERR_INVALID_PAR 0x02: a parameter is invalid.
    InvalidPar,
    /// ERR_INVALID_LEN 0x03: the length field is invalid.
    InvalidLen,
    /// ERR_INVALID_SEQ 0x04: a continuation packet was out of sequence.
    InvalidSeq,
    /// ERR_MSG_TIMEOUT 0x05: the message was not completed in time.
    MsgTimeout,
    /// ERR_CHANNEL_BUSY 0x06: another channel holds the device.
    ChannelBusy,
    /// ERR_LOCK_REQUIRED 0x0A: the command requires a channel lock.
    LockRequired,
    /// ERR_INVALID_CHANNEL 0x0B: the CID is not valid.
    InvalidChannel,
    /// ERR_OTHER 0x7F: unspecified error.
    Other,
    /// A code the spec does not define.
    Unrecognized(u8),
}

impl HidErrorCode {
    /// Decodes an error byte.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            0x01 => Self::InvalidCmd,
            0x02 => Self::InvalidPar,
            0x03 => Self::InvalidLen,
            0x04 => Self::InvalidSeq,
            0x05 => Self::MsgTimeout,
            0x06 => Self::ChannelBusy,
            0x0A => Self::LockRequired,
            0x0B => Self::InvalidChannel,
            0x7F => Self::Other,
            other => Self::Unrecognized(other),
        }
    }

    /// The error byte on the wire.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::InvalidCmd => 0x01,
            Self::InvalidPar => 0x02,
            Self::InvalidLen => 0x03,
            Self::InvalidSeq => 0x04,
            Self::MsgTimeout => 0x05,
            Self::ChannelBusy => 0x06,
            Self::LockRequired => 0x0A,
            Self::InvalidChannel => 0x0B,
            Self::Other => 0x7F,
            Self::Unrecognized(other) => other,
        }
    }
}

/// A report that is not a CTAPHID packet.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PacketError {
    /// The report is not exactly one report long.
    #[error("HID report is {actual} bytes, expected {expected}")]
    WrongReportLength {
        /// Configured report length.
        expected: usize,
        /// Length received.
        actual: usize,
    },
}

/// A payload too long for CTAPHID framing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("CTAPHID payload of {len} bytes exceeds the {max}-byte limit")]
pub struct PayloadTooLong {
    /// Payload length.
    pub len: usize,
    /// Limit for the report length in use.
    pub max: usize,
}

/// A parsed CTAPHID packet borrowing the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet<'a> {
    /// Initialization packet. `data` is the whole data area (including any
    /// padding past `payload_len`).
    Init {
        /// Channel identifier.
        cid: u32,
        /// Command (bit 7 stripped).
        cmd: HidCommand,
        /// Total message length from BCNTH/BCNTL.
        payload_len: u16,
        /// Data area of this packet.
        data: &'a [u8],
    },
    /// Continuation packet.
    Cont {
        /// Channel identifier.
        cid: u32,
        /// Sequence number (0..=0x7F; values above are reported as is).
        seq: u8,
        /// Data area of this packet.
        data: &'a [u8],
    },
}

impl<'a> Packet<'a> {
    /// Parses one report of exactly `report_len` bytes (no report-ID byte).
    pub fn parse(report: &'a [u8], report_len: ReportLen) -> Result<Self, PacketError> {
        let report_len = report_len.get();
        if report.len() != report_len {
            return Err(PacketError::WrongReportLength { expected: report_len, actual: report.len() });
        }
        let (cid_bytes, rest) = report.split_at(4);
        let cid = u32::from_be_bytes([cid_bytes[0], cid_bytes[1], cid_bytes[2], cid_bytes[3]]);
        let [kind, tail @ ..] = rest else {
            return Err(PacketError::WrongReportLength { expected: report_len, actual: report.len() });
        };
        if kind & COMMAND_BIT != 0 {
            let [bcnth, bcntl, data @ ..] = tail else {
                return Err(PacketError::WrongReportLength { expected: report_len, actual: report.len() });
            };
            Ok(Packet::Init {
                cid,
                cmd: HidCommand::from_byte(*kind),
                payload_len: u16::from_be_bytes([*bcnth, *bcntl]),
                data,
            })
        } else {
            Ok(Packet::Cont { cid, seq: *kind, data: tail })
        }
    }

    /// The channel the packet belongs to.
    pub fn cid(&self) -> u32 {
        match self {
            Packet::Init { cid, .. } | Packet::Cont { cid, .. } => *cid,
        }
    }
}

/// Splits a message into reports of `report_len` bytes, zero-padded
/// (CTAP 2.1 §11.2.4). Fails, never truncates, when the payload is too long.
pub fn fragment_message(
    cid: u32,
    cmd: HidCommand,
    payload: &[u8],
    report_len: ReportLen,
) -> Result<Vec<Vec<u8>>, PayloadTooLong> {
    let max = max_payload_len(report_len);
    let too_long = PayloadTooLong { len: payload.len(), max };
    if payload.len() > max {
        return Err(too_long);
    }
    let len = u16::try_from(payload.len()).map_err(|_| too_long)?;
    let report_len = report_len.get();
    let first_len = payload.len().min(report_len - INIT_HEADER_LEN);
    let (first, mut rest) = payload.split_at(first_len);
    let mut reports = Vec::with_capacity(1 + rest.len().div_ceil(report_len - CONT_HEADER_LEN));
    let mut init = Vec::with_capacity(report_len);
    init.extend_from_slice(&cid.to_be_bytes());
    init.push(cmd.to_byte());
    init.extend_from_slice(&len.to_be_bytes());
    init.extend_from_slice(first);
    init.resize(report_len, 0);
    reports.push(init);
    let mut seq: u8 = 0;
    while !rest.is_empty() {
        let take = rest.len().min(report_len - CONT_HEADER_LEN);
        let (chunk, tail) = rest.split_at(take);
        let mut cont = Vec::with_capacity(report_len);
        cont.extend_from_slice(&cid.to_be_bytes());
        cont.push(seq);
        cont.extend_from_slice(chunk);
        cont.resize(report_len, 0);
        reports.push(cont);
        rest = tail;
        seq += 1;
    }
    Ok(reports)
}

/// Why a message could not be reassembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReassemblyError {
    /// The continuation packet carried the wrong sequence number.
    Sequence { expected: u8, got: u8 },
}

/// Reassembly of one message on one channel (shared by host and device).
#[derive(Debug)]
pub(crate) struct Reassembly {
    pub(crate) cmd: HidCommand,
    expected_len: usize,
    buf: Vec<u8>,
    next_seq: u8,
}

impl Reassembly {
    /// Starts from an initialization packet. The caller has checked
    /// `payload_len` against the limit.
    pub(crate) fn start(cmd: HidCommand, payload_len: u16, data: &[u8]) -> Self {
        let expected_len = usize::from(payload_len);
        let take = expected_len.min(data.len());
        let mut buf = Vec::with_capacity(expected_len);
        buf.extend_from_slice(data.get(..take).unwrap_or_default());
        Self { cmd, expected_len, buf, next_seq: 0 }
    }

    /// Appends a continuation packet.
    pub(crate) fn push(&mut self, seq: u8, data: &[u8]) -> Result<(), ReassemblyError> {
        if seq != self.next_seq {
            return Err(ReassemblyError::Sequence { expected: self.next_seq, got: seq });
        }
        let take = (self.expected_len - self.buf.len()).min(data.len());
        self.buf.extend_from_slice(data.get(..take).unwrap_or_default());
        self.next_seq = self.next_seq.wrapping_add(1);
        Ok(())
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.buf.len() >= self.expected_len
    }

    pub(crate) fn into_payload(self) -> Vec<u8> {
        self.buf
    }
}

/// Report-ID helpers for hidapi and uhid.
///
/// FIDO HID descriptors declare no report IDs, yet the OS APIs use a leading
/// report-ID byte `0x00` on *output* reports:
///
/// * **Host (hidapi)**: `HidDevice::write` expects the report ID first, so the
///   host shell writes [`report_id::with_report_id`]`(report)` (65 bytes). `read` returns the
///   plain 64-byte input report: feed it to the host unchanged.
/// * **Device (uhid)**: `UHID_OUTPUT` events carry that leading `0x00` (65 bytes);
///   the device shell calls [`report_id::strip_report_id`] before `handle_report`. Input
///   reports sent with `UHID_INPUT2` are the plain 64 bytes from `poll_transmit`.
pub mod report_id {
    use thiserror::Error;

    /// The report ID used when the descriptor declares none.
    pub const NO_REPORT_ID: u8 = 0x00;

    /// An output report whose report-ID framing is wrong.
    #[derive(Debug, Clone, PartialEq, Eq, Error)]
    #[non_exhaustive]
    pub enum ReportIdError {
        /// The first byte is not report ID 0.
        #[error("output report starts with report ID {0:#04x}, expected 0x00")]
        UnexpectedReportId(u8),
        /// Neither `report_len` nor `report_len + 1` bytes.
        #[error("output report is {actual} bytes, expected {expected} (report ID + report)")]
        WrongLength {
            /// `report_len + 1`.
            expected: usize,
            /// Length received.
            actual: usize,
        },
    }

    /// Prepends report ID 0x00, as hidapi's `write` requires.
    pub fn with_report_id(report: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(report.len() + 1);
        out.push(NO_REPORT_ID);
        out.extend_from_slice(report);
        out
    }

    /// Strips the leading report ID 0x00 of a uhid output report of
    /// `report_len + 1` bytes; a report of exactly `report_len` bytes (some
    /// stacks already strip it) is returned unchanged.
    pub fn strip_report_id(output: &[u8], report_len: super::ReportLen) -> Result<&[u8], ReportIdError> {
        let report_len = report_len.get();
        if output.len() == report_len {
            return Ok(output);
        }
        match output.split_first() {
            Some((&NO_REPORT_ID, rest)) if rest.len() == report_len => Ok(rest),
            Some((&id, rest)) if rest.len() == report_len => Err(ReportIdError::UnexpectedReportId(id)),
            _ => Err(ReportIdError::WrongLength { expected: report_len + 1, actual: output.len() }),
        }
    }
}
