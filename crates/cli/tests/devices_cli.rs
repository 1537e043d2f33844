//! `keydesk devices` when pcscd is not there: libpcsclite is pointed at a socket nobody
//! listens on (PCSCLITE_CSOCK_NAME), and the problem is named with its fix, in words and JSON.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use std::process::Command;

fn devices(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_keydesk"))
        .arg("devices")
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/keydesk-test/pcscd.comm")
        .output()
        .expect("keydesk devices")
}

#[test]
fn a_missing_pcscd_is_named_with_its_fix() {
    let json = devices(&["--json"]);
    assert!(json.status.success(), "listing is not an error: {}", String::from_utf8_lossy(&json.stderr));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let problems = value["problems"].as_array().expect("problems");
    let problem = problems.iter().find(|p| p["kind"] == "pcscd-not-running").expect("pcscd-not-running reported");
    assert!(problem["message"].as_str().unwrap().contains("systemctl enable --now pcscd.socket"));
    assert!(value["devices"].as_array().unwrap().iter().all(|d| d["transport"] != "nfc"));

    let words = devices(&[]);
    assert!(String::from_utf8_lossy(&words.stdout).contains("pcscd is not running"));
}
