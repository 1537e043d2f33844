//! The virtual key as a FIDO BLE peripheral (CTAP 2.1 §11.4).

use std::time::Duration;

use keydesk_framing::ble::{BleDevice, BleDeviceConfig, BleDeviceError, BleDeviceEvent, BleErrorCode, BleTransactionId};
use keydesk_framing::KeepaliveStatus;

use crate::authenticator::{Authenticator, Reply};

use super::CTAP_ERR_OTHER;

/// A virtual key behind BLE framing: control-point writes in, status notifications out.
#[derive(Debug)]
pub struct BleKey {
    key: Authenticator,
    device: BleDevice,
    waiting: Option<BleTransactionId>,
}

impl BleKey {
    pub fn new(key: Authenticator, config: BleDeviceConfig) -> Self {
        Self { key, device: BleDevice::new(config), waiting: None }
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

    /// One write to fidoControlPoint.
    pub fn handle_write(&mut self, fragment: &[u8], now: Duration) -> Result<(), BleDeviceError> {
        let result = self.device.handle_write(fragment, now);
        while let Some(event) = self.device.poll_event() {
            match event {
                BleDeviceEvent::Request { id, payload } => self.serve(id, &payload, now),
                BleDeviceEvent::Cancel { id } if self.waiting == Some(id) => {
                    if let Some(response) = self.key.cancel(now) {
                        self.answer_waiting(&response);
                    }
                }
                _ => {}
            }
        }
        result
    }

    /// The next fidoStatus notification.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.device.poll_transmit()
    }

    pub fn next_timeout(&self) -> Option<Duration> {
        super::earliest(self.device.next_timeout(), self.key.next_timeout())
    }

    pub fn handle_timeout(&mut self, now: Duration) {
        self.device.handle_timeout(now);
        if let Some(response) = self.key.poll(now) {
            self.answer_waiting(&response);
        }
    }

    pub fn touch(&mut self, now: Duration) {
        if let Some(response) = self.key.touch(now) {
            self.answer_waiting(&response);
        }
    }

    pub fn deny(&mut self, now: Duration) {
        if let Some(response) = self.key.deny(now) {
            self.answer_waiting(&response);
        }
    }

    fn serve(&mut self, id: BleTransactionId, payload: &[u8], now: Duration) {
        // U2F APDUs start with CLA 0x00, which is no CTAP2 command byte (§11.4.1).
        if payload.first() == Some(&0x00) {
            let response = self.key.handle_u2f(payload, now);
            self.respond(id, &response);
            return;
        }
        match self.key.handle(payload, now) {
            Reply::Response(response) => self.respond(id, &response),
            Reply::WaitingForUserPresence => {
                self.waiting = Some(id);
                let _ = self.device.set_keepalive_status(id, KeepaliveStatus::UpNeeded, now);
            }
        }
    }

    fn answer_waiting(&mut self, response: &[u8]) {
        if let Some(id) = self.waiting.take() {
            self.respond(id, response);
        }
    }

    fn respond(&mut self, id: BleTransactionId, response: &[u8]) {
        if self.device.respond(id, response).is_err() && self.device.respond(id, &[CTAP_ERR_OTHER]).is_err() {
            let _ = self.device.respond_error(id, BleErrorCode::Other);
        }
    }
}
