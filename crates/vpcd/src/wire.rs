//! The vpcd wire format: `u16` big-endian length, then payload. Pure functions, no IO.

/// What vpcd asked of the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VpcdMessage {
    Control(Control),
    /// A command APDU (two bytes or more).
    Apdu(Vec<u8>),
}

/// One-byte control codes of the vpcd protocol. Only `GetAtr` expects a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    PowerOff,
    PowerOn,
    Reset,
    GetAtr,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    #[error("vpcd sent an empty message")]
    EmptyMessage,
    #[error("vpcd sent unknown control code {0:#04x}")]
    UnknownControl(u8),
    #[error("a reply of {0} bytes does not fit the 16-bit length prefix")]
    ReplyTooLong(usize),
}

impl VpcdMessage {
    /// Classifies one received payload (the length prefix already removed).
    pub fn parse(payload: &[u8]) -> Result<Self, WireError> {
        match payload {
            [] => Err(WireError::EmptyMessage),
            [0x00] => Ok(Self::Control(Control::PowerOff)),
            [0x01] => Ok(Self::Control(Control::PowerOn)),
            [0x02] => Ok(Self::Control(Control::Reset)),
            [0x04] => Ok(Self::Control(Control::GetAtr)),
            [other] => Err(WireError::UnknownControl(*other)),
            apdu => Ok(Self::Apdu(apdu.to_vec())),
        }
    }
}

/// Prefixes `payload` with its length, as one buffer so it leaves in one TCP segment.
pub fn frame(payload: &[u8]) -> Result<Vec<u8>, WireError> {
    let length = u16::try_from(payload.len()).map_err(|_| WireError::ReplyTooLong(payload.len()))?;
    let mut framed = Vec::with_capacity(payload.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(payload);
    Ok(framed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_codes_and_apdus_are_told_apart() {
        assert_eq!(VpcdMessage::parse(&[0x04]), Ok(VpcdMessage::Control(Control::GetAtr)));
        assert_eq!(VpcdMessage::parse(&[0x01]), Ok(VpcdMessage::Control(Control::PowerOn)));
        assert_eq!(VpcdMessage::parse(&[0x03]), Err(WireError::UnknownControl(0x03)));
        assert_eq!(VpcdMessage::parse(&[]), Err(WireError::EmptyMessage));
        assert_eq!(
            VpcdMessage::parse(&[0x00, 0xA4, 0x04, 0x00]),
            Ok(VpcdMessage::Apdu(vec![0x00, 0xA4, 0x04, 0x00]))
        );
    }

    #[test]
    fn frames_carry_a_big_endian_length() {
        assert_eq!(frame(&[0x90, 0x00]), Ok(vec![0x00, 0x02, 0x90, 0x00]));
        assert_eq!(frame(&vec![0; 65_536]), Err(WireError::ReplyTooLong(65_536)));
        assert_eq!(frame(&vec![0; 65_535]).map(|f| f.len()), Ok(65_537));
    }
}
