import { describe, expect, it } from "vitest";
import { announceChanges, keyStatus, sortDevices, transportLabel } from "../../src/views/devices";
import { enrollPercent } from "../../src/views/fingerprint";
import { capacityText, protectionLabel } from "../../src/views/passkeys";
import type { DeviceView, KeyInfoView } from "../../src/bindings/keydesk";

const device = (id: string, name: string, simulated = false): DeviceView => ({ id, name, simulated, transport: "usb", product: "" });

describe("the Keys screen's logic", () => {
  it("lists hardware before simulated keys, by name", () => {
    const sorted = sortDevices([device("virtual:simulated", "A sim", true), device("usb:2", "Zeta"), device("usb:1", "Alpha")]);
    expect(sorted.map((d) => d.id)).toEqual(["usb:1", "usb:2", "virtual:simulated"]);
  });

  it("announces keys that come and go", () => {
    const before = [device("usb:1", "Work key")];
    const after = [device("nfc:r", "Card")];
    expect(announceChanges(before, after)).toEqual(["Card connected.", "Work key removed."]);
    expect(announceChanges(after, after)).toEqual([]);
  });

  it("names transports", () => {
    expect(transportLabel("internal")).toBe("This computer");
    expect(transportLabel("nfc")).toBe("NFC");
  });

  it("summarises a key's state", () => {
    const info = {
      ctap2: true,
      pin: { pin_supported: true, pin_set: true, pin_retries: 7, power_cycle_required: false } as KeyInfoView["pin"],
      remaining_passkeys: 25,
      fingerprint_sensor: true,
    } as KeyInfoView;
    expect(keyStatus(info)).toBe("PIN set (7 tries left) · room for 25 more passkeys · fingerprint sensor");
    expect(keyStatus({ ...info, ctap2: false })).toMatch(/U2F only/);
    expect(keyStatus({ ...info, remaining_passkeys: 1 })).toContain("room for 1 more passkey ·");
    expect(keyStatus({ ...info, pin: { ...info.pin!, pin_retries: 0 } })).toMatch(/^PIN blocked/);
    expect(keyStatus({ ...info, pin: { ...info.pin!, pin_set: false } })).toMatch(/^no PIN/);
  });
});

describe("fingerprint progress", () => {
  it("counts samples done out of the sensor's total", () => {
    expect(enrollPercent(4, 4)).toBe(0);
    expect(enrollPercent(4, 3)).toBe(25);
    expect(enrollPercent(4, 0)).toBe(100);
    expect(enrollPercent(null, 0)).toBe(100);
    expect(enrollPercent(4, 9)).toBe(0);
  });
  it("words passkey protection", () => {
    expect(protectionLabel("uv_required")).toMatch(/Always/);
    expect(protectionLabel(null)).toBe("Default protection");
  });
  it("counts stored passkeys in words", () => {
    expect(capacityText(1, 24)).toBe("1 passkey stored, room for 24 more.");
    expect(capacityText(2, 23)).toBe("2 passkeys stored, room for 23 more.");
  });
});
