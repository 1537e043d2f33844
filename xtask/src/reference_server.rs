//! The reference server as `cargo xtask run` starts it: its embedded SQLite default in a data
//! directory under target/, with a demo user, stopped on drop.

use crate::cmd::Result;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The demo account `cargo xtask run` creates (a local test server, so the password is no secret).
pub const DEMO_USER: &str = "demo@keydesk.local";
pub const DEMO_PASSWORD: &str = "demo-password-2026";
/// Where the server listens; the origin is what browsers and KeyDesk see.
pub const LISTEN: &str = "127.0.0.1:8080";
pub const ORIGIN: &str = "http://localhost:8080";

/// A running `keydesk-server serve`.
pub struct ReferenceServer(Child);

impl ReferenceServer {
    /// Adds the demo user when missing, then serves and waits until the port answers.
    pub fn start(server: &Path, data_dir: &Path) -> Result<Self> {
        if TcpStream::connect(LISTEN).is_ok() {
            return Err(format!(
                "something already listens on {LISTEN}: stop it (an earlier `cargo xtask run`?) and try again"
            ));
        }
        let users = Command::new(server)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["user", "list", "--json"])
            .output()
            .map_err(|e| format!("could not run {}: {e}", server.display()))?;
        if !String::from_utf8_lossy(&users.stdout).contains(DEMO_USER) {
            let added = Command::new(server)
                .arg("--data-dir")
                .arg(data_dir)
                .args(["user", "add", DEMO_USER])
                .env("KEYDESK_PASSWORD", DEMO_PASSWORD)
                .status()
                .map_err(|e| format!("could not run {}: {e}", server.display()))?;
            if !added.success() {
                return Err(format!("adding the demo user {DEMO_USER} failed ({added})"));
            }
        }
        let child = Command::new(server)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--origin", ORIGIN, "serve", "--listen", LISTEN])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", server.display()))?;
        let running = Self(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(LISTEN).is_err() {
            if Instant::now() > deadline {
                return Err(format!("keydesk-server did not listen on {LISTEN} within 20 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(running)
    }
}

impl Drop for ReferenceServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
