//! FIDO over BLE (CTAP 2.1 §11.4) through any GATT pipe: the btleplug shell ([`central`], feature
//! `ble`) and the in-memory pipe to the virtual key both run this driver around
//! `keydesk_framing::ble::BleHost`.

#[cfg(feature = "ble")]
pub mod central;
#[cfg(feature = "ble")]
pub mod pairing;

use crate::{Device, DeviceDescriptor, Message, TransportError, Watch};
use keydesk_framing::ble::{BleCommand, BleEvent, BleHost, ControlPointLen};
use std::time::{Duration, Instant};

/// Silence longer than this ends the request: keepalives come every 100 ms or so.
const SILENCE_LIMIT: Duration = Duration::from_secs(3);
const READ_SLICE: Duration = Duration::from_millis(50);
/// Longest response we accept (the BLE length field allows 65535).
const MAX_RESPONSE: usize = u16::MAX as usize;

/// Moves control-point writes out and status notifications in.
pub trait GattPipe: Send {
    /// The authenticator's fidoControlPointLength.
    fn control_point_len(&mut self) -> Result<ControlPointLen, TransportError>;
    fn write_control_point(&mut self, fragment: &[u8]) -> Result<(), TransportError>;
    /// One status notification, or `None` when none arrived within `timeout`.
    fn read_status(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError>;
}

/// A BLE authenticator: the framing state machine and the pipe it drives.
#[derive(Debug)]
pub struct BleLink<P> {
    descriptor: DeviceDescriptor,
    pipe: P,
    control_point_len: ControlPointLen,
    host: BleHost,
}

impl<P: GattPipe> BleLink<P> {
    pub fn new(descriptor: DeviceDescriptor, mut pipe: P) -> Result<Self, TransportError> {
        let control_point_len = pipe.control_point_len()?;
        Ok(Self { descriptor, pipe, control_point_len, host: BleHost::new(control_point_len, MAX_RESPONSE) })
    }

    /// The GATT pipe underneath (e.g. to measure its raw round trip).
    pub fn pipe_mut(&mut self) -> &mut P {
        &mut self.pipe
    }
}

impl<P: GattPipe> Device for BleLink<P> {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    /// CTAP2 and CTAP1 messages both travel as MSG over BLE (CTAP 2.1 §11.4.1).
    fn transact(&mut self, message: Message<'_>, watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        let result = self.exchange(message, watch);
        if result.is_err() {
            // A request abandoned on timeout or a broken frame must not block the next one.
            self.host = BleHost::new(self.control_point_len, MAX_RESPONSE);
        }
        result
    }
}

impl<P: GattPipe> BleLink<P> {
    fn exchange(&mut self, message: Message<'_>, watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        let (Message::Ctap2(payload) | Message::Ctap1(payload)) = message;
        self.host.send(BleCommand::Msg, payload).map_err(framing_error)?;
        let mut last_heard = Instant::now();
        let mut cancel_sent = false;
        loop {
            while let Some(fragment) = self.host.poll_transmit() {
                self.pipe.write_control_point(&fragment)?;
            }
            if !cancel_sent && watch.cancel_requested() && self.host.cancel().is_ok() {
                cancel_sent = true;
                continue;
            }
            match self.pipe.read_status(READ_SLICE)? {
                Some(notification) => {
                    last_heard = Instant::now();
                    self.host.handle_notification(&notification).map_err(framing_error)?;
                }
                None if last_heard.elapsed() > SILENCE_LIMIT => return Err(TransportError::Timeout(SILENCE_LIMIT)),
                None => {}
            }
            while let Some(event) = self.host.poll_event() {
                match event {
                    BleEvent::Keepalive(status) => watch.status(status),
                    BleEvent::Response { payload, .. } => return Ok(payload),
                    BleEvent::Error(code) => return Err(framing_error(format!("BLE error {code:?}"))),
                    other => return Err(framing_error(format!("unexpected {other:?}"))),
                }
            }
        }
    }
}

fn framing_error(detail: impl ToString) -> TransportError {
    TransportError::Framing { transport: "BLE", detail: detail.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DeviceId, NoWatch, TransportKind};
    use keydesk_framing::ble::fragment_message;
    use std::collections::VecDeque;

    /// A peripheral that answers each write with the notifications queued for it.
    struct Scripted {
        answers: VecDeque<Vec<Vec<u8>>>,
        pending: VecDeque<Vec<u8>>,
        gone: bool,
    }

    impl GattPipe for Scripted {
        fn control_point_len(&mut self) -> Result<ControlPointLen, TransportError> {
            Ok(ControlPointLen::SMALLEST)
        }

        fn write_control_point(&mut self, _fragment: &[u8]) -> Result<(), TransportError> {
            if self.gone {
                return Err(TransportError::Disconnected);
            }
            if let Some(answer) = self.answers.pop_front() {
                self.pending.extend(answer);
            }
            Ok(())
        }

        fn read_status(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, TransportError> {
            match self.pending.pop_front() {
                Some(notification) => Ok(Some(notification)),
                None => {
                    std::thread::sleep(timeout);
                    Ok(None)
                }
            }
        }
    }

    fn link(answers: Vec<Vec<Vec<u8>>>) -> Result<BleLink<Scripted>, TransportError> {
        let descriptor = DeviceDescriptor {
            id: DeviceId("ble:00:00:00:00:00:01".into()),
            transport: TransportKind::Ble,
            product: String::new(),
            simulated: true,
        };
        BleLink::new(descriptor, Scripted { answers: answers.into(), pending: VecDeque::new(), gone: false })
    }

    #[test]
    fn a_silent_key_times_out_and_the_next_request_still_works() -> Result<(), TransportError> {
        let response = fragment_message(BleCommand::Msg, &[0x00, 0xA0], 20).map_err(|e| TransportError::Other(e.to_string()))?;
        // The first request gets nothing back; the second its response.
        let mut link = link(vec![Vec::new(), response])?;
        let started = Instant::now();
        assert!(matches!(link.transact(Message::Ctap2(&[0x04]), &mut NoWatch), Err(TransportError::Timeout(limit)) if limit == SILENCE_LIMIT));
        assert!(started.elapsed() < SILENCE_LIMIT + Duration::from_secs(1), "took {:?}", started.elapsed());
        assert_eq!(link.transact(Message::Ctap2(&[0x04]), &mut NoWatch)?, vec![0x00, 0xA0]);
        Ok(())
    }

    #[test]
    fn a_key_that_went_away_is_disconnected() -> Result<(), TransportError> {
        let mut link = link(Vec::new())?;
        link.pipe_mut().gone = true;
        assert!(matches!(link.transact(Message::Ctap2(&[0x04]), &mut NoWatch), Err(TransportError::Disconnected)));
        Ok(())
    }
}
