//! Durable state: a versioned, checksummed file format and an atomic file writer.
//!
//! File layout: `"KDVK"` magic, format version (u16 BE), body length (u32 BE), the body (CBOR of
//! the engine's persistent state), then SHA-256 over everything before it. A truncated or
//! corrupted file is reported as such, never half-loaded.
//!
//! The writer puts the new bytes in a temporary file in the same directory, fsyncs it, renames it
//! over the old file and fsyncs the directory: a crash at any point leaves either the old or the
//! new state, never a mixture.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

const MAGIC: &[u8; 4] = b"KDVK";
/// Current state file format version.
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 4 + 2 + 4;
const CHECKSUM_LEN: usize = 32;
/// Largest body accepted when loading (bounds memory on a hostile file).
pub const MAX_BODY_LEN: usize = 16 * 1024 * 1024;

/// Why a state file could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateFileError {
    #[error("could not read or write the state file {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("not a KeyDesk virtual key state file (bad magic bytes)")]
    NotAStateFile,
    #[error("state file format version {found} is not supported (this build reads version {FORMAT_VERSION})")]
    UnsupportedVersion { found: u16 },
    #[error("state file is truncated: {expected} bytes expected, {actual} present")]
    Truncated { expected: usize, actual: usize },
    #[error("state file has {0} unexpected trailing bytes")]
    TrailingBytes(usize),
    #[error("state file body of {0} bytes exceeds the limit")]
    BodyTooLarge(usize),
    #[error("state file checksum mismatch: the file is corrupted")]
    ChecksumMismatch,
    #[error("state file body is malformed: {0}")]
    MalformedBody(String),
}

/// Wraps a body in the file format.
pub fn encode_file(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + CHECKSUM_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(body);
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    out
}

/// Checks the framing and checksum and returns the body.
pub fn decode_file(bytes: &[u8]) -> Result<&[u8], StateFileError> {
    let header = bytes.get(..HEADER_LEN).ok_or_else(|| {
        if bytes.get(..4).is_some_and(|m| m != MAGIC) {
            StateFileError::NotAStateFile
        } else {
            StateFileError::Truncated { expected: HEADER_LEN, actual: bytes.len() }
        }
    })?;
    let (magic, rest) = header.split_at(4);
    if magic != MAGIC {
        return Err(StateFileError::NotAStateFile);
    }
    let (version, length) = rest.split_at(2);
    let version = u16::from_be_bytes([version[0], version[1]]);
    if version != FORMAT_VERSION {
        return Err(StateFileError::UnsupportedVersion { found: version });
    }
    let body_len = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
    if body_len > MAX_BODY_LEN {
        return Err(StateFileError::BodyTooLarge(body_len));
    }
    let total = HEADER_LEN + body_len + CHECKSUM_LEN;
    if bytes.len() < total {
        return Err(StateFileError::Truncated { expected: total, actual: bytes.len() });
    }
    if bytes.len() > total {
        return Err(StateFileError::TrailingBytes(bytes.len() - total));
    }
    let (content, checksum) = bytes.split_at(HEADER_LEN + body_len);
    if Sha256::digest(content).as_slice() != checksum {
        return Err(StateFileError::ChecksumMismatch);
    }
    Ok(&content[HEADER_LEN..])
}

/// The steps of an atomic write, named so tests can inject a failure at each one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteStep {
    CreateTemp,
    WriteTemp,
    SyncTemp,
    Rename,
    SyncDirectory,
}

impl WriteStep {
    /// Every step, in order.
    pub const ALL: [WriteStep; 5] =
        [WriteStep::CreateTemp, WriteStep::WriteTemp, WriteStep::SyncTemp, WriteStep::Rename, WriteStep::SyncDirectory];
}

/// A file replaced atomically on every save.
#[derive(Debug, Clone)]
pub struct AtomicFile {
    path: PathBuf,
}

impl AtomicFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn temp_path(&self) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".tmp");
        self.path.with_file_name(name)
    }

    /// Reads the whole file; `Ok(None)` when it does not exist yet.
    pub fn read(&self) -> Result<Option<Vec<u8>>, StateFileError> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateFileError::Io { path: self.path.clone(), source }),
        }
    }

    /// Replaces the file's content atomically.
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        self.write_with_fault(bytes, |_| Ok(()))
    }

    /// [`Self::write`] with `fault` called before each step; an error from it aborts the write
    /// there, as a crash or a full disk would.
    pub fn write_with_fault(&self, bytes: &[u8], mut fault: impl FnMut(WriteStep) -> io::Result<()>) -> io::Result<()> {
        let temp = self.temp_path();
        fault(WriteStep::CreateTemp)?;
        let mut file = create_private(&temp)?;
        fault(WriteStep::WriteTemp)?;
        file.write_all(bytes)?;
        fault(WriteStep::SyncTemp)?;
        file.sync_all()?;
        drop(file);
        fault(WriteStep::Rename)?;
        fs::rename(&temp, &self.path)?;
        fault(WriteStep::SyncDirectory)?;
        let directory = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        File::open(directory)?.sync_all()
    }
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create(true).truncate(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_corruption_is_named() {
        let file = encode_file(b"body");
        assert_eq!(decode_file(&file).unwrap(), b"body");
        for cut in 0..file.len() {
            let err = decode_file(&file[..cut]).unwrap_err();
            assert!(matches!(err, StateFileError::Truncated { .. }), "cut {cut}: {err}");
        }
        for index in 0..file.len() {
            let mut corrupted = file.clone();
            corrupted[index] ^= 0x40;
            assert!(decode_file(&corrupted).is_err(), "flip at {index} accepted");
        }
        assert!(matches!(decode_file(b"garbage!garbage!"), Err(StateFileError::NotAStateFile)));
        let mut longer = file.clone();
        longer.push(0);
        assert!(matches!(decode_file(&longer), Err(StateFileError::TrailingBytes(1))));
    }

    #[test]
    fn failure_at_any_step_keeps_old_or_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = AtomicFile::new(dir.path().join("state"));
        file.write(b"old").unwrap();
        for step in WriteStep::ALL {
            let result = file.write_with_fault(b"new", |s| {
                if s == step { Err(io::Error::other("injected")) } else { Ok(()) }
            });
            assert!(result.is_err());
            let content = file.read().unwrap().unwrap();
            if step == WriteStep::SyncDirectory {
                assert_eq!(content, b"new", "rename already happened");
                file.write(b"old").unwrap();
            } else {
                assert_eq!(content, b"old", "failure at {step:?} lost the old state");
            }
        }
    }
}
