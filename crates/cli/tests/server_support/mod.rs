//! For the `keydesk server` tests: the real keydesk-server in process on
//! `http://localhost:PORT` (SQLite in a temporary directory, a manual clock set to the real
//! time so that codes KeyDesk computes from the system clock are current; email codes through a
//! real SMTP server, aiosmtpd), a real Secret
//! Service for the session token, and `keydesk` run as a user runs it.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use keydesk_server::clock::{Clock, ManualClock};
use keydesk_server::{Argon2Params, AppState, Config, Policy};
use keydesk_testkit::SecretService;
use serde_json::Value;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestServer {
    pub origin: String,
    pub clock: Arc<ManualClock>,
    pub app: AppState,
    /// The real SMTP server (aiosmtpd) the server mails its codes to.
    pub smtp: keydesk_testkit::smtp::Smtp,
    runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let clock = Arc::new(ManualClock::new(i64::try_from(now).unwrap()));
        let db_url = format!("sqlite://{}", dir.path().join("keydesk.db").display());
        let smtp = keydesk_testkit::smtp::Smtp::start().unwrap_or_else(|e| panic!("{e}"));
        let smtp_port = smtp.port();
        let (origin, app) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let origin = format!("http://localhost:{}", listener.local_addr().expect("addr").port());
            let config = Config {
                logon_suffix: "corp.example".to_owned(),
                rp_id: "localhost".to_owned(),
                rp_origin: url::Url::parse(&origin).expect("origin"),
                rp_name: "KeyDesk Test".to_owned(),
                admin_token: None,
                argon2: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 },
                smtp: Some(keydesk_server::SmtpConfig { host: "127.0.0.1".to_owned(), port: smtp_port, from: "KeyDesk <keydesk@localhost>".to_owned() }),
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

    pub fn create_user(&self, name: &str) {
        self.runtime.block_on(keydesk_server::api::admin_add_user(&self.app, name, PASSWORD, false)).expect("user");
    }

    /// The code of base32 `secret` at the server's time.
    pub fn code(&self, secret: &str) -> String {
        keydesk_server::totp::code_at(secret, self.clock.now()).expect("code")
    }
}

/// A user's desktop session: a private Secret Service and configuration directory.
pub struct Desktop {
    pub session: SecretService,
}

impl Desktop {
    pub fn start() -> Self {
        let mut session = SecretService::start().expect("D-Bus session");
        session.start_keyring(true).expect("gnome-keyring");
        Self { session }
    }

    /// `keydesk ARGS` on this desktop with `env`, no terminal.
    pub fn keydesk(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
        command.args(args);
        for variable in ["KEYDESK_PASSWORD", "KEYDESK_CODE", "KEYDESK_EMAIL_CODE", "KEYDESK_PIN", "KEYDESK_VAULT_PASSWORD"] {
            command.env_remove(variable);
        }
        self.session.env(&mut command).env("XDG_CONFIG_HOME", self.session.dir().join("config"));
        command.env("XDG_DATA_HOME", self.session.dir().join("data"));
        command.envs(env.iter().copied());
        command.stdin(Stdio::null()).output().expect("run keydesk")
    }

    /// `keydesk ARGS` with a terminal on stdin, as a person runs it: once `answer` returns (it
    /// may wait, say for an email), its line is typed into the terminal.
    pub fn keydesk_typing(&self, args: &[&str], env: &[(&str, &str)], answer: impl FnOnce() -> String) -> Output {
        let terminal = nix::pty::openpty(None, None).expect("a pseudo-terminal");
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
        command.args(args);
        for variable in ["KEYDESK_PASSWORD", "KEYDESK_CODE", "KEYDESK_EMAIL_CODE", "KEYDESK_PIN", "KEYDESK_VAULT_PASSWORD"] {
            command.env_remove(variable);
        }
        self.session.env(&mut command).env("XDG_CONFIG_HOME", self.session.dir().join("config"));
        command.env("XDG_DATA_HOME", self.session.dir().join("data"));
        command.envs(env.iter().copied());
        let child = command
            .stdin(Stdio::from(terminal.slave))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run keydesk");
        let mut keyboard = std::fs::File::from(terminal.master);
        std::io::Write::write_all(&mut keyboard, format!("{}\n", answer()).as_bytes()).expect("type");
        child.wait_with_output().expect("keydesk output")
    }

    /// Runs `keydesk ARGS --json`, expects success, and returns the JSON answer.
    pub fn json(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let output = self.keydesk(&all, env);
        assert!(
            output.status.success(),
            "keydesk {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stderr),
            String::from_utf8_lossy(&output.stdout)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("keydesk {args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
    }

    /// Runs `keydesk ARGS --json`, expects failure, and returns the error's kind.
    pub fn error_kind(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let mut all = args.to_vec();
        all.push("--json");
        let output = self.keydesk(&all, env);
        assert!(!output.status.success(), "keydesk {args:?} should fail: {}", String::from_utf8_lossy(&output.stdout));
        let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON error");
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
        assert!(!String::from_utf8_lossy(&output.stderr).is_empty(), "the message is on stderr too");
        answer["error"]["kind"].as_str().expect("kind").to_owned()
    }
}

/// The `secret` parameter of an otpauth URI.
pub fn secret_of(uri: &str) -> String {
    let url = url::Url::parse(uri).expect("otpauth URI");
    url.query_pairs().find(|(k, _)| k == "secret").map(|(_, v)| v.into_owned()).expect("secret parameter")
}

/// The 6-digit code in the `nth` message to `address` on `smtp` (waits for it to arrive).
pub fn emailed_code(smtp: &keydesk_testkit::smtp::Smtp, address: &str, nth: usize) -> String {
    let messages = smtp.wait_for_messages_to(address, nth, std::time::Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e}"));
    let body = &messages[nth - 1].body;
    let after = body.split("is: ").nth(1).unwrap_or_else(|| panic!("no code marker in {body:?}"));
    let code: String = after.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "code in {body:?}");
    code
}
