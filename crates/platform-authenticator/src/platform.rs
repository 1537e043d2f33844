//! "This computer": the software CTAP 2.1 authenticator of `keydesk-virtual-key` configured
//! as a platform authenticator, persisted in a sealed state file (see [`crate::sealed`]).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keydesk_ctap::commands::GetInfoResponse;
use keydesk_ctap::message::CommandResponse as _;
use keydesk_transport::{Device, DeviceDescriptor, DeviceId, Message, TransportError, TransportKind, Watch};
use keydesk_virtual_key::persist::AtomicFile;
use keydesk_virtual_key::{AttestationMode, Authenticator, Config, KeyRng, PresencePolicy, Reply};
use rand_core::OsRng;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::error::PlatformError;
use crate::sealed::{self, FileKey, KeyId};
use crate::store::{OsKeyring, Presence, SecretStore};

/// The stable device ID of "this computer" (what `--device` takes).
pub const DEVICE_ID: &str = "platform:this-computer";
/// The product name shown beside hardware keys.
pub const PRODUCT: &str = "This computer";
/// This authenticator model's AAGUID (4f78b36c-8e44-40fd-a6e0-6183c181f802), distinct from the
/// virtual key's, so relying parties can tell the two apart.
pub const AAGUID: [u8; 16] = [
    0x4f, 0x78, 0xb3, 0x6c, 0x8e, 0x44, 0x40, 0xfd, 0xa6, 0xe0, 0x61, 0x83, 0xc1, 0x81, 0xf8, 0x02,
];
/// How many passkeys "this computer" stores.
pub const CAPACITY: usize = 100;
/// The state file's name in the user's data directory.
pub const STATE_FILE_NAME: &str = "this-computer.key";

/// The engine's configuration for "this computer".
///
/// - Attestation: packed *self* attestation (WebAuthn L3 §6.5.3 "Self Attestation"), the type
///   meant for "authenticators without meaningful protection measures for an attestation
///   private key". A software key on a general-purpose computer has no such protection: a batch
///   certificate would claim a provenance nobody could back.
/// - User presence: granted. The user starts every ceremony in KeyDesk itself and confirms it
///   there (the desktop app's dialog, the command line the user typed), which is the platform
///   authenticator's "test of user presence" (WebAuthn L3 §6.2.2 leaves its form to the
///   authenticator).
/// - User verification: the authenticator's clientPIN (CTAP 2.1 §6.5), so KeyDesk's PIN flows,
///   retry counters and blocks apply unchanged. No fingerprint sensor, no CTAP1/U2F, no
///   enterprise attestation; transports "internal".
pub fn config() -> Config {
    Config {
        aaguid: AAGUID,
        resident_capacity: CAPACITY,
        attestation: AttestationMode::SelfAttestation,
        presence: PresencePolicy::ApproveAll,
        fingerprint_sensor: false,
        transports: vec![TransportKind::Internal.webauthn_name().to_owned()],
        enterprise_attestation_capable: false,
        enterprise_rp_ids: Vec::new(),
        u2f: false,
        ..Config::default()
    }
}

/// How "this computer" appears in device lists.
pub fn descriptor() -> DeviceDescriptor {
    DeviceDescriptor {
        id: DeviceId(DEVICE_ID.to_owned()),
        transport: TransportKind::Internal,
        product: PRODUCT.to_owned(),
        simulated: false,
    }
}

/// The default state file: `this-computer.key` in the user's data directory
/// (`~/.local/share/keydesk` on Linux, `~/Library/Application Support/keydesk` on macOS,
/// `%APPDATA%\keydesk\data` on Windows).
pub fn default_state_path() -> Result<PathBuf, PlatformError> {
    directories::ProjectDirs::from("", "", "keydesk")
        .map(|dirs| dirs.data_dir().join(STATE_FILE_NAME))
        .ok_or(PlatformError::NoDataDirectory)
}

/// Where "this computer" keeps its passkeys: a state file and the secret store holding its key.
#[derive(Debug, Clone)]
pub struct ThisComputer {
    state_file: PathBuf,
    store: Arc<dyn SecretStore>,
}

impl ThisComputer {
    /// The user's own: [`default_state_path`] and the OS keyring.
    pub fn for_user() -> Result<Self, PlatformError> {
        Ok(Self::new(default_state_path()?, Arc::new(OsKeyring)))
    }

    /// Any state file and store (tests, or a front end that keeps data elsewhere).
    pub fn new(state_file: impl Into<PathBuf>, store: Arc<dyn SecretStore>) -> Self {
        Self { state_file: state_file.into(), store }
    }

    pub fn state_file(&self) -> &Path {
        &self.state_file
    }

    /// Whether [`ThisComputer::open`] would work now, found without unlocking or prompting and
    /// without creating anything (cheap enough for every device scan).
    pub fn check(&self) -> Result<(), PlatformError> {
        let file = AtomicFile::new(&self.state_file);
        let bytes = file.read().map_err(|e| self.state_error(e))?;
        let Some(bytes) = bytes else {
            // First use: the key can be created if the store is reachable and unlocked.
            return self.store.probe(None).map(|_| ()).map_err(PlatformError::from_store);
        };
        let entry = self.key_id(&bytes)?.entry_name();
        match self.store.probe(Some(&entry)).map_err(PlatformError::from_store)? {
            Presence::Readable => Ok(()),
            Presence::Absent => Err(self.key_missing(entry)),
        }
    }

    /// Opens "this computer". The first time, a random key is put in the store and then the
    /// state file is created; later, the file is decrypted with the key from the store. Any
    /// failure leaves the file as it was: a missing key is an error, never a fresh start.
    ///
    /// The returned device holds a lock on the state file (`<file>.lock`) until dropped, so
    /// two KeyDesk programs never write it in turn; a second opener gets
    /// [`PlatformError::InUse`]. Front ends open it for one operation and drop it.
    pub fn open(&self) -> Result<PlatformAuthenticator, PlatformError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PlatformError::Io { path, source }
        };
        if let Some(parent) = self.state_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let lock = self.lock()?;
        let file = AtomicFile::new(&self.state_file);
        let existing = file.read().map_err(|e| self.state_error(e))?;
        let fresh = existing.is_none();
        let (key, file_key, key_id) = match existing {
            Some(bytes) => self.load(&bytes)?,
            None => self.create()?,
        };
        let mut device = PlatformAuthenticator {
            descriptor: descriptor(),
            key,
            file,
            file_key,
            key_id,
            saved_digest: [0; 32],
            epoch: Instant::now(),
            _lock: lock,
        };
        // A fresh key is written now; a loaded one only when it changes.
        device.saved_digest = device.digest();
        if fresh {
            device.write().map_err(io(&self.state_file))?;
        }
        Ok(device)
    }

    fn lock(&self) -> Result<File, PlatformError> {
        let mut name = self.state_file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".lock");
        let path = self.state_file.with_file_name(name);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| PlatformError::Io { path: path.clone(), source })?;
        match lock.try_lock() {
            Ok(()) => Ok(lock),
            Err(std::fs::TryLockError::WouldBlock) => Err(PlatformError::InUse { path }),
            Err(std::fs::TryLockError::Error(source)) => Err(PlatformError::Io { path, source }),
        }
    }

    fn key_id(&self, bytes: &[u8]) -> Result<KeyId, PlatformError> {
        sealed::key_id(bytes).map_err(|source| PlatformError::SealedFile { path: self.state_file.clone(), source })
    }

    fn key_missing(&self, entry: String) -> PlatformError {
        PlatformError::KeyMissing { path: self.state_file.clone(), entry }
    }

    fn state_error(&self, error: keydesk_virtual_key::StateFileError) -> PlatformError {
        PlatformError::State { path: self.state_file.clone(), source: error }
    }

    fn load(&self, bytes: &[u8]) -> Result<(Authenticator, FileKey, KeyId), PlatformError> {
        let key_id = self.key_id(bytes)?;
        let entry = key_id.entry_name();
        let secret = self.store.load(&entry).map_err(PlatformError::from_store)?;
        let secret = secret.ok_or_else(|| self.key_missing(entry.clone()))?;
        let file_key = FileKey::from_bytes(&secret).ok_or(PlatformError::KeyMalformed { entry })?;
        let plaintext = sealed::open(&file_key, bytes)
            .map_err(|source| PlatformError::SealedFile { path: self.state_file.clone(), source })?;
        let key = Authenticator::from_state_file_bytes(config(), KeyRng::os(), &plaintext, Duration::ZERO)
            .map_err(|e| self.state_error(e))?;
        Ok((key, file_key, key_id))
    }

    /// First use: the key goes into the store before any file exists, so a store failure
    /// leaves nothing behind and a file never exists without its key.
    fn create(&self) -> Result<(Authenticator, FileKey, KeyId), PlatformError> {
        let key_id = KeyId::random(&mut OsRng);
        let file_key = FileKey::random(&mut OsRng);
        self.store.store(&key_id.entry_name(), file_key.expose()).map_err(PlatformError::from_store)?;
        Ok((Authenticator::new(config(), KeyRng::os(), Duration::ZERO), file_key, key_id))
    }
}

/// "This computer" opened: a [`Device`] answering CTAP2 in process. Every state change is
/// encrypted and written atomically before its response is returned.
pub struct PlatformAuthenticator {
    descriptor: DeviceDescriptor,
    key: Authenticator,
    file: AtomicFile,
    file_key: FileKey,
    key_id: KeyId,
    /// SHA-256 of the state last written, to write only when it changed.
    saved_digest: [u8; 32],
    epoch: Instant,
    _lock: File,
}

impl std::fmt::Debug for PlatformAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformAuthenticator")
            .field("state_file", &self.file.path())
            .field("passkeys", &self.key.discoverable_credential_count())
            .finish_non_exhaustive()
    }
}

impl PlatformAuthenticator {
    /// Number of passkeys stored.
    pub fn passkey_count(&self) -> usize {
        self.key.discoverable_credential_count()
    }

    pub fn state_file(&self) -> &Path {
        self.file.path()
    }

    fn digest(&self) -> [u8; 32] {
        let plaintext = Zeroizing::new(self.key.state_file_bytes());
        Sha256::digest(plaintext.as_slice()).into()
    }

    fn write(&mut self) -> std::io::Result<()> {
        let plaintext = Zeroizing::new(self.key.state_file_bytes());
        let digest: [u8; 32] = Sha256::digest(plaintext.as_slice()).into();
        self.file.write(&sealed::seal(&self.file_key, &self.key_id, &plaintext, &mut OsRng))?;
        self.saved_digest = digest;
        Ok(())
    }

    /// Writes the state if it changed. On failure the response is withheld (an error instead),
    /// and the next request tries the write again.
    fn save_changes(&mut self) -> Result<(), TransportError> {
        if self.digest() == self.saved_digest {
            return Ok(());
        }
        self.write().map_err(|source| TransportError::Io {
            context: format!("saving this computer's passkeys to {}", self.file.path().display()),
            source,
        })
    }
}

impl Device for PlatformAuthenticator {
    fn descriptor(&self) -> &DeviceDescriptor {
        &self.descriptor
    }

    fn transact(&mut self, message: Message<'_>, _watch: &mut dyn Watch) -> Result<Vec<u8>, TransportError> {
        let Message::Ctap2(request) = message else {
            return Err(TransportError::Unsupported("CTAP1/U2F"));
        };
        let now = self.epoch.elapsed();
        let response = match self.key.handle(request, now) {
            Reply::Response(bytes) if request == [GET_INFO] => as_platform_device(bytes),
            Reply::Response(bytes) => bytes,
            // Presence is granted by configuration, so nothing waits; were it ever to, cancel
            // (CTAP2_ERR_KEEPALIVE_CANCEL) rather than hang the caller.
            Reply::WaitingForUserPresence => self.key.cancel(now).unwrap_or_default(),
        };
        self.save_changes()?;
        Ok(response)
    }
}

/// authenticatorGetInfo's command byte (CTAP 2.1 §6.4).
const GET_INFO: u8 = 0x04;

/// Sets getInfo's "plat" option (CTAP 2.1 §6.4: "the device is attached to the client and
/// therefore can't be removed and used on another client"), which the engine, written as a
/// roaming key, always reports false. Any other answer passes unchanged.
fn as_platform_device(response: Vec<u8>) -> Vec<u8> {
    match GetInfoResponse::decode(&response) {
        Ok(mut info) => {
            info.options.get_or_insert_with(Default::default).insert("plat".to_owned(), true);
            info.encode()
        }
        Err(_) => response,
    }
}
