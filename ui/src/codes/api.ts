// The Codes commands (src-tauri/src/commands/codes.rs), one typed function each; spread into
// `api` in ../api.ts. Argument names are snake_case, as in Rust.
import type {
  AccountEditArgs,
  AddReportView,
  ClipboardClearView,
  ClockView,
  CodeRowView,
  CodesListView,
  CopiedView,
  ExportView,
  FileSource,
  ImportPreviewView,
  ImportResultView,
  QrView,
  VaultView,
} from "../bindings/keydesk";
import { call, ceremony, type CeremonyUi } from "../ipc";

type Id = { id: string };

export const codesApi = {
  codes_status: () => call<VaultView>("codes_status"),
  codes_create: (args: { password: string }) => call<VaultView>("codes_create", args),
  codes_unlock_password: (args: { password: string }) => call<VaultView>("codes_unlock_password", args),
  codes_unlock_keyring: () => call<VaultView>("codes_unlock_keyring"),
  codes_unlock_security_key: (args: { device: string }, ui: CeremonyUi) => ceremony<VaultView>("codes_unlock_security_key", args, ui),
  codes_lock: () => call<VaultView>("codes_lock"),
  codes_slot_keyring: (args: { enable: boolean }) => call<VaultView>("codes_slot_keyring", args),
  codes_slot_security_key_add: (args: { device: string; label: string }, ui: CeremonyUi) =>
    ceremony<VaultView>("codes_slot_security_key_add", args, ui),
  codes_slot_security_key_remove: (args: { slot: string }) => call<VaultView>("codes_slot_security_key_remove", args),

  codes_list: (args: { search: string | null; tag: string | null }) => call<CodesListView>("codes_list", args),
  codes_show: (args: Id) => call<CodeRowView>("codes_show", args),
  codes_copy: (args: Id) => call<CopiedView>("codes_copy", args),
  codes_clipboard_clear: () => call<ClipboardClearView>("codes_clipboard_clear"),
  codes_add_uri: (args: { uri: string; issuer: string | null; name: string | null }) => call<AddReportView>("codes_add_uri", args),
  codes_add_qr_image: (args: { source: FileSource }) => call<AddReportView>("codes_add_qr_image", args),
  codes_add_screen: () => call<ImportPreviewView>("codes_add_screen"),
  codes_edit: (args: Id & { edit: AccountEditArgs }) => call<CodeRowView>("codes_edit", args),
  codes_set_tags: (args: Id & { tags: string[] }) => call<CodeRowView>("codes_set_tags", args),
  codes_pin: (args: Id & { pinned: boolean }) => call<CodeRowView>("codes_pin", args),
  codes_reorder: (args: { ids: string[] }) => call<null>("codes_reorder", args),
  codes_delete: (args: Id) => call<CodeRowView>("codes_delete", args),
  codes_undo: (args: { id: string | null }) => call<CodeRowView>("codes_undo", args),

  codes_import_preview: (args: { source: FileSource; format: string | null; password: string | null }) =>
    call<ImportPreviewView>("codes_import_preview", args),
  codes_import_apply: (args: { preview_id: string; include: number[] }, ui: CeremonyUi) =>
    ceremony<ImportResultView>("codes_import_apply", args, ui),
  codes_export: (args: { format: string; path: string; password: string | null; search: string | null }) =>
    call<ExportView>("codes_export", args),
  codes_qr: (args: Id) => call<QrView>("codes_qr", args),
  codes_check_clock: (args: { server: string | null }) => call<ClockView>("codes_check_clock", args),
};
