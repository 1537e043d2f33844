//! A real Secret Service for keyring tests: a private D-Bus session bus (`dbus-daemon`) with
//! `gnome-keyring-daemon` on it, in a temporary HOME and XDG_RUNTIME_DIR; both stop on drop.
//! Needs the Debian packages dbus-daemon, dbus-bin and gnome-keyring.

use crate::Result;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The login keyring's password when the keyring is created unlocked.
pub const KEYRING_PASSWORD: &str = "login keyring password";

/// A private session bus, optionally with gnome-keyring on it.
#[derive(Debug)]
pub struct SecretService {
    dir: PathBuf,
    bus: Child,
    address: String,
    keyring: Option<Child>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl SecretService {
    /// Starts the bus (no keyring yet: see [`SecretService::start_keyring`]).
    pub fn start() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "keydesk-secret-service-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "home"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("cannot create {dir:?}: {e}"))?;
        }
        private(&dir.join("run"));
        // No service directories: nothing is started by D-Bus activation behind the test's back.
        let config = format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
            dir.join("run").display()
        );
        let config_path = dir.join("bus.conf");
        std::fs::write(&config_path, config).map_err(|e| format!("cannot write the bus config: {e}"))?;
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config_path.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start dbus-daemon ({e}): install the Debian package dbus-daemon"))?;
        let mut address = String::new();
        if let Some(stdout) = bus.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut address);
        }
        let address = address.trim().to_owned();
        if !address.starts_with("unix:") {
            let _ = bus.kill();
            return Err(format!("dbus-daemon printed no bus address ({address:?})"));
        }
        Ok(Self { dir, bus, address, keyring: None })
    }

    /// Points `command` at this session (HOME, XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS) and
    /// away from any display, so no keyring prompt can appear.
    pub fn env<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command
            .env("HOME", self.dir.join("home"))
            .env("XDG_RUNTIME_DIR", self.dir.join("run"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
    }

    /// A private directory for the test's own files, removed on drop.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts gnome-keyring's Secret Service; `unlock` gives it [`KEYRING_PASSWORD`] on stdin
    /// (creating the login keyring the first time), otherwise the keyring stays locked.
    pub fn start_keyring(&mut self, unlock: bool) -> Result<()> {
        let mut command = Command::new("gnome-keyring-daemon");
        command.args(["--components=secrets", "--foreground"]);
        if unlock {
            command.arg("--unlock");
        }
        let mut child = self
            .env(&mut command)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start gnome-keyring-daemon ({e}): install the Debian package gnome-keyring"))?;
        if let Some(mut stdin) = child.stdin.take() {
            if unlock {
                stdin.write_all(KEYRING_PASSWORD.as_bytes()).map_err(|e| format!("keyring password: {e}"))?;
            }
        }
        self.keyring = Some(child);
        self.wait_for_name(true)
    }

    /// Stops gnome-keyring (the bus stays).
    pub fn stop_keyring(&mut self) -> Result<()> {
        if let Some(mut child) = self.keyring.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.wait_for_name(false)
    }

    /// Waits until org.freedesktop.secrets is (or is no longer) owned on the bus.
    fn wait_for_name(&self, owned: bool) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let reply = self
                .env(&mut Command::new("dbus-send"))
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .map_err(|e| format!("cannot run dbus-send ({e}): install the Debian package dbus-bin"))?;
            let text = String::from_utf8_lossy(&reply.stdout);
            if text.contains(if owned { "boolean true" } else { "boolean false" }) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the Secret Service did not {} in 15 s: {text}", if owned { "start" } else { "stop" }));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        if let Some(mut child) = self.keyring.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// XDG_RUNTIME_DIR must be private to its user (the spec, and gnome-keyring checks).
fn private(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
}
