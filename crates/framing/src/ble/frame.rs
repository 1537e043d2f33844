//! BLE framing (CTAP 2.1 §11.4.4): commands, error codes, fragmentation and
//! reassembly, control point length and service revision bitfield, GATT UUIDs.
//!
//! Initial fragment:      `CMD(1, bit 7 set) | HLEN | LLEN | DATA`.
//! Continuation fragment: `SEQ(1, 0..=0x7F, wrapping) | DATA`.
//! Fragments are not padded; each is at most the control point length (host
//! to authenticator) or ATT_MTU - 3 (notifications).

use thiserror::Error;

/// FIDO GATT service, 16-bit form (§11.4.1).
pub const FIDO_SERVICE_UUID16: u16 = 0xFFFD;
/// FIDO GATT service, 128-bit form (0000FFFD-0000-1000-8000-00805F9B34FB).
pub const FIDO_SERVICE_UUID: u128 = 0x0000_fffd_0000_1000_8000_0080_5f9b_34fb;
/// fidoControlPoint (write): F1D0FFF1-DEAA-ECEE-B42F-C9BA7ED623BB.
pub const CONTROL_POINT_UUID: u128 = 0xf1d0_fff1_deaa_ecee_b42f_c9ba_7ed6_23bb;
/// fidoStatus (notify): F1D0FFF2-DEAA-ECEE-B42F-C9BA7ED623BB.
pub const STATUS_UUID: u128 = 0xf1d0_fff2_deaa_ecee_b42f_c9ba_7ed6_23bb;
/// fidoControlPointLength (read): F1D0FFF3-DEAA-ECEE-B42F-C9BA7ED623BB.
pub const CONTROL_POINT_LENGTH_UUID: u128 = 0xf1d0_fff3_deaa_ecee_b42f_c9ba_7ed6_23bb;
/// fidoServiceRevisionBitfield (read/write): F1D0FFF4-DEAA-ECEE-B42F-C9BA7ED623BB.
pub const SERVICE_REVISION_BITFIELD_UUID: u128 = 0xf1d0_fff4_deaa_ecee_b42f_c9ba_7ed6_23bb;
/// fidoServiceRevision (read, deprecated; "1.0"): 00002A28-0000-1000-8000-00805F9B34FB.
pub const SERVICE_REVISION_UUID: u128 = 0x0000_2a28_0000_1000_8000_0080_5f9b_34fb;

/// Largest continuation sequence number before wrapping to 0.
pub const MAX_SEQ: u8 = 0x7F;
/// Largest message the 16-bit length field can announce.
pub const MAX_MESSAGE_LEN: usize = u16::MAX as usize;
const INIT_HEADER_LEN: usize = 3;
const CONT_HEADER_LEN: usize = 1;
const COMMAND_BIT: u8 = 0x80;

/// A BLE command (§11.4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BleCommand {
    /// PING 0x81.
    Ping,
    /// KEEPALIVE 0x82.
    Keepalive,
    /// MSG 0x83: CTAP command byte + CBOR, or a U2F APDU.
    Msg,
    /// CANCEL 0xBE.
    Cancel,
    /// ERROR 0xBF.
    Error,
    /// Any other byte with bit 7 set.
    Unassigned(u8),
}

impl BleCommand {
    /// Decodes a CMD byte (bit 7 set).
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            0x81 => Self::Ping,
            0x82 => Self::Keepalive,
            0x83 => Self::Msg,
            0xBE => Self::Cancel,
            0xBF => Self::Error,
            other => Self::Unassigned(other),
        }
    }

    /// The CMD byte.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::Ping => 0x81,
            Self::Keepalive => 0x82,
            Self::Msg => 0x83,
            Self::Cancel => 0xBE,
            Self::Error => 0xBF,
            Self::Unassigned(other) => other | COMMAND_BIT,
        }
    }
}

/// BLE ERROR codes (§11.4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BleErrorCode {
    /// ERR_INVALID_CMD 0x01.
    InvalidCmd,
    /// ERR_INVALID_PAR 0x02.
    InvalidPar,
    /// ERR_INVALID_LEN 0x03.
    InvalidLen,
    /// ERR_INVALID_SEQ 0x04.
    InvalidSeq,
    /// ERR_REQ_TIMEOUT 0x05.
    ReqTimeout,
    /// ERR_BUSY 0x06.
    Busy,
    /// ERR_OTHER 0x7F.
    Other,
    /// A code the spec does not define.
    Unrecognized(u8),
}

impl BleErrorCode {
    /// Decodes an error byte.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            0x01 => Self::InvalidCmd,
            0x02 => Self::InvalidPar,
            0x03 => Self::InvalidLen,
            0x04 => Self::InvalidSeq,
            0x05 => Self::ReqTimeout,
            0x06 => Self::Busy,
            0x7F => Self::Other,
            other => Self::Unrecognized(other),
        }
    }

    /// The error byte.
    pub fn to_byte(self) -> u8 {
        match self {
            Self::InvalidCmd => 0x01,
            Self::InvalidPar => 0x02,
            Self::InvalidLen => 0x03,
            Self::InvalidSeq => 0x04,
            Self::ReqTimeout => 0x05,
            Self::Busy => 0x06,
            Self::Other => 0x7F,
            Self::Unrecognized(other) => other,
        }
    }
}

/// The fidoControlPointLength value: the largest fragment the authenticator
/// accepts, 20..=512 bytes (§11.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlPointLen(u16);

impl ControlPointLen {
    /// Smallest legal value (the default ATT_MTU 23 - 3).
    pub const MIN: u16 = 20;
    /// Largest legal value.
    pub const MAX: u16 = 512;
    /// 20 bytes: what every BLE link carries without MTU negotiation.
    pub const SMALLEST: ControlPointLen = ControlPointLen(Self::MIN);
    /// 512 bytes.
    pub const LARGEST: ControlPointLen = ControlPointLen(Self::MAX);

    /// A value in `MIN..=MAX`, else `None`.
    pub const fn new(len: u16) -> Option<Self> {
        if len >= Self::MIN && len <= Self::MAX {
            Some(Self(len))
        } else {
            None
        }
    }

    /// Parses the characteristic value (2 bytes, big-endian).
    pub fn parse(value: &[u8]) -> Result<Self, ControlPointLenError> {
        let &[hi, lo] = value else {
            return Err(ControlPointLenError::WrongSize(value.len()));
        };
        let len = u16::from_be_bytes([hi, lo]);
        Self::new(len).ok_or(ControlPointLenError::OutOfRange(len))
    }

    /// The characteristic value.
    pub fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// The length in bytes.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

/// A fidoControlPointLength value the authenticator got wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ControlPointLenError {
    /// Not 2 bytes.
    #[error("control point length characteristic is {0} bytes, expected 2")]
    WrongSize(usize),
    /// Outside 20..=512.
    #[error("control point length {0} is outside 20..=512")]
    OutOfRange(u16),
}

/// fidoServiceRevisionBitfield (§11.4.1): which protocol revisions the
/// authenticator supports; the host writes back the one bit it picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ServiceRevisions(pub u8);

impl ServiceRevisions {
    /// U2F 1.1.
    pub const U2F_1_1: u8 = 0x80;
    /// U2F 1.2.
    pub const U2F_1_2: u8 = 0x40;
    /// FIDO2 (CTAP2).
    pub const FIDO2: u8 = 0x20;

    /// Parses the characteristic value; the bits are in its first byte, any
    /// further bytes are reserved.
    pub fn parse(value: &[u8]) -> Result<Self, ServiceRevisionError> {
        let first = *value.first().ok_or(ServiceRevisionError::Empty)?;
        if first & (Self::U2F_1_1 | Self::U2F_1_2 | Self::FIDO2) == 0 {
            return Err(ServiceRevisionError::NoKnownRevision(first));
        }
        Ok(Self(first))
    }

    /// Supports U2F 1.1.
    pub fn u2f_1_1(self) -> bool {
        self.0 & Self::U2F_1_1 != 0
    }
    /// Supports U2F 1.2.
    pub fn u2f_1_2(self) -> bool {
        self.0 & Self::U2F_1_2 != 0
    }
    /// Supports FIDO2.
    pub fn fido2(self) -> bool {
        self.0 & Self::FIDO2 != 0
    }

    /// The revision a host should select: FIDO2 when offered, else the newest
    /// U2F. Write `[bit]` to the bitfield characteristic.
    pub fn preferred(self) -> Option<u8> {
        [Self::FIDO2, Self::U2F_1_2, Self::U2F_1_1].into_iter().find(|bit| self.0 & bit != 0)
    }
}

/// A fidoServiceRevisionBitfield value the authenticator got wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ServiceRevisionError {
    /// Empty value.
    #[error("service revision bitfield is empty")]
    Empty,
    /// No known revision bit set.
    #[error("service revision bitfield {0:#04x} announces no known revision")]
    NoKnownRevision(u8),
}

/// A message too long for BLE framing or for the peer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("BLE message of {len} bytes exceeds the {max}-byte limit")]
pub struct MessageTooLong {
    /// Message length.
    pub len: usize,
    /// Limit.
    pub max: usize,
}

/// Splits a message into fragments of at most `fragment_len` bytes
/// (`fragment_len` >= 4 so every fragment carries data).
pub fn fragment_message(cmd: BleCommand, payload: &[u8], fragment_len: usize) -> Result<Vec<Vec<u8>>, MessageTooLong> {
    let len = u16::try_from(payload.len()).map_err(|_| MessageTooLong { len: payload.len(), max: MAX_MESSAGE_LEN })?;
    let fragment_len = fragment_len.max(INIT_HEADER_LEN + 1);
    let first_len = payload.len().min(fragment_len - INIT_HEADER_LEN);
    let (first, mut rest) = payload.split_at(first_len);
    let mut init = Vec::with_capacity(INIT_HEADER_LEN + first.len());
    init.push(cmd.to_byte());
    init.extend_from_slice(&len.to_be_bytes());
    init.extend_from_slice(first);
    let mut fragments = vec![init];
    let mut seq: u8 = 0;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(rest.len().min(fragment_len - CONT_HEADER_LEN));
        let mut cont = Vec::with_capacity(CONT_HEADER_LEN + chunk.len());
        cont.push(seq);
        cont.extend_from_slice(chunk);
        fragments.push(cont);
        rest = tail;
        seq = if seq == MAX_SEQ { 0 } else { seq + 1 };
    }
    Ok(fragments)
}

/// A complete reassembled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BleMessage {
    /// Its command.
    pub cmd: BleCommand,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// A fragment sequence the peer got wrong. Reassembly restarts afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// A zero-length fragment.
    #[error("empty fragment")]
    EmptyFragment,
    /// An initial fragment shorter than its 3-byte header.
    #[error("initial fragment of {0} bytes is shorter than its 3-byte header")]
    TruncatedHeader(usize),
    /// A continuation fragment with no message in progress.
    #[error("continuation fragment with no message in progress")]
    UnexpectedContinuation,
    /// An initial fragment while a message was still incomplete.
    #[error("new message started before the previous one was complete")]
    UnexpectedInitialFragment,
    /// A continuation fragment out of sequence.
    #[error("continuation sequence {got}, expected {expected}")]
    UnexpectedSequence {
        /// Expected SEQ.
        expected: u8,
        /// Received SEQ.
        got: u8,
    },
    /// The announced length is above the receiver's limit.
    #[error("message announces {len} bytes, above the {max}-byte limit")]
    MessageTooLong {
        /// Announced length.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// A fragment carries more bytes than the announced length leaves.
    #[error("fragment carries {extra} bytes past the announced message length")]
    LengthOverflow {
        /// Excess bytes.
        extra: usize,
    },
    /// A fragment longer than the negotiated fragment size.
    #[error("fragment of {len} bytes exceeds the {max}-byte fragment size")]
    FragmentTooLong {
        /// Fragment length.
        len: usize,
        /// Limit.
        max: usize,
    },
}

#[derive(Debug)]
struct Partial {
    cmd: BleCommand,
    expected_len: usize,
    buf: Vec<u8>,
    next_seq: u8,
}

/// Reassembles fragments into messages (both sides use it).
#[derive(Debug)]
pub struct Reassembler {
    max_message_len: usize,
    max_fragment_len: usize,
    partial: Option<Partial>,
}

impl Reassembler {
    /// Accepts messages up to `max_message_len` bytes in fragments up to
    /// `max_fragment_len` bytes.
    pub fn new(max_message_len: usize, max_fragment_len: usize) -> Self {
        Self { max_message_len: max_message_len.min(MAX_MESSAGE_LEN), max_fragment_len, partial: None }
    }

    /// Whether a message is partly received.
    pub fn in_progress(&self) -> bool {
        self.partial.is_some()
    }

    /// Drops a partly received message.
    pub fn reset(&mut self) {
        self.partial = None;
    }

    /// Adds one fragment; returns the message once complete.
    pub fn push(&mut self, fragment: &[u8]) -> Result<Option<BleMessage>, ReassemblyError> {
        let result = self.push_inner(fragment);
        if result.is_err() {
            self.partial = None;
        }
        result
    }

    fn push_inner(&mut self, fragment: &[u8]) -> Result<Option<BleMessage>, ReassemblyError> {
        if fragment.len() > self.max_fragment_len {
            return Err(ReassemblyError::FragmentTooLong { len: fragment.len(), max: self.max_fragment_len });
        }
        let (&first, rest) = fragment.split_first().ok_or(ReassemblyError::EmptyFragment)?;
        if first & COMMAND_BIT != 0 {
            if self.partial.is_some() {
                return Err(ReassemblyError::UnexpectedInitialFragment);
            }
            let [hlen, llen, data @ ..] = rest else {
                return Err(ReassemblyError::TruncatedHeader(fragment.len()));
            };
            let expected_len = usize::from(u16::from_be_bytes([*hlen, *llen]));
            if expected_len > self.max_message_len {
                return Err(ReassemblyError::MessageTooLong { len: expected_len, max: self.max_message_len });
            }
            if data.len() > expected_len {
                return Err(ReassemblyError::LengthOverflow { extra: data.len() - expected_len });
            }
            let mut buf = Vec::with_capacity(expected_len);
            buf.extend_from_slice(data);
            self.partial = Some(Partial { cmd: BleCommand::from_byte(first), expected_len, buf, next_seq: 0 });
        } else {
            let partial = self.partial.as_mut().ok_or(ReassemblyError::UnexpectedContinuation)?;
            if first != partial.next_seq {
                return Err(ReassemblyError::UnexpectedSequence { expected: partial.next_seq, got: first });
            }
            let room = partial.expected_len - partial.buf.len();
            if rest.len() > room {
                return Err(ReassemblyError::LengthOverflow { extra: rest.len() - room });
            }
            partial.buf.extend_from_slice(rest);
            partial.next_seq = if first == MAX_SEQ { 0 } else { first + 1 };
        }
        match self.partial.take_if(|p| p.buf.len() == p.expected_len) {
            Some(done) => Ok(Some(BleMessage { cmd: done.cmd, payload: done.buf })),
            None => Ok(None),
        }
    }
}
