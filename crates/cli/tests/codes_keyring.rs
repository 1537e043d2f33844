//! The OS keyring slot against a REAL Secret Service: each test starts its own D-Bus session
//! bus (`dbus-daemon`) and `gnome-keyring-daemon` in a temporary HOME/XDG_RUNTIME_DIR, runs
//! the `keydesk` binary with DBUS_SESSION_BUS_ADDRESS pointing there, and stops both at the
//! end. Needs the Debian packages dbus-daemon, dbus-bin and gnome-keyring.
//!
//! The vault password is withheld (no KEYDESK_VAULT_PASSWORD, stdin not a terminal) whenever
//! the keyring has to prove it opens the vault on its own.

// A harness: a failed setup step is a failed test, with the step named.
#![allow(clippy::expect_used, clippy::panic)]

use keydesk_testkit::SecretService;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const VAULT_PASSWORD: &str = "vault password";
const URI: &str = "otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

/// The Secret Service guard of keydesk-testkit, plus running `keydesk codes` on its session.
struct Session(SecretService);

impl Session {
    fn start() -> Self {
        Self(SecretService::start().expect("a private D-Bus session"))
    }

    fn start_keyring(&mut self, unlock: bool) {
        self.0.start_keyring(unlock).expect("gnome-keyring");
    }

    fn stop_keyring(&mut self) {
        self.0.stop_keyring().expect("stop gnome-keyring");
    }

    /// Runs `keydesk codes ARGS` on this session; the vault password only when `password`.
    fn keydesk(&self, vault: &Path, args: &[&str], password: bool, stdin: &str) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
        command.arg("codes").args(args).arg("--vault").arg(vault).args(["--argon2-memory-kib", "64", "--argon2-iterations", "1"]);
        self.0.env(&mut command).env_remove("KEYDESK_VAULT_PASSWORD");
        if password {
            command.env("KEYDESK_VAULT_PASSWORD", VAULT_PASSWORD);
        }
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("keydesk");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let deadline = Instant::now() + Duration::from_secs(60);
        while child.try_wait().expect("wait").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("keydesk codes {args:?} hung (a keyring prompt?)");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().expect("output")
    }

    fn vault(&self, name: &str) -> PathBuf {
        self.0.dir().join(name)
    }
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "keydesk failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn failed(output: &Output) -> String {
    assert!(!output.status.success(), "keydesk unexpectedly succeeded: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The account names the vault lists.
fn names(stdout: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("list JSON");
    json["accounts"].as_array().expect("accounts").iter().map(|a| a["name"].as_str().unwrap_or_default().to_owned()).collect()
}

fn vault_with_account(service: &Session, name: &str) -> PathBuf {
    let vault = service.vault(name);
    ok(&service.keydesk(&vault, &["add"], true, URI));
    vault
}

#[test]
fn keyring_slot_opens_the_vault_through_a_real_secret_service() {
    let mut service = Session::start();
    service.start_keyring(true);
    let vault = vault_with_account(&service, "codes.vault");

    // Without the password and without the keyring slot, nothing opens the vault.
    failed(&service.keydesk(&vault, &["list", "--json"], false, ""));

    let status = ok(&service.keydesk(&vault, &["unlock-with", "keyring", "enable", "--json"], true, ""));
    assert!(status.contains("\"keyring\"") && status.contains("\"password\""), "{status}");

    // The keyring alone opens it now.
    let listed = ok(&service.keydesk(&vault, &["list", "--json"], false, ""));
    assert_eq!(names(&listed), ["alice@example.com"]);

    // The key really lives in the Secret Service: a fresh gnome-keyring process reads it back
    // from the login keyring on disk.
    service.stop_keyring();
    service.start_keyring(true);
    assert_eq!(names(&ok(&service.keydesk(&vault, &["list", "--json"], false, ""))), ["alice@example.com"]);

    ok(&service.keydesk(&vault, &["unlock-with", "keyring", "disable"], false, ""));
    let error = failed(&service.keydesk(&vault, &["list", "--json"], false, ""));
    assert!(error.contains("KEYDESK_VAULT_PASSWORD"), "{error}");
    assert_eq!(names(&ok(&service.keydesk(&vault, &["list", "--json"], true, ""))), ["alice@example.com"]);
}

#[test]
fn missing_or_locked_keyring_is_explained_and_loses_nothing() {
    let mut service = Session::start();
    service.start_keyring(true);
    let vault = vault_with_account(&service, "codes.vault");
    ok(&service.keydesk(&vault, &["unlock-with", "keyring", "enable"], true, ""));
    let before = std::fs::read(&vault).expect("vault bytes");

    // Missing: no Secret Service on the bus.
    service.stop_keyring();
    let error = failed(&service.keydesk(&vault, &["list", "--json"], false, ""));
    assert!(error.contains("The OS keyring did not unlock the vault"), "{error}");
    assert!(error.contains("org.freedesktop.secrets"), "names the missing service: {error}");
    assert!(error.contains("KEYDESK_VAULT_PASSWORD"), "says what to do: {error}");
    assert_eq!(std::fs::read(&vault).expect("vault bytes"), before, "a failed unlock writes nothing");
    assert_eq!(names(&ok(&service.keydesk(&vault, &["list", "--json"], true, ""))), ["alice@example.com"]);

    // Enabling the slot while the keyring is missing fails and leaves only the password slot.
    let other = vault_with_account(&service, "other.vault");
    let error = failed(&service.keydesk(&other, &["unlock-with", "keyring", "enable"], true, ""));
    assert!(error.contains("could not store the vault key"), "{error}");
    let status = ok(&service.keydesk(&other, &["unlock-with", "status", "--json"], true, ""));
    assert!(!status.contains("\"keyring\""), "{status}");

    // Locked: the Secret Service runs, but nobody unlocks the login keyring (no prompter).
    service.start_keyring(false);
    let error = failed(&service.keydesk(&vault, &["list", "--json"], false, ""));
    assert!(error.contains("The OS keyring did not unlock the vault"), "{error}");
    assert_eq!(names(&ok(&service.keydesk(&vault, &["list", "--json"], true, ""))), ["alice@example.com"]);
    assert_eq!(std::fs::read(&vault).expect("vault bytes"), before);
}
