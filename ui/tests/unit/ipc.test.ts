// The ceremony protocol as the UI drives it, against a fake Tauri IPC (no window, no Rust).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "../../src/api";
import { COMMANDS } from "../../src/bindings/keydesk";
import type { CeremonyEvent } from "../../src/bindings/keydesk";
import { ceremony, toAppError, type CeremonyUi } from "../../src/ipc";

type Call = { cmd: string; args: Record<string, unknown> };
let calls: Call[] = [];
let callbacks: Map<number, (raw: unknown) => void>;
let handler: (cmd: string, args: Record<string, unknown>) => Promise<unknown>;

beforeEach(() => {
  calls = [];
  callbacks = new Map();
  let next = 1;
  (globalThis as unknown as { window: unknown }).window = {
    __TAURI_INTERNALS__: {
      transformCallback: (cb: (raw: unknown) => void) => {
        const id = next++;
        callbacks.set(id, cb);
        return id;
      },
      unregisterCallback: (id: number) => callbacks.delete(id),
      invoke: (cmd: string, args: Record<string, unknown>) => {
        calls.push({ cmd, args });
        return handler(cmd, args);
      },
    },
  };
});
afterEach(() => {
  delete (globalThis as unknown as { window?: unknown }).window;
});

/** Sends `message` on the Channel passed as `events`, as Rust would. */
function emit(channel: unknown, index: number, message: CeremonyEvent) {
  const id = (channel as { id: number }).id;
  callbacks.get(id)?.({ index, message });
}

function scriptedUi(pin: string | null): CeremonyUi & { seen: string[]; cancel?: () => void } {
  const ui = {
    seen: [] as string[],
    cancel: undefined as undefined | (() => void),
    show: (e: CeremonyEvent) => ui.seen.push(e.kind),
    askPin: async () => pin,
    choose: async () => 0,
    setCancel: (fn: () => void) => (ui.cancel = fn),
  };
  return ui;
}

describe("ceremonies", () => {
  it("answer a PIN prompt with the PIN the user typed, under the ceremony's ID", async () => {
    handler = async (cmd, args) => {
      if (cmd === "pin_change") {
        emit(args.events, 0, { kind: "pin_needed", purpose: "x", reason: "required", retries_left: 8 });
        await new Promise((r) => setTimeout(r, 10));
        return { pin_set: true };
      }
      return null;
    };
    const ui = scriptedUi("1234");
    const result = await ceremony("pin_change", { device: "usb:1", new_pin: "5678" }, ui);
    expect(result).toEqual({ pin_set: true });
    expect(ui.seen).toEqual(["pin_needed"]);
    const start = calls.find((c) => c.cmd === "pin_change");
    const reply = calls.find((c) => c.cmd === "ceremony_answer");
    expect(start?.args.device).toBe("usb:1");
    expect(reply?.args).toEqual({ ceremony: start?.args.ceremony, answer: { kind: "pin", pin: "1234" } });
  });

  it("cancel a closed PIN prompt instead of answering it", async () => {
    handler = async (cmd, args) => {
      if (cmd === "passkeys_list") {
        emit(args.events, 0, { kind: "pin_needed", purpose: "x", reason: "wrong_pin", retries_left: 2 });
        await new Promise((r) => setTimeout(r, 10));
        throw { kind: "cancelled", message: "Cancelled; nothing more was done." };
      }
      return null;
    };
    await expect(ceremony("passkeys_list", { device: "usb:1" }, scriptedUi(null))).rejects.toEqual({
      kind: "cancelled",
      message: "Cancelled; nothing more was done.",
    });
    expect(calls.map((c) => c.cmd)).toEqual(["passkeys_list", "ceremony_cancel"]);
    expect(calls.some((c) => c.cmd === "ceremony_answer")).toBe(false);
  });

  it("turn anything thrown into {kind, message}", () => {
    expect(toAppError(new Error("boom"))).toEqual({ kind: "internal", message: "boom" });
    expect(toAppError({ kind: "wrong_pin", message: "m" })).toEqual({ kind: "wrong_pin", message: "m" });
  });
});

describe("the typed API", () => {
  it("has exactly one function per command Rust exposes", () => {
    expect(Object.keys(api).sort()).toEqual([...COMMANDS].sort());
  });
});
