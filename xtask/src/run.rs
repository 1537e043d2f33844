//! `cargo xtask run`: build KeyDesk and show it working against the virtual security key and
//! the reference server.
//!
//! Starts the reference server on its embedded SQLite default with a demo user, serves the
//! virtual key as a contactless card through the real pcscd (vpcd reader driver), and shows what
//! `keydesk devices` and `keydesk info` report for it.

use crate::cmd::{cargo, repo_root, run as run_command, target_dir, Result};
use crate::reference_server::{ReferenceServer, DEMO_PASSWORD, DEMO_USER, ORIGIN};
use keydesk_testkit::Pcscd;
use crate::system_packages::{ensure, BUILD};
use std::io::IsTerminal;
use keydesk_testkit::SecretService;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(args: &[String]) -> Result {
    ensure(&[BUILD, &["vsmartcard-vpcd", "dbus-daemon", "dbus-bin", "gnome-keyring"]].concat())?;
    run_command(cargo().current_dir(repo_root()).args(["build", "--package", "keydesk-cli", "--package", "keydesk-server"]))?;
    let keydesk = target_dir().join("debug").join("keydesk");

    let pcscd = Pcscd::ensure_running()?;
    let data_dir = repo_root().join("target").join("xtask-run");
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {data_dir:?}: {e}"))?;
    let _server = ReferenceServer::start(&target_dir().join("debug").join("keydesk-server"), &data_dir.join("server"))?;
    eprintln!("xtask: the reference server runs at {ORIGIN} (SQLite in {}); demo user {DEMO_USER}, password {DEMO_PASSWORD}", data_dir.join("server").display());
    let card = VirtualCard::serve(&keydesk, pcscd.vpcd_address(), &data_dir.join("virtual-key.state"))?;
    let session = Session::open()?;

    let device = wait_until_listed(&session, &keydesk)?;
    session.show(&keydesk, &["devices"])?;
    session.show(&keydesk, &["info", "--device", &device])?;
    walk_through_enrollment(&session, &keydesk, &device)?;

    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        eprintln!("\nxtask: opening the desktop app against {ORIGIN} (close its window to stop everything)");
        crate::app::open_app(ORIGIN, &data_dir, args)?;
    } else if std::io::stdin().is_terminal() {
        eprintln!("\nNo display, so the desktop app was not opened. The server and the virtual key keep running: open {ORIGIN} in a browser, or try");
        eprintln!("`{} server passkeys list` in another terminal.", keydesk.display());
        eprintln!("Press Enter to stop them.");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    }
    drop(card);
    Ok(())
}

/// The PIN the demo gives the virtual key (a simulated key: the PIN is no secret).
const DEMO_PIN: &str = "246810";

/// Enroll the virtual key into the demo account under a name, then log on with it alone, as a
/// user would with `keydesk server ...` (idempotent: a second run reuses the profile, PIN and passkey).
fn walk_through_enrollment(session: &Session, keydesk: &Path, device: &str) -> Result {
    let profiles = session.output(keydesk, &["server", "list", "--json"], &[])?;
    if !compact(&profiles).contains("\"name\":\"demo\"") {
        session.show(keydesk, &["server", "add", "demo", "--url", ORIGIN, "--user", DEMO_USER])?;
    }
    let pin = session.output(keydesk, &["pin", "status", "--device", device, "--json"], &[])?;
    if compact(&pin).contains("\"pin_set\":false") {
        session.run(keydesk, &["pin", "set", "--device", device], &[("KEYDESK_NEW_PIN", DEMO_PIN)])?;
    }
    eprintln!("\nxtask: logging on with the demo user's password");
    session.run(keydesk, &["server", "logon", "--profile", "demo"], &[("KEYDESK_PASSWORD", DEMO_PASSWORD)])?;
    let passkeys = session.output(keydesk, &["server", "passkeys", "list", "--profile", "demo", "--json"], &[])?;
    if !passkeys.contains("Virtual key") {
        eprintln!("\nxtask: enrolling the virtual key as the passkey \"Virtual key\" (PIN {DEMO_PIN})");
        session.run(
            keydesk,
            &["server", "enroll", "--profile", "demo", "--name", "Virtual key", "--device", device],
            &[("KEYDESK_PIN", DEMO_PIN)],
        )?;
    }
    session.run(keydesk, &["server", "logout", "--profile", "demo"], &[])?;
    eprintln!("\nxtask: logging on with the passkey alone");
    session.run(
        keydesk,
        &["server", "logon", "--profile", "demo", "--passkey", "--device", device],
        &[("KEYDESK_PIN", DEMO_PIN)],
    )?;
    session.show(keydesk, &["server", "passkeys", "list", "--profile", "demo"])
}

/// Where `keydesk` keeps its profiles and session tokens: the desktop's own Secret Service when
/// there is a D-Bus session, otherwise a private gnome-keyring (and HOME) for this demo.
struct Session(Option<SecretService>);

impl Session {
    fn open() -> Result<Self> {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
            return Ok(Self(None));
        }
        let mut service = SecretService::start()?;
        service.start_keyring(true)?;
        eprintln!("xtask: no desktop session bus: keyring and profiles live in {} for this run", service.dir().display());
        Ok(Self(Some(service)))
    }

    fn command(&self, keydesk: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(keydesk);
        command.args(args);
        if let Some(service) = &self.0 {
            service.env(&mut command);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command.stdin(Stdio::null());
        command
    }

    /// Runs `keydesk ARGS`, echoing it as a user would type it (the environment set here is the
    /// demo's keyring session and the PIN/password a user would type at the prompt).
    fn run(&self, keydesk: &Path, args: &[&str], env: &[(&str, &str)]) -> Result {
        eprintln!("\n$ keydesk {}", args.iter().map(|a| if a.contains(' ') { format!("\"{a}\"") } else { (*a).to_owned() }).collect::<Vec<_>>().join(" "));
        let status = self
            .command(keydesk, args, env)
            .status()
            .map_err(|e| format!("could not run {}: {e}", keydesk.display()))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`keydesk {}` failed ({status})", args.join(" ")))
        }
    }

    fn show(&self, keydesk: &Path, args: &[&str]) -> Result {
        self.run(keydesk, args, &[])
    }

    fn output(&self, keydesk: &Path, args: &[&str], env: &[(&str, &str)]) -> Result<String> {
        let out = self
            .command(keydesk, args, env)
            .output()
            .map_err(|e| format!("could not run {}: {e}", keydesk.display()))?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// `keydesk virtual-key serve --vpcd` as a child process, stopped on drop.
struct VirtualCard(Child);

impl VirtualCard {
    fn serve(keydesk: &std::path::Path, vpcd: std::net::SocketAddr, state: &std::path::Path) -> Result<Self> {
        let child = Command::new(keydesk)
            .args(["virtual-key", "serve", "--vpcd", &vpcd.to_string(), "--state"])
            .arg(state)
            .spawn()
            .map_err(|e| format!("could not start the virtual key: {e}"))?;
        Ok(Self(child))
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// pcscd notices a new vpcd card within about half a second; wait for `keydesk devices` to list
/// it and return its ID.
fn wait_until_listed(session: &Session, keydesk: &Path) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let listed = session.output(keydesk, &["devices", "--json"], &[])?;
        if let Some(id) = first_nfc_id(&listed) {
            return Ok(id);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("the virtual key did not appear in `keydesk devices` within 10 s".into())
}

/// The first `"id": "nfc:..."` of `keydesk devices --json` (xtask stays std-only: no JSON parser).
fn first_nfc_id(json: &str) -> Option<String> {
    let json = json.replace("\": \"", "\":\"");
    let rest = &json[json.find("\"id\":\"nfc:")?..];
    let value = &rest[rest.find("nfc:")?..];
    Some(value[..value.find('"')?].to_owned())
}

/// JSON without the whitespace between tokens (names and values here contain no spaces that matter).
fn compact(json: &str) -> String {
    json.replace(": ", ":").split('\n').map(str::trim).collect()
}
