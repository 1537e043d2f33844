//! The encrypted account store.
//!
//! * A random 32-byte master key encrypts the accounts with XChaCha20-Poly1305.
//! * Unlock slots wrap the master key: a password slot (Argon2id, RFC 9106) always exists; raw
//!   key slots take any 32-byte key (the OS keyring's stored key, a FIDO2 hmac-secret output).
//! * Every change is saved at once with an atomic replace and versioned backups
//!   ([`storage`]); HOTP counters are saved before the code is returned.
//! * Deleted accounts go to a trash and can be restored ([`Vault::undo_delete`]).
//!
//! Paths and the current time are arguments; nothing here picks locations or reads the clock.

mod file;
pub mod providers;
pub mod storage;

use std::path::{Path, PathBuf};

use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::codes::{self, Code, CodeError};
use crate::crypto::{self, KdfError, KdfLimits};
use crate::import::{ImportPreview, PreviewAction};
use crate::model::{Account, AccountId, OtpKind, ValidationError};
use crate::random::{self, RandomError};
use crate::secret::SecretString;
use file::{Argon2Record, SlotKindRecord, SlotRecord, VaultFile};
use storage::{FaultInjector, NoFaults};

/// Argon2id parameters for the password slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordKdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordKdfParams {
    /// RFC 9106 §4 second recommended option (64 MiB, 3 passes), single lane.
    fn default() -> Self {
        Self { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 }
    }
}

/// Settings for opening and saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VaultOptions {
    /// Backups kept of previous versions.
    pub keep_backups: usize,
    /// Caps on KDF parameters read from the file.
    pub kdf_limits: KdfLimits,
}

impl Default for VaultOptions {
    fn default() -> Self {
        Self { keep_backups: 10, kdf_limits: KdfLimits::default() }
    }
}

/// Vault failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    #[error("{op} {path}: {source}")]
    Io { op: &'static str, path: String, source: std::io::Error },
    #[error("{0} is not a KeyDesk OTP vault")]
    NotAVault(String),
    #[error("vault format version {0} is not supported by this KeyDesk")]
    UnsupportedVersion(u32),
    #[error("the vault is damaged: {0}")]
    Corrupt(String),
    #[error("wrong password")]
    WrongPassword,
    #[error("this key does not unlock slot {0}")]
    WrongKey(String),
    #[error("no unlock slot {0}")]
    NoSuchSlot(String),
    #[error("the vault has no password slot")]
    NoPasswordSlot,
    #[error("the password slot cannot be removed: it is the way back in when the keyring or security key is unavailable")]
    PasswordSlotRequired,
    #[error("the password is empty")]
    EmptyPassword,
    #[error(transparent)]
    Kdf(#[from] KdfError),
    #[error(transparent)]
    Random(#[from] RandomError),
    #[error("no account {0}")]
    UnknownAccount(AccountId),
    #[error("an account with id {0} already exists")]
    DuplicateId(AccountId),
    #[error("invalid account: {0}")]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("account {0} is not an HOTP account")]
    NotHotp(AccountId),
    #[error("the HOTP counter of {0} cannot advance further")]
    CounterExhausted(AccountId),
    #[error("account {0} is HOTP: its next code is generated on request (next_hotp_code)")]
    HotpNeedsRequest(AccountId),
    #[error("nothing to undo: {0} is not in the trash")]
    NotInTrash(AccountId),
    #[error("a vault has at most {MAX_SLOTS} unlock slots")]
    TooManySlots,
    #[error("the vault was changed by another program (version {on_disk} on disk, {ours} here): reopen it and repeat the change")]
    ChangedOnDisk { ours: u64, on_disk: u64 },
}

/// An account in the trash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedAccount {
    pub account: Account,
    /// Unix seconds, as passed to [`Vault::delete`].
    pub deleted_at: u64,
}

/// Reads only the generation of a vault file.
#[derive(Deserialize)]
struct GenerationOnly {
    generation: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct VaultData {
    accounts: Vec<Account>,
    #[serde(default)]
    trash: Vec<DeletedAccount>,
}

/// What a slot is, as shown to users and to the code that unlocks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotInfo {
    pub id: String,
    pub label: String,
    pub kind: SlotKind,
}

/// Slot kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SlotKind {
    Password,
    /// A raw 32-byte key slot; `raw_kind` names the provider ("keyring", "fido2-hmac-secret"),
    /// `params` is its public data (e.g. credential id and salt), stored unencrypted.
    Raw { raw_kind: String, params: Vec<u8> },
}

/// What the account list shows for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeView {
    /// A time-based code with its countdown.
    Ready(Code),
    /// HOTP: generated on request, which advances the counter.
    HotpOnRequest { counter: u64 },
    /// The account cannot produce a code (explained).
    Error(CodeError),
}

/// An unlocked vault.
pub struct Vault {
    path: PathBuf,
    master_key: Zeroizing<[u8; 32]>,
    generation: u64,
    slots: Vec<SlotRecord>,
    data: VaultData,
    options: VaultOptions,
    faults: Box<dyn FaultInjector>,
    save_warning: Option<String>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("path", &self.path)
            .field("generation", &self.generation)
            .field("slots", &self.slots.len())
            .field("accounts", &self.data.accounts.len())
            .finish_non_exhaustive()
    }
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> VaultError + 'a {
    move |source| VaultError::Io { op, path: path.display().to_string(), source }
}

fn password_key(password: &SecretString, a: &Argon2Record, limits: &KdfLimits) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    if password.is_empty() {
        return Err(VaultError::EmptyPassword);
    }
    Ok(crypto::argon2id_key(password.expose().as_bytes(), &a.salt, u64::from(a.t), u64::from(a.m_kib) * 1024, a.p, limits)?)
}

fn new_slot_id() -> Result<String, RandomError> {
    Ok(hex::encode(random::array::<8>()?))
}

fn wrap(slot_key: &[u8; 32], master: &[u8; 32], record: &mut SlotRecord) -> Result<(), RandomError> {
    record.wrapped = file::seal(slot_key, master, &file::slot_aad(record))?;
    Ok(())
}

fn unwrap_master(slot_key: &[u8; 32], record: &SlotRecord) -> Option<Zeroizing<[u8; 32]>> {
    let plain = file::open(slot_key, &record.wrapped, &file::slot_aad(record)).ok()?;
    let mut key = Zeroizing::new([0u8; 32]);
    if plain.len() != 32 {
        return None;
    }
    key.copy_from_slice(&plain);
    Some(key)
}

/// Largest vault file read (about 400,000 accounts).
pub const MAX_VAULT_BYTES: u64 = 256 * 1024 * 1024;
/// Most unlock slots a vault file may list (each password slot costs a KDF run).
pub const MAX_SLOTS: usize = 32;

fn read_file(path: &Path) -> Result<VaultFile, VaultError> {
    let size = std::fs::metadata(path).map_err(io_err("reading", path))?.len();
    if size > MAX_VAULT_BYTES {
        return Err(VaultError::Corrupt(format!("the file is {size} bytes, over the {MAX_VAULT_BYTES}-byte limit")));
    }
    let bytes = Zeroizing::new(std::fs::read(path).map_err(io_err("reading", path))?);
    let file: VaultFile = serde_json::from_slice(&bytes).map_err(|_| VaultError::NotAVault(path.display().to_string()))?;
    if file.format != file::FORMAT {
        return Err(VaultError::NotAVault(path.display().to_string()));
    }
    if file.version != file::VERSION {
        return Err(VaultError::UnsupportedVersion(file.version));
    }
    if file.slots.len() > MAX_SLOTS {
        return Err(VaultError::Corrupt(format!("{} unlock slots listed; at most {MAX_SLOTS} are allowed", file.slots.len())));
    }
    Ok(file)
}

fn slot_info(record: &SlotRecord) -> SlotInfo {
    let kind = match &record.kind {
        SlotKindRecord::Password { .. } => SlotKind::Password,
        SlotKindRecord::Raw { raw_kind, params } => SlotKind::Raw {
            raw_kind: raw_kind.clone(),
            params: base64::engine::general_purpose::STANDARD.decode(params).unwrap_or_default(),
        },
    };
    SlotInfo { id: record.id.clone(), label: record.label.clone(), kind }
}

impl Vault {
    /// Creates a new vault at `path` (which must not exist) with a password slot.
    pub fn create(path: &Path, password: &SecretString, kdf: PasswordKdfParams, options: VaultOptions) -> Result<Self, VaultError> {
        if path.exists() {
            return Err(VaultError::Io {
                op: "creating",
                path: path.display().to_string(),
                source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            });
        }
        let master_key = Zeroizing::new(random::array::<32>()?);
        let mut vault = Self {
            path: path.to_path_buf(),
            master_key,
            generation: 0,
            slots: Vec::new(),
            data: VaultData::default(),
            options,
            faults: Box::new(NoFaults),
            save_warning: None,
        };
        vault.slots.push(vault.password_slot(password, kdf)?);
        vault.save()?;
        Ok(vault)
    }

    fn password_slot(&self, password: &SecretString, kdf: PasswordKdfParams) -> Result<SlotRecord, VaultError> {
        let argon2 = Argon2Record { m_kib: kdf.memory_kib, t: kdf.iterations, p: kdf.parallelism, salt: random::array::<16>()? };
        // The creator chose these parameters; only files read later are capped.
        let limits = KdfLimits { max_argon2_memory_bytes: u64::MAX, max_argon2_iterations: u32::MAX, max_argon2_parallelism: u32::MAX, ..KdfLimits::default() };
        let key = password_key(password, &argon2, &limits)?;
        let mut record = SlotRecord {
            id: new_slot_id()?,
            kind: SlotKindRecord::Password { argon2 },
            label: "password".into(),
            wrapped: file::Sealed { nonce: String::new(), ciphertext: String::new() },
        };
        wrap(&key, &self.master_key, &mut record)?;
        Ok(record)
    }

    /// The slots of a vault file, readable before unlocking (a FIDO2 slot's credential id and
    /// salt are needed to obtain its key).
    pub fn read_slots(path: &Path) -> Result<Vec<SlotInfo>, VaultError> {
        Ok(read_file(path)?.slots.iter().map(slot_info).collect())
    }

    /// Unlocks with the password (every password slot is tried).
    pub fn unlock_with_password(path: &Path, password: &SecretString, options: VaultOptions) -> Result<Self, VaultError> {
        let file = read_file(path)?;
        let mut any = false;
        for record in &file.slots {
            if let SlotKindRecord::Password { argon2 } = &record.kind {
                any = true;
                let key = password_key(password, argon2, &options.kdf_limits)?;
                if let Some(master) = unwrap_master(&key, record) {
                    return Self::open_payload(path, file, master, options);
                }
            }
        }
        Err(if any { VaultError::WrongPassword } else { VaultError::NoPasswordSlot })
    }

    /// Unlocks with the 32-byte key of raw slot `slot_id`.
    pub fn unlock_with_raw_key(path: &Path, slot_id: &str, slot_key: &[u8; 32], options: VaultOptions) -> Result<Self, VaultError> {
        let file = read_file(path)?;
        let record = file
            .slots
            .iter()
            .find(|s| s.id == slot_id && matches!(s.kind, SlotKindRecord::Raw { .. }))
            .ok_or_else(|| VaultError::NoSuchSlot(slot_id.to_owned()))?;
        let master = unwrap_master(slot_key, record).ok_or_else(|| VaultError::WrongKey(slot_id.to_owned()))?;
        Self::open_payload(path, file, master, options)
    }

    fn open_payload(path: &Path, file: VaultFile, master_key: Zeroizing<[u8; 32]>, options: VaultOptions) -> Result<Self, VaultError> {
        let plain = file::open(&master_key, &file.payload, &file::payload_aad(file.generation))
            .map_err(|_| VaultError::Corrupt("the account data does not authenticate under the unlocked key".into()))?;
        let data: VaultData = serde_json::from_slice(&plain).map_err(|e| VaultError::Corrupt(format!("account data: {e}")))?;
        Ok(Self { path: path.to_path_buf(), master_key, generation: file.generation, slots: file.slots, data, options, faults: Box::new(NoFaults), save_warning: None })
    }

    /// A problem that happened after the last save was committed (a failed directory fsync or
    /// backup pruning), for the front-end to show.
    pub fn take_save_warning(&mut self) -> Option<String> {
        self.save_warning.take()
    }

    /// Replaces the fault injector (tests of crash safety).
    pub fn set_fault_injector(&mut self, faults: Box<dyn FaultInjector>) {
        self.faults = faults;
    }

    /// Encrypts and atomically writes the vault. An exclusive lock on a sibling lock file
    /// serialises writers, and the on-disk generation must still be ours: a change made by
    /// another program (the GUI while the CLI runs) is never overwritten silently.
    fn save(&mut self) -> Result<(), VaultError> {
        let lock_path = storage::lock_path(&self.path);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("opening the lock file", &lock_path))?;
        lock.lock().map_err(io_err("locking", &lock_path))?;
        let on_disk = match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice::<GenerationOnly>(&bytes).map(|g| g.generation).unwrap_or(u64::MAX),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(io_err("reading", &self.path)(e)),
        };
        if on_disk != self.generation {
            return Err(VaultError::ChangedOnDisk { ours: self.generation, on_disk });
        }
        let next = self.generation + 1;
        let plain = Zeroizing::new(serde_json::to_vec(&self.data).map_err(|e| VaultError::Corrupt(e.to_string()))?);
        let payload = file::seal(&self.master_key, &plain, &file::payload_aad(next))?;
        let vault_file = VaultFile { format: file::FORMAT.into(), version: file::VERSION, generation: next, slots: self.slots.clone(), payload };
        let bytes = serde_json::to_vec_pretty(&vault_file).map_err(|e| VaultError::Corrupt(e.to_string()))?;
        let previous = (self.generation > 0).then_some(self.generation);
        let warning = storage::save(&self.path, &bytes, previous, self.options.keep_backups, self.faults.as_mut())
            .map_err(io_err("saving", &self.path))?;
        self.generation = next;
        self.save_warning = warning.map(|e| format!("the vault was saved, but {e}: the save may not survive a power loss, or old backups were not pruned"));
        Ok(())
    }

    /// Runs `change` on a copy of the data and saves; on failure memory is left as it was,
    /// matching the file on disk.
    fn transact<T>(&mut self, change: impl FnOnce(&mut VaultData) -> Result<T, VaultError>) -> Result<T, VaultError> {
        let before_accounts = self.data.accounts.clone();
        let before_trash = self.data.trash.clone();
        let result = change(&mut self.data).and_then(|value| self.save().map(|()| value));
        if result.is_err() {
            self.data.accounts = before_accounts;
            self.data.trash = before_trash;
        }
        result
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Save counter (increments on every write).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn slots(&self) -> Vec<SlotInfo> {
        self.slots.iter().map(slot_info).collect()
    }

    /// Adds a raw-key slot (OS keyring, FIDO2 hmac-secret): `slot_key` wraps the master key;
    /// `params` is public data the provider needs to reproduce the key. Returns the slot id.
    pub fn add_raw_key_slot(&mut self, raw_kind: &str, label: &str, params: &[u8], slot_key: &[u8; 32]) -> Result<String, VaultError> {
        if self.slots.len() >= MAX_SLOTS {
            return Err(VaultError::TooManySlots);
        }
        let mut record = SlotRecord {
            id: new_slot_id()?,
            kind: SlotKindRecord::Raw { raw_kind: raw_kind.to_owned(), params: base64::engine::general_purpose::STANDARD.encode(params) },
            label: label.to_owned(),
            wrapped: file::Sealed { nonce: String::new(), ciphertext: String::new() },
        };
        wrap(slot_key, &self.master_key, &mut record)?;
        let id = record.id.clone();
        self.slots.push(record);
        if let Err(e) = self.save() {
            self.slots.pop();
            return Err(e);
        }
        Ok(id)
    }

    /// Removes a slot; the last password slot cannot be removed.
    pub fn remove_slot(&mut self, slot_id: &str) -> Result<(), VaultError> {
        let index = self.slots.iter().position(|s| s.id == slot_id).ok_or_else(|| VaultError::NoSuchSlot(slot_id.to_owned()))?;
        let is_password = |s: &SlotRecord| matches!(s.kind, SlotKindRecord::Password { .. });
        if is_password(&self.slots[index]) && self.slots.iter().filter(|s| is_password(s)).count() == 1 {
            return Err(VaultError::PasswordSlotRequired);
        }
        let removed = self.slots.remove(index);
        if let Err(e) = self.save() {
            self.slots.insert(index, removed);
            return Err(e);
        }
        Ok(())
    }

    /// Replaces every password slot with one for `new_password`.
    pub fn change_password(&mut self, new_password: &SecretString, kdf: PasswordKdfParams) -> Result<(), VaultError> {
        let record = self.password_slot(new_password, kdf)?;
        let before = self.slots.clone();
        self.slots.retain(|s| !matches!(s.kind, SlotKindRecord::Password { .. }));
        self.slots.insert(0, record);
        if let Err(e) = self.save() {
            self.slots = before;
            return Err(e);
        }
        Ok(())
    }

    /// All accounts in display order: pinned first, then by `order`, then issuer and name.
    pub fn accounts(&self) -> Vec<&Account> {
        let mut list: Vec<&Account> = self.data.accounts.iter().collect();
        list.sort_by_cached_key(|a| (!a.pinned, a.order, a.issuer.to_lowercase(), a.name.to_lowercase()));
        list
    }

    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.data.accounts.iter().find(|a| &a.id == id)
    }

    /// Accounts whose issuer, name, tags or note contain `query` (case-insensitive), in
    /// display order.
    pub fn search(&self, query: &str) -> Vec<&Account> {
        let q = query.trim().to_lowercase();
        self.accounts()
            .into_iter()
            .filter(|a| {
                q.is_empty()
                    || a.issuer.to_lowercase().contains(&q)
                    || a.name.to_lowercase().contains(&q)
                    || a.note.to_lowercase().contains(&q)
                    || a.tags.iter().any(|t| t.to_lowercase().contains(&q))
            })
            .collect()
    }

    /// Adds a validated account, placed after the existing ones.
    pub fn add_account(&mut self, mut account: Account) -> Result<AccountId, VaultError> {
        account.validate()?;
        if self.account(&account.id).is_some() {
            return Err(VaultError::DuplicateId(account.id));
        }
        account.order = self.next_order();
        let id = account.id.clone();
        self.transact(|data| {
            data.accounts.push(account);
            Ok(id)
        })
    }

    fn next_order(&self) -> u32 {
        self.data.accounts.iter().map(|a| a.order).max().map_or(0, |o| o.saturating_add(1))
    }

    /// Adds the preview's new accounts in one save; returns their ids.
    pub fn apply_import(&mut self, preview: &ImportPreview) -> Result<Vec<AccountId>, VaultError> {
        let mut order = self.next_order();
        let mut added = Vec::new();
        for entry in &preview.entries {
            if let (PreviewAction::New, Some(account)) = (&entry.action, &entry.account) {
                account.validate()?;
                let mut account = account.clone();
                if self.account(&account.id).is_some() || added.iter().any(|a: &Account| a.id == account.id) {
                    account.id = AccountId::random()?;
                }
                account.order = order;
                order = order.saturating_add(1);
                added.push(account);
            }
        }
        let ids = added.iter().map(|a| a.id.clone()).collect();
        self.transact(|data| {
            data.accounts.extend(added);
            Ok(ids)
        })
    }

    /// Edits an account; the result is validated before it is saved.
    pub fn edit(&mut self, id: &AccountId, change: impl FnOnce(&mut Account)) -> Result<(), VaultError> {
        let id = id.clone();
        self.transact(|data| {
            let account = data.accounts.iter_mut().find(|a| a.id == id).ok_or_else(|| VaultError::UnknownAccount(id.clone()))?;
            let mut edited = account.clone();
            change(&mut edited);
            edited.id = id.clone();
            edited.validate()?;
            *account = edited;
            Ok(())
        })
    }

    pub fn rename(&mut self, id: &AccountId, issuer: &str, name: &str) -> Result<(), VaultError> {
        self.edit(id, |a| {
            a.issuer = issuer.trim().to_owned();
            a.name = name.trim().to_owned();
        })
    }

    pub fn set_tags(&mut self, id: &AccountId, tags: Vec<String>) -> Result<(), VaultError> {
        self.edit(id, |a| a.tags = tags)
    }

    pub fn set_pinned(&mut self, id: &AccountId, pinned: bool) -> Result<(), VaultError> {
        self.edit(id, |a| a.pinned = pinned)
    }

    pub fn set_note(&mut self, id: &AccountId, note: &str) -> Result<(), VaultError> {
        self.edit(id, |a| a.note = note.to_owned())
    }

    /// Sets the manual order: `ids` first in the given order, the others after, in their
    /// current order.
    pub fn reorder(&mut self, ids: &[AccountId]) -> Result<(), VaultError> {
        for id in ids {
            if self.account(id).is_none() {
                return Err(VaultError::UnknownAccount(id.clone()));
            }
        }
        let current: Vec<AccountId> = self.accounts().iter().map(|a| a.id.clone()).collect();
        let sequence: Vec<AccountId> = ids.iter().cloned().chain(current.into_iter().filter(|id| !ids.contains(id))).collect();
        self.transact(|data| {
            for (position, id) in sequence.iter().enumerate() {
                if let Some(a) = data.accounts.iter_mut().find(|a| &a.id == id) {
                    a.order = u32::try_from(position).unwrap_or(u32::MAX);
                }
            }
            Ok(())
        })
    }

    /// Moves an account to the trash (undo with [`Vault::undo_delete`]).
    pub fn delete(&mut self, id: &AccountId, now_unix: u64) -> Result<(), VaultError> {
        let id = id.clone();
        self.transact(|data| {
            let index = data.accounts.iter().position(|a| a.id == id).ok_or_else(|| VaultError::UnknownAccount(id.clone()))?;
            let account = data.accounts.remove(index);
            data.trash.push(DeletedAccount { account, deleted_at: now_unix });
            Ok(())
        })
    }

    /// Restores the most recently deleted copy of `id`.
    pub fn undo_delete(&mut self, id: &AccountId) -> Result<(), VaultError> {
        let id = id.clone();
        self.transact(|data| {
            let index = data.trash.iter().rposition(|d| d.account.id == id).ok_or_else(|| VaultError::NotInTrash(id.clone()))?;
            let restored = data.trash.remove(index).account;
            data.accounts.push(restored);
            Ok(())
        })
    }

    pub fn trash(&self) -> &[DeletedAccount] {
        &self.data.trash
    }

    /// Permanently removes trash entries deleted before `cutoff_unix`; returns how many.
    pub fn purge_trash(&mut self, cutoff_unix: u64) -> Result<usize, VaultError> {
        self.transact(|data| {
            let before = data.trash.len();
            data.trash.retain(|d| d.deleted_at >= cutoff_unix);
            Ok(before - data.trash.len())
        })
    }

    /// The current code of every account, in display order.
    pub fn codes(&self, unix_time: u64) -> Vec<(&Account, CodeView)> {
        self.accounts()
            .into_iter()
            .map(|a| {
                let view = match a.kind {
                    OtpKind::Hotp { counter } => CodeView::HotpOnRequest { counter },
                    _ => match codes::generate_code(a, unix_time) {
                        Ok(code) => CodeView::Ready(code),
                        Err(e) => CodeView::Error(e),
                    },
                };
                (a, view)
            })
            .collect()
    }

    /// The current code of a time-based account.
    pub fn code(&self, id: &AccountId, unix_time: u64) -> Result<Code, VaultError> {
        let account = self.account(id).ok_or_else(|| VaultError::UnknownAccount(id.clone()))?;
        if matches!(account.kind, OtpKind::Hotp { .. }) {
            return Err(VaultError::HotpNeedsRequest(id.clone()));
        }
        Ok(codes::generate_code(account, unix_time)?)
    }

    /// The next HOTP code: the advanced counter is saved to disk first, then the code for
    /// the previous counter value is returned, so a crash can never show a code twice.
    pub fn next_hotp_code(&mut self, id: &AccountId) -> Result<Code, VaultError> {
        let account = self.account(id).ok_or_else(|| VaultError::UnknownAccount(id.clone()))?;
        let OtpKind::Hotp { counter } = account.kind else {
            return Err(VaultError::NotHotp(id.clone()));
        };
        let mut used = account.clone();
        let next = counter.checked_add(1).ok_or_else(|| VaultError::CounterExhausted(id.clone()))?;
        self.edit(id, |a| a.kind = OtpKind::Hotp { counter: next })?;
        used.kind = OtpKind::Hotp { counter };
        Ok(codes::generate_code(&used, 0)?)
    }
}

#[cfg(test)]
mod tests;
