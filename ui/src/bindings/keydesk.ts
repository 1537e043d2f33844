// Generated from the Rust types in src-tauri by ts-rs: do not edit.
// Regenerate: KEYDESK_UPDATE_BINDINGS=1 cargo test -p keydesk-desktop bindings

/**
 * An error as the UI receives it (the rejected value of `invoke`).
 */
export type AppError = { 
/**
 * Stable machine-readable name: a key error's code, or one of the app's own
 * (`no_device`, `invalid_argument`, `cancelled`, `ceremony_unknown`, `storage`,
 * `internal`).
 */
kind: string, 
/**
 * What happened and what to do next, in words.
 */
message: string, };

/**
 * What the UI is told while a ceremony runs (tagged by `kind`).
 */
export type CeremonyEvent = { "kind": "touch_needed" } | { "kind": "pin_needed", 
/**
 * What the PIN is for, in words ("to manage stored passkeys").
 */
purpose: string, 
/**
 * `required`, `wrong_pin` (the last one was wrong) or `uv_fallback`.
 */
reason: string, 
/**
 * Retries before the PIN blocks, when the key says.
 */
retries_left: number | null, } | { "kind": "uv_needed" } | { "kind": "uv_failed", retries_left: number | null, } | { "kind": "choose_account", accounts: Array<AccountChoice>, } | { "kind": "choose_device", devices: Array<DeviceView>, } | { "kind": "fingerprint_sample", 
/**
 * The sensor's feedback, as snake_case (`good`, `too_fast`, ...).
 */
status: string, 
/**
 * What the user should do next, in words.
 */
advice: string, 
/**
 * Good samples still needed.
 */
remaining_samples: number, } | { "kind": "progress", done: number, total: number, label: string, };

/**
 * One account offered by `choose_account` (only what the key returned).
 */
export type AccountChoice = { name: string | null, display_name: string | null, };

/**
 * The UI's answer to a prompt (tagged by `kind`).
 */
export type CeremonyAnswer = { "kind": "pin", pin: string, } | { "kind": "choice", index: number, } | { "kind": "cancel" };

/**
 * What the UI needs to know about this run.
 */
export type AppInfo = { version: string, 
/**
 * Show the developer menu.
 */
developer: boolean, 
/**
 * The relying-party server this run talks to.
 */
server_url: string | null, };

/**
 * One authenticator as the Keys screen lists it.
 */
export type DeviceView = { 
/**
 * Stable ID (`usb:...`, `nfc:READER`, `virtual:simulated`): what other commands take.
 */
id: string, 
/**
 * `usb`, `nfc`, `ble` or `internal`.
 */
transport: string, 
/**
 * The product name the device reports ("" when none).
 */
product: string, 
/**
 * The name the user gave it, else a readable default.
 */
name: string, 
/**
 * True for a software key presented for development: show it as simulated.
 */
simulated: boolean, };

/**
 * Something that hides an authenticator, with its fix.
 */
export type ProblemView = { 
/**
 * `pcscd_not_running`, `no_hidraw_permission`, `reader_without_fido_card`, `scan_failed`.
 */
kind: string, 
/**
 * What is wrong and the fix, in words.
 */
message: string, };

/**
 * The whole list, sent again on every change.
 */
export type DeviceList = { devices: Array<DeviceView>, problems: Array<ProblemView>, };

/**
 * One check and its outcome.
 */
export type Check = { 
/**
 * `pcscd`, `usb_permission`, `nfc_cards`, `keyring`.
 */
id: string, title: string, ok: boolean, 
/**
 * What was found, in words.
 */
message: string, 
/**
 * Commands that fix it (empty when fine).
 */
fix_commands: Array<string>, 
/**
 * A file to install for the fix (the udev rules), when there is one.
 */
fix_file: FixFile | null, };

/**
 * A file the fix installs.
 */
export type FixFile = { name: string, contents: string, };

/**
 * Every check.
 */
export type Diagnostics = { checks: Array<Check>, };

/**
 * What the key says about itself (authenticatorGetInfo, CTAP 2.1 §6.4) and its PIN state.
 */
export type KeyInfoView = { 
/**
 * False for a CTAP1/U2F-only key (no PIN, passkeys or settings to manage).
 */
ctap2: boolean, versions: Array<string>, 
/**
 * The model's AAGUID as a UUID string.
 */
aaguid: string, extensions: Array<string>, transports: Array<string>, 
/**
 * COSE algorithm identifiers.
 */
algorithms: Array<number>, 
/**
 * getInfo options (rk, clientPin, uv, credMgmt, bioEnroll, ...).
 */
options: Array<KeyOption>, 
/**
 * remainingDiscoverableCredentials, when reported.
 */
remaining_passkeys: number | null, firmware_version: number | null, 
/**
 * The PIN and built-in UV state; null for a U2F-only key.
 */
pin: PinStatusView | null, 
/**
 * The settings; null for a U2F-only key.
 */
settings: SettingsView | null, 
/**
 * A fingerprint sensor is present (bioEnroll option).
 */
fingerprint_sensor: boolean, };

/**
 * One getInfo option.
 */
export type KeyOption = { name: string, value: boolean, };

/**
 * See [`manage::PinStatus`].
 */
export type PinStatusView = { pin_supported: boolean, pin_set: boolean, pin_retries: number | null, power_cycle_required: boolean, uv_supported: boolean, uv_retries: number | null, force_pin_change: boolean, min_pin_length: number, max_pin_length: number | null, };

/**
 * See [`manage::Settings`]; `null` = the key does not offer the setting.
 */
export type SettingsView = { configurable: boolean, always_uv: boolean | null, min_pin_length: number, min_pin_length_settable: boolean, max_rp_ids_for_min_pin_length: number | null, force_pin_change: boolean, enterprise_attestation: boolean | null, };

/**
 * Every passkey on the key, grouped by site (credentialManagement, CTAP 2.1 §6.8).
 */
export type PasskeyListView = { 
/**
 * Passkeys stored.
 */
existing: number, 
/**
 * How many more fit.
 */
remaining: number, sites: Array<SiteView>, };

export type SiteView = { rp_id: string, rp_name: string | null, passkeys: Array<PasskeyView>, };

/**
 * One stored passkey (no key material: the private key never leaves the authenticator).
 */
export type PasskeyView = { 
/**
 * base64url; what rename and delete take.
 */
credential_id: string, 
/**
 * base64url user handle.
 */
user_id: string, user_name: string | null, display_name: string | null, 
/**
 * credProtect: `uv_optional`, `uv_optional_with_credential_id_list`, `uv_required` or null.
 */
protection: string | null, };

/**
 * The fingerprint sensor and its enrolled fingerprints (bioEnrollment, CTAP 2.1 §6.7).
 */
export type FingerprintsView = { 
/**
 * `touch` or `swipe`.
 */
sensor_kind: string, samples_per_enrollment: number | null, max_name_bytes: number | null, fingerprints: Array<FingerprintView>, };

export type FingerprintView = { 
/**
 * Hex; what rename and delete take.
 */
template_id: string, name: string | null, };

/**
 * The steps of a reset for this key (see [`manage::ResetGuide`]).
 */
export type ResetGuideView = { transport: string, steps: Array<string>, long_touch: boolean, window_seconds: number, 
/**
 * Confirm this twice before calling `reset_key`.
 */
warning: string, };

/**
 * One account with its current code, never its secret.
 */
export type CodeRowView = { id: string, issuer: string, name: string, 
/**
 * totp, hotp, steam, yandex, motp.
 */
kind: string, 
/**
 * SHA1, SHA256, SHA512 (MD5 for mOTP).
 */
algorithm: string, digits: number, 
/**
 * Seconds per code, for time-based kinds.
 */
period: number | null, 
/**
 * Next HOTP counter.
 */
counter: number | null, tags: Array<string>, pinned: boolean, order: number, note: string, 
/**
 * The code to type; null for HOTP in the list (showing one advances the counter).
 */
code: string | null, 
/**
 * Seconds until a time-based code changes, when the list was made.
 */
seconds_remaining: number | null, 
/**
 * Why no code could be computed.
 */
error: string | null, };

/**
 * The account list with codes, at `unix_time`.
 */
export type CodesListView = { unix_time: number, accounts: Array<CodeRowView>, 
/**
 * Every tag in use.
 */
tags: Array<string>, };

/**
 * One way to unlock the vault.
 */
export type VaultSlotView = { id: string, label: string, 
/**
 * "password", "keyring" or "fido2-hmac-secret".
 */
kind: string, };

/**
 * The vault: where it is, whether it exists and is unlocked, how it can be unlocked.
 */
export type VaultView = { path: string, exists: boolean, unlocked: boolean, slots: Array<VaultSlotView>, };

/**
 * An entry that was not added, and why.
 */
export type NotAddedView = { label: string, 
/**
 * The account that already gives the same codes.
 */
duplicate_of: string | null, 
/**
 * Why it could not be read.
 */
reason: string | null, };

/**
 * What adding did: every entry is accounted for.
 */
export type AddReportView = { added: Array<CodeRowView>, not_added: Array<NotAddedView>, };

/**
 * One entry of an import preview.
 */
export type ImportEntryView = { label: string, 
/**
 * "new", "duplicate" or "skipped".
 */
action: string, duplicate_of: string | null, reason: string | null, account: CodeRowView | null, };

/**
 * What an import would do, entry by entry; nothing is written until `codes_import_apply`.
 */
export type ImportPreviewView = { preview_id: string, format: string, entries: Array<ImportEntryView>, 
/**
 * Items in the file that are not OTP accounts (counted, never dropped silently).
 */
not_otp_items: number, };

/**
 * The accounts an import added.
 */
export type ImportResultView = { imported: Array<string>, 
/**
 * Entries of the file that were not imported (duplicates, unreadable, not selected).
 */
not_imported: number, };

/**
 * A copied code: on the clipboard, to be cleared after `clear_after_seconds`.
 */
export type CopiedView = { account: CodeRowView, clear_after_seconds: number, };

/**
 * Whether the clipboard was cleared (only while it still held our code).
 */
export type ClipboardClearView = { cleared: boolean, };

/**
 * The files an export wrote.
 */
export type ExportView = { files: Array<string>, 
/**
 * Accounts the format cannot hold (Google Authenticator: no Steam, ...), with the reason.
 */
not_exported: Array<NotAddedView>, };

/**
 * An account's QR code, shown because the user asked (it encodes the secret).
 */
export type QrView = { label: string, 
/**
 * `data:image/png;base64,...`
 */
data_url: string, };

/**
 * This computer's clock against a time server.
 */
export type ClockView = { 
/**
 * Local minus server time, seconds (positive: this clock is ahead).
 */
offset_seconds: number, 
/**
 * "in_sync", "minor" or "codes_wrong".
 */
severity: string, explanation: string, };

/**
 * A change to an account (null: unchanged).
 */
export type AccountEditArgs = { issuer: string | null, name: string | null, note: string | null, digits: number | null, 
/**
 * TOTP only.
 */
period: number | null, 
/**
 * HOTP only: the counter of the next code.
 */
counter: number | null, 
/**
 * SHA1, SHA256 or SHA512.
 */
algorithm: string | null, };

/**
 * A file the user chose: a path (drag-and-drop onto the window) or its bytes (a file picker).
 */
export type FileSource = { "kind": "path", path: string, } | { "kind": "bytes", name: string, bytes: Array<number>, };

/**
 * A server profile.
 */
export type ServerProfileView = { name: string, 
/**
 * The server's origin (the WebAuthn origin of its passkeys).
 */
url: string, username: string, 
/**
 * A session is held (the server may still have ended it).
 */
logged_on: boolean, };

/**
 * Every server profile.
 */
export type ServersView = { profiles: Array<ServerProfileView>, };

/**
 * Where a logon stands.
 */
export type LogonView = { 
/**
 * The account's logon name (`user@suffix`).
 */
user: string, 
/**
 * "active", or "second_factor_needed".
 */
stage: string, 
/**
 * The second factors that may follow: "totp", "passkey".
 */
methods: Array<string>, };

/**
 * The account on the server.
 */
export type ServerAccountView = { user: string, 
/**
 * A virtual MFA device (TOTP) is bound.
 */
totp_bound: boolean, passkeys: number, email: string | null, created_at: number, };

/**
 * One passkey on the server account.
 */
export type ServerPasskeyView = { 
/**
 * Credential ID, base64url.
 */
id: string, name: string, 
/**
 * Unix seconds.
 */
created_at: number, 
/**
 * Unix seconds; null when never used.
 */
last_used_at: number | null, 
/**
 * Sign-ins whose counter went backwards (a cloned key?).
 */
counter_regressions: number, };

/**
 * The account's passkeys and the most it may hold.
 */
export type ServerPasskeysView = { passkeys: Array<ServerPasskeyView>, max: number, };

/**
 * How the account can confirm it is the user, and whether it just did.
 */
export type StepUpView = { 
/**
 * "totp", "passkey", "email", "password".
 */
methods: Array<string>, fresh: boolean, };

/**
 * Where an emailed code went.
 */
export type EmailSentView = { sent_to: string, };

/** Every command the UI may invoke (src-tauri/src/commands/list.rs). */
export const COMMANDS = [
  "ceremony_answer",
  "ceremony_cancel",
  "app_info",
  "dev_attach_simulated_key",
  "dev_detach_simulated_key",
  "first_paint",
  "list_devices",
  "watch_devices",
  "rename_device",
  "diagnostics",
  "key_info",
  "pin_set",
  "pin_change",
  "passkeys_list",
  "passkey_update_user",
  "passkey_delete",
  "fingerprints_list",
  "fingerprint_enroll",
  "fingerprint_rename",
  "fingerprint_delete",
  "settings_always_uv",
  "settings_min_pin_length",
  "settings_force_pin_change",
  "settings_enterprise_attestation",
  "reset_guide",
  "reset_key",
  "codes_status",
  "codes_create",
  "codes_unlock_password",
  "codes_unlock_keyring",
  "codes_unlock_security_key",
  "codes_lock",
  "codes_slot_keyring",
  "codes_slot_security_key_add",
  "codes_slot_security_key_remove",
  "codes_list",
  "codes_show",
  "codes_copy",
  "codes_clipboard_clear",
  "codes_add_uri",
  "codes_add_qr_image",
  "codes_add_screen",
  "codes_edit",
  "codes_set_tags",
  "codes_pin",
  "codes_reorder",
  "codes_delete",
  "codes_undo",
  "codes_import_preview",
  "codes_import_apply",
  "codes_export",
  "codes_qr",
  "codes_check_clock",
  "servers_list",
  "servers_add",
  "servers_remove",
  "servers_logon_password",
  "servers_logon_totp",
  "servers_logon_second_passkey",
  "servers_logon_passkey",
  "servers_logout",
  "servers_account",
  "servers_passkeys",
  "servers_passkey_enroll",
  "servers_passkey_rename",
  "servers_passkey_delete",
  "servers_step_up_status",
  "servers_step_up_code",
  "servers_step_up_email_start",
  "servers_step_up_passkey",
  "servers_bind_mfa",
  "servers_email_bind",
  "servers_email_confirm",
] as const;

export type CommandName = (typeof COMMANDS)[number];
