//! "This computer" with an in-memory secret store and a temporary state file: creation, reopen,
//! every keyring failure losing nothing, the file lock, damaged files and failed saves.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};
use std::sync::Arc;

use keydesk_ctap::entities::{RpEntity, UserEntity};
use keydesk_ctap_client::{Client, Interaction, MakeCredentialArgs, Pin, PinRequest};
use keydesk_platform_authenticator::{
    open_with, scan_with, MemoryStore, MemoryStoreMode, PlatformAuthenticator, PlatformError, ThisComputer, AAGUID,
    DEVICE_ID,
};
use keydesk_transport::{Device, DeviceId, Message, NoWatch, TransportError, TransportKind};

const PIN: &str = "4821";

struct Answers;

impl Interaction for Answers {
    fn touch_needed(&mut self) {}
    fn pin_needed(&mut self, _request: &PinRequest) -> Option<Pin> {
        Some(Pin::new(PIN))
    }
    fn choose_credential(&mut self, _users: &[UserEntity]) -> Option<usize> {
        Some(0)
    }
}

struct Place {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: MemoryStore,
}

impl Place {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keydesk").join("this-computer.key");
        Self { _dir: dir, path, store: MemoryStore::new() }
    }

    fn this(&self) -> ThisComputer {
        ThisComputer::new(&self.path, Arc::new(self.store.clone()))
    }

    fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.path).unwrap()
    }
}

fn register(device: PlatformAuthenticator, user: &[u8]) -> PlatformAuthenticator {
    let mut client = Client::new(device);
    let mut args = MakeCredentialArgs::new([9; 32], RpEntity::new("example.com"), UserEntity::new(user.to_vec()));
    args.resident_key = true;
    client.make_credential(&args, &mut Answers).expect("a passkey");
    client.into_device()
}

/// "alice" as a base64url user handle.
const ALICE: &str = "YWxpY2U";

/// The passkeys' user IDs (base64url), listed with the PIN.
fn user_ids(device: PlatformAuthenticator) -> Vec<String> {
    let mut client = Client::new(device);
    let list = client.list_passkeys(&mut Answers).expect("list passkeys");
    list.sites.iter().flat_map(|site| site.passkeys.iter().map(|p| p.user_id.clone())).collect()
}

/// A place with one passkey ("alice") under a PIN.
fn with_passkey() -> Place {
    let place = Place::new();
    let mut client = Client::new(place.this().open().expect("first open"));
    client.set_pin(&Pin::new(PIN)).expect("set the PIN");
    register(client.into_device(), b"alice");
    place
}

#[test]
fn first_use_creates_the_key_then_the_file_and_reopening_reads_the_same_passkeys() {
    let place = Place::new();
    assert!(place.this().check().is_ok(), "a first use is possible");
    let device = place.this().open().expect("first open");
    assert_eq!(place.store.len(), 1, "the file key is in the store");
    assert!(place.path.exists(), "the state file is written at once");
    drop(device);

    let place = with_passkey();
    let written = place.bytes();
    assert!(!written.windows(5).any(|w| w == b"alice"), "the state is encrypted");
    assert!(!written.windows(11).any(|w| w == b"example.com"), "the state is encrypted");
    assert_eq!(user_ids(place.this().open().expect("reopen")), [ALICE]);
    assert_eq!(place.store.len(), 1, "reopening creates no other key");
}

#[test]
fn a_locked_or_missing_keyring_is_an_error_and_the_file_is_byte_for_byte_unchanged() {
    let place = with_passkey();
    let before = place.bytes();
    for (mode, expected) in [(MemoryStoreMode::Locked, "unlock the login keyring"), (MemoryStoreMode::Unavailable, "no OS keyring")] {
        place.store.set_mode(mode.clone());
        let error = place.this().open().expect_err("cannot open without the keyring");
        assert!(error.to_string().contains(expected), "{error}");
        assert!(error.to_string().contains("nothing was changed"), "{error}");
        let checked = place.this().check().expect_err("the check sees it too");
        assert_eq!(checked.to_string(), error.to_string());
        assert_eq!(place.bytes(), before, "{mode:?} changed the file");
    }
    place.store.set_mode(MemoryStoreMode::Working);
    assert_eq!(user_ids(place.this().open().expect("open once unlocked")), [ALICE]);
}

#[test]
fn first_use_with_a_locked_keyring_creates_nothing() {
    let place = Place::new();
    place.store.set_mode(MemoryStoreMode::Locked);
    assert!(matches!(place.this().check(), Err(PlatformError::KeyringLocked { .. })));
    assert!(matches!(place.this().open(), Err(PlatformError::KeyringLocked { .. })));
    assert!(!place.path.exists(), "no file without its key");
}

#[test]
fn a_file_whose_key_is_missing_is_never_recreated() {
    let place = with_passkey();
    let before = place.bytes();
    place.store.clear();
    let error = place.this().open().expect_err("the key is gone");
    assert!(matches!(&error, PlatformError::KeyMissing { path, entry } if *path == place.path && entry.starts_with("state-")));
    assert!(error.to_string().contains("left untouched"), "{error}");
    assert!(matches!(place.this().check(), Err(PlatformError::KeyMissing { .. })));
    assert_eq!(place.bytes(), before);
    assert!(place.store.is_empty(), "no new key was made for it");
}

#[test]
fn a_damaged_or_foreign_file_is_refused_and_kept() {
    let place = with_passkey();
    let mut damaged = place.bytes();
    let last = damaged.len() - 1;
    damaged[last] ^= 0x01;
    std::fs::write(&place.path, &damaged).unwrap();
    assert!(matches!(place.this().open(), Err(PlatformError::SealedFile { .. })));
    assert_eq!(place.bytes(), damaged);

    std::fs::write(&place.path, b"not ours at all").unwrap();
    assert!(matches!(place.this().check(), Err(PlatformError::SealedFile { .. })));
    assert!(matches!(place.this().open(), Err(PlatformError::SealedFile { .. })));
    assert_eq!(place.bytes(), b"not ours at all");
}

#[test]
fn a_second_opener_is_refused_while_the_first_holds_it() {
    let place = Place::new();
    let first = place.this().open().expect("first");
    assert!(matches!(place.this().open(), Err(PlatformError::InUse { .. })));
    drop(first);
    place.this().open().expect("free again");
}

#[test]
fn changes_are_saved_before_the_response_and_only_changes_are_written() {
    let place = Place::new();
    let mut device = place.this().open().expect("open");
    let fresh = place.bytes();
    device.transact(Message::Ctap2(&[0x04]), &mut NoWatch).expect("getInfo");
    assert_eq!(place.bytes(), fresh, "getInfo changes nothing, so nothing is written");
    let device = register(device, b"bob");
    assert_ne!(place.bytes(), fresh, "the passkey was written before the response");
    assert_eq!(device.passkey_count(), 1);
}

#[test]
fn a_failed_save_withholds_the_response_and_is_retried() {
    let place = Place::new();
    let device = place.this().open().expect("open");
    let before = place.bytes();
    // The atomic writer's temporary file cannot be created where a directory stands.
    let temp = place.path.with_file_name("this-computer.key.tmp");
    std::fs::create_dir(&temp).unwrap();
    let mut client = Client::new(device);
    let mut args = MakeCredentialArgs::new([9; 32], RpEntity::new("example.com"), UserEntity::new(b"carol".to_vec()));
    args.resident_key = true;
    assert!(client.make_credential(&args, &mut Answers).is_err(), "no success reported for an unsaved passkey");
    assert_eq!(place.bytes(), before);
    std::fs::remove_dir(&temp).unwrap();
    let mut device = client.into_device();
    device.transact(Message::Ctap2(&[0x04]), &mut NoWatch).expect("getInfo");
    assert_ne!(place.bytes(), before, "the pending change is written with the next request");
    drop(device);
    assert_eq!(place.this().open().expect("reopen").passkey_count(), 1);
}

#[test]
fn it_presents_itself_as_this_computer() {
    let place = Place::new();
    let mut device = place.this().open().expect("open");
    let descriptor = device.descriptor().clone();
    assert_eq!(descriptor.id, DeviceId(DEVICE_ID.into()));
    assert_eq!(descriptor.transport, TransportKind::Internal);
    assert_eq!(descriptor.product, "This computer");
    assert!(!descriptor.simulated);
    assert!(matches!(device.transact(Message::Ctap1(&[0, 3, 0, 0, 0]), &mut NoWatch), Err(TransportError::Unsupported(_))));

    let mut client = Client::new(device);
    let info = client.ctap2_info().expect("getInfo").clone();
    assert_eq!(info.aaguid, AAGUID);
    assert_ne!(info.aaguid, *b"KeyDeskVirtual01");
    assert_eq!(info.transports.as_deref(), Some(&["internal".to_owned()][..]));
    assert_eq!(info.option("plat"), Some(true), "a platform device");
    assert_eq!(info.option("rk"), Some(true));
    assert_eq!(info.option("uv"), None, "user verification is the PIN, not a sensor");
    assert_eq!(info.option("ep"), None, "no enterprise attestation");
}

#[test]
fn scans_list_it_or_say_why_not_and_open_it_by_id() {
    let place = Place::new();
    let listed = scan_with(Ok(place.this()));
    assert!(listed.devices.iter().any(|d| d.id.0 == DEVICE_ID));
    assert!(!place.path.exists(), "a scan creates nothing");

    place.store.set_mode(MemoryStoreMode::Locked);
    let hidden = scan_with(Ok(place.this()));
    assert!(!hidden.devices.iter().any(|d| d.id.0 == DEVICE_ID));
    assert!(hidden.problems.iter().any(|p| p.to_string().contains("unlock the login keyring")));
    assert!(scan_with(Err(PlatformError::NoDataDirectory)).problems.iter().any(|p| p.to_string().contains("data directory")));

    place.store.set_mode(MemoryStoreMode::Working);
    let device = open_with(&DeviceId(DEVICE_ID.into()), Ok(place.this())).expect("open by ID");
    assert_eq!(device.descriptor().product, "This computer");
    assert!(open_with(&DeviceId("usb:none".into()), Ok(place.this())).is_err());
}

#[test]
fn debug_output_names_no_secret() {
    let place = with_passkey();
    let device = place.this().open().expect("open");
    let shown = format!("{device:?} {:?}", place.this());
    assert!(shown.contains("this-computer.key"), "{shown}");
    assert!(!shown.contains(PIN));
    let _: &Path = device.state_file();
}
