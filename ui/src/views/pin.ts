// Words and checks around PINs (CTAP 2.1 §6.5.1: a PIN is NFC-normalized Unicode, at least
// minPINLength code points and at most 63 bytes of UTF-8).
import type { CeremonyEvent, PinStatusView } from "../bindings/keydesk";

type PinNeeded = Extract<CeremonyEvent, { kind: "pin_needed" }>;

/** "3 tries left" / "1 try left" / "". */
export function triesLeft(retries: number | null): string {
  if (retries === null) return "";
  return retries === 1 ? "1 try left" : `${retries} tries left`;
}

/** Title and explanation of a PIN prompt; `urgent` when a wrong PIN may soon block the key. */
export function pinPrompt(event: PinNeeded): { title: string; detail: string; urgent: boolean } {
  const tries = triesLeft(event.retries_left);
  const urgent = event.retries_left !== null && event.retries_left <= 3;
  switch (event.reason) {
    case "wrong_pin":
      return {
        title: "Wrong PIN",
        detail: `That PIN was not accepted${tries ? ` (${tries} before the PIN is blocked)` : ""}. Enter the PIN ${event.purpose}.`,
        urgent: true,
      };
    case "uv_fallback":
      return {
        title: "Use your PIN",
        detail: `Fingerprint check failed: enter the PIN ${event.purpose}.${tries ? ` ${tries}.` : ""}`,
        urgent,
      };
    default:
      return { title: "PIN needed", detail: `Enter the key's PIN ${event.purpose}.${tries ? ` ${tries}.` : ""}`, urgent };
  }
}

/** Code points of the NFC form, as the key counts them. */
export function pinLength(pin: string): number {
  return [...pin.normalize("NFC")].length;
}

/** Why a new PIN cannot be used, or null when it can. */
export function newPinProblem(pin: string, confirmation: string, minLength: number, maxLength: number | null): string | null {
  const length = pinLength(pin);
  if (length < minLength) return `The PIN needs at least ${minLength} characters (this one has ${length}).`;
  if (maxLength !== null && length > maxLength) return `The PIN may have at most ${maxLength} characters.`;
  if (new TextEncoder().encode(pin.normalize("NFC")).length > 63) return "The PIN is too long: at most 63 bytes.";
  if (pin.includes("\u0000")) return "The PIN contains a character a PIN may not contain.";
  if (pin !== confirmation) return "The two PINs differ: type the same PIN twice.";
  return null;
}

/** One line on a key's PIN state. */
export function pinSummary(status: PinStatusView): string {
  if (!status.pin_supported) return "This key has no PIN support.";
  if (status.power_cycle_required) return "Too many wrong PINs: remove and reinsert the key before trying again.";
  if (!status.pin_set) return "No PIN set.";
  if (status.pin_retries === 0) return "PIN blocked: only a reset makes the key usable again.";
  const tries = triesLeft(status.pin_retries);
  const forced = status.force_pin_change ? " The key requires a PIN change." : "";
  return `PIN set${tries ? `, ${tries}` : ""}.${forced}`;
}
