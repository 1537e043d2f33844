//! pcscd, the PC/SC daemon, with the vpcd reader driver through which virtual cards appear.

use crate::ports;
use crate::process::{process_running, terminate, wait_for};
use crate::vpcd_config::{private_port, InstalledVpcd};
use crate::Result;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Where pcscd puts its client socket once it is ready.
pub const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";

/// A pcscd this process started (or none, when one was already running); stopped on drop.
#[derive(Debug)]
pub struct Pcscd {
    child: Option<Child>,
    /// Where vpcd's first slot listens: a virtual card connects there.
    vpcd_port: u16,
    /// The reader configuration and pcscd's debug log (for explaining a card that does not show
    /// up) of a pcscd we started; removed on drop.
    files: Option<PathBuf>,
    /// Held by tests: there is one pcscd and one vpcd slot per machine, so tests that use them
    /// take turns: threads of one test binary through the mutex, separate processes (two test
    /// runs at once on a developer machine) through a lock file. Field order matters: the child
    /// is stopped before the locks are released.
    _exclusive: Option<(MutexGuard<'static, ()>, std::fs::File)>,
}

/// The machine-wide turn for pcscd tests.
const LOCK_FILE: &str = "/tmp/keydesk-pcscd-tests.lock";

static EXCLUSIVE: Mutex<()> = Mutex::new(());

impl Pcscd {
    /// Uses the running pcscd (with the system's vpcd port), or starts `pcscd --foreground` with
    /// vpcd on ports of its own (see [`crate::vpcd_config`]) and waits until its client socket
    /// exists and vpcd listens.
    pub fn ensure_running() -> Result<Self> {
        let vpcd = InstalledVpcd::find()?;
        if Path::new(PCSCD_SOCKET).exists() && process_running("pcscd") {
            return Ok(Self { child: None, vpcd_port: vpcd.port, files: None, _exclusive: None });
        }
        // A pcscd that was killed leaves its socket and pid file; a new one must not mistake them.
        let _ = std::fs::remove_file(PCSCD_SOCKET);
        let _ = std::fs::remove_file("/run/pcscd/pcscd.pid");
        let files = std::env::temp_dir().join(format!("keydesk-pcscd-{}", std::process::id()));
        let vpcd_port = private_port();
        vpcd.write_config(&files.join("reader.conf.d"), vpcd_port)?;
        let log = files.join("pcscd.log");
        let log_file = std::fs::File::create(&log).map_err(|e| format!("could not create {}: {e}", log.display()))?;
        let log_file_too = log_file.try_clone().map_err(|e| format!("could not share {}: {e}", log.display()))?;
        // --debug logs calls, not APDUs (that would take --apdu): no PIN material reaches the log.
        let child = Command::new("pcscd")
            .args(["--foreground", "--debug", "--config"])
            .arg(files.join("reader.conf.d"))
            .stdout(Stdio::from(log_file))
            .stderr(Stdio::from(log_file_too))
            .spawn()
            .map_err(|e| format!("could not start pcscd ({e}); install it with `cargo xtask install-deps`"))?;
        let pid = child.id();
        let guard = Self { child: Some(child), vpcd_port, files: Some(files), _exclusive: None };
        wait_for(|| Path::new(PCSCD_SOCKET).exists(), Duration::from_secs(10))
            .map_err(|()| guard.explain(format!("pcscd did not create {PCSCD_SOCKET} within 10 s")))?;
        // pcscd opens its client socket after loading the readers, so vpcd listens by now
        // unless one of its two ports was taken.
        wait_for(|| ports::listens(pid, vpcd_port), Duration::from_secs(2)).map_err(|()| {
            guard.explain(format!(
                "pcscd runs but its vpcd driver does not listen on port {vpcd_port}: are ports {vpcd_port} and {} free?",
                vpcd_port + 1
            ))
        })?;
        Ok(guard)
    }

    /// Where a virtual card connects to reach vpcd's first slot ("Virtual PCD 00 00").
    pub fn vpcd_address(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.vpcd_port))
    }

    /// For tests: waits for the other pcscd tests of this binary, then [`Pcscd::ensure_running`].
    pub fn exclusive_for_test() -> Result<Self> {
        let exclusive = EXCLUSIVE.lock().unwrap_or_else(PoisonError::into_inner);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(LOCK_FILE)
            .map_err(|e| format!("could not open {LOCK_FILE}: {e}"))?;
        file.lock().map_err(|e| format!("could not lock {LOCK_FILE}: {e}"))?;
        let mut guard = Self::ensure_running()?;
        guard._exclusive = Some((exclusive, file));
        Ok(guard)
    }

    /// `problem`, followed by what explains it: who uses vpcd's ports and the end of pcscd's log.
    pub fn explain(&self, problem: impl std::fmt::Display) -> String {
        let mut text = problem.to_string();
        for port in [self.vpcd_port, self.vpcd_port + 1] {
            let sockets = ports::sockets_on_port(port);
            text.push_str(&format!("\nsockets on port {port}:{}", if sockets.is_empty() { " none" } else { "" }));
            for socket in sockets {
                text.push_str("\n  ");
                text.push_str(&socket);
            }
        }
        match self.files.as_ref().map(|files| files.join("pcscd.log")) {
            Some(log) => {
                let content = std::fs::read_to_string(&log).unwrap_or_default();
                let lines: Vec<&str> = content.lines().collect();
                text.push_str(&format!("\nthe last lines of pcscd's log ({}):", log.display()));
                for line in &lines[lines.len().saturating_sub(40)..] {
                    text.push_str("\n  ");
                    text.push_str(line);
                }
            }
            None => text.push_str("\n(pcscd was already running, not started by this test: its log is elsewhere)"),
        }
        text
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            terminate(child);
        }
        if let Some(files) = &self.files {
            let _ = std::fs::remove_dir_all(files);
        }
    }
}
