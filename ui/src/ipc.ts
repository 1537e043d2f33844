// The one door to Rust: typed `invoke`, errors as {kind, message}, and ceremonies over Channels.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { AppError, CeremonyAnswer, CeremonyEvent, CommandName } from "./bindings/keydesk";

/** True for the `{kind, message}` errors every command rejects with. */
export function isAppError(value: unknown): value is AppError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AppError).kind === "string" &&
    typeof (value as AppError).message === "string"
  );
}

/** Any rejection as an AppError (IPC failures and bugs become kind "internal"). */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return { kind: "internal", message: error instanceof Error ? error.message : String(error) };
}

/** Invokes a command; rejects with an AppError. Argument names are snake_case, as in Rust. */
export async function call<T>(command: CommandName, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

/** How a screen shows a ceremony's prompts and progress (see components/ceremonyDialog.ts). */
export interface CeremonyUi {
  /** Every event, for status text and progress. */
  show(event: CeremonyEvent): void;
  /** A PIN prompt: resolve with the PIN, or null to cancel. */
  askPin(event: Extract<CeremonyEvent, { kind: "pin_needed" }>): Promise<string | null>;
  /** A choice among accounts or devices: resolve with the index, or null to cancel. */
  choose(event: Extract<CeremonyEvent, { kind: "choose_account" | "choose_device" }>): Promise<number | null>;
  /** Called once with a function that cancels the ceremony (for a Cancel button or Escape). */
  setCancel(cancel: () => void): void;
}

let counter = 0;

/** A ceremony ID unique in this window. */
export function newCeremonyId(): string {
  counter += 1;
  return `c${Date.now().toString(36)}-${counter}`;
}

/** Answers the prompt a ceremony waits on. */
export function answer(ceremony: string, reply: CeremonyAnswer): Promise<void> {
  return call<void>("ceremony_answer", { ceremony, answer: reply });
}

/**
 * Runs a command as a ceremony: it gets `ceremony` (an ID) and `events` (a Channel) besides
 * `args`; prompts are routed to `ui` and answered; `ui.setCancel` receives the cancel function.
 */
export function ceremony<T>(command: CommandName, args: Record<string, unknown>, ui: CeremonyUi): Promise<T> {
  const id = newCeremonyId();
  const events = new Channel<CeremonyEvent>();
  let cancelled = false;
  const cancel = () => {
    if (cancelled) return;
    cancelled = true;
    call<void>("ceremony_cancel", { ceremony: id }).catch(() => undefined);
  };
  ui.setCancel(cancel);
  events.onmessage = (event) => {
    ui.show(event);
    if (event.kind === "pin_needed") {
      void ui.askPin(event).then((pin) => {
        if (pin === null) cancel();
        else answer(id, { kind: "pin", pin }).catch(() => undefined);
      });
    } else if (event.kind === "choose_account" || event.kind === "choose_device") {
      void ui.choose(event).then((index) => {
        if (index === null) cancel();
        else answer(id, { kind: "choice", index }).catch(() => undefined);
      });
    }
  };
  return call<T>(command, { ...args, ceremony: id, events });
}
