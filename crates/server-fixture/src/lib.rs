//! The real keydesk-server in process on `http://localhost:PORT`, for the tests of its clients
//! (keydesk-account, the `keydesk` CLI, the desktop app): SQLite in a temporary directory, a
//! manual clock, email codes through a real SMTP server (aiosmtpd), and a runtime of its own so
//! that blocking tests can use it. The server's own tests use their async harness instead.
//!
//! A fixture fails loudly: every setup error panics with what went wrong.

#![allow(clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keydesk_server::clock::{Clock, ManualClock};
use keydesk_server::{AppState, Argon2Params, Config, SmtpConfig};
/// The account rules, for [`LocalServer::start_now_with`].
pub use keydesk_server::Policy;
use keydesk_testkit::smtp::Smtp;

/// Every user's password.
pub const PASSWORD: &str = "correct horse battery";
/// Users log on as `name@corp.example`.
pub const LOGON_SUFFIX: &str = "corp.example";

/// A running server; stopped (with its SMTP server and database) on drop.
#[derive(Debug)]
pub struct LocalServer {
    /// `http://localhost:PORT`: the WebAuthn origin, RP ID `localhost`.
    pub origin: String,
    pub clock: Arc<ManualClock>,
    pub app: AppState,
    /// The real SMTP server the server mails its codes to.
    pub smtp: Smtp,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl LocalServer {
    /// Starts with the clock at the system time, so that codes KeyDesk computes from the system
    /// clock (Codes) are current on the server.
    pub fn start_now() -> Self {
        Self::start(system_time(), Policy::default())
    }

    /// [`LocalServer::start_now`] with other account rules (say a shorter step-up window).
    pub fn start_now_with(policy: Policy) -> Self {
        Self::start(system_time(), policy)
    }

    /// Starts with the clock at `unix_seconds`.
    pub fn start_at(unix_seconds: i64) -> Self {
        Self::start(unix_seconds, Policy::default())
    }

    fn start(unix_seconds: i64, policy: Policy) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
        let clock = Arc::new(ManualClock::new(unix_seconds));
        let smtp = Smtp::start().unwrap_or_else(|e| panic!("{e}"));
        let db_url = format!("sqlite://{}", dir.path().join("keydesk.db").display());
        let (origin, app) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
            let origin = format!("http://localhost:{}", listener.local_addr().expect("its address").port());
            let pool = keydesk_server::db::connect(&db_url).await.expect("the database");
            let app = AppState::new(pool, config(&origin, smtp.port(), policy), clock.clone()).expect("the server state");
            tokio::spawn(keydesk_server::serve(listener, app.clone(), std::future::pending()));
            (origin, app)
        });
        Self { origin, clock, app, smtp, runtime, _dir: dir }
    }

    /// Runs a server call (say `keydesk_server::settings::save`) to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Creates `name` (logon `name@corp.example`) with [`PASSWORD`].
    pub fn create_user(&self, name: &str) {
        self.block_on(keydesk_server::api::admin_add_user(&self.app, name, PASSWORD, false)).expect("a new user");
    }

    /// The server's time, Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The 6-digit code in the `nth` message to `address` (waits up to 10 s for it to arrive).
    pub fn emailed_code(&self, address: &str, nth: usize) -> String {
        let messages = self.smtp.wait_for_messages_to(address, nth, Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e}"));
        let message = &messages[nth - 1];
        assert_eq!(message.subject, "KeyDesk Test verification code");
        let after = message.body.split("is: ").nth(1).unwrap_or_else(|| panic!("no code in {:?}", message.body));
        let code: String = after.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(code.len(), 6, "the code in {:?}", message.body);
        code
    }
}

/// This computer's clock, Unix seconds.
pub fn system_time() -> i64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("a clock after 1970").as_secs();
    i64::try_from(now).expect("a clock before the year 292 billion")
}

fn config(origin: &str, smtp_port: u16, policy: Policy) -> Config {
    Config {
        logon_suffix: LOGON_SUFFIX.to_owned(),
        rp_id: "localhost".to_owned(),
        rp_origin: url::Url::parse(origin).expect("the origin"),
        rp_name: "KeyDesk Test".to_owned(),
        admin_token: None,
        // Small on purpose: tests hash passwords on 2 cores.
        argon2: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 },
        smtp: Some(SmtpConfig { host: "127.0.0.1".to_owned(), port: smtp_port, from: "KeyDesk <keydesk@localhost>".to_owned() }),
        policy,
        secure_cookie: false,
    }
}
