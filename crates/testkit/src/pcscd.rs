//! pcscd, the PC/SC daemon, with the vpcd reader driver through which virtual cards appear.

use crate::process::{process_running, terminate, wait_for};
use crate::Result;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Where pcscd puts its client socket once it is ready.
pub const PCSCD_SOCKET: &str = "/run/pcscd/pcscd.comm";

/// A pcscd this process started (or none, when one was already running); stopped on drop.
#[derive(Debug)]
pub struct Pcscd {
    child: Option<Child>,
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
    /// Uses the running pcscd, or starts `pcscd --foreground` and waits for its socket.
    pub fn ensure_running() -> Result<Self> {
        if Path::new(PCSCD_SOCKET).exists() && process_running("pcscd") {
            return Ok(Self { child: None, _exclusive: None });
        }
        // A pcscd that was killed leaves its socket and pid file; a new one must not mistake them.
        let _ = std::fs::remove_file(PCSCD_SOCKET);
        let _ = std::fs::remove_file("/run/pcscd/pcscd.pid");
        let child = Command::new("pcscd")
            .arg("--foreground")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start pcscd ({e}); install it with `cargo xtask install-deps`"))?;
        let guard = Self { child: Some(child), _exclusive: None };
        wait_for(|| Path::new(PCSCD_SOCKET).exists(), Duration::from_secs(10))
            .map_err(|()| format!("pcscd did not create {PCSCD_SOCKET} within 10 s"))?;
        Ok(guard)
    }
}

impl Pcscd {
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
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            terminate(child);
        }
    }
}

