// The Servers commands (src-tauri/src/commands/servers.rs), one typed function each; spread
// into `api` in ../api.ts. Argument names are snake_case, as in Rust.
import type { CodeRowView, EmailSentView, LogonView, ServerAccountView, ServerPasskeysView, ServersView, StepUpView } from "../bindings/keydesk";
import { call, ceremony, type CeremonyUi } from "../ipc";

type P = { profile: string };
type OnKey = P & { device: string };

export const serversApi = {
  servers_list: () => call<ServersView>("servers_list"),
  servers_add: (args: { name: string; url: string; username: string }) => call<ServersView>("servers_add", args),
  servers_remove: (args: P) => call<ServersView>("servers_remove", args),
  servers_logon_password: (args: P & { password: string }) => call<LogonView>("servers_logon_password", args),
  servers_logon_totp: (args: P & { code: string }) => call<LogonView>("servers_logon_totp", args),
  servers_logon_second_passkey: (args: OnKey, ui: CeremonyUi) => ceremony<LogonView>("servers_logon_second_passkey", args, ui),
  servers_logon_passkey: (args: OnKey, ui: CeremonyUi) => ceremony<LogonView>("servers_logon_passkey", args, ui),
  servers_logout: (args: P) => call<ServersView>("servers_logout", args),
  servers_account: (args: P) => call<ServerAccountView>("servers_account", args),
  servers_passkeys: (args: P) => call<ServerPasskeysView>("servers_passkeys", args),
  servers_passkey_enroll: (args: OnKey & { name: string }, ui: CeremonyUi) => ceremony<ServerPasskeysView>("servers_passkey_enroll", args, ui),
  servers_passkey_rename: (args: P & { id: string; name: string }) => call<ServerPasskeysView>("servers_passkey_rename", args),
  servers_passkey_delete: (args: P & { id: string }) => call<ServerPasskeysView>("servers_passkey_delete", args),
  servers_step_up_status: (args: P) => call<StepUpView>("servers_step_up_status", args),
  servers_step_up_code: (args: P & { method: string; code: string }) => call<StepUpView>("servers_step_up_code", args),
  servers_step_up_email_start: (args: P) => call<EmailSentView>("servers_step_up_email_start", args),
  servers_step_up_passkey: (args: OnKey, ui: CeremonyUi) => ceremony<StepUpView>("servers_step_up_passkey", args, ui),
  servers_bind_mfa: (args: P) => call<CodeRowView>("servers_bind_mfa", args),
  servers_email_bind: (args: P & { address: string }) => call<EmailSentView>("servers_email_bind", args),
  servers_email_confirm: (args: P & { code: string }) => call<ServerAccountView>("servers_email_confirm", args),
};
