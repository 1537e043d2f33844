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
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn run(_args: &[String]) -> Result {
    ensure(&[BUILD, &["vsmartcard-vpcd"]].concat())?;
    run_command(cargo().current_dir(repo_root()).args(["build", "--package", "keydesk-cli", "--package", "keydesk-server"]))?;
    let keydesk = target_dir().join("debug").join("keydesk");

    let _pcscd = Pcscd::ensure_running()?;
    let data_dir = repo_root().join("target").join("xtask-run");
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {data_dir:?}: {e}"))?;
    let _server = ReferenceServer::start(&target_dir().join("debug").join("keydesk-server"), &data_dir.join("server"))?;
    eprintln!("xtask: the reference server runs at {ORIGIN} (SQLite in {}); demo user {DEMO_USER}, password {DEMO_PASSWORD}", data_dir.join("server").display());
    let card = VirtualCard::serve(&keydesk, &data_dir.join("virtual-key.state"))?;

    wait_until_listed(&keydesk)?;
    run_command(Command::new(&keydesk).arg("devices"))?;
    run_command(Command::new(&keydesk).arg("info"))?;

    if std::io::stdin().is_terminal() {
        eprintln!("\nThe virtual key stays connected: try `{} info --json` in another terminal.", keydesk.display());
        eprintln!("Press Enter to stop it.");
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
    }
    drop(card);
    Ok(())
}

/// `keydesk virtual-key serve --vpcd` as a child process, stopped on drop.
struct VirtualCard(Child);

impl VirtualCard {
    fn serve(keydesk: &std::path::Path, state: &std::path::Path) -> Result<Self> {
        let child = Command::new(keydesk)
            .args(["virtual-key", "serve", "--vpcd", "127.0.0.1:35963", "--state"])
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

/// pcscd notices a new vpcd card within about half a second; wait for `keydesk devices` to list it.
fn wait_until_listed(keydesk: &std::path::Path) -> Result {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let listed = Command::new(keydesk)
            .args(["devices", "--json"])
            .output()
            .map(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).contains("\"nfc"))
            .unwrap_or(false);
        if listed {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("the virtual key did not appear in `keydesk devices` within 10 s".into())
}
