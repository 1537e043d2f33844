//! The Servers commands that need no account (profiles), and what the app says when the URL is
//! not a KeyDesk server at all: a loopback web server answering HTML, a misbehaviour the real
//! keydesk-server cannot show. Everything an account does is tested against the real server
//! in servers_real_server.rs.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_desktop::registry::SIMULATED_ID;
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use support::TestApp;

mod support;

struct App {
    test: TestApp,
    dir: tempfile::TempDir,
}

/// `app.ok(..)`, `app.kind(..)`, `app.ceremony(..)`: the shared helpers of tests/support.
impl std::ops::Deref for App {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.test
    }
}

impl App {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self { test: TestApp::new(support::servers_state(dir.path())), dir }
    }
}

/// A web server on `http://localhost:PORT` that answers every request with an HTML page.
fn web_page_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let page = "<html><body>Welcome</body></html>";
            let _ = write!(stream, "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}", page.len());
        }
    });
    format!("http://localhost:{port}")
}

#[test]
fn profiles_are_added_checked_listed_and_removed() {
    let app = App::new();
    assert_eq!(app.ok("servers_list", json!({})), json!({"profiles": []}));
    assert_eq!(app.kind("servers_add", json!({"name": "lab", "url": "http://example.com", "username": "eve"})), "invalid_server_url");
    assert_eq!(app.kind("servers_add", json!({"name": " ", "url": "https://login.example.com", "username": "eve"})), "invalid_profile_name");
    let view = app.ok("servers_add", json!({"name": "lab", "url": "http://localhost:8080/", "username": "eve"}));
    assert_eq!(view["profiles"], json!([{"name": "lab", "url": "http://localhost:8080", "username": "eve", "logged_on": false}]));
    assert_eq!(app.kind("servers_add", json!({"name": "lab", "url": "https://other.example", "username": "eve"})), "profile_exists");
    assert!(app.dir.path().join("servers.json").exists());
    assert_eq!(app.ok("servers_remove", json!({"profile": "lab"})), json!({"profiles": []}));
    assert_eq!(app.kind("servers_remove", json!({"profile": "lab"})), "profile_not_found");
    assert_eq!(app.kind("servers_account", json!({"profile": "lab"})), "profile_not_found");
    // A verification method the app does not know is refused before anything is sent.
    app.ok("servers_add", json!({"name": "lab", "url": "http://localhost:1", "username": "eve"}));
    assert_eq!(app.kind("servers_step_up_code", json!({"profile": "lab", "method": "sms", "code": "1"})), "invalid_argument");
    app.ok("servers_remove", json!({"profile": "lab"}));
    // A server that does not answer is said to be unreachable.
    app.ok("servers_add", json!({"name": "down", "url": "http://localhost:1", "username": "eve"}));
    assert_eq!(app.kind("servers_logon_password", json!({"profile": "down", "password": "pw"})), "unreachable");
}

#[test]
fn a_url_that_is_not_a_keydesk_server_is_named_as_such() {
    let app = App::new();
    app.ok("servers_add", json!({"name": "web", "url": web_page_server(), "username": "eve"}));
    let error = app.invoke("servers_logon_password", json!({"profile": "web", "password": "pw"})).unwrap_err();
    assert_eq!(error["kind"], "unexpected_answer");
    assert!(error["message"].as_str().unwrap().contains("is the URL a KeyDesk server?"), "{error}");
    let error = app.ceremony("servers_logon_passkey", "c1", json!({"profile": "web", "device": SIMULATED_ID})).unwrap_err();
    assert_eq!(error["kind"], "unexpected_answer", "{error}");
    assert_eq!(app.kind("servers_email_bind", json!({"profile": "web", "address": "eve@example.com"})), "unexpected_answer");
}
