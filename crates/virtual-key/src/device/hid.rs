//! The virtual key as a CTAPHID device (CTAP 2.1 §11.2): for uhid and in-memory tests.

use std::time::Duration;

use keydesk_framing::hid::{DeviceConfig, DeviceError, DeviceEvent, HidCommand, HidDevice, HidErrorCode, HidRequest, TransactionId};
use keydesk_framing::KeepaliveStatus;

use crate::authenticator::{Authenticator, Reply};

use super::CTAP_ERR_OTHER;

/// A virtual key behind CTAPHID framing: output reports in, input reports out, keepalives
/// while a request waits for a touch, CTAPHID_CANCEL honoured.
#[derive(Debug)]
pub struct HidKey {
    key: Authenticator,
    config: DeviceConfig,
    device: HidDevice,
    waiting: Option<TransactionId>,
}

impl HidKey {
    pub fn new(key: Authenticator, config: DeviceConfig) -> Self {
        Self { key, device: HidDevice::new(config.clone()), config, waiting: None }
    }

    pub fn key(&self) -> &Authenticator {
        &self.key
    }

    pub fn key_mut(&mut self) -> &mut Authenticator {
        &mut self.key
    }

    /// The engine back, e.g. to serve it over another transport.
    pub fn into_key(self) -> Authenticator {
        self.key
    }

    /// One output report from the host (64 bytes, without the report ID).
    pub fn handle_report(&mut self, report: &[u8], now: Duration) -> Result<(), DeviceError> {
        let result = self.device.handle_report(report, now);
        self.process_events(now);
        result
    }

    /// The next input report to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.device.poll_transmit()
    }

    /// When [`Self::handle_timeout`] must run next (keepalives, message and touch timeouts).
    pub fn next_timeout(&self) -> Option<Duration> {
        super::earliest(self.device.next_timeout(), self.key.next_timeout())
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        self.device.handle_timeout(now);
        if let Some(response) = self.key.poll(now) {
            self.answer_waiting(&response);
        }
    }

    /// The user touched the key.
    pub fn touch(&mut self, now: Duration) {
        if let Some(response) = self.key.touch(now) {
            self.answer_waiting(&response);
        }
    }

    /// The user refused.
    pub fn deny(&mut self, now: Duration) {
        if let Some(response) = self.key.deny(now) {
            self.answer_waiting(&response);
        }
    }

    /// Unplug and replug: channels are forgotten and the key is power-cycled.
    pub fn power_cycle(&mut self, now: Duration) {
        self.device = HidDevice::new(self.config.clone());
        self.waiting = None;
        self.key.power_cycle(now);
    }

    fn process_events(&mut self, now: Duration) {
        while let Some(event) = self.device.poll_event() {
            match event {
                DeviceEvent::Request(request) => self.serve(request, now),
                DeviceEvent::Cancel { id } if self.waiting == Some(id) => {
                    if let Some(response) = self.key.cancel(now) {
                        self.answer_waiting(&response);
                    }
                }
                DeviceEvent::Aborted { id } if self.waiting == Some(id) => {
                    self.key.cancel(now);
                    self.waiting = None;
                }
                _ => {}
            }
        }
    }

    fn serve(&mut self, request: HidRequest, now: Duration) {
        match request.cmd {
            HidCommand::Cbor => match self.key.handle(&request.payload, now) {
                Reply::Response(response) => self.respond(request.id, &response),
                Reply::WaitingForUserPresence => {
                    self.waiting = Some(request.id);
                    // The transaction was just handed out, so this cannot fail.
                    let _ = self.device.set_keepalive_status(request.id, KeepaliveStatus::UpNeeded, now);
                }
            },
            HidCommand::Msg => {
                let response = self.key.handle_u2f(&request.payload, now);
                self.respond(request.id, &response);
            }
            _ => {
                let _ = self.device.respond_error(request.id, HidErrorCode::InvalidCmd);
            }
        }
    }

    fn answer_waiting(&mut self, response: &[u8]) {
        if let Some(id) = self.waiting.take() {
            self.respond(id, response);
        }
    }

    fn respond(&mut self, id: TransactionId, response: &[u8]) {
        if let Err(DeviceError::ResponseTooLong { .. }) = self.device.respond(id, response) {
            let _ = self.device.respond(id, &[CTAP_ERR_OTHER]);
        }
    }
}
