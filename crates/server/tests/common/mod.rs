//! Test harness: a real server on loopback over HTTP, on SQLite (temp file)
//! or PostgreSQL (a fresh database per server), with a manual clock, a
//! loopback SMTP receiver, and our WebAuthn client with the virtual key as the authenticator.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

pub mod passkey_device;
pub mod smtp;

use std::sync::Arc;

use keydesk_server::clock::ManualClock;
use keydesk_transport::Device;
use keydesk_server::{Argon2Params, AppState, Config, Policy, SmtpConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[allow(unused_imports)] // not every test binary uses both
pub use passkey_device::{MemoryKey, PasskeyDevice};
pub use smtp::SmtpReceiver;

pub const ORIGIN: &str = "http://localhost:8080";
pub const SUFFIX: &str = "corp.example";
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";
pub const PASSWORD: &str = "correct horse battery";

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// A PostgreSQL server URL; each test server gets its own new database on it.
    Postgres(String),
}

/// The PostgreSQL URL for the Postgres variants of the tests.
/// `KEYDESK_TEST_POSTGRES_URL` set: use it. Unset under CI: fail loudly.
/// Unset outside CI: print a notice and return None.
pub fn postgres_url() -> Option<String> {
    match std::env::var("KEYDESK_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!(
            "KEYDESK_TEST_POSTGRES_URL is not set: under CI the PostgreSQL variants must run \
             (start PostgreSQL and set e.g. postgres://postgres@127.0.0.1/postgres)"
        ),
        _ => {
            eprintln!("NOTICE: KEYDESK_TEST_POSTGRES_URL unset; PostgreSQL variant not run here");
            None
        }
    }
}

async fn database_url(backend: &Backend, dir: &tempfile::TempDir) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("keydesk.db").display()),
        Backend::Postgres(admin_url) => {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let name = format!("keydesk_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::AnyPool::connect(admin_url).await.expect("connect to KEYDESK_TEST_POSTGRES_URL");
            admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create test database");
            admin.close().await;
            let mut url = url::Url::parse(admin_url).expect("postgres URL");
            url.set_path(&name);
            url.to_string()
        }
    }
}

pub struct TestServer {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub smtp: SmtpReceiver,
    pub app: AppState,
    pub db_url: String,
    _dir: tempfile::TempDir,
}

pub fn test_config(smtp_port: u16) -> Config {
    Config {
        logon_suffix: SUFFIX.to_owned(),
        rp_id: "localhost".to_owned(),
        rp_origin: url::Url::parse(ORIGIN).expect("origin"),
        rp_name: "KeyDesk Test".to_owned(),
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        // Small on purpose: tests hash many passwords on 2 cores.
        argon2: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 },
        smtp: Some(SmtpConfig { host: "127.0.0.1".to_owned(), port: smtp_port, from: "KeyDesk <keydesk@localhost>".to_owned() }),
        policy: Policy::default(),
        secure_cookie: false,
    }
}

impl TestServer {
    pub async fn start(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db_url = database_url(&backend, &dir).await;
        let smtp = SmtpReceiver::start().await;
        let clock = Arc::new(ManualClock::new(1_800_000_000));
        let pool = keydesk_server::db::connect(&db_url).await.expect("database");
        let app = AppState::new(pool, test_config(smtp.port), clock.clone()).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(keydesk_server::serve(listener, app.clone(), std::future::pending()));
        Self { base, clock, smtp, app, db_url, _dir: dir }
    }

    /// A second instance on the same database (no shared memory with the first).
    pub async fn another_instance(&self) -> String {
        let pool = keydesk_server::db::connect(&self.db_url).await.expect("database");
        let app = AppState::new(pool, test_config(self.smtp.port), self.clock.clone()).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(keydesk_server::serve(listener, app, std::future::pending()));
        base
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub fn admin(&self) -> Client {
        let mut c = self.client();
        c.admin_token = Some(ADMIN_TOKEN.to_owned());
        c
    }

    /// Create `name` with the standard test password through the admin API.
    pub async fn create_user(&self, name: &str) {
        let (status, body) =
            self.admin().post("/api/admin/users", json!({"username": name, "password": PASSWORD})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// Create `name` and log on with the password (no MFA bound yet).
    pub async fn user_session(&self, name: &str) -> Client {
        self.create_user(name).await;
        let mut c = self.client();
        let (status, body) = c.logon_password(name, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["stage"], "active");
        c
    }

    pub fn totp_now(&self, secret: &str) -> String {
        keydesk_server::totp::code_at(secret, self.clock.now_secs()).expect("code")
    }
}

pub trait NowSecs {
    fn now_secs(&self) -> i64;
}

impl NowSecs for ManualClock {
    fn now_secs(&self) -> i64 {
        use keydesk_server::clock::Clock;
        self.now()
    }
}

/// An HTTP client holding a session token or access key.
#[derive(Debug, Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub token: Option<String>,
    pub access_key: Option<(String, String)>,
    pub admin_token: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Self {
        Self { base: base.to_owned(), http: reqwest::Client::new(), token: None, access_key: None, admin_token: None }
    }

    pub fn on(&self, base: &str) -> Self {
        let mut c = self.clone();
        c.base = base.to_owned();
        c
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some((id, secret)) = &self.access_key {
            req = req.header("Authorization", format!("AccessKey {id}:{secret}"));
        }
        if let Some(t) = &self.admin_token {
            req = req.header("X-Admin-Token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Password logon; keeps the returned session token.
    pub async fn logon_password(&mut self, name: &str, password: &str) -> (StatusCode, Value) {
        let (status, body) = self.post("/api/logon/password", json!({"username": name, "password": password})).await;
        if let Some(t) = body["session_token"].as_str() {
            self.token = Some(t.to_owned());
        }
        (status, body)
    }

    /// Register a passkey named `name` on `key` through our WebAuthn client; returns (status,
    /// body) of the server's refusal at start, or of finish. Panics when our client refuses.
    pub async fn register_passkey<D: Device>(&self, key: &mut PasskeyDevice<D>, name: &str) -> (StatusCode, Value) {
        let (status, start) = self.post("/api/me/passkeys/register/start", json!({"name": name})).await;
        if status != StatusCode::OK {
            return (status, start);
        }
        let credential = key.register(&start["options"]).expect("our client registers the passkey");
        self.post(
            "/api/me/passkeys/register/finish",
            json!({"ceremony_id": start["ceremony_id"], "credential": credential}),
        )
        .await
    }

    /// Run an assertion ceremony at `start`/`finish` with `key` through our WebAuthn client.
    /// Panics when our client refuses.
    pub async fn assert_passkey<D: Device>(
        &self,
        key: &mut PasskeyDevice<D>,
        start: &str,
        finish: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let (status, started) = self.post(start, body).await;
        if status != StatusCode::OK {
            return (status, started);
        }
        let credential = key.assert(&started["options"]).expect("our client signs the assertion");
        self.post(finish, json!({"ceremony_id": started["ceremony_id"], "credential": credential})).await
    }

    /// Passkey-only logon (with the user name, or discoverable without); keeps the session.
    pub async fn logon_passkey<D: Device>(&mut self, key: &mut PasskeyDevice<D>, username: Option<&str>) -> (StatusCode, Value) {
        let body = username.map_or_else(|| json!({}), |name| json!({"username": name}));
        let (status, body) = self.assert_passkey(key, "/api/logon/passkey/start", "/api/logon/passkey/finish", body).await;
        if let Some(t) = body["session_token"].as_str() {
            self.token = Some(t.to_owned());
        }
        (status, body)
    }

    pub async fn step_up_passkey<D: Device>(&self, key: &mut PasskeyDevice<D>) {
        let (status, body) =
            self.assert_passkey(key, "/api/step-up/passkey/start", "/api/step-up/passkey/finish", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn step_up_password(&self) {
        let (status, body) = self.post("/api/step-up/password", json!({"password": PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// Assert a JSON error answer with `status` and `kind`.
pub fn assert_error(result: &(StatusCode, Value), status: StatusCode, kind: &str) {
    assert_eq!(result.0, status, "{}", result.1);
    assert_eq!(result.1["error"]["kind"], kind, "{}", result.1);
    assert!(result.1["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", result.1);
}
