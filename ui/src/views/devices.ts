// How keys are named and described on the Keys screen.
import type { DeviceView, KeyInfoView } from "../bindings/keydesk";

const TRANSPORTS: Record<string, string> = { usb: "USB", nfc: "NFC", ble: "Bluetooth", internal: "This computer" };

/** "USB", "NFC", "Bluetooth", "This computer". */
export function transportLabel(transport: string): string {
  return TRANSPORTS[transport] ?? transport.toUpperCase();
}

/** Sorted for display: hardware first (by name), simulated last. */
export function sortDevices(devices: DeviceView[]): DeviceView[] {
  return [...devices].sort(
    (a, b) => Number(a.simulated) - Number(b.simulated) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
  );
}

/** A short status line from the key's information. */
export function keyStatus(info: KeyInfoView): string {
  if (!info.ctap2) return "U2F only: no PIN or passkeys to manage";
  const parts: string[] = [];
  const pin = info.pin;
  if (pin) {
    if (!pin.pin_supported) parts.push("no PIN support");
    else if (pin.power_cycle_required) parts.push("replug needed");
    else if (!pin.pin_set) parts.push("no PIN");
    else if (pin.pin_retries === 0) parts.push("PIN blocked");
    else parts.push(pin.pin_retries === null ? "PIN set" : `PIN set (${pin.pin_retries} tries left)`);
  }
  if (info.remaining_passkeys !== null) parts.push(`room for ${info.remaining_passkeys} more ${info.remaining_passkeys === 1 ? "passkey" : "passkeys"}`);
  if (info.fingerprint_sensor) parts.push("fingerprint sensor");
  return parts.join(" · ");
}

/** Describes what the hot-plug watch changed, for the screen reader's live region. */
export function announceChanges(before: DeviceView[], after: DeviceView[]): string[] {
  const had = new Set(before.map((d) => d.id));
  const has = new Set(after.map((d) => d.id));
  return [
    ...after.filter((d) => !had.has(d.id)).map((d) => `${d.name} connected.`),
    ...before.filter((d) => !has.has(d.id)).map((d) => `${d.name} removed.`),
  ];
}
