//! For the `keydesk server` tests: the real keydesk-server in process (keydesk-server-fixture,
//! its clock set to the real time so that codes KeyDesk computes from the system clock are
//! current), a real Secret Service for the session token, and `keydesk` run as a user runs it.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::process::{Command, Output, Stdio};

use keydesk_testkit::SecretService;
use serde_json::Value;

pub use keydesk_server_fixture::{LocalServer, PASSWORD};

/// The server's current code of base32 `secret` (its clock starts at the system time, so the
/// code is the one KeyDesk's Codes shows).
pub fn server_code(server: &LocalServer, secret: &str) -> String {
    keydesk_server::totp::code_at(secret, server.now()).expect("code")
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

    /// `keydesk ARGS` on this desktop with `env` and no other KeyDesk variable, not yet run.
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keydesk"));
        command.args(args);
        for variable in ["KEYDESK_PASSWORD", "KEYDESK_CODE", "KEYDESK_EMAIL_CODE", "KEYDESK_PIN", "KEYDESK_VAULT_PASSWORD"] {
            command.env_remove(variable);
        }
        self.session.env(&mut command).env("XDG_CONFIG_HOME", self.session.dir().join("config"));
        command.env("XDG_DATA_HOME", self.session.dir().join("data"));
        command.envs(env.iter().copied());
        command
    }

    /// `keydesk ARGS` on this desktop with `env`, no terminal.
    pub fn keydesk(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command(args, env).stdin(Stdio::null()).output().expect("run keydesk")
    }

    /// `keydesk ARGS` with a terminal on stdin, as a person runs it: once `answer` returns (it
    /// may wait, say for an email), its line is typed into the terminal.
    pub fn keydesk_typing(&self, args: &[&str], env: &[(&str, &str)], answer: impl FnOnce() -> String) -> Output {
        let terminal = nix::pty::openpty(None, None).expect("a pseudo-terminal");
        let child = self
            .command(args, env)
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
