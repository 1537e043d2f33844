//! ISO 7816-4 command and response APDUs, short and extended (ISO 7816-4 §5.1; FIDO U2F Raw
//! Message Formats v1.2 §3.1; CTAP 2.1 §11.2.2 for extended length over CTAP1).

use crate::StatusWord;

/// Largest data field of a short APDU.
pub const MAX_SHORT_DATA: usize = 255;
/// Largest data field of an extended APDU.
pub const MAX_EXTENDED_DATA: usize = 65_535;
/// Largest expected response length (Ne) of a short APDU (Le 0x00).
pub const MAX_SHORT_NE: u32 = 256;
/// Largest expected response length (Ne) of an extended APDU (Le 0x0000).
pub const MAX_EXTENDED_NE: u32 = 65_536;

/// Which length encoding a command APDU uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApduEncoding {
    /// One-byte Lc and Le.
    Short,
    /// Three-byte Lc (0x00 and two bytes) and two- or three-byte Le.
    Extended,
}

/// What is wrong with APDU bytes, or with an APDU to encode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApduError {
    /// A command APDU shorter than its 4-byte header.
    #[error("command APDU of {len} bytes is shorter than its 4-byte header")]
    CommandTooShort {
        /// Bytes received.
        len: usize,
    },
    /// A response APDU shorter than its 2-byte status word.
    #[error("response APDU of {len} bytes has no 2-byte status word")]
    ResponseTooShort {
        /// Bytes received.
        len: usize,
    },
    /// The length fields do not account for the bytes received.
    #[error("APDU length fields do not match its {len} bytes")]
    LengthMismatch {
        /// Bytes received.
        len: usize,
    },
    /// The data does not fit the chosen encoding.
    #[error("{len} bytes of data do not fit a {encoding:?} APDU")]
    DataTooLong {
        /// Data length.
        len: usize,
        /// The encoding asked for.
        encoding: ApduEncoding,
    },
    /// The expected response length does not fit the chosen encoding.
    #[error("expected response length {ne} does not fit a {encoding:?} APDU")]
    ExpectedLengthTooLarge {
        /// The expected response length (Ne).
        ne: u32,
        /// The encoding asked for.
        encoding: ApduEncoding,
    },
}

/// A command APDU: header, data and expected response length (Ne).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandApdu {
    /// Class byte (0x00 for U2F).
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// The command data (Nc = its length).
    pub data: Vec<u8>,
    /// The maximum response length expected (Ne), `None` when no response data is expected.
    pub ne: Option<u32>,
}

impl CommandApdu {
    /// Encodes the APDU. Extended encoding with no data and an Ne is ISO case 2E
    /// (`00 Le1 Le2`); with data it is case 3E/4E (`00 Lc1 Lc2 data [Le1 Le2]`).
    pub fn encode(&self, encoding: ApduEncoding) -> Result<Vec<u8>, ApduError> {
        let (max_data, max_ne) = match encoding {
            ApduEncoding::Short => (MAX_SHORT_DATA, MAX_SHORT_NE),
            ApduEncoding::Extended => (MAX_EXTENDED_DATA, MAX_EXTENDED_NE),
        };
        if self.data.len() > max_data {
            return Err(ApduError::DataTooLong {
                len: self.data.len(),
                encoding,
            });
        }
        if let Some(ne) = self.ne.filter(|&ne| ne == 0 || ne > max_ne) {
            return Err(ApduError::ExpectedLengthTooLarge { ne, encoding });
        }
        let mut out = Vec::with_capacity(4 + 3 + self.data.len() + 3);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        // Lengths were bounded above, so the truncating casts below keep every bit; Ne of
        // 256 (short) and 65536 (extended) encode as zero, as ISO 7816-4 specifies.
        match encoding {
            ApduEncoding::Short => {
                if !self.data.is_empty() {
                    out.push(self.data.len() as u8);
                    out.extend_from_slice(&self.data);
                }
                if let Some(ne) = self.ne {
                    out.push((ne % 256) as u8);
                }
            }
            ApduEncoding::Extended => {
                if !self.data.is_empty() {
                    out.push(0x00);
                    out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
                    out.extend_from_slice(&self.data);
                } else if self.ne.is_some() {
                    out.push(0x00);
                }
                if let Some(ne) = self.ne {
                    out.extend_from_slice(&((ne % 65_536) as u16).to_be_bytes());
                }
            }
        }
        Ok(out)
    }

    /// Decodes a command APDU in any of the ISO 7816-4 cases, short or extended. Also accepts
    /// an extended Lc of zero followed by Le (`00 00 00 Le1 Le2`), which U2F hosts such as
    /// python-fido2 send for requests without data.
    pub fn decode(bytes: &[u8]) -> Result<(Self, ApduEncoding), ApduError> {
        let Some((header, body)) = bytes.split_first_chunk::<4>() else {
            return Err(ApduError::CommandTooShort { len: bytes.len() });
        };
        let [cla, ins, p1, p2] = *header;
        let mismatch = ApduError::LengthMismatch { len: bytes.len() };
        let build = |data: &[u8], ne: Option<u32>| Self {
            cla,
            ins,
            p1,
            p2,
            data: data.to_vec(),
            ne,
        };
        match body {
            // Case 1.
            [] => Ok((build(&[], None), ApduEncoding::Short)),
            // Case 2S.
            [le] => Ok((build(&[], Some(short_ne(*le))), ApduEncoding::Short)),
            // Case 2E.
            [0x00, le1, le2] => Ok((
                build(&[], Some(extended_ne(*le1, *le2))),
                ApduEncoding::Extended,
            )),
            [0x00, lc1, lc2, rest @ ..] => {
                let nc = usize::from(u16::from_be_bytes([*lc1, *lc2]));
                if rest.len() == nc {
                    // Case 3E.
                    Ok((build(rest, None), ApduEncoding::Extended))
                } else if rest.len() == nc + 2 {
                    // Case 4E (and the zero-Lc form).
                    let (data, le) = rest.split_at(nc);
                    let ne = match le {
                        [le1, le2] => extended_ne(*le1, *le2),
                        _ => return Err(mismatch),
                    };
                    Ok((build(data, Some(ne)), ApduEncoding::Extended))
                } else {
                    Err(mismatch)
                }
            }
            // A short Lc of zero is not valid ISO 7816-4.
            [0x00, ..] => Err(mismatch),
            [lc, rest @ ..] => {
                let nc = usize::from(*lc);
                if rest.len() == nc {
                    // Case 3S.
                    Ok((build(rest, None), ApduEncoding::Short))
                } else if rest.len() == nc + 1 {
                    // Case 4S.
                    let (data, le) = rest.split_at(nc);
                    let ne = le.first().map_or(MAX_SHORT_NE, |&le| short_ne(le));
                    Ok((build(data, Some(ne)), ApduEncoding::Short))
                } else {
                    Err(mismatch)
                }
            }
        }
    }
}

fn short_ne(le: u8) -> u32 {
    if le == 0 {
        MAX_SHORT_NE
    } else {
        u32::from(le)
    }
}

fn extended_ne(le1: u8, le2: u8) -> u32 {
    match u16::from_be_bytes([le1, le2]) {
        0 => MAX_EXTENDED_NE,
        ne => u32::from(ne),
    }
}

/// A response APDU: data followed by the status word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseApdu {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub status: StatusWord,
}

impl ResponseApdu {
    /// `data || SW1 SW2`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.status.to_bytes());
        out
    }

    /// Splits off the status word.
    pub fn decode(bytes: &[u8]) -> Result<Self, ApduError> {
        let Some((data, sw)) = bytes.split_last_chunk::<2>() else {
            return Err(ApduError::ResponseTooShort { len: bytes.len() });
        };
        Ok(Self {
            data: data.to_vec(),
            status: StatusWord::from_u16(u16::from_be_bytes(*sw)),
        })
    }

    /// A response with only a status word (errors, and the authenticator's check-only
    /// answers).
    pub fn status_only(status: StatusWord) -> Self {
        Self {
            data: Vec::new(),
            status,
        }
    }
}
