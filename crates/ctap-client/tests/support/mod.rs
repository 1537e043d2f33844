//! Test doubles: the virtual key behind a hand-written `Device`, a scripted device, and a
//! front end that answers from queues and records every event.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::Duration;

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{EnrollProgress, Interaction, Pin, PinRequest};
use keydesk_transport::{
    Device, DeviceDescriptor, DeviceId, KeepaliveStatus, Message, TransportError, TransportKind,
    Watch,
};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, PresencePolicy, Reply};

/// What the simulated user does when the key waits for a touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TouchMode {
    /// Touches after the keepalive was reported.
    Touch,
    /// Refuses on the key.
    Deny,
    /// Never touches: the key times out, unless the host cancels first.
    Never,
}

/// The virtual key behind the transport seam: keepalive UP_NEEDED while it waits for a
/// touch, cancel when the watch asks, a clock the test moves, and a cable that can be pulled.
pub struct VirtualDevice {
    descriptor: DeviceDescriptor,
    pub key: Authenticator,
    pub now: Duration,
    pub touch: TouchMode,
    /// Messages still carried before the key "is removed" (`None`: never).
    pub remove_after: Option<usize>,
    /// Every CTAP2 request sent, for assertions on what went over the wire.
    pub sent: Vec<Vec<u8>>,
    /// Built-in UV attempts still to fail (the finger matches nothing).
    pub fail_uv: usize,
}

impl std::fmt::Debug for VirtualDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualDevice").finish_non_exhaustive()
    }
}

pub fn config() -> Config {
    Config {
        presence: PresencePolicy::WaitForTouch,
        ..Config::default()
    }
}

impl VirtualDevice {
    pub fn new(config: Config) -> Self {
        Self {
            descriptor: DeviceDescriptor {
                id: DeviceId("virtual:test".to_owned()),
                transport: TransportKind::Usb,
                product: "KeyDesk virtual key".to_owned(),
                simulated: true,
            },
            key: Authenticator::new(config, KeyRng::seeded(7), Duration::ZERO),
            now: Duration::ZERO,
            touch: TouchMode::Touch,
            remove_after: None,
            sent: Vec::new(),
            fail_uv: 0,
        }
    }

    /// Unplug and replug: the key powers up now.
    pub fn replug(&mut self) {
        self.now += Duration::from_secs(1);
        self.key.power_cycle(self.now);
    }

    /// Lets time pass (the reset window closes after 10 s).
    pub fn wait(&mut self, duration: Duration) {
        self.now += duration;
    }

    /// Requests with this command byte sent so far.
    pub fn count_sent(&self, command: u8) -> usize {
        self.sent
            .iter()
            .filter(|r| r.first() == Some(&command))
            .count()
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
        if let Some(left) = self.remove_after.as_mut() {
            if *left == 0 {
                return Err(TransportError::Disconnected);
            }
            *left -= 1;
        }
        let request = match message {
            Message::Ctap2(bytes) => bytes,
            Message::Ctap1(_) => {
                return Err(TransportError::Unsupported("CTAP1 in this test device"))
            }
        };
        self.sent.push(request.to_vec());
        if self.fail_uv > 0 && is_uv_token_request(request) {
            self.fail_uv -= 1;
            self.key
                .sensor_mut()
                .set_next_match(keydesk_virtual_key::bio::NextMatch::NoMatch);
        }
        self.now += Duration::from_millis(5);
        match self.key.handle(request, self.now) {
            Reply::Response(bytes) => Ok(bytes),
            Reply::WaitingForUserPresence => {
                watch.status(KeepaliveStatus::UpNeeded);
                watch.status(KeepaliveStatus::UpNeeded);
                if watch.cancel_requested() {
                    return self
                        .key
                        .cancel(self.now)
                        .ok_or(TransportError::Disconnected);
                }
                let answer = match self.touch {
                    TouchMode::Touch => self.key.touch(self.now),
                    TouchMode::Deny => self.key.deny(self.now),
                    TouchMode::Never => {
                        self.now += Duration::from_secs(31);
                        self.key.poll(self.now)
                    }
                };
                answer.ok_or(TransportError::Disconnected)
            }
        }
    }
}

fn is_uv_token_request(request: &[u8]) -> bool {
    use keydesk_ctap::commands::{ClientPinRequest, ClientPinSubCommand};
    use keydesk_ctap::CommandRequest;
    ClientPinRequest::decode(request).is_ok_and(|r| {
        r.sub_command == ClientPinSubCommand::GetPinUvAuthTokenUsingUvWithPermissions
    })
}

/// A device that answers from a script and records what it was sent.
#[derive(Debug, Default)]
pub struct ScriptedDevice {
    pub descriptor: Option<DeviceDescriptor>,
    pub answers: VecDeque<Result<Vec<u8>, TransportError>>,
    pub sent: Vec<(bool, Vec<u8>)>,
}

static SCRIPTED: std::sync::OnceLock<DeviceDescriptor> = std::sync::OnceLock::new();

impl Device for ScriptedDevice {
    fn descriptor(&self) -> &DeviceDescriptor {
        SCRIPTED.get_or_init(|| DeviceDescriptor {
            id: DeviceId("scripted".to_owned()),
            transport: TransportKind::Nfc,
            product: String::new(),
            simulated: true,
        })
    }

    fn transact(
        &mut self,
        message: Message<'_>,
        _watch: &mut dyn Watch,
    ) -> Result<Vec<u8>, TransportError> {
        let (ctap1, bytes) = match message {
            Message::Ctap2(b) => (false, b),
            Message::Ctap1(b) => (true, b),
        };
        self.sent.push((ctap1, bytes.to_vec()));
        self.answers
            .pop_front()
            .unwrap_or(Err(TransportError::Disconnected))
    }
}

/// A front end that answers from queues and records every event.
#[derive(Debug, Default)]
pub struct TestUi {
    pub pins: VecDeque<&'static str>,
    pub pin_requests: Vec<PinRequest>,
    pub touches: usize,
    pub uv_needed: usize,
    pub uv_failures: Vec<Option<u32>>,
    pub choose: Option<usize>,
    pub offered: Vec<Vec<UserEntity>>,
    pub progress: Vec<EnrollProgress>,
    /// Cancel once this many enrollment samples were reported.
    pub cancel_after_samples: Option<usize>,
    /// Cancel whenever the transport polls.
    pub cancel_now: bool,
}

impl TestUi {
    pub fn with_pins(pins: &[&'static str]) -> Self {
        Self {
            pins: pins.iter().copied().collect(),
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

    fn uv_needed(&mut self) {
        self.uv_needed += 1;
    }

    fn uv_failed(&mut self, retries_left: Option<u32>) {
        self.uv_failures.push(retries_left);
    }

    fn choose_credential(&mut self, users: &[UserEntity]) -> Option<usize> {
        self.offered.push(users.to_vec());
        self.choose
    }

    fn enroll_progress(&mut self, progress: &EnrollProgress) {
        self.progress.push(progress.clone());
    }

    fn cancel_requested(&mut self) -> bool {
        self.cancel_now
            || self
                .cancel_after_samples
                .is_some_and(|n| self.progress.len() >= n)
    }
}
