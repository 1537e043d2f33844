import { describe, expect, it } from "vitest";
import { parseRoute, routeHash } from "../../src/views/route";

describe("routes", () => {
  it("parses every screen and falls back to Keys", () => {
    expect(parseRoute("#/codes")).toEqual({ screen: "codes" });
    expect(parseRoute("#/diagnostics")).toEqual({ screen: "diagnostics" });
    expect(parseRoute("")).toEqual({ screen: "keys" });
    expect(parseRoute("#/nonsense")).toEqual({ screen: "keys" });
    expect(parseRoute("#/keys/")).toEqual({ screen: "keys" });
  });

  it("round-trips device IDs with reserved characters", () => {
    const device = "nfc:Virtual PCD 00 00/slot#1";
    const hash = routeHash({ screen: "key", device });
    expect(hash).not.toContain(" ");
    expect(parseRoute(hash)).toEqual({ screen: "key", device });
  });
});
