//! Codes screen: the virtual MFA device. Every command is a call into `keydesk-codes`, the same
//! service the `keydesk codes` CLI uses. Secrets stay here: the UI receives codes and
//! secret-free account views; only `codes_export` (files the user asked for) and `codes_qr`
//! (a QR code the user asked to see) carry secrets out.
//!
//! The unlocked vault lives in [`CodesState`] until `codes_lock` (or the app quits). Import
//! previews stay here too, under an ID the UI confirms with `codes_import_apply`.

use crate::ceremony::CeremonyEvent;
use crate::error::{AppError, AppResult};
use crate::secret::SecretString;
use crate::state::AppState;
use keydesk_codes::clipboard::{Clipboard, CopiedCode, OsClipboard};
use keydesk_codes::open::{self, Slot};
use keydesk_codes::transfer::{self, PreviewView};
use keydesk_codes::keyring_store::FrontEndKeyring;
use keydesk_codes::{AccountEdit, AccountId, CodeRow, Codes, CodesError, LabelOverride, ListFilter, NotAdded, TagChange};
use keydesk_otp::import::ImportPreview;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};
use ts_rs::TS;

/// Seconds a copied code stays on the clipboard (the UI asks to clear it then).
pub const CLIPBOARD_CLEAR_SECONDS: u32 = 30;
/// Import previews kept at once (each holds the secrets of a whole backup).
const MAX_PREVIEWS: usize = 4;

/// The Codes screen's state: the unlocked vault, pending import previews, the clipboard.
pub struct CodesState {
    vault: Mutex<Option<Codes>>,
    previews: Mutex<HashMap<String, ImportPreview>>,
    next_preview: AtomicU64,
    clipboard: Mutex<(Box<dyn Clipboard>, CopiedCode)>,
    /// Counts copies: a scheduled clear only clears the copy it was scheduled for.
    copies: AtomicU64,
    /// How long a copied code stays on the clipboard.
    clear_after: Duration,
    /// The X11 display screen captures read; `None`: the session's (`DISPLAY`/`WAYLAND_DISPLAY`).
    x11_display: Option<String>,
    /// The keyring of the keyring slot (the OS keyring; tests use one in memory).
    keyring: FrontEndKeyring,
}

impl Default for CodesState {
    fn default() -> Self {
        Self::with_clipboard(Box::new(OsClipboard::default()))
    }
}

impl std::fmt::Debug for CodesState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodesState").field("unlocked", &lock(&self.vault).is_some()).finish_non_exhaustive()
    }
}

impl CodesState {
    /// A state using `clipboard` (tests pass an in-memory one).
    pub fn with_clipboard(clipboard: Box<dyn Clipboard>) -> Self {
        Self::with_clipboard_cleared_after(clipboard, Duration::from_secs(u64::from(CLIPBOARD_CLEAR_SECONDS)))
    }

    /// A state whose copied codes are cleared after `clear_after` (tests use a short delay).
    pub fn with_clipboard_cleared_after(clipboard: Box<dyn Clipboard>, clear_after: Duration) -> Self {
        Self {
            vault: Mutex::default(),
            previews: Mutex::default(),
            next_preview: AtomicU64::new(1),
            clipboard: Mutex::new((clipboard, CopiedCode::default())),
            copies: AtomicU64::new(0),
            clear_after,
            x11_display: None,
            keyring: FrontEndKeyring::Os,
        }
    }

    /// The keyring slot uses `keyring` instead of the OS keyring.
    pub fn with_keyring(mut self, keyring: FrontEndKeyring) -> Self {
        self.keyring = keyring;
        self
    }

    /// Screen captures read the X11 display `display` (":99") instead of the session's.
    pub fn capturing_x11_display(mut self, display: &str) -> Self {
        self.x11_display = Some(display.to_owned());
        self
    }

    /// The pinned accounts' codes at `unix_time` (none while the vault is locked); HOTP
    /// counters are not advanced.
    pub fn pinned(&self, unix_time: u64) -> Vec<keydesk_codes::pinned::PinnedCode> {
        lock(&self.vault).as_ref().map(|codes| codes.pinned(unix_time)).unwrap_or_default()
    }

    /// Clears the clipboard now if it still holds the code copied last.
    fn clear_clipboard(&self) -> Result<bool, CodesError> {
        let mut clipboard = lock(&self.clipboard);
        let (os, copied) = &mut *clipboard;
        copied.clear_if_ours(os.as_mut())
    }
}

/// Copies the account's code (HOTP: generates the next one) to the clipboard, kept out of
/// clipboard history, and clears it after the state's delay if it still holds it and nothing
/// was copied since. The window's Copy button and the tray both copy through here, so the
/// clearing does not depend on the window being open.
pub(crate) fn copy_code(state: &AppState, id: &AccountId) -> AppResult<CopiedView> {
    let row = with_vault(state, |codes| codes.show(id, now()))?;
    let code = zeroize::Zeroizing::new(row.code.clone().ok_or_else(|| AppError::new("no_code", "This account has no code to copy."))?);
    let this_copy = {
        let mut clipboard = lock(&state.codes.clipboard);
        let (os, copied) = &mut *clipboard;
        copied.copy(os.as_mut(), &code)?;
        state.codes.copies.fetch_add(1, Ordering::SeqCst) + 1
    };
    let codes = state.codes.clone();
    std::thread::spawn(move || {
        std::thread::sleep(codes.clear_after);
        if codes.copies.load(Ordering::SeqCst) == this_copy {
            // Best effort: the clipboard may have gone away with the display.
            let _ = codes.clear_clipboard();
        }
    });
    let clear_after_seconds = u32::try_from(state.codes.clear_after.as_millis().div_ceil(1000)).unwrap_or(u32::MAX);
    Ok(CopiedView { account: row.into(), clear_after_seconds })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl From<CodesError> for AppError {
    fn from(error: CodesError) -> Self {
        match error {
            // A key's own error keeps its code (wrong_pin, pin_blocked, cancelled, ...).
            CodesError::SecurityKey { source, .. } => source.into(),
            CodesError::Vault(keydesk_otp::vault::VaultError::WrongPassword) => {
                Self::new("wrong_password", "Wrong password. Type the vault password again.")
            }
            CodesError::NoSecurityKeySlot => Self::new(
                "security_key_slot",
                "No security key unlocks this vault yet: unlock it with the password, then add the key under \"Ways to unlock\".",
            ),
            other => Self::new(other.kind(), sentence(&other.to_string())),
        }
    }
}

/// The library's message as a sentence for the UI.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().collect();
            out.push_str(chars.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

fn locked() -> AppError {
    AppError::new("vault_locked", "The codes vault is locked: unlock it first.")
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Runs blocking work (files, KDFs, keys) off the main thread.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| AppError::internal(format!("the worker thread failed: {e}")))?
}

/// Runs `work` on the unlocked vault.
fn with_vault<T>(state: &AppState, work: impl FnOnce(&mut Codes) -> Result<T, CodesError>) -> AppResult<T> {
    let mut vault = lock(&state.codes.vault);
    let codes = vault.as_mut().ok_or_else(locked)?;
    Ok(work(codes)?)
}

/// Where the vault lives: `codes.vault` in the app's data directory (the CLI's default too).
fn vault_path(state: &AppState) -> AppResult<PathBuf> {
    match &state.options.data_dir {
        Some(dir) => Ok(dir.join("codes.vault")),
        None => open::default_vault_path().ok_or_else(|| AppError::new("storage", "No data directory is known for this user.")),
    }
}

// --- Views ---------------------------------------------------------------------------------

/// One account with its current code, never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CodeRowView {
    pub id: String,
    pub issuer: String,
    pub name: String,
    /// totp, hotp, steam, yandex, motp.
    pub kind: String,
    /// SHA1, SHA256, SHA512 (MD5 for mOTP).
    pub algorithm: String,
    pub digits: u8,
    /// Seconds per code, for time-based kinds.
    pub period: Option<u32>,
    /// Next HOTP counter.
    #[ts(type = "number | null")]
    pub counter: Option<u64>,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub order: u32,
    pub note: String,
    /// The code to type; null for HOTP in the list (showing one advances the counter).
    pub code: Option<String>,
    /// Seconds until a time-based code changes, when the list was made.
    pub seconds_remaining: Option<u32>,
    /// Why no code could be computed.
    pub error: Option<String>,
}

impl From<CodeRow> for CodeRowView {
    fn from(row: CodeRow) -> Self {
        let s = row.summary;
        Self {
            id: s.id.as_str().to_owned(),
            issuer: s.issuer,
            name: s.name,
            kind: s.kind.to_owned(),
            algorithm: s.algorithm.as_str().to_owned(),
            digits: s.digits,
            period: s.period,
            counter: s.counter,
            tags: s.tags,
            pinned: s.pinned,
            order: s.order,
            note: s.note,
            code: row.code,
            seconds_remaining: row.seconds_remaining,
            error: row.error,
        }
    }
}

/// The account list with codes, at `unix_time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CodesListView {
    #[ts(type = "number")]
    pub unix_time: u64,
    pub accounts: Vec<CodeRowView>,
    /// Every tag in use.
    pub tags: Vec<String>,
}

/// One way to unlock the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VaultSlotView {
    pub id: String,
    pub label: String,
    /// "password", "keyring" or "fido2-hmac-secret".
    pub kind: String,
}

impl From<Slot> for VaultSlotView {
    fn from(slot: Slot) -> Self {
        Self { id: slot.id, label: slot.label, kind: slot.kind }
    }
}

/// The vault: where it is, whether it exists and is unlocked, how it can be unlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct VaultView {
    pub path: String,
    pub exists: bool,
    pub unlocked: bool,
    pub slots: Vec<VaultSlotView>,
}

/// An entry that was not added, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct NotAddedView {
    pub label: String,
    /// The account that already gives the same codes.
    pub duplicate_of: Option<String>,
    /// Why it could not be read.
    pub reason: Option<String>,
}

impl From<NotAdded> for NotAddedView {
    fn from(entry: NotAdded) -> Self {
        Self { label: entry.label, duplicate_of: entry.of.map(|id| id.as_str().to_owned()), reason: entry.reason }
    }
}

/// What adding did: every entry is accounted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AddReportView {
    pub added: Vec<CodeRowView>,
    pub not_added: Vec<NotAddedView>,
}

/// One entry of an import preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportEntryView {
    pub label: String,
    /// "new", "duplicate" or "skipped".
    pub action: String,
    pub duplicate_of: Option<String>,
    pub reason: Option<String>,
    pub account: Option<CodeRowView>,
}

/// What an import would do, entry by entry; nothing is written until `codes_import_apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportPreviewView {
    pub preview_id: String,
    pub format: String,
    pub entries: Vec<ImportEntryView>,
    /// Items in the file that are not OTP accounts (counted, never dropped silently).
    pub not_otp_items: u32,
}

/// The accounts an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ImportResultView {
    pub imported: Vec<String>,
    /// Entries of the file that were not imported (duplicates, unreadable, not selected).
    pub not_imported: u32,
}

/// A copied code: on the clipboard, to be cleared after `clear_after_seconds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CopiedView {
    pub account: CodeRowView,
    pub clear_after_seconds: u32,
}

/// Whether the clipboard was cleared (only while it still held our code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClipboardClearView {
    pub cleared: bool,
}

/// The files an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ExportView {
    pub files: Vec<String>,
    /// Accounts the format cannot hold (Google Authenticator: no Steam, ...), with the reason.
    pub not_exported: Vec<NotAddedView>,
}

/// An account's QR code, shown because the user asked (it encodes the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QrView {
    pub label: String,
    /// `data:image/png;base64,...`
    pub data_url: String,
}

/// This computer's clock against a time server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ClockView {
    /// Local minus server time, seconds (positive: this clock is ahead).
    pub offset_seconds: i32,
    /// "in_sync", "minor" or "codes_wrong".
    pub severity: String,
    pub explanation: String,
}

/// A change to an account (null: unchanged).
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AccountEditArgs {
    pub issuer: Option<String>,
    pub name: Option<String>,
    pub note: Option<String>,
    pub digits: Option<u8>,
    /// TOTP only.
    pub period: Option<u32>,
    /// HOTP only: the counter of the next code.
    #[ts(type = "number | null")]
    pub counter: Option<u64>,
    /// SHA1, SHA256 or SHA512.
    pub algorithm: Option<String>,
}

/// A file the user chose: a path (drag-and-drop onto the window) or its bytes (a file picker).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileSource {
    Path { path: String },
    Bytes { name: String, bytes: Vec<u8> },
}

/// Largest file taken from the UI (a backup or an image).
const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

impl FileSource {
    fn read(self) -> AppResult<zeroize::Zeroizing<Vec<u8>>> {
        match self {
            Self::Bytes { bytes, .. } => Ok(zeroize::Zeroizing::new(bytes)),
            Self::Path { path } => {
                let path = Path::new(&path);
                let size = std::fs::metadata(path).map_err(|e| AppError::new("io", format!("Cannot read {}: {e}.", path.display())))?.len();
                if size > MAX_FILE_BYTES {
                    return Err(AppError::invalid_argument(format!("{} is {size} bytes; at most {MAX_FILE_BYTES} are read.", path.display())));
                }
                std::fs::read(path).map(zeroize::Zeroizing::new).map_err(|e| AppError::new("io", format!("Cannot read {}: {e}.", path.display())))
            }
        }
    }
}

fn vault_view(state: &AppState) -> AppResult<VaultView> {
    let path = vault_path(state)?;
    let guard = lock(&state.codes.vault);
    let (exists, slots) = match guard.as_ref() {
        Some(codes) => (true, codes.slots()),
        None => {
            let status = open::status(&path)?;
            (status.exists, status.slots)
        }
    };
    Ok(VaultView { path: path.display().to_string(), exists, unlocked: guard.is_some(), slots: slots.into_iter().map(Into::into).collect() })
}

fn set_unlocked(state: &AppState, codes: Codes) -> AppResult<VaultView> {
    *lock(&state.codes.vault) = Some(codes);
    vault_view(state)
}

fn add_report(report: keydesk_codes::AddReport) -> AddReportView {
    AddReportView {
        added: report.added.into_iter().map(Into::into).collect(),
        not_added: report.duplicates.into_iter().chain(report.skipped).map(Into::into).collect(),
    }
}

fn add_payloads<S: AsRef<str>>(state: &AppState, payloads: &[S], labels: &LabelOverride) -> AppResult<AddReportView> {
    with_vault(state, |codes| codes.add_payloads(payloads, labels)).map(add_report)
}

fn account_id(id: &str) -> AccountId {
    AccountId::from_string(id.trim().to_owned())
}

// --- For the Servers screen ----------------------------------------------------------------

/// Adds the account of a server's virtual MFA offer to the unlocked vault, tagged with the
/// server profile's name; returns its ID and its current code (to confirm the binding).
pub(crate) fn add_server_mfa(state: &AppState, otpauth_uri: &str, profile: &str) -> AppResult<(AccountId, String)> {
    with_vault(state, |codes| {
        let report = codes.add_payloads(&[otpauth_uri], &LabelOverride::default())?;
        let Some(added) = report.added.first() else {
            let why = report.duplicates.first().map(|_| "it is already in Codes".to_owned()).or_else(|| report.skipped.first().and_then(|s| s.reason.clone()));
            return Err(CodesError::InvalidEdit(format!("the server's MFA account could not be added: {}", why.unwrap_or_default())));
        };
        let id = added.summary.id.clone();
        codes.tag(&id, TagChange::Add, &[profile.to_owned()])?;
        let code = codes.show(&id, now())?.code.ok_or(CodesError::NoSuchAccount(id.to_string()))?;
        Ok((id, code))
    })
}

/// The account's row without a code.
pub(crate) fn account_row(state: &AppState, id: &AccountId) -> AppResult<CodeRowView> {
    with_vault(state, |codes| codes.account(id)).map(Into::into)
}

/// Moves an account added for a binding that failed to the trash (best effort: the binding's
/// own error is what the user needs to see).
pub(crate) fn discard_account(state: &AppState, id: &AccountId) {
    let _ = with_vault(state, |codes| codes.delete(id, now()));
}

// --- Vault ---------------------------------------------------------------------------------

/// Where the vault is, whether it exists and is unlocked, and its unlock slots.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_status(state: State<'_, AppState>) -> AppResult<VaultView> {
    let state = state.inner().clone();
    blocking(move || vault_view(&state)).await
}

/// Creates the vault with its password (the way in when the keyring or key is unavailable).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_create(state: State<'_, AppState>, password: SecretString) -> AppResult<VaultView> {
    let state = state.inner().clone();
    blocking(move || {
        let path = vault_path(&state)?;
        let codes = open::create(&path, &keydesk_codes::SecretString::new(password.as_str().to_owned()), Default::default())?;
        set_unlocked(&state, codes)
    })
    .await
}

/// Unlocks with the password slot.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_unlock_password(state: State<'_, AppState>, password: SecretString) -> AppResult<VaultView> {
    let state = state.inner().clone();
    blocking(move || {
        let path = vault_path(&state)?;
        let codes = open::unlock_with_password(&path, &keydesk_codes::SecretString::new(password.as_str().to_owned()))?;
        set_unlocked(&state, codes)
    })
    .await
}

/// Unlocks with the OS keyring slot.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_unlock_keyring(state: State<'_, AppState>) -> AppResult<VaultView> {
    let state = state.inner().clone();
    blocking(move || {
        let path = vault_path(&state)?;
        let codes = open::unlock_with_keyring(&path, &state.codes.keyring)?;
        set_unlocked(&state, codes)
    })
    .await
}

/// Unlocks with an enrolled security key (a ceremony: touch, and the PIN when the key has one).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_unlock_security_key(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    device: String,
) -> AppResult<VaultView> {
    let state = state.inner().clone();
    let ceremonies = state.ceremonies.clone();
    ceremonies
        .run(&ceremony, events, move |ui| {
            let path = vault_path(&state)?;
            let codes = state.registry.with_client(&device, |client| Ok(open::unlock_with_security_key(client, &path, ui)?))?;
            set_unlocked(&state, codes)
        })
        .await
}

/// Locks the vault: the accounts leave memory, pending imports are dropped, a copied code is
/// cleared from the clipboard, the tray shows no codes.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_lock<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> AppResult<VaultView> {
    let state = state.inner().clone();
    let view = blocking(move || {
        lock(&state.codes.vault).take();
        lock(&state.codes.previews).clear();
        // Locking must work without a clipboard (no display): clearing is best effort here.
        let _ = state.codes.clear_clipboard();
        vault_view(&state)
    })
    .await?;
    // No tray on this desktop is not an error for locking.
    let _ = crate::tray::refresh(&app);
    Ok(view)
}

/// Lets the OS keyring unlock the vault (`enable`), or no longer.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_slot_keyring(state: State<'_, AppState>, enable: bool) -> AppResult<VaultView> {
    let state = state.inner().clone();
    blocking(move || {
        with_vault(&state, |codes| if enable { codes.enable_keyring(&state.codes.keyring).map(drop) } else { codes.disable_keyring(&state.codes.keyring).map(drop) })?;
        vault_view(&state)
    })
    .await
}

/// Enrolls a security key (hmac-secret) as a way to unlock the vault (a ceremony: two touches).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_slot_security_key_add(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    device: String,
    label: String,
) -> AppResult<VaultView> {
    let label = label.trim().to_owned();
    if label.is_empty() || label.chars().count() > 64 {
        return Err(AppError::invalid_argument("Name the security key in 1 to 64 characters."));
    }
    let state = state.inner().clone();
    let ceremonies = state.ceremonies.clone();
    ceremonies
        .run(&ceremony, events, move |ui| {
            state.registry.with_client(&device, |client| with_vault(&state, |codes| codes.enroll_security_key(client, &label, ui)))?;
            vault_view(&state)
        })
        .await
}

/// Removes a security-key slot (the credential stays on the key).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_slot_security_key_remove(state: State<'_, AppState>, slot: String) -> AppResult<VaultView> {
    let state = state.inner().clone();
    blocking(move || {
        with_vault(&state, |codes| codes.remove_security_key(&slot))?;
        vault_view(&state)
    })
    .await
}

// --- Accounts ------------------------------------------------------------------------------

/// The accounts matching `search` and `tag` with their codes now (pinned first).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_list(state: State<'_, AppState>, search: Option<String>, tag: Option<String>) -> AppResult<CodesListView> {
    let state = state.inner().clone();
    blocking(move || {
        let unix_time = now();
        let filter = ListFilter { search: search.unwrap_or_default(), tag: tag.filter(|t| !t.trim().is_empty()) };
        with_vault(&state, |codes| {
            Ok(CodesListView { unix_time, accounts: codes.list(unix_time, &filter).into_iter().map(Into::into).collect(), tags: codes.tags() })
        })
    })
    .await
}

/// One account's code now; HOTP: the counter is advanced and saved first.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_show(state: State<'_, AppState>, id: String) -> AppResult<CodeRowView> {
    let state = state.inner().clone();
    blocking(move || with_vault(&state, |codes| codes.show(&account_id(&id), now())).map(Into::into)).await
}

/// Copies the account's code to the clipboard (kept out of clipboard history); Rust clears it
/// after `clear_after_seconds` if it still holds it, window open or not (the UI shows the
/// countdown and may ask `codes_clipboard_clear` itself, which only clears our code).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_copy(state: State<'_, AppState>, id: String) -> AppResult<CopiedView> {
    let state = state.inner().clone();
    blocking(move || copy_code(&state, &account_id(&id))).await
}

/// Clears the clipboard if it still holds the code copied last (never someone else's text).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_clipboard_clear(state: State<'_, AppState>) -> AppResult<ClipboardClearView> {
    let state = state.inner().clone();
    blocking(move || Ok(ClipboardClearView { cleared: state.codes.clear_clipboard()? })).await
}

/// Adds the account(s) of an otpauth URI (or a Google migration URI) the user pasted.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_add_uri(state: State<'_, AppState>, uri: SecretString, issuer: Option<String>, name: Option<String>) -> AppResult<AddReportView> {
    let state = state.inner().clone();
    blocking(move || {
        let lines: Vec<&str> = uri.as_str().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        add_payloads(&state, &lines, &LabelOverride { issuer, name })
    })
    .await
}

/// Adds the accounts in the QR codes of an image (picked or dropped).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_add_qr_image(state: State<'_, AppState>, source: FileSource) -> AppResult<AddReportView> {
    let state = state.inner().clone();
    blocking(move || {
        let bytes = source.read()?;
        let payloads = transfer::qr_payloads_in_image(&bytes)?;
        add_payloads(&state, &payloads, &LabelOverride::default())
    })
    .await
}

/// Captures the screen and previews the accounts of the QR codes on it (nothing is added:
/// the user confirms the entries with `codes_import_apply`, as for an import). Fails with
/// `no_qr_on_screen` when no readable QR code is visible.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_add_screen(state: State<'_, AppState>) -> AppResult<ImportPreviewView> {
    let state = state.inner().clone();
    blocking(move || {
        let payloads = keydesk_codes::screen::qr_payloads_on(state.codes.x11_display.as_deref())?;
        let preview = with_vault(&state, |codes| codes.preview_payloads(&payloads))?;
        Ok(keep_preview(&state, preview))
    })
    .await
}

/// Changes an account's issuer, name, note or code settings.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_edit(state: State<'_, AppState>, id: String, edit: AccountEditArgs) -> AppResult<CodeRowView> {
    let state = state.inner().clone();
    blocking(move || {
        let edit = AccountEdit {
            issuer: edit.issuer,
            name: edit.name,
            note: edit.note,
            digits: edit.digits,
            period: edit.period,
            counter: edit.counter,
            algorithm: edit.algorithm,
        };
        with_vault(&state, |codes| codes.edit(&account_id(&id), &edit)).map(Into::into)
    })
    .await
}

/// Replaces an account's tags.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_set_tags(state: State<'_, AppState>, id: String, tags: Vec<String>) -> AppResult<CodeRowView> {
    let state = state.inner().clone();
    blocking(move || with_vault(&state, |codes| codes.tag(&account_id(&id), TagChange::Set, &tags)).map(Into::into)).await
}

/// Pins an account to the top (and the tray), or unpins it.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_pin<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, id: String, pinned: bool) -> AppResult<CodeRowView> {
    let state = state.inner().clone();
    let row = blocking(move || with_vault(&state, |codes| codes.pin(&account_id(&id), pinned)).map(Into::into)).await?;
    // The tray shows it at once (the refresher would within a second).
    let _ = crate::tray::refresh(&app);
    Ok(row)
}

/// Sets the manual order: `ids` first, in this order.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_reorder(state: State<'_, AppState>, ids: Vec<String>) -> AppResult<()> {
    let state = state.inner().clone();
    blocking(move || {
        let ids: Vec<AccountId> = ids.iter().map(|id| account_id(id)).collect();
        with_vault(&state, |codes| codes.reorder(&ids))
    })
    .await
}

/// Moves an account to the trash; `codes_undo` restores it.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_delete(state: State<'_, AppState>, id: String) -> AppResult<CodeRowView> {
    let state = state.inner().clone();
    blocking(move || with_vault(&state, |codes| codes.delete(&account_id(&id), now())).map(Into::into)).await
}

/// Restores a deleted account (`id`), or the one deleted last (null).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_undo(state: State<'_, AppState>, id: Option<String>) -> AppResult<CodeRowView> {
    let state = state.inner().clone();
    blocking(move || {
        let id = id.map(|id| account_id(&id));
        with_vault(&state, |codes| codes.undo(id.as_ref())).map(Into::into)
    })
    .await
}

// --- Import, export ------------------------------------------------------------------------

/// Reads a backup (format detected unless named: aegis, 2fas, ente, bitwarden, andotp,
/// freeotp, uris) and previews every entry. An encrypted backup without `password` fails with
/// `import_password_required`, a wrong one with `import_wrong_password`.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_import_preview(
    state: State<'_, AppState>,
    source: FileSource,
    format: Option<String>,
    password: Option<SecretString>,
) -> AppResult<ImportPreviewView> {
    let state = state.inner().clone();
    blocking(move || {
        let format = match format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(name) => Some(transfer::import_format(name).ok_or_else(|| AppError::invalid_argument(format!("Unknown import format \"{name}\".")))?),
            None => None,
        };
        let bytes = source.read()?;
        let password = password.map(|p| keydesk_codes::SecretString::new(p.as_str().to_owned()));
        let preview = with_vault(&state, |codes| codes.preview_import_bytes(&bytes, format, password))?;
        Ok(keep_preview(&state, preview))
    })
    .await
}

/// Keeps `preview` (with its secrets) in Rust until `codes_import_apply`; returns its view.
fn keep_preview(state: &AppState, preview: ImportPreview) -> ImportPreviewView {
    let view = PreviewView::new(&preview);
    let preview_id = format!("import-{}", state.codes.next_preview.fetch_add(1, Ordering::Relaxed));
    let mut previews = lock(&state.codes.previews);
    if previews.len() >= MAX_PREVIEWS {
        previews.clear();
    }
    previews.insert(preview_id.clone(), preview);
    ImportPreviewView {
        preview_id,
        format: view.format.to_owned(),
        entries: view
            .entries
            .into_iter()
            .map(|e| ImportEntryView { label: e.label, action: e.action.to_owned(), duplicate_of: e.duplicate_of, reason: e.reason, account: e.account.map(Into::into) })
            .collect(),
        not_otp_items: u32::try_from(view.not_otp_items).unwrap_or(u32::MAX),
    }
}

/// Imports the previewed entries at the positions in `include` (new entries only), as a
/// ceremony: progress events entry by entry, cancellable until the single save (a cancelled
/// import writes nothing and keeps its preview for another try).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_import_apply(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    preview_id: String,
    include: Vec<u32>,
) -> AppResult<ImportResultView> {
    let state = state.inner().clone();
    let ceremonies = state.ceremonies.clone();
    ceremonies
        .run(&ceremony, events, move |ui| {
            let preview = lock(&state.codes.previews)
                .remove(&preview_id)
                .ok_or_else(|| AppError::new("preview_unknown", "This import preview has expired: choose the file again."))?;
            let include: Vec<usize> = include.into_iter().filter_map(|i| usize::try_from(i).ok()).collect();
            let selected = transfer::select_entries(&preview, &include);
            let imported = with_vault(&state, |codes| codes.apply_import_with_progress(&selected, &mut |done, total, label| ui.progress(done, total, label)));
            let imported = match imported {
                Ok(imported) => imported,
                Err(error) => {
                    lock(&state.codes.previews).insert(preview_id, preview);
                    return Err(error);
                }
            };
            let not_imported = u32::try_from(preview.entries.len().saturating_sub(imported.len())).unwrap_or(u32::MAX);
            Ok(ImportResultView { imported: imported.iter().map(|id| id.as_str().to_owned()).collect(), not_imported })
        })
        .await
}

/// Exports accounts WITH THEIR SECRETS to new owner-only files: `uris` (otpauth lines), `aegis`
/// (encrypted with `password`), `qr` (one PNG per account), `google_qr` (migration PNGs).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_export(
    state: State<'_, AppState>,
    format: String,
    path: String,
    password: Option<SecretString>,
    search: Option<String>,
) -> AppResult<ExportView> {
    let state = state.inner().clone();
    blocking(move || {
        let path = PathBuf::from(path.trim());
        if path.as_os_str().is_empty() {
            return Err(AppError::invalid_argument("Choose where to save the export."));
        }
        let accounts = with_vault(&state, |codes| codes.accounts_for_export(search.as_deref().unwrap_or("")))?;
        let mut files = Vec::new();
        let mut write = |file: PathBuf, bytes: &[u8]| -> AppResult<()> {
            transfer::write_secret_file(&file, bytes)?;
            files.push(file.display().to_string());
            Ok(())
        };
        let mut not_exported = Vec::new();
        match format.as_str() {
            "uris" => write(path, transfer::uri_list(&accounts).as_bytes())?,
            "aegis" => {
                let password = password.ok_or_else(|| AppError::invalid_argument("An Aegis export needs a password."))?;
                let password = keydesk_codes::SecretString::new(password.as_str().to_owned());
                write(path, transfer::aegis(&accounts, &password, Default::default())?.as_bytes())?;
            }
            "qr" => {
                let images = transfer::account_qr_images(&accounts)?;
                for (index, image) in images.iter().enumerate() {
                    write(transfer::numbered(&path, index, images.len()), &image.png)?;
                }
            }
            "google_qr" => {
                let google = transfer::google_migration(&accounts)?;
                let images = transfer::google_qr_images(&google)?;
                for (index, image) in images.iter().enumerate() {
                    write(transfer::numbered(&path, index, images.len()), &image.png)?;
                }
                not_exported = google.skipped.into_iter().map(|(label, reason)| NotAddedView { label, duplicate_of: None, reason: Some(reason) }).collect();
            }
            other => return Err(AppError::invalid_argument(format!("Unknown export format \"{other}\": use uris, aegis, qr or google_qr."))),
        }
        Ok(ExportView { files, not_exported })
    })
    .await
}

/// The QR code of one account, to scan with a phone: shown only because the user asked.
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_qr(state: State<'_, AppState>, id: String) -> AppResult<QrView> {
    let state = state.inner().clone();
    blocking(move || {
        let id = account_id(&id);
        let (row, png) = with_vault(&state, |codes| Ok((codes.account(&id)?, codes.account_qr_png(&id)?)))?;
        Ok(QrView { label: keydesk_codes::label(&row.summary.issuer, &row.summary.name), data_url: transfer::png_data_url(&png).to_string() })
    })
    .await
}

/// Compares this computer's clock with a time server (default pool.ntp.org) and explains what
/// the difference does to codes (codes are never shifted).
#[tauri::command(rename_all = "snake_case")]
pub async fn codes_check_clock(server: Option<String>) -> AppResult<ClockView> {
    blocking(move || {
        let server = server.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| keydesk_codes::clock::DEFAULT_SERVER.to_owned());
        let drift = keydesk_codes::clock::check(server.trim(), Duration::from_secs(5))?;
        let severity = serde_json::to_value(drift.severity).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
        Ok(ClockView { offset_seconds: i32::try_from(drift.offset_seconds).unwrap_or(i32::MAX), severity, explanation: drift.explanation })
    })
    .await
}

pub(crate) const BINDINGS: &[crate::bindings::Declare] = &[
    crate::bindings::declare::<CodeRowView>,
    crate::bindings::declare::<CodesListView>,
    crate::bindings::declare::<VaultSlotView>,
    crate::bindings::declare::<VaultView>,
    crate::bindings::declare::<NotAddedView>,
    crate::bindings::declare::<AddReportView>,
    crate::bindings::declare::<ImportEntryView>,
    crate::bindings::declare::<ImportPreviewView>,
    crate::bindings::declare::<ImportResultView>,
    crate::bindings::declare::<CopiedView>,
    crate::bindings::declare::<ClipboardClearView>,
    crate::bindings::declare::<ExportView>,
    crate::bindings::declare::<QrView>,
    crate::bindings::declare::<ClockView>,
    crate::bindings::declare::<AccountEditArgs>,
    crate::bindings::declare::<FileSource>,
];
