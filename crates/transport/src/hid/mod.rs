//! CTAPHID over any report pipe: the USB shell (hidapi) and the in-memory pipe to the virtual key
//! both run this one driver around `keydesk_framing::hid::HidHost`.

#[cfg(feature = "usb")]
pub mod usb;

use crate::{Device, DeviceDescriptor, Message, TransportError, Watch};
use keydesk_framing::hid::{HidCommand, HidErrorCode, HidHost, HostEvent, ReportLen};
use std::time::{Duration, Instant};

/// How long to wait for the first sign of life after a request. Keepalives arrive every 100 ms
/// (CTAP 2.1 §11.2.9.1.5), so silence this long means the device is gone or wedged.
const SILENCE_LIMIT: Duration = Duration::from_secs(3);

/// How long one read blocks before the watch is asked again whether to cancel.
const READ_SLICE: Duration = Duration::from_millis(50);

/// Moves whole HID reports (without report ID) to and from a device.
pub trait ReportPipe: Send {
    fn write_report(&mut self, report: &[u8]) -> Result<(), TransportError>;
    /// One input report, or `None` when nothing arrived within `timeout`.
    fn read_report(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError>;
}

/// A CTAPHID device: the framing state machine plus the pipe it drives.
#[derive(Debug)]
pub struct HidLink<P> {
    descriptor: DeviceDescriptor,
    pipe: P,
    host: HidHost,
    initialized: bool,
}

impl<P: ReportPipe> HidLink<P> {
    pub fn new(descriptor: DeviceDescriptor, pipe: P) -> Self {
        Self { descriptor, pipe, host: HidHost::new(ReportLen::DEFAULT), initialized: false }
    }

    fn flush(&mut self) -> Result<(), TransportError> {
        while let Some(report) = self.host.poll_transmit() {
            self.pipe.write_report(&report)?;
        }
        Ok(())
    }

    /// CTAPHID_INIT on the broadcast channel with a fresh nonce (CTAP 2.1 §11.2.9.1.3).
    fn initialize(&mut self) -> Result<(), TransportError> {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| TransportError::Other(format!("no randomness for the INIT nonce: {e}")))?;
        self.host.begin_init(nonce);
        self.flush()?;
        match self.wait_for_event(&mut crate::NoWatch)? {
            HostEvent::Initialized(_) => {
                self.initialized = true;
                Ok(())
            }
            other => Err(framing_error(format!("expected an INIT response, got {other:?}"))),
        }
    }

    /// Reads reports until the host yields a final event; keepalives go to `watch`.
    fn wait_for_event(&mut self, watch: &mut dyn Watch) -> Result<HostEvent, TransportError> {
        let mut last_heard = Instant::now();
        let mut cancel_sent = false;
        loop {
            if !cancel_sent && watch.cancel_requested() && self.host.cancel().is_ok() {
                self.flush()?;
                cancel_sent = true;
            }
            match self.pipe.read_report(READ_SLICE)? {
                Some(report) => {
                    last_heard = Instant::now();
                    self.host.handle_report(&report).map_err(|e| framing_error(e.to_string()))?;
                }
                None if last_heard.elapsed() > SILENCE_LIMIT => return Err(TransportError::Timeout(SILENCE_LIMIT)),
                None => {}
            }
            while let Some(event) = self.host.poll_event() {
                match event {
                    HostEvent::Keepalive(status) => watch.status(status),
                    final_event => return Ok(final_event),
                }
            }
        }
    }
}

impl<P: ReportPipe> Device for HidLink<P> {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(&mut self, message: Message<'_>, watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        if !self.initialized {
            self.initialize()?;
        }
        let (command, payload) = match message {
            Message::Ctap2(bytes) => (HidCommand::Cbor, bytes),
            Message::Ctap1(bytes) => (HidCommand::Msg, bytes),
        };
        let mut outcome = self.exchange(command, payload, watch)?;
        if outcome == HostEvent::Error(HidErrorCode::InvalidChannel) {
            // The device forgot our channel (it was power-cycled, or reallocated channels). It
            // refused the request at the framing layer before the authenticator saw it, so a new
            // channel and a second send cannot repeat any effect.
            self.initialize()?;
            outcome = self.exchange(command, payload, watch)?;
        }
        match outcome {
            HostEvent::Response { payload, .. } => Ok(payload),
            HostEvent::Error(HidErrorCode::ChannelBusy) => Err(TransportError::Other(
                "the security key is busy with another application; finish or cancel there and retry".into(),
            )),
            HostEvent::Error(code) => Err(framing_error(format!("CTAPHID error {code:?}"))),
            other => Err(framing_error(format!("unexpected {other:?}"))),
        }
    }
}

impl<P: ReportPipe> HidLink<P> {
    /// Sends one message and waits for its final event (a response or a CTAPHID error).
    fn exchange(&mut self, command: HidCommand, payload: &[u8], watch: &mut dyn Watch) -> Result<HostEvent, TransportError> {
        self.host.send(command, payload).map_err(|e| match e {
            keydesk_framing::hid::HostError::PayloadTooLong(too_long) => {
                TransportError::MessageTooLarge { size: too_long.len, limit: too_long.max }
            }
            other => framing_error(other.to_string()),
        })?;
        self.flush()?;
        self.wait_for_event(watch).inspect_err(|_| {
            // The channel state is unknown after a failure: start over with INIT next time.
            self.initialized = false;
        })
    }
}

fn framing_error(detail: String) -> TransportError {
    TransportError::Framing { transport: "CTAPHID", detail }
}
