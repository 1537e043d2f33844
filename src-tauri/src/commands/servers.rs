//! Servers screen: the relying-party servers the user logs on to, through `keydesk-account`
//! (the same client as the `keydesk server` CLI commands). Profiles (name, URL, user name);
//! logon with the password and a second factor (TOTP code or passkey) or a passkey alone;
//! passkeys on the account (enroll on a chosen authenticator, rename, delete with a fresh
//! verification); binding the server's virtual MFA into Codes in one step (the secret never
//! reaches the UI); an email address bound with the code mailed to it, for email step-up.

use crate::ceremony::{CeremonyEvent, UiInteraction};
use crate::error::{AppError, AppResult};
use crate::registry::KeyClient;
use crate::secret::SecretString;
use crate::state::AppState;
use keydesk_account::{Account, AccountError, KeyringTokenStore, LogonOutcome, LogonStage, Passkey, PasskeyList, Profile, ProfileStore, TokenStore, VerificationMethod};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

/// Makes the store that keeps a profile's session token between runs.
pub type TokenStoreFactory = Box<dyn Fn() -> Box<dyn TokenStore> + Send + Sync>;

/// The Servers screen's state: where profiles live, and the open accounts (with any logon
/// waiting for its second factor).
pub struct ServersState {
    profiles: Option<PathBuf>,
    tokens: TokenStoreFactory,
    accounts: Mutex<HashMap<String, Account>>,
}

impl Default for ServersState {
    /// Profiles shared with the CLI, sessions in the OS keyring.
    fn default() -> Self {
        Self { profiles: None, tokens: Box::new(|| Box::new(KeyringTokenStore::new())), accounts: Mutex::default() }
    }
}

impl std::fmt::Debug for ServersState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServersState").field("profiles", &self.profiles).finish_non_exhaustive()
    }
}

impl ServersState {
    /// Profiles in `servers.json` of the app's data directory (`--data-dir`), or where the CLI
    /// keeps them when no directory was given; sessions in the OS keyring.
    pub fn in_data_dir(data_dir: Option<&std::path::Path>) -> Self {
        Self { profiles: data_dir.map(|dir| dir.join("servers.json")), ..Self::default() }
    }

    /// Profiles in `profiles`, sessions in the stores `tokens` makes (tests: memory).
    pub fn new(profiles: PathBuf, tokens: TokenStoreFactory) -> Self {
        Self { profiles: Some(profiles), tokens, accounts: Mutex::default() }
    }

    fn store(&self) -> AppResult<ProfileStore> {
        match &self.profiles {
            Some(path) => Ok(ProfileStore::new(path.clone())),
            None => Ok(ProfileStore::new(ProfileStore::default_path()?)),
        }
    }

    fn accounts(&self) -> MutexGuard<'_, HashMap<String, Account>> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` on the open account of `profile` (opened on first use).
    fn with_account<T>(&self, profile: &str, work: impl FnOnce(&mut Account) -> AppResult<T>) -> AppResult<T> {
        let mut accounts = self.accounts();
        if !accounts.contains_key(profile) {
            let account = Account::open(self.store()?.get(profile)?, (self.tokens)())?;
            accounts.insert(profile.to_owned(), account);
        }
        let account = accounts.get_mut(profile).ok_or_else(|| AppError::internal("the account vanished"))?;
        work(account)
    }
}

fn methods_words(methods: &[VerificationMethod]) -> String {
    methods.iter().map(VerificationMethod::describe).collect::<Vec<_>>().join(", or ")
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match &error {
            AccountError::StepUpRequired { methods } => Self::new(
                "step_up_required",
                format!("Confirm it is you first, with {}; then try again.", methods_words(methods)),
            ),
            _ => Self::new(error.kind(), error.to_string()),
        }
    }
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> AppResult<T> + Send + 'static) -> AppResult<T> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|e| AppError::internal(format!("the worker thread failed: {e}")))?
}

/// A ceremony on the authenticator `device` for the open account of `profile`: what every
/// passkey command (logon, enroll, step-up) shares.
async fn passkey_ceremony<T: Send + 'static>(
    state: &AppState,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    profile: String,
    device: String,
    work: impl FnOnce(&mut Account, &mut KeyClient, &mut UiInteraction) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let state = state.clone();
    let ceremonies = state.ceremonies.clone();
    ceremonies
        .run(&ceremony, events, move |ui| {
            state.servers.with_account(&profile, |account| state.registry.with_client(&device, |client| work(account, client, ui)))
        })
        .await
}

// --- Views ---------------------------------------------------------------------------------

/// A server profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerProfileView {
    pub name: String,
    /// The server's origin (the WebAuthn origin of its passkeys).
    pub url: String,
    pub username: String,
    /// A session is held (the server may still have ended it).
    pub logged_on: bool,
}

/// Every server profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServersView {
    pub profiles: Vec<ServerProfileView>,
}

/// Where a logon stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LogonView {
    /// The account's logon name (`user@suffix`).
    pub user: String,
    /// "active", or "second_factor_needed".
    pub stage: String,
    /// The second factors that may follow: "totp", "passkey".
    pub methods: Vec<String>,
}

/// The account on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerAccountView {
    pub user: String,
    /// A virtual MFA device (TOTP) is bound.
    pub totp_bound: bool,
    pub passkeys: u32,
    pub email: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
}

/// One passkey on the server account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerPasskeyView {
    /// Credential ID, base64url.
    pub id: String,
    pub name: String,
    /// Unix seconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// Unix seconds; null when never used.
    #[ts(type = "number | null")]
    pub last_used_at: Option<i64>,
    /// Sign-ins whose counter went backwards (a cloned key?).
    pub counter_regressions: u32,
}

impl From<Passkey> for ServerPasskeyView {
    fn from(p: Passkey) -> Self {
        Self {
            id: p.id,
            name: p.name,
            created_at: p.created_at,
            last_used_at: p.last_used_at,
            counter_regressions: u32::try_from(p.counter_regressions).unwrap_or(u32::MAX),
        }
    }
}

/// The account's passkeys and the most it may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ServerPasskeysView {
    pub passkeys: Vec<ServerPasskeyView>,
    pub max: u32,
}

impl From<PasskeyList> for ServerPasskeysView {
    fn from(list: PasskeyList) -> Self {
        Self { passkeys: list.passkeys.into_iter().map(Into::into).collect(), max: u32::try_from(list.max).unwrap_or(0) }
    }
}

/// How the account can confirm it is the user, and whether it just did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StepUpView {
    /// "totp", "passkey", "email", "password".
    pub methods: Vec<String>,
    pub fresh: bool,
}

/// Where an emailed code went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct EmailSentView {
    pub sent_to: String,
}

fn method_name(method: &VerificationMethod) -> String {
    serde_json::to_value(method).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn account_view(account: &mut Account) -> AppResult<ServerAccountView> {
    let info = account.info()?;
    Ok(ServerAccountView {
        user: info.user,
        totp_bound: info.totp_bound,
        passkeys: u32::try_from(info.passkeys).unwrap_or(0),
        email: info.email,
        created_at: info.created_at,
    })
}

fn step_up_view(account: &mut Account) -> AppResult<StepUpView> {
    let status = account.step_up_status()?;
    Ok(StepUpView { methods: status.methods.iter().map(method_name).collect(), fresh: status.fresh })
}

fn logon_view(outcome: LogonOutcome) -> LogonView {
    match outcome.stage {
        LogonStage::SecondFactorNeeded { methods } => {
            LogonView { user: outcome.user, stage: "second_factor_needed".into(), methods: methods.iter().map(method_name).collect() }
        }
        _ => LogonView { user: outcome.user, stage: "active".into(), methods: Vec::new() },
    }
}

fn active(user: String) -> LogonView {
    LogonView { user, stage: "active".into(), methods: Vec::new() }
}

fn servers_view(state: &AppState) -> AppResult<ServersView> {
    let servers = &state.servers;
    let profiles = servers.store()?.list()?;
    let accounts = servers.accounts();
    let tokens = (servers.tokens)();
    let mut views = Vec::new();
    for profile in profiles {
        let logged_on = match accounts.get(&profile.name) {
            Some(account) => account.has_session(),
            None => tokens.load(&profile.name).ok().flatten().is_some(),
        };
        views.push(ServerProfileView { name: profile.name, url: profile.url, username: profile.username, logged_on });
    }
    Ok(ServersView { profiles: views })
}

// --- Profiles ------------------------------------------------------------------------------

/// Every server profile (shared with `keydesk server`).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_list(state: State<'_, AppState>) -> AppResult<ServersView> {
    let state = state.inner().clone();
    blocking(move || servers_view(&state)).await
}

/// Adds a profile: a name, the server's URL (https, or http on localhost), the user name.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_add(state: State<'_, AppState>, name: String, url: String, username: String) -> AppResult<ServersView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.store()?.add(Profile::new(&name, &url, &username)?)?;
        servers_view(&state)
    })
    .await
}

/// Removes a profile and forgets its session.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_remove(state: State<'_, AppState>, profile: String) -> AppResult<ServersView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.accounts().remove(&profile);
        let removed = state.servers.store()?.remove(&profile)?;
        (state.servers.tokens)().delete(&removed.name)?;
        servers_view(&state)
    })
    .await
}

// --- Logon ---------------------------------------------------------------------------------

/// Logs on with the password; the answer says whether a second factor must follow.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_logon_password(state: State<'_, AppState>, profile: String, password: SecretString) -> AppResult<LogonView> {
    let state = state.inner().clone();
    blocking(move || state.servers.with_account(&profile, |account| Ok(logon_view(account.logon_password(password.as_str())?)))).await
}

/// Finishes a logon with a code from the bound virtual MFA device.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_logon_totp(state: State<'_, AppState>, profile: String, code: String) -> AppResult<LogonView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            account.second_factor_totp(&code)?;
            Ok(active(account.info()?.user))
        })
    })
    .await
}

/// Finishes a logon with a passkey on `device` (a ceremony: touch, PIN).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_logon_second_passkey(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    profile: String,
    device: String,
) -> AppResult<LogonView> {
    passkey_ceremony(&state, ceremony, events, profile, device, |account, client, ui| {
        account.second_factor_passkey(client, ui)?;
        Ok(active(account.info()?.user))
    })
    .await
}

/// Logs on with a passkey alone (when the server allows it).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_logon_passkey(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    profile: String,
    device: String,
) -> AppResult<LogonView> {
    passkey_ceremony(&state, ceremony, events, profile, device, |account, client, ui| Ok(logon_view(account.logon_passkey(client, ui)?))).await
}

/// Ends the session on the server and forgets it here.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_logout(state: State<'_, AppState>, profile: String) -> AppResult<ServersView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| Ok(account.logout()?))?;
        servers_view(&state)
    })
    .await
}

/// The account: logon name, whether MFA and email are bound, how many passkeys.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_account(state: State<'_, AppState>, profile: String) -> AppResult<ServerAccountView> {
    let state = state.inner().clone();
    blocking(move || state.servers.with_account(&profile, account_view)).await
}

// --- Passkeys ------------------------------------------------------------------------------

/// The account's passkeys (name, ID, created, last used).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_passkeys(state: State<'_, AppState>, profile: String) -> AppResult<ServerPasskeysView> {
    let state = state.inner().clone();
    blocking(move || state.servers.with_account(&profile, |account| Ok(account.passkeys()?.into()))).await
}

/// Enrolls a passkey called `name` on the authenticator `device` (a ceremony: touch, PIN).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_passkey_enroll(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    profile: String,
    device: String,
    name: String,
) -> AppResult<ServerPasskeysView> {
    passkey_ceremony(&state, ceremony, events, profile, device, move |account, client, ui| {
        account.enroll_passkey(&name, client, ui)?;
        Ok(account.passkeys()?.into())
    })
    .await
}

/// Renames a passkey (names are unique on the account).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_passkey_rename(state: State<'_, AppState>, profile: String, id: String, name: String) -> AppResult<ServerPasskeysView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            account.rename_passkey(&id, &name)?;
            Ok(account.passkeys()?.into())
        })
    })
    .await
}

/// Deletes a passkey; without a fresh verification this fails with `step_up_required`.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_passkey_delete(state: State<'_, AppState>, profile: String, id: String) -> AppResult<ServerPasskeysView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            account.delete_passkey(&id)?;
            Ok(account.passkeys()?.into())
        })
    })
    .await
}

// --- Fresh verification --------------------------------------------------------------------

/// How the account can confirm it is the user, and whether it recently did.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_step_up_status(state: State<'_, AppState>, profile: String) -> AppResult<StepUpView> {
    let state = state.inner().clone();
    blocking(move || state.servers.with_account(&profile, step_up_view)).await
}

/// Confirms with a code: `method` "totp" (authenticator), "email" (after servers_step_up_email_start)
/// or "password" (only when nothing stronger is bound).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_step_up_code(state: State<'_, AppState>, profile: String, method: String, code: SecretString) -> AppResult<StepUpView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            match method.as_str() {
                "totp" => account.step_up_totp(code.as_str())?,
                "email" => account.step_up_email_finish(code.as_str())?,
                "password" => account.step_up_password(code.as_str())?,
                other => return Err(AppError::invalid_argument(format!("Unknown verification method \"{other}\": use totp, email or password."))),
            }
            step_up_view(account)
        })
    })
    .await
}

/// Sends a code to the bound email address.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_step_up_email_start(state: State<'_, AppState>, profile: String) -> AppResult<EmailSentView> {
    let state = state.inner().clone();
    blocking(move || state.servers.with_account(&profile, |account| Ok(EmailSentView { sent_to: account.step_up_email_start()? }))).await
}

/// Confirms with a passkey on `device` (a ceremony).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_step_up_passkey(
    state: State<'_, AppState>,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    profile: String,
    device: String,
) -> AppResult<StepUpView> {
    passkey_ceremony(&state, ceremony, events, profile, device, |account, client, ui| {
        account.step_up_passkey(client, ui)?;
        step_up_view(account)
    })
    .await
}

// --- Email address -------------------------------------------------------------------------

/// Starts binding `address`: the server mails it a code (then `servers_email_confirm`). Needs a
/// fresh verification (`step_up_required`); an address bound to five users already is refused
/// (`email_limit_reached`).
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_email_bind(state: State<'_, AppState>, profile: String, address: String) -> AppResult<EmailSentView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            account.start_email_binding(&address)?;
            Ok(EmailSentView { sent_to: address.trim().to_owned() })
        })
    })
    .await
}

/// Binds the address with the code mailed to it; the account view shows the bound address.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_email_confirm(state: State<'_, AppState>, profile: String, code: SecretString) -> AppResult<ServerAccountView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            account.confirm_email(code.as_str())?;
            account_view(account)
        })
    })
    .await
}

// --- Virtual MFA into Codes ----------------------------------------------------------------

/// Binds the server's virtual MFA in one step: the server's otpauth URI goes straight into the
/// unlocked Codes vault (the secret never reaches the UI), the current code confirms the binding.
/// If the server refuses the code, the added account is moved to the trash again.
#[tauri::command(rename_all = "snake_case")]
pub async fn servers_bind_mfa(state: State<'_, AppState>, profile: String) -> AppResult<super::codes::CodeRowView> {
    let state = state.inner().clone();
    blocking(move || {
        state.servers.with_account(&profile, |account| {
            let offer = account.start_mfa_binding()?;
            let (id, code) = super::codes::add_server_mfa(&state, offer.otpauth_uri.as_str(), &profile)?;
            match account.confirm_mfa(&code) {
                Ok(()) => super::codes::account_row(&state, &id),
                Err(error) => {
                    super::codes::discard_account(&state, &id);
                    Err(error.into())
                }
            }
        })
    })
    .await
}

pub(crate) const BINDINGS: &[crate::bindings::Declare] = &[
    crate::bindings::declare::<ServerProfileView>,
    crate::bindings::declare::<ServersView>,
    crate::bindings::declare::<LogonView>,
    crate::bindings::declare::<ServerAccountView>,
    crate::bindings::declare::<ServerPasskeyView>,
    crate::bindings::declare::<ServerPasskeysView>,
    crate::bindings::declare::<StepUpView>,
    crate::bindings::declare::<EmailSentView>,
];
