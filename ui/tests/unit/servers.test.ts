import { describe, expect, it } from "vitest";
import { isValid, originOf, validateProfile } from "../../src/servers/profileForm";
import { capacityText, describePasskey, relativeTime, shortId, sortPasskeys, validatePasskeyName } from "../../src/servers/passkeys";

describe("the server profile form", () => {
  it("accepts https origins and http on localhost only", () => {
    expect(originOf("https://login.example.com/")).toEqual({ origin: "https://login.example.com" });
    expect(originOf("http://localhost:8080")).toEqual({ origin: "http://localhost:8080" });
    for (const bad of ["http://example.com", "https://127.0.0.1", "https://example.com/login", "ftp://example.com", "nonsense", "https://u:p@example.com"]) {
      expect("error" in originOf(bad), bad).toBe(true);
    }
  });

  it("names every problem by field, including a name already taken", () => {
    const errors = validateProfile({ name: " Work ", url: "http://example.com", username: "" }, ["work"]);
    expect(Object.keys(errors).sort()).toEqual(["name", "url", "username"]);
    expect(errors.name).toContain("exists already");
    expect(isValid(validateProfile({ name: "Work", url: "https://login.example.com", username: "dana" }, ["work", "home"], "home"))).toBe(false);
    expect(isValid(validateProfile({ name: "Work", url: "https://login.example.com", username: "dana" }, ["Work"], "Work"))).toBe(true);
    expect(validateProfile({ name: "x".repeat(65), url: "https://a.example", username: "d" }, []).name).toContain("64");
  });
});

describe("the passkey list", () => {
  const now = 1_800_000_000;
  const passkeys = [
    { id: "AAAAAAAAAAAAAAAAAAAAAA", name: "office", created_at: now - 90 * 86400, last_used_at: now - 7200 },
    { id: "BBBB", name: "spare", created_at: now - 86400, last_used_at: null },
    { id: "CCCCCCCCCCCCCCCCCCCCCC", name: "phone", created_at: now - 86400 * 3, last_used_at: now - 30 },
    { id: "DDDD", name: "old spare", created_at: now - 86400 * 5, last_used_at: null },
  ];

  it("shows the most recently used first, never-used last", () => {
    expect(sortPasskeys(passkeys).map((p) => p.name)).toEqual(["phone", "office", "spare", "old spare"]);
  });

  it("formats times and IDs", () => {
    expect(relativeTime(now - 30, now)).toBe("just now");
    expect(relativeTime(now - 60, now)).toBe("1 minute ago");
    expect(relativeTime(now - 7200, now)).toBe("2 hours ago");
    expect(relativeTime(now - 86400, now)).toBe("1 day ago");
    expect(relativeTime(now - 90 * 86400, now)).toBe("2026-10-17");
    expect(relativeTime(null, now)).toBe("never");
    expect(shortId("AAAAAAAAAAAAAAAAAAAAAA")).toBe("AAAAAA…AAAA");
    expect(shortId("BBBB")).toBe("BBBB");
    expect(describePasskey(passkeys[1]!, now)).toBe("spare, created 1 day ago, last used never");
  });

  it("says how many more fit and checks names", () => {
    expect(capacityText(2)).toBe("2 of 5 passkeys: you can add 3 more.");
    expect(capacityText(5)).toBe("5 of 5 passkeys: delete one to add another.");
    expect(validatePasskeyName("  ", passkeys)).toContain("name");
    expect(validatePasskeyName("Office", passkeys)).toContain("exists already");
    expect(validatePasskeyName("Office", passkeys, "AAAAAAAAAAAAAAAAAAAAAA")).toBeNull();
    expect(validatePasskeyName("new key", passkeys)).toBeNull();
  });
});
