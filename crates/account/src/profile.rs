//! Server profiles: a name, the server's origin URL and the user name, kept as JSON in one file
//! (by default `<config dir>/keydesk/servers.json`), written atomically (a temporary file in
//! the same directory, flushed, then renamed over the old one).
//!
//! File shape: `{"version": 1, "servers": [{"name", "url", "username"}]}`.

use std::io::Write;
use std::path::{Path, PathBuf};

use keydesk_webauthn_client::CallerOrigin;
use serde::{Deserialize, Serialize};

use crate::error::{AccountError, Result};

/// Longest profile name, in characters.
pub const MAX_PROFILE_NAME: usize = 64;
/// Largest profiles file read.
const MAX_FILE_BYTES: u64 = 1 << 20;
const FILE_VERSION: u32 = 1;

/// One server the user logs on to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The user's name for it (what `--profile` takes).
    pub name: String,
    /// The server's origin, e.g. `https://login.example.com` (also the WebAuthn origin).
    pub url: String,
    /// The user name to log on with.
    pub username: String,
}

impl Profile {
    /// A checked profile: a printable name, an origin WebAuthn accepts (https, or http on
    /// localhost; a domain, not an IP address; no path), a printable user name. The URL is kept
    /// in its serialized origin form.
    pub fn new(name: &str, url: &str, username: &str) -> Result<Self> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_PROFILE_NAME || name.chars().any(char::is_control) {
            return Err(AccountError::InvalidProfileName(format!(
                "\"{name}\": use 1 to {MAX_PROFILE_NAME} printable characters"
            )));
        }
        let username = username.trim();
        if username.is_empty() || username.chars().any(char::is_control) {
            return Err(AccountError::InvalidUsername(format!("\"{username}\" must be printable and not empty")));
        }
        let origin = CallerOrigin::parse(url.trim().trim_end_matches('/'))
            .map_err(|e| AccountError::InvalidServerUrl { url: url.to_owned(), reason: e.to_string() })?;
        Ok(Self { name: name.to_owned(), url: origin.serialized().to_owned(), username: username.to_owned() })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct ProfilesFile {
    version: u32,
    servers: Vec<Profile>,
}

/// Decodes a profiles file (untrusted bytes: it may have been edited by hand).
pub fn decode_profiles(bytes: &[u8]) -> std::result::Result<Vec<Profile>, String> {
    let file: ProfilesFile = crate::wire::decode(bytes)?;
    if file.version != FILE_VERSION {
        return Err(format!("version {} is not one this KeyDesk reads ({FILE_VERSION})", file.version));
    }
    let mut checked: Vec<Profile> = Vec::with_capacity(file.servers.len());
    for profile in file.servers {
        let valid = Profile::new(&profile.name, &profile.url, &profile.username).map_err(|e| e.to_string())?;
        if checked.iter().any(|p| p.name == valid.name) {
            return Err(format!("the name \"{}\" is used twice", valid.name));
        }
        checked.push(valid);
    }
    Ok(checked)
}

/// The profiles file.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// The store at `path` (created on the first [`ProfileStore::add`]).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// `<config dir>/keydesk/servers.json` (XDG_CONFIG_HOME on Linux, Application Support on
    /// macOS, AppData\Roaming on Windows): the place the CLI and the desktop app share.
    pub fn default_path() -> Result<PathBuf> {
        let dirs = directories::ProjectDirs::from("", "", "keydesk").ok_or(AccountError::NoConfigDir)?;
        Ok(dirs.config_dir().join("servers.json"))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, in the order added (none when the file does not exist yet).
    pub fn list(&self) -> Result<Vec<Profile>> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(AccountError::ProfileFile { action: "reading", path: self.path.clone(), source }),
        };
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE_BYTES + 1), &mut bytes)
            .map_err(|source| AccountError::ProfileFile { action: "reading", path: self.path.clone(), source })?;
        decode_profiles(&bytes).map_err(|reason| AccountError::ProfileFileCorrupt { path: self.path.clone(), reason })
    }

    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Result<Profile> {
        self.list()?
            .into_iter()
            .find(|p| p.name == name.trim())
            .ok_or_else(|| AccountError::ProfileNotFound { name: name.to_owned() })
    }

    /// The profile called `name`, or the only one when no name is given.
    pub fn choose(&self, name: Option<&str>) -> Result<Profile> {
        if let Some(name) = name {
            return self.get(name);
        }
        let mut all = self.list()?;
        match all.len() {
            1 => Ok(all.remove(0)),
            0 => Err(AccountError::ProfileNotChosen(
                "no server profile yet: add one with `keydesk server add NAME --url URL --user USER`".to_owned(),
            )),
            _ => {
                let names: Vec<String> = all.into_iter().map(|p| p.name).collect();
                Err(AccountError::ProfileNotChosen(format!(
                    "several server profiles exist; choose one with --profile: {}",
                    names.join(", ")
                )))
            }
        }
    }

    /// Adds `profile`; its name must be new.
    pub fn add(&self, profile: Profile) -> Result<()> {
        let mut all = self.list()?;
        if all.iter().any(|p| p.name == profile.name) {
            return Err(AccountError::ProfileExists { name: profile.name });
        }
        all.push(profile);
        self.write(all)
    }

    /// Removes the profile called `name` and returns it.
    pub fn remove(&self, name: &str) -> Result<Profile> {
        let mut all = self.list()?;
        let index = all
            .iter()
            .position(|p| p.name == name.trim())
            .ok_or_else(|| AccountError::ProfileNotFound { name: name.to_owned() })?;
        let removed = all.remove(index);
        self.write(all)?;
        Ok(removed)
    }

    fn write(&self, servers: Vec<Profile>) -> Result<()> {
        let failed = |source| AccountError::ProfileFile { action: "writing", path: self.path.clone(), source };
        let json = serde_json::to_vec_pretty(&ProfilesFile { version: FILE_VERSION, servers })
            .map_err(|e| failed(std::io::Error::other(e)))?;
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(failed)?;
        let file_name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&json)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn urls_must_be_origins_webauthn_accepts() {
        let ok = Profile::new(" work ", "https://Login.Example.com/", " dana ").unwrap();
        assert_eq!(ok, Profile { name: "work".into(), url: "https://login.example.com".into(), username: "dana".into() });
        assert_eq!(Profile::new("l", "http://localhost:8080", "u").unwrap().url, "http://localhost:8080");
        for bad in ["http://example.com", "https://127.0.0.1", "https://example.com/login", "ftp://example.com", "nonsense"] {
            let error = Profile::new("n", bad, "u").unwrap_err();
            assert!(matches!(error, AccountError::InvalidServerUrl { .. }), "{bad}: {error}");
        }
        assert!(matches!(Profile::new("", "https://example.com", "u"), Err(AccountError::InvalidProfileName(_))));
        assert!(matches!(Profile::new("a\tb", "https://example.com", "u"), Err(AccountError::InvalidProfileName(_))));
        assert!(matches!(Profile::new("a", "https://example.com", " "), Err(AccountError::InvalidUsername(_))));
    }

    #[test]
    fn add_list_choose_remove_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(dir.path().join("sub/servers.json"));
        assert!(store.list().unwrap().is_empty());
        assert!(matches!(store.choose(None), Err(AccountError::ProfileNotChosen(_))));
        store.add(Profile::new("work", "https://login.example.com", "dana").unwrap()).unwrap();
        assert_eq!(store.choose(None).unwrap().name, "work");
        assert!(matches!(
            store.add(Profile::new("work", "https://other.example", "x").unwrap()),
            Err(AccountError::ProfileExists { .. })
        ));
        store.add(Profile::new("lab", "http://localhost:9000", "eve").unwrap()).unwrap();
        assert!(matches!(store.choose(None), Err(AccountError::ProfileNotChosen(m)) if m.contains("work, lab")));
        assert_eq!(store.choose(Some("lab")).unwrap().username, "eve");
        assert_eq!(ProfileStore::new(store.path()).list().unwrap().len(), 2);
        assert_eq!(store.remove("work").unwrap().name, "work");
        assert!(matches!(store.remove("work"), Err(AccountError::ProfileNotFound { .. })));
        assert_eq!(store.list().unwrap().len(), 1);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("sub")).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    }

    #[test]
    fn a_damaged_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("servers.json");
        for bad in [&b"{not json"[..], br#"{"version":2,"servers":[]}"#, br#"{"version":1,"servers":[{"name":"a","url":"http://evil.example","username":"u"}]}"#,
            br#"{"version":1,"servers":[{"name":"a","url":"https://a.example","username":"u"},{"name":"a","url":"https://b.example","username":"u"}]}"#] {
            std::fs::write(&path, bad).unwrap();
            let store = ProfileStore::new(&path);
            assert!(matches!(store.list(), Err(AccountError::ProfileFileCorrupt { .. })));
            assert!(store.add(Profile::new("b", "https://b.example", "u").unwrap()).is_err());
            assert_eq!(std::fs::read(&path).unwrap(), bad, "left as it was");
        }
    }
}
