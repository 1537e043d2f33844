//! ISO/IEC 7816-4 command and response APDUs (short and extended length), the
//! status words FIDO uses, and the constants of CTAP 2.1 §11.3.
//!
//! The one APDU codec of KeyDesk: NFC/CCID framing here, and CTAP1/U2F messages
//! (`keydesk-u2f`, FIDO U2F Raw Message Formats v1.2 §3) are encoded with it.

use thiserror::Error;

/// FIDO applet identifier (CTAP 2.1 §11.3.3).
pub const FIDO_AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01];
/// SELECT answer of an authenticator that implements CTAP2 (§11.3.3).
pub const VERSION_FIDO_2_0: &[u8] = b"FIDO_2_0";
/// SELECT answer of a U2F-only authenticator (§11.3.3).
pub const VERSION_U2F_V2: &[u8] = b"U2F_V2";

/// Interindustry class byte.
pub const CLA_ISO: u8 = 0x00;
/// Proprietary class byte used by NFCCTAP_MSG / NFCCTAP_GETRESPONSE (CTAP 2.1 §11.3, NFC commands).
pub const CLA_PROPRIETARY: u8 = 0x80;
/// CLA bit announcing that more command segments follow (ISO 7816-4 §5.1.1.1).
pub const CLA_CHAINING: u8 = 0x10;
/// SELECT.
pub const INS_SELECT: u8 = 0xA4;
/// SELECT P1: select by DF name (AID).
pub const P1_SELECT_BY_NAME: u8 = 0x04;
/// GET RESPONSE (fetch the rest of a `61xx` answer).
pub const INS_GET_RESPONSE: u8 = 0xC0;
/// NFCCTAP_MSG: a CTAP command byte + CBOR (CTAP 2.1 §11.3; numbered §11.3.7.1 in CTAP 2.3).
pub const INS_NFCCTAP_MSG: u8 = 0x10;
/// NFCCTAP_GETRESPONSE: poll for the result of an NFCCTAP_MSG (CTAP 2.1 §11.3; §11.3.7.2 in CTAP 2.3).
pub const INS_NFCCTAP_GETRESPONSE: u8 = 0x11;
/// NFCCTAP_MSG P1 bit: the platform accepts status updates (`9100`) and will poll.
pub const P1_STATUS_POLLING: u8 = 0x80;
/// NFCCTAP_GETRESPONSE P1 asking the authenticator to cancel the request
/// (CTAP 2.3 §11.3.7.2); the answer is still a status update, the final
/// response (CTAP2_ERR_KEEPALIVE_CANCEL) follows on the next poll.
pub const P1_CANCEL: u8 = 0x11;
/// U2F register (FIDO U2F raw messages §3.1).
pub const INS_U2F_REGISTER: u8 = 0x01;
/// U2F authenticate.
pub const INS_U2F_AUTHENTICATE: u8 = 0x02;
/// U2F version.
pub const INS_U2F_VERSION: u8 = 0x03;

/// Largest Nc of a short APDU.
pub const SHORT_MAX_DATA: usize = 255;
/// Largest Ne of a short APDU (Le = 00).
pub const SHORT_MAX_NE: usize = 256;
/// Largest Nc of an extended APDU.
pub const EXTENDED_MAX_DATA: usize = 65_535;
/// Largest Ne of an extended APDU (Le = 0000).
pub const EXTENDED_MAX_NE: usize = 65_536;

/// Short or extended length fields (ISO 7816-4 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LengthForm {
    /// One-byte Lc/Le.
    Short,
    /// Three-byte Lc (00 + 2) / two- or three-byte Le.
    Extended,
}

/// A command APDU, cases 1 to 4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (Nc = `data.len()`).
    pub data: Vec<u8>,
    /// Ne, the maximum response data length expected; `None` when there is no
    /// Le field (cases 1 and 3).
    pub ne: Option<usize>,
}

/// A command APDU the peer encoded wrongly.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CommandDecodeError {
    /// Fewer than the 4 header bytes.
    #[error("command APDU of {0} bytes is shorter than its 4-byte header")]
    MissingHeader(usize),
    /// A short Lc that does not match the body length.
    #[error("short APDU declares Lc={lc} but carries a {body_len}-byte body")]
    ShortLengthMismatch {
        /// Declared Nc.
        lc: usize,
        /// Bytes after the header.
        body_len: usize,
    },
    /// An extended APDU with Lc = 0000.
    #[error("extended APDU declares Lc=0")]
    ExtendedLcZero,
    /// An extended length whose body does not match.
    #[error("extended APDU body of {body_len} bytes does not match its length fields")]
    ExtendedLengthMismatch {
        /// Bytes after the header.
        body_len: usize,
    },
}

/// A command that cannot be encoded in the requested form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CommandEncodeError {
    /// Too much data for the form.
    #[error("{len} bytes of command data exceed the {max}-byte limit of a {form:?} APDU")]
    DataTooLong {
        /// Nc.
        len: usize,
        /// Limit.
        max: usize,
        /// Form requested.
        form: LengthForm,
    },
    /// Ne out of range for the form (or zero).
    #[error("Ne={ne} cannot be encoded in a {form:?} APDU")]
    InvalidNe {
        /// Ne.
        ne: usize,
        /// Form requested.
        form: LengthForm,
    },
}

impl CommandApdu {
    /// A command with no data and no Le (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Vec::new(), ne: None }
    }

    /// Sets the command data.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets Ne.
    pub fn with_ne(mut self, ne: usize) -> Self {
        self.ne = Some(ne);
        self
    }

    /// Whether the CLA announces that more chained segments follow.
    pub fn is_chained(&self) -> bool {
        self.cla & CLA_CHAINING != 0
    }

    /// The smallest form that can carry this command.
    pub fn smallest_form(&self) -> LengthForm {
        if self.data.len() <= SHORT_MAX_DATA && self.ne.is_none_or(|ne| ne <= SHORT_MAX_NE) {
            LengthForm::Short
        } else {
            LengthForm::Extended
        }
    }

    /// Encodes in the given form.
    pub fn encode(&self, form: LengthForm) -> Result<Vec<u8>, CommandEncodeError> {
        let (max_data, max_ne) = match form {
            LengthForm::Short => (SHORT_MAX_DATA, SHORT_MAX_NE),
            LengthForm::Extended => (EXTENDED_MAX_DATA, EXTENDED_MAX_NE),
        };
        let nc = self.data.len();
        if nc > max_data {
            return Err(CommandEncodeError::DataTooLong { len: nc, max: max_data, form });
        }
        if let Some(ne) = self.ne {
            if ne == 0 || ne > max_ne {
                return Err(CommandEncodeError::InvalidNe { ne, form });
            }
        }
        let mut out = Vec::with_capacity(4 + 3 + nc + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        match form {
            LengthForm::Short => {
                if nc > 0 {
                    out.push(nc as u8); // nc <= 255 checked above
                    out.extend_from_slice(&self.data);
                }
                if let Some(ne) = self.ne {
                    out.push((ne % 256) as u8); // 256 encodes as 00
                }
            }
            LengthForm::Extended => {
                // Case 1 has no length fields in either form; a lone 00 would read as case 2S.
                if nc > 0 || self.ne.is_some() {
                    out.push(0x00);
                }
                if nc > 0 {
                    out.extend_from_slice(&(nc as u16).to_be_bytes()); // nc <= 65535
                    out.extend_from_slice(&self.data);
                }
                if let Some(ne) = self.ne {
                    out.extend_from_slice(&((ne % 65_536) as u16).to_be_bytes()); // 65536 encodes as 0000
                }
            }
        }
        Ok(out)
    }

    /// Decodes a command APDU (cases 1, 2S/E, 3S/E, 4S/E).
    pub fn decode(bytes: &[u8]) -> Result<(Self, LengthForm), CommandDecodeError> {
        let [cla, ins, p1, p2, body @ ..] = bytes else {
            return Err(CommandDecodeError::MissingHeader(bytes.len()));
        };
        let apdu = |data: &[u8], ne: Option<usize>| Self { cla: *cla, ins: *ins, p1: *p1, p2: *p2, data: data.to_vec(), ne };
        let short_ne = |le: u8| if le == 0 { SHORT_MAX_NE } else { usize::from(le) };
        let extended_ne = |hi: u8, lo: u8| match u16::from_be_bytes([hi, lo]) {
            0 => EXTENDED_MAX_NE,
            ne => usize::from(ne),
        };
        match body {
            [] => Ok((apdu(&[], None), LengthForm::Short)),
            [le] => Ok((apdu(&[], Some(short_ne(*le))), LengthForm::Short)),
            [0, le_hi, le_lo] => Ok((apdu(&[], Some(extended_ne(*le_hi, *le_lo))), LengthForm::Extended)),
            [0, lc_hi, lc_lo, rest @ ..] => {
                let lc = usize::from(u16::from_be_bytes([*lc_hi, *lc_lo]));
                if lc == 0 {
                    return Err(CommandDecodeError::ExtendedLcZero);
                }
                if rest.len() == lc {
                    Ok((apdu(rest, None), LengthForm::Extended))
                } else if let (Some(data), [le_hi, le_lo]) = (rest.get(..lc), rest.get(lc..).unwrap_or_default()) {
                    Ok((apdu(data, Some(extended_ne(*le_hi, *le_lo))), LengthForm::Extended))
                } else {
                    Err(CommandDecodeError::ExtendedLengthMismatch { body_len: body.len() })
                }
            }
            [0, ..] => Err(CommandDecodeError::ExtendedLengthMismatch { body_len: body.len() }),
            [lc, rest @ ..] => {
                let lc = usize::from(*lc);
                if rest.len() == lc {
                    Ok((apdu(rest, None), LengthForm::Short))
                } else if let (Some(data), [le]) = (rest.get(..lc), rest.get(lc..).unwrap_or_default()) {
                    Ok((apdu(data, Some(short_ne(*le))), LengthForm::Short))
                } else {
                    Err(CommandDecodeError::ShortLengthMismatch { lc, body_len: body.len() })
                }
            }
        }
    }
}

/// Status words used by FIDO over ISO 7816 (ISO 7816-4 §5.6, CTAP 2.1 §11.3) and by U2F
/// (FIDO U2F Raw Message Formats v1.2 §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 9000: normal processing (U2F SW_NO_ERROR).
    NoError,
    /// 9100: NFCCTAP status update; the data is one status byte (CTAP 2.1 §11.3).
    CtapStatusUpdate,
    /// 61xx: more response bytes available with GET RESPONSE (00 means 256 or more).
    BytesRemaining(u8),
    /// 6700: wrong length (U2F SW_WRONG_LENGTH).
    WrongLength,
    /// 6883: last command of the chain expected.
    LastCommandOfChainExpected,
    /// 6884: command chaining not supported.
    CommandChainingNotSupported,
    /// 6982: security status not satisfied.
    SecurityStatusNotSatisfied,
    /// 6985: conditions of use not satisfied (U2F SW_CONDITIONS_NOT_SATISFIED: user presence
    /// is needed, or, for an authenticate check-only, the key handle is valid).
    ConditionsNotSatisfied,
    /// 6A80: incorrect data (U2F SW_WRONG_DATA: the key handle is not this authenticator's,
    /// or the request is malformed).
    WrongData,
    /// 6A81: function not supported.
    FunctionNotSupported,
    /// 6A82: file or application not found.
    FileNotFound,
    /// 6A86: incorrect P1 or P2.
    IncorrectP1P2,
    /// 6Cxx: wrong Le; xx is the exact length available.
    WrongLe(u8),
    /// 6D00: instruction not supported (U2F SW_INS_NOT_SUPPORTED).
    InstructionNotSupported,
    /// 6E00: class not supported (U2F SW_CLA_NOT_SUPPORTED).
    ClassNotSupported,
    /// 6F00: no precise diagnosis.
    NoPreciseDiagnosis,
    /// Any other status word.
    Other(u16),
}

impl StatusWord {
    /// Decodes SW1 SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        match (sw1, sw2) {
            (0x90, 0x00) => Self::NoError,
            (0x91, 0x00) => Self::CtapStatusUpdate,
            (0x61, n) => Self::BytesRemaining(n),
            (0x67, 0x00) => Self::WrongLength,
            (0x68, 0x83) => Self::LastCommandOfChainExpected,
            (0x68, 0x84) => Self::CommandChainingNotSupported,
            (0x69, 0x82) => Self::SecurityStatusNotSatisfied,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x6A, 0x80) => Self::WrongData,
            (0x6A, 0x81) => Self::FunctionNotSupported,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x86) => Self::IncorrectP1P2,
            (0x6C, n) => Self::WrongLe(n),
            (0x6D, 0x00) => Self::InstructionNotSupported,
            (0x6E, 0x00) => Self::ClassNotSupported,
            (0x6F, 0x00) => Self::NoPreciseDiagnosis,
            _ => Self::Other(u16::from_be_bytes([sw1, sw2])),
        }
    }

    /// The status word from its 16-bit value (SW1 in the high byte).
    pub fn from_u16(value: u16) -> Self {
        let [sw1, sw2] = value.to_be_bytes();
        Self::from_bytes(sw1, sw2)
    }

    /// SW1 SW2 on the wire.
    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }

    /// The 16-bit value (SW1 in the high byte).
    pub fn to_u16(self) -> u16 {
        match self {
            Self::NoError => 0x9000,
            Self::CtapStatusUpdate => 0x9100,
            Self::BytesRemaining(n) => 0x6100 | u16::from(n),
            Self::WrongLength => 0x6700,
            Self::LastCommandOfChainExpected => 0x6883,
            Self::CommandChainingNotSupported => 0x6884,
            Self::SecurityStatusNotSatisfied => 0x6982,
            Self::ConditionsNotSatisfied => 0x6985,
            Self::WrongData => 0x6A80,
            Self::FunctionNotSupported => 0x6A81,
            Self::FileNotFound => 0x6A82,
            Self::IncorrectP1P2 => 0x6A86,
            Self::WrongLe(n) => 0x6C00 | u16::from(n),
            Self::InstructionNotSupported => 0x6D00,
            Self::ClassNotSupported => 0x6E00,
            Self::NoPreciseDiagnosis => 0x6F00,
            Self::Other(word) => word,
        }
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.to_u16())
    }
}

/// A response APDU: data followed by SW1 SW2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub sw: StatusWord,
}

/// A response APDU without its status word.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResponseDecodeError {
    /// Fewer than 2 bytes.
    #[error("response APDU of {0} bytes has no status word")]
    MissingStatusWord(usize),
}

impl ResponseApdu {
    /// Decodes `data || SW1 SW2`.
    pub fn decode(bytes: &[u8]) -> Result<Self, ResponseDecodeError> {
        let Some((data, [sw1, sw2])) = bytes.split_last_chunk::<2>().map(|(d, sw)| (d, *sw)) else {
            return Err(ResponseDecodeError::MissingStatusWord(bytes.len()));
        };
        Ok(Self { data: data.to_vec(), sw: StatusWord::from_bytes(sw1, sw2) })
    }

    /// Encodes `data || SW1 SW2`.
    pub fn encode(&self) -> Vec<u8> {
        encode_response(&self.data, self.sw)
    }

    /// A response with only a status word (errors, and U2F check-only answers).
    pub fn status_only(sw: StatusWord) -> Self {
        Self { data: Vec::new(), sw }
    }
}

/// `data || SW1 SW2`.
pub fn encode_response(data: &[u8], sw: StatusWord) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(&sw.to_bytes());
    out
}
