//! The real keydesk-server in process over loopback HTTP (SQLite in a temporary directory, a
//! manual clock), and the virtual key in memory behind real CTAPHID framing.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use keydesk_ctap::entities::UserEntity;
use keydesk_ctap_client::{Client, Interaction, Pin, PinRequest};
use keydesk_server::clock::{Clock, ManualClock};
use keydesk_testkit::smtp::Smtp;
use keydesk_server::{Argon2Params, AppState, Config, Policy};
use keydesk_transport::hid::HidLink;
use keydesk_transport::memory::{self, HidPipe};
use keydesk_virtual_key::{Authenticator, Config as KeyConfig, KeyRng};

pub const PASSWORD: &str = "correct horse battery";
pub const SUFFIX: &str = "corp.example";
pub const PIN: &str = "4821";

/// A server on `http://localhost:PORT` (the WebAuthn origin; RP ID `localhost`).
pub struct TestServer {
    pub origin: String,
    pub clock: Arc<ManualClock>,
    pub app: AppState,
    /// The real SMTP server (aiosmtpd) the server sends its email codes to.
    pub smtp: Smtp,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let clock = Arc::new(ManualClock::new(1_800_000_000));
        let db_url = format!("sqlite://{}", dir.path().join("keydesk.db").display());
        let smtp = Smtp::start().unwrap_or_else(|e| panic!("{e}"));
        let smtp_port = smtp.port();
        let (origin, app) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let origin = format!("http://localhost:{port}");
            let config = Config {
                logon_suffix: SUFFIX.to_owned(),
                rp_id: "localhost".to_owned(),
                rp_origin: url::Url::parse(&origin).expect("origin"),
                rp_name: "KeyDesk Test".to_owned(),
                admin_token: None,
                // Small on purpose: tests hash passwords on 2 cores.
                argon2: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 },
                smtp: Some(keydesk_server::SmtpConfig {
                    host: "127.0.0.1".to_owned(),
                    port: smtp_port,
                    from: "KeyDesk <keydesk@localhost>".to_owned(),
                }),
                policy: Policy::default(),
                secure_cookie: false,
            };
            let pool = keydesk_server::db::connect(&db_url).await.expect("database");
            let app = AppState::new(pool, config, clock.clone()).expect("state");
            tokio::spawn(keydesk_server::serve(listener, app.clone(), std::future::pending()));
            (origin, app)
        });
        Self { origin, clock, app, smtp, runtime, _dir: dir }
    }

    /// Creates `name` (logon `name@corp.example`) with [`PASSWORD`].
    pub fn create_user(&self, name: &str) {
        self.runtime
            .block_on(keydesk_server::api::admin_add_user(&self.app, name, PASSWORD, false))
            .expect("create user");
    }

    pub fn set_passkey_logon(&self, allowed: bool) {
        self.runtime
            .block_on(keydesk_server::settings::save(
                &self.app.db,
                keydesk_server::settings::GlobalSettings { allow_passkey_logon: allowed },
            ))
            .expect("settings");
    }

    /// The code in the `nth` email to `address` (waits for it to arrive).
    pub fn emailed_code(&self, address: &str, nth: usize) -> String {
        let messages = self.smtp.wait_for_messages_to(address, nth, Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e}"));
        let body = &messages[nth - 1].body;
        let after = body.split("is: ").nth(1).unwrap_or_else(|| panic!("no code marker in {body:?}"));
        let code: String = after.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(code.len(), 6, "code in {body:?}");
        code
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }
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
