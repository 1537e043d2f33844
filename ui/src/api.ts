// One typed function per command. `satisfies Record<CommandName, ...>` makes the build fail
// when Rust gains a command that has no function here (and vice versa, through CommandName).
import { Channel } from "@tauri-apps/api/core";
import type {
  AppInfo,
  CommandName,
  DeviceList,
  Diagnostics,
  FingerprintsView,
  KeyInfoView,
  PasskeyListView,
  PinStatusView,
  ResetGuideView,
  SettingsView,
} from "./bindings/keydesk";
import { call, ceremony, type CeremonyUi } from "./ipc";
import { codesApi } from "./codes/api";
import { serversApi } from "./servers/api";

type Device = { device: string };

export const api = {
  ceremony_answer: (args: { ceremony: string; answer: unknown }) => call<void>("ceremony_answer", args),
  ceremony_cancel: (args: { ceremony: string }) => call<void>("ceremony_cancel", args),

  app_info: () => call<AppInfo>("app_info"),
  dev_attach_simulated_key: () => call<DeviceList>("dev_attach_simulated_key"),
  dev_detach_simulated_key: () => call<DeviceList>("dev_detach_simulated_key"),
  first_paint: () => call<void>("first_paint"),

  list_devices: () => call<DeviceList>("list_devices"),
  /** Calls `onList` now and on every change until the window closes. */
  watch_devices: (onList: (list: DeviceList) => void) => {
    const events = new Channel<DeviceList>();
    events.onmessage = onList;
    return call<void>("watch_devices", { events });
  },
  rename_device: (args: Device & { name: string }) => call<DeviceList>("rename_device", args),

  diagnostics: () => call<Diagnostics>("diagnostics"),

  key_info: (args: Device) => call<KeyInfoView>("key_info", args),
  pin_set: (args: Device & { pin: string }) => call<PinStatusView>("pin_set", args),
  pin_change: (args: Device & { new_pin: string }, ui: CeremonyUi) => ceremony<PinStatusView>("pin_change", args, ui),
  passkeys_list: (args: Device, ui: CeremonyUi) => ceremony<PasskeyListView>("passkeys_list", args, ui),
  passkey_update_user: (
    args: Device & { credential_id: string; user_name: string | null; display_name: string | null },
    ui: CeremonyUi,
  ) => ceremony<PasskeyListView>("passkey_update_user", args, ui),
  passkey_delete: (args: Device & { credential_id: string }, ui: CeremonyUi) =>
    ceremony<PasskeyListView>("passkey_delete", args, ui),
  fingerprints_list: (args: Device, ui: CeremonyUi) => ceremony<FingerprintsView>("fingerprints_list", args, ui),
  fingerprint_enroll: (args: Device & { name: string | null }, ui: CeremonyUi) =>
    ceremony<FingerprintsView>("fingerprint_enroll", args, ui),
  fingerprint_rename: (args: Device & { template_id: string; name: string }, ui: CeremonyUi) =>
    ceremony<FingerprintsView>("fingerprint_rename", args, ui),
  fingerprint_delete: (args: Device & { template_id: string }, ui: CeremonyUi) =>
    ceremony<FingerprintsView>("fingerprint_delete", args, ui),
  settings_always_uv: (args: Device & { on: boolean }, ui: CeremonyUi) =>
    ceremony<SettingsView>("settings_always_uv", args, ui),
  settings_min_pin_length: (
    args: Device & { min_length: number | null; rp_ids: string[]; force_change_pin: boolean },
    ui: CeremonyUi,
  ) => ceremony<SettingsView>("settings_min_pin_length", args, ui),
  settings_force_pin_change: (args: Device, ui: CeremonyUi) =>
    ceremony<SettingsView>("settings_force_pin_change", args, ui),
  settings_enterprise_attestation: (args: Device, ui: CeremonyUi) =>
    ceremony<SettingsView>("settings_enterprise_attestation", args, ui),
  reset_guide: (args: Device) => call<ResetGuideView>("reset_guide", args),
  reset_key: (args: Device & { confirmed: boolean }, ui: CeremonyUi) => ceremony<KeyInfoView>("reset_key", args, ui),
  ...codesApi,
  ...serversApi,
} satisfies Record<CommandName, (...args: never[]) => Promise<unknown>>;
