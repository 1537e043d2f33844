//! The real keydesk-server in process over loopback HTTP (keydesk-server-fixture), and the
//! virtual key in memory behind real CTAPHID framing.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Duration;

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_transport::hid::HidLink;
use keydesk_transport::memory::{self, HidPipe};
use keydesk_virtual_key::{Authenticator, Config as KeyConfig, KeyRng};

pub use keydesk_server_fixture::{LocalServer, PASSWORD};
pub const PIN: &str = "4821";

/// A server whose clock starts at a fixed time (2027-01-15), so passkey times are exact.
pub fn start_server() -> LocalServer {
    LocalServer::start_at(1_800_000_000)
}

/// The administrator's switch for passkey-only logon.
pub fn set_passkey_logon(server: &LocalServer, allowed: bool) {
    server
        .block_on(keydesk_server::settings::save(
            &server.app.db,
            keydesk_server::settings::GlobalSettings { allow_passkey_logon: allowed },
        ))
        .expect("settings");
}

/// The current code of an otpauth URI at Unix time `at`, computed with totp-rs (independent of
/// the server's and of KeyDesk's own TOTP code).
pub fn totp_code(otpauth_uri: &str, at: i64) -> String {
    let totp = totp_rs::TOTP::from_url_unchecked(otpauth_uri).expect("otpauth URI");
    totp.generate(u64::try_from(at).unwrap())
}

/// A virtual key in memory over CTAPHID with its PIN set.
pub fn virtual_key(seed: u64) -> Client<HidLink<HidPipe>> {
    let key = Authenticator::new(KeyConfig::default(), KeyRng::seeded(seed), Duration::ZERO);
    let (link, _handle) = memory::hid(key, &format!("virtual key {seed}"));
    let mut client = Client::new(link);
    client.set_pin(&Pin::new(PIN)).expect("set the key's PIN");
    client
}

/// The person at the key: touches are granted by the key's policy, the PIN is typed when asked,
/// and the number of PIN requests is counted.
#[derive(Debug, Default)]
pub struct Person {
    pub pin_requests: usize,
}

impl Interaction for Person {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        self.pin_requests += 1;
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}
