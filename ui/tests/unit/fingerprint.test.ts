import { describe, expect, it } from "vitest";
import { enrollPercent, enrollStep } from "../../src/views/fingerprint";

describe("fingerprint enrollment progress", () => {
  it("counts samples from remainingSamples (CTAP 2.1 §6.7.2)", () => {
    expect(enrollStep(4, 3, "good", "Good sample.")).toBe("Sample 1 of 4 recorded. Lift your finger and touch the sensor again.");
    expect(enrollStep(4, 2, "good", "Good sample.")).toBe("Sample 2 of 4 recorded. Lift your finger and touch the sensor again.");
    expect(enrollStep(4, 0, "good", "Good sample.")).toBe("Sample 4 of 4 recorded. Saving the fingerprint…");
  });

  it("repeats the sensor's advice when a sample was not taken", () => {
    expect(enrollStep(4, 3, "too_fast", "Too fast: move the finger more slowly.")).toBe(
      "Too fast: move the finger more slowly. Sample 1 of 4 recorded. Lift your finger and touch the sensor again.",
    );
  });

  it("counts down when the key does not say how many samples it takes", () => {
    expect(enrollStep(null, 2, "good", "Good sample.")).toBe("2 more good samples needed. Lift your finger and touch the sensor again.");
    expect(enrollStep(null, 1, "good", "Good sample.")).toBe("1 more good sample needed. Lift your finger and touch the sensor again.");
  });

  it("gives the percent done", () => {
    expect(enrollPercent(4, 4)).toBe(0);
    expect(enrollPercent(4, 1)).toBe(75);
    expect(enrollPercent(4, 0)).toBe(100);
  });
});
