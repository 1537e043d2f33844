//! The IO shell: a uhid device whose output reports feed a CTAPHID device state machine and
//! whose input reports carry its answers, served by a blocking loop.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keydesk_framing::hid::report_id::strip_report_id;
use keydesk_framing::hid::ReportLen;
use keydesk_virtual_key::HidKey;
use thiserror::Error;

use crate::descriptor::FIDO_REPORT_DESCRIPTOR;
use crate::event::{DeviceEvent, DeviceIdentity, EncodeError, EventError, KernelEvent, ReportType, EVENT_SIZE};

/// How often the loop looks at the stop flag when nothing else wakes it.
const STOP_CHECK: Duration = Duration::from_millis(20);
/// errno answered to GET_REPORT / SET_REPORT: a FIDO device has no feature reports.
const EIO: u16 = 5;

/// The device side of CTAPHID as the loop drives it: reports in, reports out, timers.
/// [`HidKey`] (the virtual key) implements it; any other CTAPHID device can.
pub trait CtapHidDevice: Send {
    /// One output report without its report-ID byte.
    fn handle_output_report(&mut self, report: &[u8], now: Duration);
    /// The next input report to send, if any.
    fn poll_input_report(&mut self) -> Option<Vec<u8>>;
    /// When [`Self::handle_timeout`] must run next (keepalives, timeouts).
    fn next_timeout(&self) -> Option<Duration>;
    fn handle_timeout(&mut self, now: Duration);
}

impl CtapHidDevice for HidKey {
    fn handle_output_report(&mut self, report: &[u8], now: Duration) {
        // A malformed packet is answered by the framing itself (CTAPHID_ERROR) when it can be.
        let _ = self.handle_report(report, now);
    }

    fn poll_input_report(&mut self) -> Option<Vec<u8>> {
        self.poll_transmit()
    }

    fn next_timeout(&self) -> Option<Duration> {
        HidKey::next_timeout(self)
    }

    fn handle_timeout(&mut self, now: Duration) {
        HidKey::handle_timeout(self, now);
    }
}

/// Why serving stopped or could not start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UhidError {
    #[error("cannot open /dev/uhid ({0}); load the uhid module and run with access to it")]
    Open(#[source] std::io::Error),
    #[error("writing to uhid failed: {0}")]
    Write(#[source] std::io::Error),
    #[error("reading from uhid failed: {0}")]
    Read(#[source] std::io::Error),
    #[error("the kernel sent a malformed uhid event: {0}")]
    Event(#[from] EventError),
    #[error("cannot encode a uhid event: {0}")]
    Encode(#[from] EncodeError),
    #[error("the device state was poisoned by a panic in another thread")]
    Poisoned,
}

/// The time base of a server: the device sees durations since the server started. Use it
/// when calling the device yourself (e.g. `HidKey::touch(clock.now())`).
#[derive(Debug, Clone, Copy)]
pub struct Clock(Instant);

impl Clock {
    pub fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

enum Incoming {
    Event(Result<KernelEvent, EventError>),
    ReadFailed(std::io::Error),
    Wake,
}

/// Wakes a serving loop after its device was changed from outside (a touch, a refusal), so
/// the answer goes out at once instead of at the next timer.
#[derive(Debug, Clone)]
pub struct Waker(Sender<Incoming>);

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Event(_) => "Event",
            Self::ReadFailed(_) => "ReadFailed",
            Self::Wake => "Wake",
        })
    }
}

impl Waker {
    pub fn wake(&self) {
        // A loop that has ended needs no waking.
        let _ = self.0.send(Incoming::Wake);
    }
}

/// Writes device events; destroys the device when dropped (the key is unplugged).
struct Writer {
    out: Box<dyn Write + Send>,
    created: bool,
}

impl Writer {
    fn send(&mut self, event: &DeviceEvent<'_>) -> Result<(), UhidError> {
        self.out.write_all(&event.encode()?).map_err(UhidError::Write)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.created {
            // Closing the file would destroy it too; saying so is explicit and immediate.
            let _ = self.send(&DeviceEvent::Destroy);
        }
    }
}

/// A CTAPHID device plugged in through uhid. Created with [`UhidServer::create`]; runs in
/// [`UhidServer::serve`]; unplugged (UHID_DESTROY) when `serve` returns or the server drops.
pub struct UhidServer<D> {
    device: Arc<Mutex<D>>,
    writer: Writer,
    events: Receiver<Incoming>,
    waker: Waker,
    clock: Clock,
}

impl<D> std::fmt::Debug for UhidServer<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UhidServer").field("clock", &self.clock).finish_non_exhaustive()
    }
}

impl<D: CtapHidDevice> UhidServer<D> {
    /// Opens `/dev/uhid` and plugs in a FIDO HID device (UHID_CREATE2 with
    /// [`FIDO_REPORT_DESCRIPTOR`]). Its hidraw node appears shortly after (tens of ms).
    pub fn create(identity: &DeviceIdentity, device: Arc<Mutex<D>>) -> Result<Self, UhidError> {
        let file = std::fs::OpenOptions::new().read(true).write(true).open("/dev/uhid").map_err(UhidError::Open)?;
        let reader = file.try_clone().map_err(UhidError::Open)?;
        Self::over(identity, device, reader, file)
    }

    /// Like [`Self::create`] over any byte channel speaking the uhid event format (tests use
    /// a socket pair in place of `/dev/uhid`).
    pub fn over(
        identity: &DeviceIdentity,
        device: Arc<Mutex<D>>,
        reader: impl Read + Send + 'static,
        writer: impl Write + Send + 'static,
    ) -> Result<Self, UhidError> {
        let mut writer = Writer { out: Box::new(writer), created: false };
        writer.send(&DeviceEvent::Create { identity, report_descriptor: &FIDO_REPORT_DESCRIPTOR })?;
        writer.created = true;
        let (sender, events) = mpsc::channel();
        spawn_reader(reader, sender.clone());
        Ok(Self { device, writer, events, waker: Waker(sender), clock: Clock(Instant::now()) })
    }

    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Serves until `stop` is set (then unplugs the device and returns `Ok`) or the uhid
    /// channel fails. Keepalives go out while the device waits (e.g. for a touch).
    pub fn serve(mut self, stop: &AtomicBool) -> Result<(), UhidError> {
        while !stop.load(Ordering::Acquire) {
            let wait = {
                let device = self.device.lock().map_err(|_| UhidError::Poisoned)?;
                let now = self.clock.now();
                device.next_timeout().map_or(STOP_CHECK, |at| at.saturating_sub(now).min(STOP_CHECK))
            };
            match self.events.recv_timeout(wait) {
                Ok(Incoming::Event(event)) => self.handle_event(event?)?,
                Ok(Incoming::ReadFailed(error)) => return Err(UhidError::Read(error)),
                Ok(Incoming::Wake) | Err(RecvTimeoutError::Timeout) => {}
                // The waker held by `self` keeps the channel open.
                Err(RecvTimeoutError::Disconnected) => {}
            }
            self.run_timers_and_flush()?;
        }
        Ok(())
    }

    fn handle_event(&mut self, event: KernelEvent) -> Result<(), UhidError> {
        match event {
            KernelEvent::Output { data, report_type: ReportType::Output } => {
                // hidraw passes the report-ID byte (0x00, the descriptor declares none).
                if let Ok(report) = strip_report_id(&data, ReportLen::DEFAULT) {
                    let mut device = self.device.lock().map_err(|_| UhidError::Poisoned)?;
                    device.handle_output_report(report, self.clock.now());
                }
                Ok(())
            }
            KernelEvent::GetReport { id, .. } => self.writer.send(&DeviceEvent::GetReportReply { id, errno: EIO, data: &[] }),
            KernelEvent::SetReport { id, .. } => self.writer.send(&DeviceEvent::SetReportReply { id, errno: EIO }),
            _ => Ok(()),
        }
    }

    fn run_timers_and_flush(&mut self) -> Result<(), UhidError> {
        let mut device = self.device.lock().map_err(|_| UhidError::Poisoned)?;
        let now = self.clock.now();
        if device.next_timeout().is_some_and(|at| at <= now) {
            device.handle_timeout(now);
        }
        while let Some(report) = device.poll_input_report() {
            self.writer.send(&DeviceEvent::Input(&report))?;
        }
        Ok(())
    }
}

/// Reads whole events on a thread of its own, so the loop can wait with a timeout in safe std.
/// It ends when the channel closes, fails, or the kernel reports the device stopped.
fn spawn_reader(mut reader: impl Read + Send + 'static, events: Sender<Incoming>) {
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; EVENT_SIZE];
        loop {
            if let Err(error) = reader.read_exact(&mut buffer) {
                let _ = events.send(Incoming::ReadFailed(error));
                return;
            }
            let event = KernelEvent::decode(&buffer);
            let stopped = matches!(event, Ok(KernelEvent::Stop));
            if events.send(Incoming::Event(event)).is_err() || stopped {
                return;
            }
        }
    });
}
