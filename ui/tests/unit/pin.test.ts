import { describe, expect, it } from "vitest";
import { newPinProblem, pinLength, pinPrompt, pinSummary, triesLeft } from "../../src/views/pin";
import type { PinStatusView } from "../../src/bindings/keydesk";

const status: PinStatusView = {
  pin_supported: true,
  pin_set: true,
  pin_retries: 8,
  power_cycle_required: false,
  uv_supported: false,
  uv_retries: null,
  force_pin_change: false,
  min_pin_length: 4,
  max_pin_length: null,
};

describe("PIN prompts", () => {
  it("say how many tries are left after a wrong PIN", () => {
    const words = pinPrompt({ kind: "pin_needed", purpose: "to manage stored passkeys", reason: "wrong_pin", retries_left: 1 });
    expect(words.title).toBe("Wrong PIN");
    expect(words.detail).toContain("1 try left before the PIN is blocked");
    expect(words.urgent).toBe(true);
  });

  it("are calm on the first request with many tries left", () => {
    const words = pinPrompt({ kind: "pin_needed", purpose: "to sign in", reason: "required", retries_left: 8 });
    expect(words).toEqual({ title: "PIN needed", detail: "Enter the key's PIN to sign in. 8 tries left.", urgent: false });
    expect(triesLeft(null)).toBe("");
  });
});

describe("new PIN checks (CTAP 2.1 §6.5.1)", () => {
  it("counts code points of the NFC form, not UTF-16 units", () => {
    expect(pinLength("e\u0301te")).toBe(3); // é composed
    expect(pinLength("😀😀")).toBe(2);
  });

  it("refuses short, over-long, mismatched and NUL-containing PINs", () => {
    expect(newPinProblem("123", "123", 4, null)).toMatch(/at least 4/);
    expect(newPinProblem("1234", "1235", 4, null)).toMatch(/differ/);
    expect(newPinProblem("€".repeat(22), "€".repeat(22), 4, null)).toMatch(/63 bytes/);
    expect(newPinProblem("12345678", "12345678", 4, 6)).toMatch(/at most 6/);
    expect(newPinProblem("12\u000034", "12\u000034", 4, null)).toMatch(/may not contain/);
    expect(newPinProblem("1234", "1234", 4, null)).toBeNull();
  });
});

describe("PIN summary", () => {
  it("covers set, unset, blocked and power-cycle states", () => {
    expect(pinSummary(status)).toBe("PIN set, 8 tries left.");
    expect(pinSummary({ ...status, pin_set: false })).toBe("No PIN set.");
    expect(pinSummary({ ...status, pin_retries: 0 })).toMatch(/blocked/);
    expect(pinSummary({ ...status, power_cycle_required: true })).toMatch(/reinsert/);
    expect(pinSummary({ ...status, force_pin_change: true })).toMatch(/requires a PIN change/);
  });
});
