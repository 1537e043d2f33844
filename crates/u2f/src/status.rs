//! ISO 7816-4 status words that U2F uses (FIDO U2F Raw Message Formats v1.2 §3.3).

/// A response APDU's status word (SW1 SW2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// 0x9000 SW_NO_ERROR: the command completed.
    NoError,
    /// 0x6985 SW_CONDITIONS_NOT_SATISFIED: user presence is needed (register, authenticate
    /// with 0x03), or the key handle is valid (authenticate check-only 0x07).
    ConditionsNotSatisfied,
    /// 0x6A80 SW_WRONG_DATA: the key handle is not this authenticator's, or the request is
    /// malformed.
    WrongData,
    /// 0x6700 SW_WRONG_LENGTH: the request has the wrong length.
    WrongLength,
    /// 0x6E00 SW_CLA_NOT_SUPPORTED.
    ClassNotSupported,
    /// 0x6D00 SW_INS_NOT_SUPPORTED.
    InstructionNotSupported,
    /// Any other status word.
    Other(u16),
}

impl StatusWord {
    /// The status word from its 16-bit value.
    pub fn from_u16(value: u16) -> Self {
        match value {
            0x9000 => Self::NoError,
            0x6985 => Self::ConditionsNotSatisfied,
            0x6A80 => Self::WrongData,
            0x6700 => Self::WrongLength,
            0x6E00 => Self::ClassNotSupported,
            0x6D00 => Self::InstructionNotSupported,
            other => Self::Other(other),
        }
    }

    /// The 16-bit value.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::NoError => 0x9000,
            Self::ConditionsNotSatisfied => 0x6985,
            Self::WrongData => 0x6A80,
            Self::WrongLength => 0x6700,
            Self::ClassNotSupported => 0x6E00,
            Self::InstructionNotSupported => 0x6D00,
            Self::Other(other) => other,
        }
    }

    /// SW1 SW2 as sent.
    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04X}", self.to_u16())
    }
}
