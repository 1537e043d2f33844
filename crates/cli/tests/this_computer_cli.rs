//! `keydesk` with "this computer" (platform:this-computer) on a REAL Secret Service
//! (gnome-keyring on a private D-Bus session, keydesk_testkit::SecretService): listed by
//! `keydesk devices`, its PIN set and used by the ordinary key commands, its state created in the
//! user's data directory, and a locked keyring reported as a listed problem and a precise error
//! that leaves the state file as it was. Needs dbus-daemon, dbus-bin and gnome-keyring.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_testkit::SecretService;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const DEVICE: &str = "platform:this-computer";

/// `keydesk ARGS` on the session: its HOME (so its data directory), no pcscd, no PINs unless given.
fn keydesk(session: &SecretService, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
    command
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/keydesk-test/pcscd.comm")
        .env_remove("XDG_DATA_HOME")
        .env_remove("KEYDESK_PIN")
        .env_remove("KEYDESK_NEW_PIN");
    session.env(&mut command);
    command.envs(env.iter().copied()).stdin(Stdio::null()).output().expect("run keydesk")
}

fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "keydesk failed: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("JSON")
}

fn state_file(session: &SecretService) -> PathBuf {
    session.dir().join("home/.local/share/keydesk/this-computer.key")
}

#[test]
fn this_computer_is_listed_and_managed_like_a_key_and_a_locked_keyring_loses_nothing() {
    let mut session = SecretService::start().expect("D-Bus session");
    session.start_keyring(true).expect("gnome-keyring");

    let listed = json(&keydesk(&session, &["devices", "--json"], &[]));
    let this = listed["devices"].as_array().unwrap().iter().find(|d| d["id"] == DEVICE).expect("this computer listed");
    assert_eq!(this["transport"], "internal");
    assert_eq!(this["product"], "This computer");
    assert_eq!(this["simulated"], false);
    assert!(!state_file(&session).exists(), "listing creates nothing");

    let status = json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]));
    assert_eq!(status["pin_set"], false);
    assert!(state_file(&session).exists(), "first use creates the state in the data directory");

    let set = keydesk(&session, &["pin", "set", "--device", DEVICE], &[("KEYDESK_NEW_PIN", "4821")]);
    assert!(set.status.success(), "pin set: {}", String::from_utf8_lossy(&set.stderr));
    let status = json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]));
    assert_eq!(status["pin_set"], true);
    assert_eq!(status["pin_retries"], 8);

    // The PIN guards the passkeys; a wrong one burns a retry, as on any key.
    let wrong = keydesk(&session, &["passkeys", "list", "--no-remember", "--json", "--device", DEVICE], &[("KEYDESK_PIN", "0000")]);
    assert!(!wrong.status.success(), "a wrong PIN must not list");
    assert_eq!(json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]))["pin_retries"], 7);
    let passkeys = json(&keydesk(&session, &["passkeys", "list", "--no-remember", "--json", "--device", DEVICE], &[("KEYDESK_PIN", "4821")]));
    assert_eq!(passkeys["sites"], serde_json::json!([]));
    assert_eq!(json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]))["pin_retries"], 8);

    // Locked keyring: a listed problem (not a failed scan), a precise error, the file unchanged.
    let before = std::fs::read(state_file(&session)).unwrap();
    session.stop_keyring().expect("stop gnome-keyring");
    session.start_keyring(false).expect("gnome-keyring, locked");
    let listed = json(&keydesk(&session, &["devices", "--json"], &[]));
    assert!(listed["devices"].as_array().unwrap().iter().all(|d| d["id"] != DEVICE));
    let problem = listed["problems"].as_array().unwrap().iter().find(|p| p["kind"] == "this-computer").expect("problem listed");
    assert!(problem["message"].as_str().unwrap().contains("unlock the login keyring"), "{problem}");
    let refused = keydesk(&session, &["pin", "--device", DEVICE], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("the login keyring is locked"), "{}", String::from_utf8_lossy(&refused.stderr));
    assert_eq!(std::fs::read(state_file(&session)).unwrap(), before);

    // Unlocked again, everything is still there.
    session.stop_keyring().expect("stop gnome-keyring");
    session.start_keyring(true).expect("gnome-keyring, unlocked");
    assert_eq!(json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]))["pin_set"], true);
}
