//! FIDO over ISO 7816-4 APDUs, for NFC and CCID readers (CTAP 2.1 §11.3).
//!
//! * [`apdu`]: command/response APDU codec (short and extended), status words, constants;
//! * [`host`]: the request planner of a PC/SC host;
//! * [`card`]: the FIDO applet of a (virtual) card.

pub mod apdu;
pub mod card;
pub mod host;

pub use apdu::{CommandApdu, LengthForm, ResponseApdu, StatusWord, FIDO_AID};
pub use card::{Applet, CardAction, CardConfig, CardError, CardRequest, FidoCard, RequestKind};
pub use host::{ApduHost, ApduHostConfig, HostError, HostEvent};
