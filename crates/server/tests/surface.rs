//! The API surface: hostile input always gets a 4xx JSON error (never a 500),
//! the OpenAPI document matches the router, the pages are served, and the
//! `user` admin commands work.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use keydesk_server::api::openapi::{self, ENDPOINTS};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Deterministic xorshift generator for pseudo-random JSON.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.next() % if depth > 3 { 5 } else { 7 } {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(2)),
            2 => json!(self.next() as i64),
            3 => json!(["", "000000", "é\u{0}\u{202e}", "x".repeat(5000).as_str(), "../../etc", "' OR 1=1 --"][(self.next() % 6) as usize]),
            4 => json!(-1.5e300),
            5 => Value::Array((0..self.next() % 4).map(|_| self.value(depth + 1)).collect()),
            _ => {
                let keys = ["name", "code", "username", "password", "email", "ceremony_id", "credential", "allow_passkey_logon",
                    "current_password", "new_password", "admin", "response", "id", "rawId", "type"];
                Value::Object(
                    (0..self.next() % 6)
                        .map(|_| (keys[(self.next() % keys.len() as u64) as usize].to_owned(), self.value(depth + 1)))
                        .collect(),
                )
            }
        }
    }
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

async fn check(c: &Client, m: &str, path: &str, body: Option<Value>, raw: Option<&str>) {
    let url = format!("{}{path}", c.base);
    let mut req = c.http.request(method(m), &url);
    if let Some(t) = &c.token {
        req = req.bearer_auth(t);
    }
    if let Some(t) = &c.admin_token {
        req = req.header("X-Admin-Token", t);
    }
    if let Some(b) = &body {
        req = req.json(b);
    }
    if let Some(r) = raw {
        req = req.header("Content-Type", "application/json").body(r.to_owned());
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.as_u16() < 500, "{m} {path} body={body:?} raw={raw:?} -> {status} {text}");
    if status.is_client_error() {
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{m} {path}: non-JSON error {text}"));
        let kind = v["error"]["kind"].as_str().unwrap_or_else(|| panic!("{m} {path}: {text}"));
        assert!(v["error"]["message"].is_string());
        assert_ne!(kind, "no_such_endpoint", "{m} {path} is documented but not routed");
        assert_ne!(kind, "method_not_allowed", "{m} {path} is documented but not routed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_never_gets_a_server_error_sqlite() {
    hostile_input_never_gets_a_server_error(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_never_gets_a_server_error_postgres() {
    if let Some(url) = postgres_url() {
        hostile_input_never_gets_a_server_error(Backend::Postgres(url)).await;
    }
}

async fn hostile_input_never_gets_a_server_error(backend: Backend) {
    let s = TestServer::start(backend).await;
    s.create_user("fuzz").await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let raw_bodies = ["", "{", "null", "[]", "\"text\"", "{\"name\":", "{\"credential\":{\"id\":1}}", "\u{feff}{}"];
    for e in ENDPOINTS {
        let path = e.path.replace("{id}", "%00..%2F%E2%80%AE").replace("{name}", "a%20b@x");
        let mut session = s.client();
        let (status, body) = session.logon_password("fuzz", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let anonymous = s.client();
        let mut bearer_garbage = s.client();
        bearer_garbage.token = Some("garbage".into());
        for c in [&anonymous, &bearer_garbage, &s.admin(), &session] {
            for raw in raw_bodies {
                check(c, e.method, &path, None, Some(raw)).await;
            }
            check(c, e.method, &path, None, None).await;
        }
        for _ in 0..25 {
            let body = rng.value(0);
            check(&session, e.method, &path, Some(body.clone()), None).await;
            check(&s.admin(), e.method, &path, Some(body), None).await;
        }
        // Logon is rate-limited per user; start each endpoint afresh.
        s.clock.advance(301);
    }
    // Undocumented paths and methods: JSON 404/405.
    let r = s.client().get("/api/nope").await;
    assert_error(&r, StatusCode::NOT_FOUND, "no_such_endpoint");
    let r = s.client().send(Method::DELETE, "/api/health", None).await;
    assert_error(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn openapi_document_is_served_and_lists_every_endpoint() {
    let s = TestServer::start(Backend::Sqlite).await;
    let (status, doc) = s.client().get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc, openapi::build());
    assert_eq!(doc["openapi"], "3.1.0");
    for e in ENDPOINTS {
        let op = &doc["paths"][e.path][e.method.to_ascii_lowercase()];
        assert!(op["summary"].is_string(), "{} {} missing", e.method, e.path);
        assert_eq!(op["responses"]["4XX"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Error");
    }
    let count: usize = doc["paths"].as_object().unwrap().values().map(|m| m.as_object().unwrap().len()).sum();
    assert_eq!(count, ENDPOINTS.len());
    // Routes in src/api/mod.rs that are not in the table would be undocumented:
    // the router source is checked against the table.
    let router_src = include_str!("../src/api/mod.rs");
    let routed = router_src.matches(".route(\"/api/").count();
    let distinct_paths: std::collections::BTreeSet<_> = ENDPOINTS.iter().map(|e| e.path).collect();
    assert_eq!(routed, distinct_paths.len(), "every /api route must be in openapi::ENDPOINTS");
}

#[tokio::test]
async fn pages_are_served() {
    let s = TestServer::start(Backend::Sqlite).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = http.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/logon");
    for (path, marker) in [
        ("/logon", "id=\"passkey-logon\""),
        ("/security", "id=\"passkey-add\""),
        ("/admin", "id=\"allow-passkey-logon\""),
        ("/static/keydesk.js", "navigator.credentials.create"),
    ] {
        let res = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let text = res.text().await.unwrap();
        assert!(text.contains(marker), "{path} lacks {marker}");
    }
    // Password logon sets the HttpOnly session cookie the pages rely on.
    s.create_user("web").await;
    let res = http
        .post(format!("{}/api/logon/password", s.base))
        .json(&json!({"username": "web", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("keydesk_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let pair = cookie.split(';').next().unwrap();
    let me = http.get(format!("{}/api/me", s.base)).header("Cookie", pair).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn user_admin_commands() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_keydesk-server"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--logon-suffix", "corp.example", "--argon2-memory-kib", "64", "--argon2-iterations", "1"])
            .args(args)
            .env("KEYDESK_PASSWORD", PASSWORD)
            .env_remove("KEYDESK_DATABASE")
            .output()
            .unwrap()
    };
    let out = run(&["user", "add", "nina", "--admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "added nina@corp.example");
    let out = run(&["user", "add", "nina"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = run(&["user", "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["user"], "nina@corp.example");
    assert_eq!(list[0]["is_admin"], true);

    // The default database is SQLite in the data dir; the password is Argon2id.
    let db = keydesk_server::db::connect(&format!("sqlite://{}", dir.path().join("keydesk.db").display())).await.unwrap();
    let (hash,): (String,) = sqlx::query_as("SELECT password_hash FROM users").fetch_one(&db).await.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
    db.close().await;

    let out = run(&["user", "delete", "nina@corp.example"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["user", "delete", "nina"]);
    assert!(!out.status.success());
    let out = run(&["user", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
}

#[tokio::test]
async fn expired_state_is_purged() {
    let s = TestServer::start(Backend::Sqlite).await;
    let c = s.user_session("old").await;
    let mut wrong = s.client();
    assert_error(&wrong.logon_password("old", "wrong password").await, StatusCode::UNAUTHORIZED, "wrong_credentials");
    c.post("/api/me/passkeys/register/start", json!({"name": "pending"})).await;
    let count = |table: &'static str| {
        let db = s.app.db.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db).await.unwrap();
            n
        }
    };
    assert_eq!((count("sessions").await, count("ceremonies").await, count("rate_limits").await), (1, 1, 1));
    keydesk_server::sessions::purge_expired(&s.app.db, s.clock.now_secs()).await.unwrap();
    assert_eq!((count("sessions").await, count("ceremonies").await), (1, 1));
    s.clock.advance(2 * 86_400);
    keydesk_server::sessions::purge_expired(&s.app.db, s.clock.now_secs()).await.unwrap();
    assert_eq!((count("sessions").await, count("ceremonies").await, count("rate_limits").await), (0, 0, 0));
    assert_error(&c.get("/api/me").await, StatusCode::UNAUTHORIZED, "not_logged_on");
}
