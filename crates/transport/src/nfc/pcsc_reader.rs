//! NFC and CCID readers through PC/SC (pcscd on Linux): enumeration, card presence, FIDO applet
//! detection, and the APDU pipe the ISO 7816 framing drives.

use super::{ApduLink, ApduPipe, FidoApplet};
use crate::{DeviceDescriptor, DeviceId, TransportError, TransportKind};
use std::ffi::{CStr, CString};

/// What a reader holds, as far as FIDO is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderState {
    /// No card on the reader.
    Empty,
    /// A card whose FIDO applet answered SELECT.
    Fido { descriptor: DeviceDescriptor, applet: FidoApplet },
    /// A card that refused the FIDO applet (a bank card, an ID card, ...).
    NotFido,
}

/// A reader and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub name: String,
    pub state: ReaderState,
}

/// Establishes a PC/SC context; "pcscd is not running" is told apart from other failures.
pub fn context() -> Result<pcsc::Context, TransportError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(|e| match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::NoReadersAvailable => {
            TransportError::PcscdNotRunning
        }
        other => TransportError::Other(format!("PC/SC is unavailable: {other}")),
    })
}

/// Every reader and what it holds. A card is probed (connect + SELECT) only when it is new to
/// the reader: pcscd counts card events per reader, and while the count stands the previous
/// answer holds. So a hot-plug watch polling this does not SELECT the applet again and again
/// under another application's open session.
pub fn readers(context: &pcsc::Context) -> Result<Vec<Reader>, TransportError> {
    let names = reader_names(context)?;
    let mut states: Vec<pcsc::ReaderState> =
        names.iter().map(|name| pcsc::ReaderState::new(name.clone(), pcsc::State::UNAWARE)).collect();
    let known = context.get_status_change(std::time::Duration::ZERO, &mut states).is_ok();
    let mut cache = PROBED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let readers = names
        .iter()
        .zip(&states)
        .map(|(name, state)| {
            let text = name.to_string_lossy().into_owned();
            if known && !state.event_state().contains(pcsc::State::PRESENT) {
                cache.remove(&text);
                return Reader { name: text, state: ReaderState::Empty };
            }
            let events = known.then(|| state.event_count());
            if let Some((count, reader)) = cache.get(&text) {
                if events == Some(*count) {
                    return reader.clone();
                }
            }
            let reader = probe(context, name);
            match (events, &reader.state) {
                (Some(count), ReaderState::Fido { .. } | ReaderState::NotFido) => {
                    cache.insert(text, (count, reader.clone()));
                }
                _ => {
                    cache.remove(&text);
                }
            }
            reader
        })
        .collect();
    Ok(readers)
}

/// Probe results by reader name, with pcscd's card-event count when they were taken.
static PROBED: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<String, (u32, Reader)>>> =
    std::sync::LazyLock::new(Default::default);

fn reader_names(context: &pcsc::Context) -> Result<Vec<CString>, TransportError> {
    let length = match context.list_readers_len() {
        Ok(length) => length,
        Err(pcsc::Error::NoReadersAvailable) => return Ok(Vec::new()),
        Err(pcsc::Error::NoService | pcsc::Error::ServiceStopped) => return Err(TransportError::PcscdNotRunning),
        Err(other) => return Err(TransportError::Other(format!("cannot list smart-card readers: {other}"))),
    };
    let mut buffer = vec![0u8; length];
    match context.list_readers(&mut buffer) {
        Ok(names) => Ok(names.map(CStr::to_owned).collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(other) => Err(TransportError::Other(format!("cannot list smart-card readers: {other}"))),
    }
}

fn probe(context: &pcsc::Context, name: &CStr) -> Reader {
    let text = name.to_string_lossy().into_owned();
    let state = match context.connect(name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
        Err(_) => ReaderState::Empty,
        Ok(card) => match ApduLink::select(descriptor(&text), PcscPipe::new(card)) {
            Ok(link) => ReaderState::Fido { descriptor: descriptor(&text), applet: link.applet() },
            Err(_) => ReaderState::NotFido,
        },
    };
    Reader { name: text, state }
}

fn descriptor(reader: &str) -> DeviceDescriptor {
    DeviceDescriptor {
        id: DeviceId(format!("nfc:{reader}")),
        transport: TransportKind::Nfc,
        product: reader.to_string(),
        // vsmartcard's vpcd is only ever used to present software cards.
        simulated: reader.starts_with("Virtual PCD"),
    }
}

/// Connects to the card on `reader` and selects its FIDO applet.
pub fn connect(context: &pcsc::Context, reader: &str) -> Result<ApduLink<PcscPipe>, TransportError> {
    let name = CString::new(reader).map_err(|_| TransportError::Other(format!("bad reader name {reader:?}")))?;
    let card = context
        .connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .map_err(map_card_error)?;
    ApduLink::select(descriptor(reader), PcscPipe::new(card))
}

/// A connected card. Closing it leaves the card as it is: the `pcsc` crate would otherwise reset
/// the card on drop, which on a FIDO key clears the PIN power-cycle block (CTAP 2.1 §6.5.5.7),
/// reopens the reset window (§6.6) and cuts off other applications' sessions.
pub struct PcscPipe {
    card: Option<pcsc::Card>,
    /// The receive buffer, allocated once per connection rather than once per APDU.
    buffer: Vec<u8>,
}

impl PcscPipe {
    fn new(card: pcsc::Card) -> Self {
        // Extended-length responses can carry up to 65536 bytes plus the status word.
        Self { card: Some(card), buffer: vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED] }
    }
}

impl Drop for PcscPipe {
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            let _ = card.disconnect(pcsc::Disposition::LeaveCard);
        }
    }
}

impl std::fmt::Debug for PcscPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscPipe").finish_non_exhaustive()
    }
}

impl ApduPipe for PcscPipe {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let card = self.card.as_ref().ok_or(TransportError::Disconnected)?;
        match card.transmit(command, &mut self.buffer) {
            // Every response APDU ends with SW1 SW2 (ISO 7816-4 §5.1): an empty one means the
            // card left the field mid-exchange.
            Ok([]) => Err(TransportError::Disconnected),
            Ok(response) => Ok(response.to_vec()),
            Err(error) => Err(map_card_error(error)),
        }
    }
}

/// pcscd reports a card that left the field in several ways, depending on when it noticed.
fn map_card_error(error: pcsc::Error) -> TransportError {
    match error {
        pcsc::Error::RemovedCard
        | pcsc::Error::ResetCard
        | pcsc::Error::NoSmartcard
        | pcsc::Error::NotTransacted
        | pcsc::Error::CommError
        | pcsc::Error::UnpoweredCard
        | pcsc::Error::UnknownReader
        | pcsc::Error::ReaderUnavailable => TransportError::Disconnected,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => TransportError::PcscdNotRunning,
        other => TransportError::Other(format!("smart-card reader error: {other}")),
    }
}
