//! Durable file replacement and versioned backups.
//!
//! A save writes the new bytes to a temporary file in the same directory, fsyncs it, copies
//! the current file into the backup directory (itself written atomically), renames the
//! temporary file over the vault (the commit point: POSIX rename is atomic), then fsyncs the
//! directory so the rename itself survives power loss, and finally prunes old backups.
//! A crash before the rename leaves the previous vault intact; after it, the new one.
//!
//! Every step first asks a [`FaultInjector`], so tests can fail a save at each step and prove
//! that reopening always finds a complete vault.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The steps of a save, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteStep {
    CreateTemp,
    /// Writing the n-th chunk of the new contents.
    WriteChunk(usize),
    SyncTemp,
    Backup,
    Rename,
    SyncDir,
    PruneBackups,
}

/// Decides whether a step fails (tests); the default never fails.
pub trait FaultInjector: Send {
    fn before(&mut self, step: WriteStep) -> io::Result<()>;
}

/// Never injects a fault.
#[derive(Debug, Default)]
pub struct NoFaults;

impl FaultInjector for NoFaults {
    fn before(&mut self, _step: WriteStep) -> io::Result<()> {
        Ok(())
    }
}

const CHUNK: usize = 4096;

pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// The lock file serialising writers of `path`.
pub fn lock_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.lock"))
}

/// The directory holding backups of `path`.
pub fn backup_dir(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{name}.backups"))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    // Directories can be opened read-only and fsynced on Unix; elsewhere this is best effort.
    match File::open(dir) {
        Ok(d) => d.sync_all().or_else(|e| if cfg!(unix) { Err(e) } else { Ok(()) }),
        Err(e) if cfg!(unix) => Err(e),
        Err(_) => Ok(()),
    }
}

fn write_durably(tmp: &Path, bytes: &[u8], faults: &mut dyn FaultInjector) -> io::Result<()> {
    faults.before(WriteStep::CreateTemp)?;
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(tmp)?;
    for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
        faults.before(WriteStep::WriteChunk(i))?;
        file.write_all(chunk)?;
    }
    faults.before(WriteStep::SyncTemp)?;
    file.sync_all()?;
    Ok(())
}

/// Atomically replaces `path` with `bytes`, keeping the previous version as backup
/// `previous_generation` and at most `keep_backups` backups.
///
/// `Err` means nothing was committed (the previous file is intact). Once the rename has
/// happened the save is committed: a later failure (directory fsync, pruning) is returned as
/// `Ok(Some(error))` so callers treat the new contents as current and can warn.
pub fn save(
    path: &Path,
    bytes: &[u8],
    previous_generation: Option<u64>,
    keep_backups: usize,
    faults: &mut dyn FaultInjector,
) -> io::Result<Option<io::Error>> {
    let tmp = temp_path(path);
    write_durably(&tmp, bytes, faults)?;

    faults.before(WriteStep::Backup)?;
    if let (Some(generation), true, true) = (previous_generation, keep_backups > 0, path.exists()) {
        let dir = backup_dir(path);
        fs::create_dir_all(&dir)?;
        let backup = dir.join(format!("{generation:016}.vault"));
        let current = fs::read(path)?;
        let backup_tmp = temp_path(&backup);
        write_durably(&backup_tmp, &current, &mut NoFaults)?;
        fs::rename(&backup_tmp, &backup)?;
        sync_dir(&dir)?;
    }

    faults.before(WriteStep::Rename)?;
    fs::rename(&tmp, path)?;
    let after_commit = faults
        .before(WriteStep::SyncDir)
        .and_then(|()| sync_dir(&parent_dir(path)))
        .and_then(|()| faults.before(WriteStep::PruneBackups))
        .and_then(|()| prune(path, keep_backups));
    Ok(after_commit.err())
}

/// Backups of `path`, oldest first, as (generation, file).
pub fn list_backups(path: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let dir = backup_dir(path);
    let mut out = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(generation) = name.strip_suffix(".vault").and_then(|g| g.parse::<u64>().ok()) {
            out.push((generation, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn prune(path: &Path, keep: usize) -> io::Result<()> {
    let backups = list_backups(path)?;
    let excess = backups.len().saturating_sub(keep);
    for (_, file) in backups.into_iter().take(excess) {
        fs::remove_file(file)?;
    }
    Ok(())
}
