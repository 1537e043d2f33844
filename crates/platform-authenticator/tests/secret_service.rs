//! "This computer" against a REAL Secret Service: gnome-keyring on a private D-Bus session
//! (keydesk_testkit::SecretService). Needs the Debian packages dbus-daemon, dbus-bin and
//! gnome-keyring.
//!
//! libdbus reads the session bus address once per process, so every step runs in a child
//! process (this test binary again, told what to do by environment variables) on the session
//! the scenario chooses, or on none. That is also how a user's programs see it: each run of
//! `keydesk` is a new process reading the same file and keyring.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // a harness fails loudly

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Interaction, MakeCredentialArgs, Pin, PinRequest};
use keydesk_platform_authenticator::{OsKeyring, ThisComputer};
use keydesk_testkit::SecretService;

const PIN: &str = "4821";
/// "alice" as a base64url user handle.
const ALICE: &str = "YWxpY2U";
const CHILD: &str = "KEYDESK_PLATFORM_TEST_CHILD";
const STATE: &str = "KEYDESK_PLATFORM_TEST_STATE";

type Scenario = fn();

fn main() -> ExitCode {
    if let Ok(action) = std::env::var(CHILD) {
        return child(&action);
    }
    let scenarios: [(&str, Scenario); 4] = [
        ("first_use_creates_key_and_file_and_new_processes_read_the_same_passkeys", first_use_and_reopen),
        ("a_locked_keyring_is_explained_and_the_file_is_byte_for_byte_unchanged", locked_keyring),
        ("no_secret_service_or_no_session_bus_is_explained_and_loses_nothing", no_secret_service),
        ("a_state_file_whose_key_is_missing_from_the_keyring_is_never_overwritten", key_missing),
    ];
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let mut failed = 0;
    for (name, scenario) in scenarios {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let passed = std::panic::catch_unwind(scenario).is_ok();
        println!("test {name} ... {}", if passed { "ok" } else { "FAILED" });
        failed += usize::from(!passed);
    }
    println!("test result: {}. {failed} failed", if failed == 0 { "ok" } else { "FAILED" });
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

// ---- the child: one step on this computer, result on stdout ----

struct Answers;

impl Interaction for Answers {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

fn child(action: &str) -> ExitCode {
    let this = ThisComputer::new(std::env::var(STATE).expect("state path"), Arc::new(OsKeyring));
    if action == "check" {
        return match this.check() {
            Ok(()) => {
                println!("usable");
                ExitCode::SUCCESS
            }
            Err(error) => {
                println!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let device = match this.open() {
        Ok(device) => device,
        Err(error) => {
            println!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut client = Client::new(device);
    match action {
        "register" => {
            client.set_pin(&Pin::new(PIN)).expect("set the PIN");
            let mut args = MakeCredentialArgs::new([7; 32], RpEntity::new("example.com"), UserEntity::new(b"alice".to_vec()));
            args.resident_key = true;
            client.make_credential(&args, &mut Answers).expect("a passkey");
            println!("registered");
        }
        "list" => {
            let list = client.list_passkeys(&mut Answers).expect("list");
            let ids: Vec<String> = list.sites.iter().flat_map(|s| s.passkeys.iter().map(|p| p.user_id.clone())).collect();
            println!("passkeys: {}", ids.join(","));
        }
        other => panic!("unknown child action {other}"),
    }
    ExitCode::SUCCESS
}

// ---- the parent: sessions, child runs, assertions ----

/// How a child reaches (or fails to reach) the Secret Service.
enum Bus<'a> {
    Session(&'a SecretService),
    /// No session bus at all: no DBUS_SESSION_BUS_ADDRESS and an empty runtime directory.
    None(&'a Path),
}

fn run(bus: &Bus<'_>, state: &Path, action: &str) -> Output {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command.env(CHILD, action).env(STATE, state).env_remove("XDG_DATA_HOME");
    match bus {
        Bus::Session(session) => {
            session.env(&mut command);
        }
        Bus::None(dir) => {
            std::fs::create_dir_all(dir.join("run")).unwrap();
            command
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .env("XDG_RUNTIME_DIR", dir.join("run"))
                .env("HOME", dir)
                .env_remove("DISPLAY")
                .env_remove("WAYLAND_DISPLAY");
        }
    }
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("child");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the child step {action} hung (a keyring prompt?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "step failed: {stdout} {}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn failed(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!output.status.success(), "step unexpectedly succeeded: {stdout}");
    assert!(stdout.starts_with("error: "), "a precise error, not a crash: {stdout} {}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn session(unlocked: bool) -> SecretService {
    let mut session = SecretService::start().expect("a private D-Bus session");
    session.start_keyring(unlocked).expect("gnome-keyring");
    session
}

fn state_in(session: &SecretService) -> PathBuf {
    session.dir().join("data").join("this-computer.key")
}

/// A session whose keyring holds the key of a state file with alice's passkey.
fn registered() -> (SecretService, PathBuf, Vec<u8>) {
    let session = session(true);
    let state = state_in(&session);
    ok(&run(&Bus::Session(&session), &state, "register"));
    let bytes = std::fs::read(&state).expect("the state file");
    (session, state, bytes)
}

fn first_use_and_reopen() {
    let session = session(true);
    let state = state_in(&session);
    assert_eq!(ok(&run(&Bus::Session(&session), &state, "check")).trim(), "usable");
    assert!(!state.exists(), "a check creates nothing");
    ok(&run(&Bus::Session(&session), &state, "register"));
    assert!(state.exists());
    // The scan's check finds the key `keyring` stored, without unlocking anything.
    assert_eq!(ok(&run(&Bus::Session(&session), &state, "check")).trim(), "usable");
    assert_eq!(ok(&run(&Bus::Session(&session), &state, "list")).trim(), format!("passkeys: {ALICE}"));

    // The key really lives in the keyring on disk: a new gnome-keyring process still has it.
    let mut session = session;
    session.stop_keyring().expect("stop gnome-keyring");
    session.start_keyring(true).expect("restart gnome-keyring");
    assert_eq!(ok(&run(&Bus::Session(&session), &state, "list")).trim(), format!("passkeys: {ALICE}"));
}

fn locked_keyring() {
    let (mut session, state, before) = registered();
    session.stop_keyring().expect("stop gnome-keyring");
    session.start_keyring(false).expect("gnome-keyring, locked");
    for action in ["check", "list"] {
        let error = failed(&run(&Bus::Session(&session), &state, action));
        assert!(error.contains("the login keyring is locked"), "{action}: {error}");
        assert!(error.contains("unlock the login keyring"), "{action}: {error}");
        assert_eq!(std::fs::read(&state).unwrap(), before, "{action} changed the file");
    }
    session.stop_keyring().expect("stop gnome-keyring");
    session.start_keyring(true).expect("gnome-keyring, unlocked");
    assert_eq!(ok(&run(&Bus::Session(&session), &state, "list")).trim(), format!("passkeys: {ALICE}"));
}

fn no_secret_service() {
    let (mut session, state, before) = registered();
    session.stop_keyring().expect("stop gnome-keyring");
    for action in ["check", "list"] {
        let error = failed(&run(&Bus::Session(&session), &state, action));
        assert!(error.contains("no OS keyring is available"), "{action}: {error}");
        assert!(error.contains("org.freedesktop.secrets"), "{action}: {error}");
        assert_eq!(std::fs::read(&state).unwrap(), before);
    }
    let no_bus = session.dir().join("no-bus");
    for action in ["check", "list"] {
        let error = failed(&run(&Bus::None(&no_bus), &state, action));
        assert!(error.contains("no OS keyring is available"), "{action}: {error}");
        assert_eq!(std::fs::read(&state).unwrap(), before);
    }
    // A first use without a keyring creates nothing.
    let fresh = session.dir().join("fresh").join("this-computer.key");
    failed(&run(&Bus::None(&no_bus), &fresh, "register"));
    assert!(!fresh.exists());

    session.start_keyring(true).expect("gnome-keyring back");
    assert_eq!(ok(&run(&Bus::Session(&session), &state, "list")).trim(), format!("passkeys: {ALICE}"));
}

fn key_missing() {
    let (_first, state, before) = registered();
    // Another user's (or a reset) keyring: the file is there, its key is not.
    let other = session(true);
    for action in ["check", "list", "register"] {
        let error = failed(&run(&Bus::Session(&other), &state, action));
        assert!(error.contains("is missing from the OS keyring"), "{action}: {error}");
        assert!(error.contains("left untouched"), "{action}: {error}");
        assert_eq!(std::fs::read(&state).unwrap(), before, "{action} overwrote the file");
    }
}
