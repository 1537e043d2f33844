//! A throw-away PostgreSQL cluster for the server's multi-instance tests.

use crate::process::{is_root, run, terminate, wait_for};
use crate::Result;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A throw-away PostgreSQL cluster on a loopback port, with trust authentication; removed on drop.
#[derive(Debug)]
pub struct Postgres {
    child: Child,
    data_dir: PathBuf,
    pub url: String,
}

impl Postgres {
    pub fn start(port: u16) -> Result<Self> {
        let bin = postgres_bin_dir()?;
        let data_dir = std::env::temp_dir().join(format!("keydesk-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {data_dir:?}: {e}"))?;
        // PostgreSQL refuses to run as root: run it as the `postgres` user Debian's package creates.
        let as_root = is_root();
        if as_root {
            run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&data_dir))?;
        }
        let as_db_user = |program: PathBuf| {
            if as_root {
                let mut command = Command::new("runuser");
                command.args(["-u", "postgres", "--"]).arg(program);
                command
            } else {
                Command::new(program)
            }
        };
        let pgdata = data_dir.join("data");
        run(
            as_db_user(bin.join("initdb"))
                .args(["--auth=trust", "--username=postgres", "--encoding=UTF8", "-D"])
                .arg(&pgdata)
                .stdout(Stdio::null()),
        )?;
        let child = as_db_user(bin.join("postgres"))
            .arg("-D")
            .arg(&pgdata)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-k"])
            .arg(&data_dir)
            .args(["-c", "fsync=off", "-c", "max_connections=200"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("could not start postgres: {e}"))?;
        let guard = Self {
            child,
            data_dir: data_dir.clone(),
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        let ready = || {
            Command::new(bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        };
        wait_for(ready, Duration::from_secs(30))
            .map_err(|()| "PostgreSQL did not accept connections within 30 s".to_string())?;
        Ok(guard)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        terminate(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn postgres_bin_dir() -> Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|_| "PostgreSQL is not installed (no /usr/lib/postgresql); run `cargo xtask install-deps`".to_string())?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop().ok_or_else(|| "no PostgreSQL server binaries under /usr/lib/postgresql".to_string())
}

