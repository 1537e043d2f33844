//! State file persistence: survives reopening, a killed writer never leaves a damaged file,
//! and damaged files give precise errors, never panics.
#![allow(clippy::unwrap_used, clippy::panic)] // helper functions of tests

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Host, CLIENT_DATA_HASH};
use keydesk_ctap::commands::{GetAssertionRequest, Permissions};
use keydesk_virtual_key::{Authenticator, Config, KeyRng, StateFileError};

const CHILD_ENV: &str = "KEYDESK_VIRTUAL_KEY_CRASH_CHILD_STATE";

fn open(path: &Path) -> Result<Authenticator, StateFileError> {
    Authenticator::open(Config { resident_capacity: 100_000, ..Config::default() }, KeyRng::seeded(3), path, Duration::ZERO)
}

#[test]
fn state_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.state");
    let mut host = Host::with_key(open(&path).unwrap());
    assert!(path.exists(), "a fresh key is saved at once");
    host.set_pin("1234").unwrap();
    let token = host.token("1234", Permissions::MAKE_CREDENTIAL, Some("example.com")).unwrap();
    host.register("example.com", b"alice", true, Some(&token));
    host.token("0000", Permissions::GET_ASSERTION, Some("x")).unwrap_err();
    drop(host);

    let mut host = Host::with_key(open(&path).unwrap());
    assert_eq!(host.key.discoverable_credential_count(), 1);
    assert_eq!(host.pin_retries().pin_retries, Some(7), "a spent retry is durable");
    let token = host.token("1234", Permissions::GET_ASSERTION, Some("example.com")).unwrap();
    let mut get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    host.authorize_ga(&mut get, &token);
    assert_eq!(host.get_assertion(&get).unwrap().user.unwrap().id, b"alice");
}

#[test]
fn damaged_state_files_are_reported_precisely() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key.state");
    let mut host = Host::with_key(open(&path).unwrap());
    host.register("example.com", b"alice", true, None);
    drop(host);
    let good = std::fs::read(&path).unwrap();

    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "truncated"),
        (good[..good.len() / 2].to_vec(), "truncated"),
        (b"{\"json\": true}".to_vec(), "not a KeyDesk"),
        ({ let mut b = good.clone(); b[20] ^= 0xff; b }, "checksum"),
        ({ let mut b = good.clone(); b[5] = 9; b }, "version"),
    ];
    for (bytes, expected) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let error = open(&path).unwrap_err();
        assert!(error.to_string().contains(expected), "{error} does not mention {expected}");
    }
    // A leftover temporary file from an interrupted write is ignored.
    std::fs::write(&path, &good).unwrap();
    std::fs::write(dir.path().join("key.state.tmp"), b"half a write").unwrap();
    assert_eq!(open(&path).unwrap().discoverable_credential_count(), 1);
}

/// Registers discoverable credentials, each saved before its response. In the crash test's
/// child process it runs until killed; as an ordinary test it makes a few and checks them.
#[test]
fn writer_loop() {
    let temp = tempfile::tempdir().unwrap();
    let (path, rounds) = match std::env::var_os(CHILD_ENV) {
        Some(path) => (std::path::PathBuf::from(path), usize::MAX),
        None => (temp.path().join("loop.state"), 5),
    };
    let mut host = Host::with_key(open(&path).unwrap());
    let start = host.key.discoverable_credential_count();
    for round in 0..rounds {
        host.register("example.com", &round.to_be_bytes(), true, None);
    }
    assert_eq!(open(&path).unwrap().discoverable_credential_count(), start + rounds);
}

#[test]
fn killing_the_writer_mid_write_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.state");
    let mut last_count = 0;
    for delay_ms in [150u64, 230, 310] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "writer_loop", "--test-threads", "1"])
            .env(CHILD_ENV, &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Let it write for a while (the first save happens within milliseconds).
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let key = open(&path).unwrap_or_else(|e| panic!("state damaged by a kill after {delay_ms} ms: {e}"));
        let count = key.discoverable_credential_count();
        assert!(count >= last_count, "credentials lost: {count} < {last_count}");
        last_count = count;
    }
    assert!(last_count > 0, "the child never saved anything");
    // And the surviving state is usable.
    let mut host = Host::with_key(open(&path).unwrap());
    let get = GetAssertionRequest::new("example.com", CLIENT_DATA_HASH);
    let response = host.get_assertion(&get).unwrap();
    assert_eq!(response.number_of_credentials.map(|n| n as usize).unwrap_or(1), last_count);
}
