//! Test doubles: the virtual key behind an in-memory `Device` (touch now, after a delay, never,
//! or deny; cancel honoured while waiting), a recording front end, and an independent parser
//! of the bytes the client returns (authenticator data, COSE ES256 key) for verification with
//! `p256` / `sha2`.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_transport::{
    Device, DeviceDescriptor, DeviceId, KeepaliveStatus, Message, TransportError, TransportKind,
    Watch,
};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy, Reply};
use p256::ecdsa::signature::Verifier;
use sha2::{Digest, Sha256};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// What the simulated user does when the key waits for a touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TouchMode {
    Touch,
    /// Touches after this long (real time), unless the host cancels first.
    After(Duration),
    /// Never touches; the host must cancel (gives up after 5 s with a timeout).
    Never,
    Deny,
}

pub struct VirtualDevice {
    descriptor: DeviceDescriptor,
    pub key: Authenticator,
    pub now: Duration,
    pub touch: TouchMode,
    /// Requests that waited for a touch (i.e. that the user would have seen blink).
    pub touches_asked: Arc<AtomicUsize>,
    pub cancelled: Arc<AtomicUsize>,
}

impl std::fmt::Debug for VirtualDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualDevice")
            .field("id", &self.descriptor.id)
            .finish_non_exhaustive()
    }
}

pub fn config() -> Config {
    Config {
        presence: PresencePolicy::WaitForTouch,
        fingerprint_sensor: false,
        ..Config::default()
    }
}

impl VirtualDevice {
    pub fn new(name: &str, config: Config, seed: u64, transport: TransportKind) -> Self {
        Self {
            descriptor: DeviceDescriptor {
                id: DeviceId(format!("virtual:{name}")),
                transport,
                product: "KeyDesk virtual key".to_owned(),
                simulated: true,
            },
            key: Authenticator::new(config, KeyRng::seeded(seed), Duration::ZERO),
            now: Duration::ZERO,
            touch: TouchMode::Touch,
            touches_asked: Arc::new(AtomicUsize::new(0)),
            cancelled: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Device for VirtualDevice {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(
        &mut self,
        message: Message<'_>,
        watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        let Message::Ctap2(request) = message else {
            return Err(TransportError::Unsupported("CTAP1 in this test device"));
        };
        self.now += Duration::from_millis(5);
        match self.key.handle(request, self.now) {
            Reply::Response(bytes) => Ok(bytes),
            Reply::WaitingForUserPresence => {
                self.touches_asked.fetch_add(1, Ordering::SeqCst);
                watch.status(KeepaliveStatus::UpNeeded);
                let started = Instant::now();
                let answer = loop {
                    if watch.cancel_requested() {
                        self.cancelled.fetch_add(1, Ordering::SeqCst);
                        break self.key.cancel(self.now);
                    }
                    match self.touch {
                        TouchMode::Touch => break self.key.touch(self.now),
                        TouchMode::Deny => break self.key.deny(self.now),
                        TouchMode::After(delay) if started.elapsed() >= delay => {
                            break self.key.touch(self.now)
                        }
                        TouchMode::Never if started.elapsed() >= Duration::from_secs(5) => {
                            self.now += Duration::from_secs(31);
                            break self.key.poll(self.now);
                        }
                        _ => std::thread::sleep(Duration::from_millis(2)),
                    }
                };
                answer.ok_or(TransportError::Disconnected)
            }
        }
    }
}

pub fn client(name: &str, seed: u64) -> Client<VirtualDevice> {
    Client::new(VirtualDevice::new(name, config(), seed, TransportKind::Usb))
}

pub fn client_with_pin(
    name: &str,
    seed: u64,
    pin: &str,
) -> Result<Client<VirtualDevice>, Box<dyn std::error::Error>> {
    let mut c = client(name, seed);
    c.set_pin(&Pin::new(pin))?;
    c.refresh_info()?;
    Ok(c)
}

/// A front end that answers from queues and records every event.
#[derive(Debug, Default)]
pub struct TestUi {
    pub pins: VecDeque<&'static str>,
    pub pin_requests: Vec<PinRequest>,
    pub touches: usize,
    pub choose: Option<usize>,
    pub cancel_now: bool,
}

impl TestUi {
    pub fn with_pin(pin: &'static str) -> Self {
        Self {
            pins: std::iter::repeat_n(pin, 8).collect(),
            ..Self::default()
        }
    }
}

impl Interaction for TestUi {
    fn touch_needed(&mut self) {
        self.touches += 1;
    }
    fn pin_needed(&mut self, request: &PinRequest) -> Option<Pin> {
        self.pin_requests.push(request.clone());
        self.pins.pop_front().map(Pin::new)
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        self.choose
    }
    fn cancel_requested(&mut self) -> bool {
        self.cancel_now
    }
}

pub fn soon() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

pub fn b64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text)
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Attested credential data: (aaguid, credential id, x, y).
pub type AttestedEs256 = ([u8; 16], Vec<u8>, [u8; 32], [u8; 32]);

/// The fixed part of authenticator data, parsed here without the client's code.
#[derive(Debug)]
pub struct ParsedAuthData {
    pub rp_id_hash: [u8; 32],
    pub flags: u8,
    pub counter: u32,
    /// (aaguid, credential id, x, y) when attested credential data is present.
    pub credential: Option<AttestedEs256>,
}

pub fn parse_auth_data(data: &[u8]) -> Result<ParsedAuthData, String> {
    let get =
        |range: std::ops::Range<usize>| data.get(range).ok_or("authData too short".to_owned());
    let rp_id_hash: [u8; 32] = get(0..32)?.try_into().map_err(|_| "len")?;
    let flags = *data.get(32).ok_or("no flags")?;
    let counter = u32::from_be_bytes(get(33..37)?.try_into().map_err(|_| "len")?);
    let credential = if flags & 0x40 != 0 {
        let aaguid: [u8; 16] = get(37..53)?.try_into().map_err(|_| "len")?;
        let len = usize::from(u16::from_be_bytes(
            get(53..55)?.try_into().map_err(|_| "len")?,
        ));
        let id = get(55..55 + len)?.to_vec();
        let key = get(55 + len..data.len())?;
        // The canonical ES256 COSE key: {1: 2, 3: -7, -1: 1, -2: x, -3: y}.
        let prefix = [0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        if key.get(..10) != Some(&prefix[..]) || key.get(42..45) != Some(&[0x22, 0x58, 0x20][..]) {
            return Err(format!(
                "not a canonical ES256 COSE key: {:02x?}",
                key.get(..12)
            ));
        }
        let x: [u8; 32] = key.get(10..42).ok_or("x")?.try_into().map_err(|_| "x")?;
        let y: [u8; 32] = key.get(45..77).ok_or("y")?.try_into().map_err(|_| "y")?;
        Some((aaguid, id, x, y))
    } else {
        None
    };
    Ok(ParsedAuthData {
        rp_id_hash,
        flags,
        counter,
        credential,
    })
}

/// Verifies an ES256 assertion signature over authData || SHA-256(clientDataJSON).
pub fn verify_es256(
    x: &[u8; 32],
    y: &[u8; 32],
    auth_data: &[u8],
    client_data_json: &[u8],
    der_signature: &[u8],
) -> Result<(), String> {
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(x);
    sec1.extend_from_slice(y);
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|e| e.to_string())?;
    let signature = p256::ecdsa::Signature::from_der(der_signature).map_err(|e| e.to_string())?;
    let mut message = auth_data.to_vec();
    message.extend_from_slice(&sha256(client_data_json));
    key.verify(&message, &signature).map_err(|e| e.to_string())
}
