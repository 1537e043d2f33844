//! Key detail screen: information, PIN, passkeys, fingerprints, settings and the guided reset,
//! each a call into keydesk-ctap-client's key-management service (the same calls as the
//! `keydesk` CLI). Anything that may need the PIN or a touch runs as a ceremony
//! (see [`crate::ceremony`]).

use crate::ceremony::{CeremonyEvent, UiInteraction};
use crate::error::{AppError, AppResult};
use crate::registry::KeyClient;
use crate::secret::SecretString;
use crate::state::AppState;
use keydesk_ctap_client::manage::{self, MinPinLengthChange};
use keydesk_ctap_client::KeyInfo;
use serde::Serialize;
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

/// What the key says about itself (authenticatorGetInfo, CTAP 2.1 §6.4) and its PIN state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KeyInfoView {
    /// False for a CTAP1/U2F-only key (no PIN, passkeys or settings to manage).
    pub ctap2: bool,
    pub versions: Vec<String>,
    /// The model's AAGUID as a UUID string.
    pub aaguid: String,
    pub extensions: Vec<String>,
    pub transports: Vec<String>,
    /// COSE algorithm identifiers.
    pub algorithms: Vec<i32>,
    /// getInfo options (rk, clientPin, uv, credMgmt, bioEnroll, ...).
    pub options: Vec<KeyOption>,
    /// remainingDiscoverableCredentials, when reported.
    pub remaining_passkeys: Option<u32>,
    #[ts(type = "number | null")]
    pub firmware_version: Option<u64>,
    /// The PIN and built-in UV state; null for a U2F-only key.
    pub pin: Option<PinStatusView>,
    /// The settings; null for a U2F-only key.
    pub settings: Option<SettingsView>,
    /// A fingerprint sensor is present (bioEnroll option).
    pub fingerprint_sensor: bool,
}

/// One getInfo option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct KeyOption {
    pub name: String,
    pub value: bool,
}

/// See [`manage::PinStatus`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PinStatusView {
    pub pin_supported: bool,
    pub pin_set: bool,
    pub pin_retries: Option<u32>,
    pub power_cycle_required: bool,
    pub uv_supported: bool,
    pub uv_retries: Option<u32>,
    pub force_pin_change: bool,
    pub min_pin_length: u32,
    pub max_pin_length: Option<u32>,
}

impl From<manage::PinStatus> for PinStatusView {
    fn from(s: manage::PinStatus) -> Self {
        Self {
            pin_supported: s.pin_supported,
            pin_set: s.pin_set,
            pin_retries: s.pin_retries,
            power_cycle_required: s.power_cycle_required,
            uv_supported: s.uv_supported,
            uv_retries: s.uv_retries,
            force_pin_change: s.force_pin_change,
            min_pin_length: s.min_pin_length,
            max_pin_length: s.max_pin_length,
        }
    }
}

/// See [`manage::Settings`]; `null` = the key does not offer the setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SettingsView {
    pub configurable: bool,
    pub always_uv: Option<bool>,
    pub min_pin_length: u32,
    pub min_pin_length_settable: bool,
    pub max_rp_ids_for_min_pin_length: Option<u32>,
    pub force_pin_change: bool,
    pub enterprise_attestation: Option<bool>,
}

impl From<manage::Settings> for SettingsView {
    fn from(s: manage::Settings) -> Self {
        Self {
            configurable: s.configurable,
            always_uv: s.always_uv,
            min_pin_length: s.min_pin_length,
            min_pin_length_settable: s.min_pin_length_settable,
            max_rp_ids_for_min_pin_length: s.max_rp_ids_for_min_pin_length,
            force_pin_change: s.force_pin_change,
            enterprise_attestation: s.enterprise_attestation,
        }
    }
}

/// Every passkey on the key, grouped by site (credentialManagement, CTAP 2.1 §6.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PasskeyListView {
    /// Passkeys stored.
    pub existing: u32,
    /// How many more fit.
    pub remaining: u32,
    pub sites: Vec<SiteView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SiteView {
    pub rp_id: String,
    pub rp_name: Option<String>,
    pub passkeys: Vec<PasskeyView>,
}

/// One stored passkey (no key material: the private key never leaves the authenticator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PasskeyView {
    /// base64url; what rename and delete take.
    pub credential_id: String,
    /// base64url user handle.
    pub user_id: String,
    pub user_name: Option<String>,
    pub display_name: Option<String>,
    /// credProtect: `uv_optional`, `uv_optional_with_credential_id_list`, `uv_required` or null.
    pub protection: Option<String>,
}

impl From<manage::PasskeyList> for PasskeyListView {
    fn from(list: manage::PasskeyList) -> Self {
        let sites = list
            .sites
            .into_iter()
            .map(|site| SiteView {
                rp_id: site.rp_id,
                rp_name: site.rp_name,
                passkeys: site
                    .passkeys
                    .into_iter()
                    .map(|p| PasskeyView {
                        protection: p.cred_protect.map(|level| snake(&level)),
                        credential_id: p.credential_id,
                        user_id: p.user_id,
                        user_name: p.user_name,
                        display_name: p.display_name,
                    })
                    .collect(),
            })
            .collect();
        Self { existing: list.capacity.existing, remaining: list.capacity.remaining, sites }
    }
}

/// The fingerprint sensor and its enrolled fingerprints (bioEnrollment, CTAP 2.1 §6.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FingerprintsView {
    /// `touch` or `swipe`.
    pub sensor_kind: String,
    pub samples_per_enrollment: Option<u32>,
    pub max_name_bytes: Option<u32>,
    pub fingerprints: Vec<FingerprintView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct FingerprintView {
    /// Hex; what rename and delete take.
    pub template_id: String,
    pub name: Option<String>,
}

impl From<manage::Fingerprint> for FingerprintView {
    fn from(f: manage::Fingerprint) -> Self {
        Self { template_id: f.template_id, name: f.name }
    }
}

/// The steps of a reset for this key (see [`manage::ResetGuide`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ResetGuideView {
    pub transport: String,
    pub steps: Vec<String>,
    pub long_touch: bool,
    pub window_seconds: u32,
    /// Confirm this twice before calling `reset_key`.
    pub warning: String,
}

fn snake(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

fn uuid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn key_info_of(client: &mut KeyClient) -> AppResult<KeyInfoView> {
    let info = match client.refresh_info()? {
        KeyInfo::Ctap2(info) => info.clone(),
        _ => {
            return Ok(KeyInfoView {
                ctap2: false,
                versions: vec!["U2F_V2".to_owned()],
                aaguid: String::new(),
                extensions: vec![],
                transports: vec![],
                algorithms: vec![],
                options: vec![],
                remaining_passkeys: None,
                firmware_version: None,
                pin: None,
                settings: None,
                fingerprint_sensor: false,
            })
        }
    };
    let options = info.options.clone().unwrap_or_default();
    Ok(KeyInfoView {
        ctap2: true,
        versions: info.versions.clone(),
        aaguid: uuid(&info.aaguid),
        extensions: info.extensions.clone().unwrap_or_default(),
        transports: info.transports.clone().unwrap_or_default(),
        algorithms: info.algorithms.iter().flatten().filter_map(|a| i32::try_from(a.alg).ok()).collect(),
        fingerprint_sensor: options.contains_key("bioEnroll"),
        options: options.into_iter().map(|(name, value)| KeyOption { name, value }).collect(),
        remaining_passkeys: info.remaining_discoverable_credentials,
        firmware_version: info.firmware_version,
        pin: Some(client.pin_status()?.into()),
        settings: Some(client.settings()?.into()),
    })
}

/// Runs key work that needs no user interaction on a worker thread.
async fn quietly<T: Send + 'static>(
    state: &AppState,
    device: String,
    work: impl FnOnce(&mut KeyClient) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let registry = state.registry.clone();
    tauri::async_runtime::spawn_blocking(move || registry.with_client(&device, work))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
}

/// Runs key work as ceremony `ceremony`, its prompts and progress going to `events`.
async fn ceremony<T: Send + 'static>(
    state: &AppState,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    work: impl FnOnce(&mut KeyClient, &mut UiInteraction) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let registry = state.registry.clone();
    state
        .ceremonies
        .run(&ceremony, events, move |ui| registry.with_client(&device, |client| work(client, ui)))
        .await
}

/// Information, PIN state and settings (no PIN needed).
#[tauri::command(rename_all = "snake_case")]
pub async fn key_info(state: State<'_, AppState>, device: String) -> AppResult<KeyInfoView> {
    quietly(&state, device, key_info_of).await
}

/// Sets the first PIN of a key that has none.
#[tauri::command(rename_all = "snake_case")]
pub async fn pin_set(state: State<'_, AppState>, device: String, pin: SecretString) -> AppResult<PinStatusView> {
    quietly(&state, device, move |client| {
        client.set_pin(&pin.into_pin())?;
        Ok(client.pin_status()?.into())
    })
    .await
}

/// Changes the PIN; the current PIN is asked for through the ceremony (with retries left).
#[tauri::command(rename_all = "snake_case")]
pub async fn pin_change(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    new_pin: SecretString,
) -> AppResult<PinStatusView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        client.change_pin(&new_pin.into_pin(), ui)?;
        Ok(client.pin_status()?.into())
    })
    .await
}

/// Every passkey on the key, by site (asks for the PIN).
#[tauri::command(rename_all = "snake_case")]
pub async fn passkeys_list(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
) -> AppResult<PasskeyListView> {
    self::ceremony(&state, device, ceremony, events, |client, ui| Ok(client.list_passkeys(ui)?.into())).await
}

/// Changes a passkey's user name and display name (`null` keeps, `""` clears), then lists again.
#[tauri::command(rename_all = "snake_case")]
pub async fn passkey_update_user(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    credential_id: String,
    user_name: Option<String>,
    display_name: Option<String>,
) -> AppResult<PasskeyListView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        let id = manage::from_base64url(&credential_id)?;
        client.update_passkey_user(&id, user_name.as_deref(), display_name.as_deref(), ui)?;
        Ok(client.list_passkeys(ui)?.into())
    })
    .await
}

/// Deletes a passkey, then lists again.
#[tauri::command(rename_all = "snake_case")]
pub async fn passkey_delete(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    credential_id: String,
) -> AppResult<PasskeyListView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        client.delete_passkey(&manage::from_base64url(&credential_id)?, ui)?;
        Ok(client.list_passkeys(ui)?.into())
    })
    .await
}

fn fingerprints_of(client: &mut KeyClient, ui: &mut UiInteraction) -> AppResult<FingerprintsView> {
    let sensor = client.fingerprint_sensor()?;
    let fingerprints = client.list_fingerprints(ui)?;
    Ok(FingerprintsView {
        sensor_kind: snake(&sensor.kind),
        samples_per_enrollment: sensor.samples_per_enrollment,
        max_name_bytes: sensor.max_name_bytes,
        fingerprints: fingerprints.into_iter().map(FingerprintView::from).collect(),
    })
}

/// The sensor and the enrolled fingerprints (asks for the PIN).
#[tauri::command(rename_all = "snake_case")]
pub async fn fingerprints_list(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
) -> AppResult<FingerprintsView> {
    self::ceremony(&state, device, ceremony, events, fingerprints_of).await
}

/// Enrolls a fingerprint, reporting each sample (`fingerprint_sample`); cancellable.
#[tauri::command(rename_all = "snake_case")]
pub async fn fingerprint_enroll(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    name: Option<String>,
) -> AppResult<FingerprintsView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        let name = name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        client.enroll_fingerprint(name, None, ui)?;
        fingerprints_of(client, ui)
    })
    .await
}

/// Renames an enrolled fingerprint.
#[tauri::command(rename_all = "snake_case")]
pub async fn fingerprint_rename(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    template_id: String,
    name: String,
) -> AppResult<FingerprintsView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        client.rename_fingerprint(&manage::from_hex(&template_id)?, &name, ui)?;
        fingerprints_of(client, ui)
    })
    .await
}

/// Deletes an enrolled fingerprint.
#[tauri::command(rename_all = "snake_case")]
pub async fn fingerprint_delete(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    template_id: String,
) -> AppResult<FingerprintsView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        client.delete_fingerprint(&manage::from_hex(&template_id)?, ui)?;
        fingerprints_of(client, ui)
    })
    .await
}

/// Turns always-UV on or off (authenticatorConfig toggleAlwaysUv, CTAP 2.1 §6.11.2).
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_always_uv(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    on: bool,
) -> AppResult<SettingsView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        client.set_always_uv(on, ui)?;
        Ok(client.settings()?.into())
    })
    .await
}

/// Raises the minimum PIN length and/or sets the sites allowed to read it, optionally forcing
/// a PIN change (setMinPINLength, CTAP 2.1 §6.11.4).
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_min_pin_length(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    min_length: Option<u32>,
    rp_ids: Vec<String>,
    force_change_pin: bool,
) -> AppResult<SettingsView> {
    self::ceremony(&state, device, ceremony, events, move |client, ui| {
        let change = MinPinLengthChange { new_min_length: min_length, rp_ids, force_change_pin };
        client.set_min_pin_length(&change, ui)?;
        Ok(client.settings()?.into())
    })
    .await
}

/// Demands a PIN change before the key's next use.
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_force_pin_change(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
) -> AppResult<SettingsView> {
    self::ceremony(&state, device, ceremony, events, |client, ui| {
        client.force_pin_change(ui)?;
        Ok(client.settings()?.into())
    })
    .await
}

/// Enables enterprise attestation (CTAP 2.1 §6.11.1).
#[tauri::command(rename_all = "snake_case")]
pub async fn settings_enterprise_attestation(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
) -> AppResult<SettingsView> {
    self::ceremony(&state, device, ceremony, events, |client, ui| {
        client.enable_enterprise_attestation(ui)?;
        Ok(client.settings()?.into())
    })
    .await
}

/// The reset steps for this key and transport.
#[tauri::command(rename_all = "snake_case")]
pub async fn reset_guide(state: State<'_, AppState>, device: String) -> AppResult<ResetGuideView> {
    quietly(&state, device, |client| {
        let guide = client.reset_guide()?;
        Ok(ResetGuideView {
            transport: guide.transport.to_owned(),
            steps: app_reset_steps(&guide.steps, guide.window_seconds),
            long_touch: guide.long_touch,
            window_seconds: guide.window_seconds,
            warning: guide.warning.to_owned(),
        })
    })
    .await
}

/// The library's steps (replug, confirm within the window, touch) as this app runs them: the
/// person confirms before replugging, and the app sends the reset the moment the key is back.
fn app_reset_steps(steps: &[String], window_seconds: u32) -> Vec<String> {
    let sent = format!(
        "KeyDesk sends the reset as soon as the key is back: keys accept it only within {window_seconds} seconds of being plugged in or placed on the reader."
    );
    match steps {
        [replug, .., touch] => vec![replug.clone(), sent, touch.clone()],
        _ => steps.to_vec(),
    }
}

/// How long the user has to remove and reinsert the key during a reset.
const REPLUG_TIMEOUT: Duration = Duration::from_secs(60);

/// Resets the key after the user confirmed the warning twice: waits (cancellably) for the key
/// to be removed and reinserted, reporting `progress`, then resets it within the key's window.
/// A simulated key is power-cycled instead of replugged.
#[tauri::command(rename_all = "snake_case")]
pub async fn reset_key(
    state: State<'_, AppState>,
    device: String,
    ceremony: String,
    events: Channel<CeremonyEvent>,
    confirmed: bool,
) -> AppResult<KeyInfoView> {
    if !confirmed {
        return Err(AppError::invalid_argument("a reset erases everything on the key: confirm it first"));
    }
    let registry = state.registry.clone();
    state
        .ceremonies
        .run(&ceremony, events, move |ui| {
            if let Some(simulated) = registry.simulated_handle(&device) {
                ui.progress(1, 2, "Simulated key: power-cycled instead of replugged.");
                simulated.power_cycle();
            } else {
                let deadline = Instant::now() + REPLUG_TIMEOUT;
                let wait = |ui: &UiInteraction, present: bool, label: &str| -> AppResult<()> {
                    while registry.present(&device) != present {
                        if !ui.progress(0, 2, label) {
                            return Err(AppError::cancelled());
                        }
                        if Instant::now() > deadline {
                            return Err(AppError::new("reset_timeout", "The key was not removed and reinserted in time; nothing was reset. Start the reset again."));
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    Ok(())
                };
                wait(ui, false, "Remove the key now (or lift it off the reader).")?;
                wait(ui, true, "Now connect it again (or tap it on the reader).")?;
            }
            ui.progress(2, 2, "Touch the key to confirm the reset.");
            registry.with_client(&device, |client| {
                client.reset(ui)?;
                key_info_of(client)
            })
        })
        .await
}

/// This module's TypeScript bindings.
pub(crate) const BINDINGS: &[crate::bindings::Declare] = &[
    crate::bindings::declare::<KeyInfoView>,
    crate::bindings::declare::<KeyOption>,
    crate::bindings::declare::<PinStatusView>,
    crate::bindings::declare::<SettingsView>,
    crate::bindings::declare::<PasskeyListView>,
    crate::bindings::declare::<SiteView>,
    crate::bindings::declare::<PasskeyView>,
    crate::bindings::declare::<FingerprintsView>,
    crate::bindings::declare::<FingerprintView>,
    crate::bindings::declare::<ResetGuideView>,
];
