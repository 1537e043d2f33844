//! `keydesk` with "this computer" (platform:this-computer) on a REAL Secret Service
//! (gnome-keyring on a private D-Bus session, keydesk_testkit::SecretService): listed by
//! `keydesk devices`, its PIN set and used by the ordinary key commands, its state created in the
//! user's data directory, and a locked keyring reported as a listed problem and a precise error
//! that leaves the state file as it was; `keydesk reset` of this computer, which warns that it
//! deletes the passkeys stored on this computer and then does. Needs dbus-daemon, dbus-bin and
//! gnome-keyring.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

use keydesk_testkit::SecretService;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const DEVICE: &str = "platform:this-computer";

/// `keydesk ARGS` on the session: its HOME (so its data directory), no pcscd, no PINs or vault
/// password unless given.
fn keydesk(session: &SecretService, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
    command
        .args(args)
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/keydesk-test/pcscd.comm")
        .env_remove("XDG_DATA_HOME")
        .env_remove("KEYDESK_PIN")
        .env_remove("KEYDESK_NEW_PIN")
        .env_remove("KEYDESK_VAULT_PASSWORD");
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

/// The vault password, for the environment of `keydesk codes`.
const VAULT_PASSWORD: (&str, &str) = ("KEYDESK_VAULT_PASSWORD", "vault password");

/// `keydesk codes ARGS` on a vault in the session's directory (small Argon2 parameters for the
/// new vault), with `env` (the vault password, a PIN) only as given.
fn codes(session: &SecretService, args: &[&str], env: &[(&str, &str)]) -> Output {
    let vault = session.dir().join("codes.vault");
    let vault = vault.to_str().expect("UTF-8 path");
    let mut all = vec!["codes"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--vault", vault, "--argon2-memory-kib", "64", "--argon2-iterations", "1"]);
    keydesk(session, &all, env)
}

fn succeeded(output: &Output, what: &str) {
    assert!(output.status.success(), "{what} failed: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn reset_of_this_computer_says_it_deletes_its_passkeys_and_does() {
    let mut session = SecretService::start().expect("D-Bus session");
    session.start_keyring(true).expect("gnome-keyring");

    // A PIN, and a credential on this computer (the codes vault's security-key slot, made and
    // used with the PIN).
    let pin = ("KEYDESK_PIN", "4821");
    let set = keydesk(&session, &["pin", "set", "--device", DEVICE], &[("KEYDESK_NEW_PIN", "4821")]);
    succeeded(&set, "pin set");
    succeeded(&codes(&session, &["list"], &[VAULT_PASSWORD]), "creating the vault");
    let enroll = codes(&session, &["unlock-with", "security-key", "enable", "--device", DEVICE], &[VAULT_PASSWORD, pin]);
    succeeded(&enroll, "enrolling this computer");
    succeeded(&codes(&session, &["list", "--security-key", DEVICE], &[pin]), "unlocking with this computer");

    // Without a terminal and without --yes: the warning names this computer's passkeys, and
    // nothing is deleted.
    let refused = keydesk(&session, &["reset", "--device", DEVICE], &[]);
    assert!(!refused.status.success(), "reset without confirmation must refuse");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("deletes every passkey stored on this computer"), "the prompt says what is lost: {stderr}");
    assert!(stderr.contains("Delete the passkeys stored on this computer?"), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(!stderr.contains("Remove the key"), "there is nothing to unplug: {stderr}");
    assert_eq!(json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]))["pin_set"], true);
    succeeded(
        &codes(&session, &["list", "--security-key", DEVICE], &[pin]),
        "unlocking with this computer after the refusal",
    );

    // Confirmed: opened through the same path as every command, reset at once.
    let reset = keydesk(&session, &["reset", "--yes", "--device", DEVICE], &[]);
    succeeded(&reset, "reset --yes");
    assert!(String::from_utf8_lossy(&reset.stderr).contains("deletes every passkey stored on this computer"));
    assert!(String::from_utf8_lossy(&reset.stdout).contains("This computer was reset"));
    assert_eq!(json(&keydesk(&session, &["pin", "--json", "--device", DEVICE], &[]))["pin_set"], false);
    let gone = codes(&session, &["list", "--security-key", DEVICE], &[pin]);
    assert!(!gone.status.success(), "the credential this computer held must be gone after the reset");
    let gone = String::from_utf8_lossy(&gone.stderr);
    assert!(gone.contains("this security key is not enrolled in the vault"), "{gone}");
    // The vault itself is untouched: its password still opens it.
    succeeded(&codes(&session, &["list"], &[VAULT_PASSWORD]), "the password after the reset");
}
