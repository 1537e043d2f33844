//! FIDO over ISO 7816 APDUs (CTAP 2.1 §11.3): NFC readers and CCID, through any APDU pipe. The
//! pcsc shell and the in-memory pipe to the virtual key both run this one driver around
//! `keydesk_framing::iso7816::ApduHost`.

#[cfg(feature = "nfc")]
pub mod pcsc_reader;

use crate::{Device, DeviceDescriptor, Message, NoWatch, TransportError, Watch};
use keydesk_framing::iso7816::{ApduHost, ApduHostConfig, Applet, CommandApdu, HostEvent};
use std::time::{Duration, Instant};

/// Moves one command APDU to a card and returns its response APDU (data || SW1 SW2).
pub trait ApduPipe: Send {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// What the FIDO applet said it speaks when selected.
pub type FidoApplet = Applet;

/// Longest a card may keep answering "processing" before we give up. A touch is waited for
/// by the card itself (it answers "user presence needed"), which this limit also bounds.
const OVERALL_LIMIT: Duration = Duration::from_secs(60);

/// Slice in which a pending status poll sleeps before asking the watch about cancel again.
const CANCEL_CHECK: Duration = Duration::from_millis(20);

/// A card reached through an APDU pipe, with its FIDO applet selected.
#[derive(Debug)]
pub struct ApduLink<P> {
    descriptor: DeviceDescriptor,
    pipe: P,
    host: ApduHost,
    applet: Applet,
}

impl<P: ApduPipe> ApduLink<P> {
    /// Selects the FIDO applet (CTAP 2.1 §11.3.3); a card without it is [`TransportError::NotAFidoCard`].
    pub fn select(descriptor: DeviceDescriptor, mut pipe: P) -> Result<Self, TransportError> {
        let mut host = ApduHost::new(ApduHostConfig::default());
        host.select().map_err(framing_error)?;
        let applet = match drive(&mut host, &mut pipe, &mut NoWatch)? {
            HostEvent::Selected(applet) => applet,
            HostEvent::Rejected(_) => return Err(TransportError::NotAFidoCard),
            other => return Err(framing_error(format!("unexpected answer to SELECT: {other:?}"))),
        };
        Ok(Self { descriptor, pipe, host, applet })
    }

    pub fn applet(&self) -> Applet {
        self.applet
    }
}

impl<P: ApduPipe> Device for ApduLink<P> {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(&mut self, message: Message<'_>, watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        match message {
            Message::Ctap2(payload) => {
                if self.applet == Applet::U2fOnly {
                    return Err(TransportError::Unsupported("CTAP2 (it is a U2F-only key)"));
                }
                self.host.send_ctap(payload).map_err(framing_error)?;
                match drive(&mut self.host, &mut self.pipe, watch)? {
                    HostEvent::CtapResponse(response) => Ok(response),
                    HostEvent::Rejected(sw) => Err(framing_error(format!("the card refused the CTAP message with {sw:?}"))),
                    other => Err(framing_error(format!("unexpected {other:?}"))),
                }
            }
            Message::Ctap1(apdu) => {
                let (command, _) = CommandApdu::decode(apdu).map_err(framing_error)?;
                self.host.send_u2f(command).map_err(framing_error)?;
                match drive(&mut self.host, &mut self.pipe, watch)? {
                    HostEvent::U2fResponse(response) => Ok(response.encode()),
                    other => Err(framing_error(format!("unexpected {other:?}"))),
                }
            }
        }
    }
}

/// Runs one exchange to its final event: transmits what the host plans, sleeps until status
/// polls are due, relays status updates to `watch`, and asks the card to cancel when told to.
fn drive(host: &mut ApduHost, pipe: &mut dyn ApduPipe, watch: &mut dyn Watch) -> Result<HostEvent, TransportError> {
    let start = Instant::now();
    let mut cancel_sent = false;
    loop {
        if !cancel_sent && watch.cancel_requested() && host.cancel().is_ok() {
            cancel_sent = true;
        }
        if let Some(apdu) = host.poll_transmit() {
            let response = pipe.transmit(&apdu)?;
            host.handle_response(&response, start.elapsed()).map_err(framing_error)?;
        } else if let Some(due) = host.next_timeout() {
            let now = start.elapsed();
            if due > now {
                std::thread::sleep((due - now).min(CANCEL_CHECK));
            }
            host.handle_timeout(start.elapsed());
        } else if !host.is_busy() {
            // Every exchange ends in an event; an idle host without one is a bug on our side.
            return Err(framing_error("the exchange ended without a result"));
        }
        while let Some(event) = host.poll_event() {
            match event {
                HostEvent::Status(status) => watch.status(status),
                final_event => return Ok(final_event),
            }
        }
        if start.elapsed() > OVERALL_LIMIT {
            return Err(TransportError::Timeout(OVERALL_LIMIT));
        }
    }
}

fn framing_error(detail: impl ToString) -> TransportError {
    TransportError::Framing { transport: "ISO 7816", detail: detail.to_string() }
}
