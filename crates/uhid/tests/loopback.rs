//! The server over a socket pair standing in for /dev/uhid: the test plays the kernel, writes
//! UHID_OUTPUT events with a CTAPHID host's packets and reads UHID_INPUT2 answers.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keydesk_framing::hid::{DeviceConfig, HidCommand, HidHost, HostEvent, ReportLen};
use keydesk_framing::KeepaliveStatus;
use keydesk_uhid::event::{DATA_MAX, EVENT_SIZE};
use keydesk_uhid::{DeviceIdentity, UhidServer, FIDO_REPORT_DESCRIPTOR};
use keydesk_virtual_key::{Authenticator, Config, HidKey, KeyRng, PresencePolicy};

type TestResult = Result<(), Box<dyn std::error::Error>>;

struct FakeKernel {
    socket: UnixStream,
}

impl FakeKernel {
    fn read_event(&mut self) -> Result<Vec<u8>, std::io::Error> {
        let mut event = vec![0u8; EVENT_SIZE];
        self.socket.read_exact(&mut event)?;
        Ok(event)
    }

    fn event_type(event: &[u8]) -> u32 {
        u32::from_ne_bytes([event[0], event[1], event[2], event[3]])
    }

    /// hidraw's write: report ID 0x00 then the 64-byte report, as UHID_OUTPUT.
    fn write_output(&mut self, report: &[u8]) -> Result<(), std::io::Error> {
        let mut event = vec![0u8; EVENT_SIZE];
        event[..4].copy_from_slice(&6u32.to_ne_bytes());
        event[4] = 0x00;
        event[5..5 + report.len()].copy_from_slice(report);
        event[4 + DATA_MAX..4 + DATA_MAX + 2].copy_from_slice(&(report.len() as u16 + 1).to_ne_bytes());
        event[4 + DATA_MAX + 2] = 1; // UHID_OUTPUT_REPORT
        self.socket.write_all(&event)
    }

    /// Reads input reports until the host yields an event that is not a keepalive;
    /// returns it with the keepalives seen.
    fn next_answer(&mut self, host: &mut HidHost) -> Result<(HostEvent, usize), Box<dyn std::error::Error>> {
        let mut keepalives = 0;
        loop {
            let event = self.read_event()?;
            assert_eq!(Self::event_type(&event), 12, "only UHID_INPUT2 while serving");
            let size = usize::from(u16::from_ne_bytes([event[4], event[5]]));
            assert_eq!(size, 64);
            host.handle_report(&event[6..6 + size])?;
            while let Some(answer) = host.poll_event() {
                match answer {
                    HostEvent::Keepalive(KeepaliveStatus::UpNeeded) => keepalives += 1,
                    other => return Ok((other, keepalives)),
                }
            }
        }
    }

    fn send(&mut self, host: &mut HidHost) -> Result<(), std::io::Error> {
        while let Some(report) = host.poll_transmit() {
            self.write_output(&report)?;
        }
        Ok(())
    }
}

type Serving = std::thread::JoinHandle<Result<(), keydesk_uhid::UhidError>>;
type Started = (FakeKernel, Arc<Mutex<HidKey>>, keydesk_uhid::Waker, Arc<AtomicBool>, Serving);

fn start(presence: PresencePolicy) -> Result<Started, Box<dyn std::error::Error>> {
    let (ours, theirs) = UnixStream::pair()?;
    let config = Config { presence, ..Config::default() };
    let key = Arc::new(Mutex::new(HidKey::new(Authenticator::new(config, KeyRng::seeded(1), Duration::ZERO), DeviceConfig::default())));
    let server = UhidServer::over(&DeviceIdentity::default(), key.clone(), theirs.try_clone()?, theirs)?;
    let waker = server.waker();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let serving = std::thread::spawn(move || server.serve(&flag));
    let mut kernel = FakeKernel { socket: ours };
    let create = kernel.read_event()?;
    assert_eq!(FakeKernel::event_type(&create), 11, "UHID_CREATE2 first");
    assert_eq!(create[280..280 + FIDO_REPORT_DESCRIPTOR.len()], FIDO_REPORT_DESCRIPTOR);
    Ok((kernel, key, waker, stop, serving))
}

fn init(kernel: &mut FakeKernel) -> Result<HidHost, Box<dyn std::error::Error>> {
    let mut host = HidHost::new(ReportLen::DEFAULT);
    host.begin_init([1, 2, 3, 4, 5, 6, 7, 8]);
    kernel.send(&mut host)?;
    let (answer, _) = kernel.next_answer(&mut host)?;
    assert!(matches!(answer, HostEvent::Initialized(_)), "{answer:?}");
    Ok(host)
}

#[test]
fn ping_and_getinfo_round_trip_then_destroy_on_stop() -> TestResult {
    let (mut kernel, _key, _waker, stop, serving) = start(PresencePolicy::ApproveAll)?;
    let mut host = init(&mut kernel)?;

    let ping: Vec<u8> = (0..200u8).collect(); // spans four packets
    host.send(HidCommand::Ping, &ping)?;
    kernel.send(&mut host)?;
    let (answer, _) = kernel.next_answer(&mut host)?;
    assert_eq!(answer, HostEvent::Response { cmd: HidCommand::Ping, payload: ping });

    host.send(HidCommand::Cbor, &[0x04])?; // authenticatorGetInfo
    kernel.send(&mut host)?;
    match kernel.next_answer(&mut host)?.0 {
        HostEvent::Response { cmd: HidCommand::Cbor, payload } => assert_eq!(payload.first(), Some(&0x00)),
        other => panic!("getInfo answered {other:?}"),
    }

    stop.store(true, Ordering::Release);
    serving.join().map_err(|_| "server thread panicked")??;
    assert_eq!(FakeKernel::event_type(&kernel.read_event()?), 1, "UHID_DESTROY after stop");
    Ok(())
}

#[test]
fn keepalives_while_waiting_for_touch_and_answer_after_touch() -> TestResult {
    let (mut kernel, key, waker, stop, serving) = start(PresencePolicy::WaitForTouch)?;
    let mut host = init(&mut kernel)?;
    host.send(HidCommand::Cbor, &[0x0b])?; // authenticatorSelection waits for a touch
    kernel.send(&mut host)?;
    let toucher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(350));
        if let Ok(mut key) = key.lock() {
            key.touch(Duration::from_secs(1));
        }
        waker.wake();
    });
    let (answer, keepalives) = kernel.next_answer(&mut host)?;
    assert_eq!(answer, HostEvent::Response { cmd: HidCommand::Cbor, payload: vec![0x00] });
    assert!((2..=5).contains(&keepalives), "a keepalive every 100 ms while waiting, got {keepalives}");
    toucher.join().map_err(|_| "toucher panicked")?;
    stop.store(true, Ordering::Release);
    serving.join().map_err(|_| "server thread panicked")??;
    Ok(())
}

#[test]
fn feature_report_requests_are_refused_not_left_hanging() -> TestResult {
    let (mut kernel, _key, _waker, stop, serving) = start(PresencePolicy::ApproveAll)?;
    let mut event = vec![0u8; EVENT_SIZE];
    event[..4].copy_from_slice(&9u32.to_ne_bytes()); // UHID_GET_REPORT
    event[4..8].copy_from_slice(&31u32.to_ne_bytes());
    kernel.socket.write_all(&event)?;
    let reply = kernel.read_event()?;
    assert_eq!(FakeKernel::event_type(&reply), 10, "UHID_GET_REPORT_REPLY");
    assert_eq!(reply[4..8], 31u32.to_ne_bytes());
    assert_eq!(reply[8..10], 5u16.to_ne_bytes(), "EIO");
    stop.store(true, Ordering::Release);
    serving.join().map_err(|_| "server thread panicked")??;
    Ok(())
}

#[test]
fn a_closed_channel_ends_serving_with_an_error() -> TestResult {
    let (kernel, _key, _waker, _stop, serving) = start(PresencePolicy::ApproveAll)?;
    drop(kernel);
    let result = serving.join().map_err(|_| "server thread panicked")?;
    assert!(result.is_err(), "the loop must notice that uhid went away");
    Ok(())
}
