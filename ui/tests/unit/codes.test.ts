import { describe, expect, it, vi } from "vitest";
import { groupCode, msUntilRefresh, progress, secondsLeft, spokenCode, urgency } from "../../src/codes/countdown";
import { accountLabel, allTags, hasTag, matchesSearch, moveId, parseTags, sortRows, visibleRows } from "../../src/codes/filter";
import { ClipboardAutoClear, clipboardStatus, type ClipboardState } from "../../src/codes/clipboard";
import { UndoWindow } from "../../src/codes/undo";
import { canImport, entryStatus, next, START, summary, type PreviewLike, type WizardState } from "../../src/codes/importWizard";

const row = (id: string, over: Partial<{ issuer: string; name: string; note: string; tags: string[]; pinned: boolean; order: number }> = {}) => ({
  id,
  issuer: over.issuer ?? "ACME",
  name: over.name ?? id,
  note: over.note ?? "",
  tags: over.tags ?? [],
  pinned: over.pinned ?? false,
  order: over.order ?? 0,
});

describe("the countdown", () => {
  it("counts down from the backend's answer and never below zero", () => {
    const code = { period: 30, seconds_remaining: 17 };
    expect(secondsLeft(code, 1_000, 1_000)).toBe(17);
    expect(secondsLeft(code, 1_000, 5_999)).toBe(13);
    expect(secondsLeft(code, 1_000, 60_000)).toBe(0);
    expect(secondsLeft({ period: null, seconds_remaining: null }, 0, 0)).toBeNull();
  });

  it("gives the fraction of the period left and flags the last seconds", () => {
    expect(progress(15, 30)).toBe(0.5);
    expect(progress(30, 30)).toBe(1);
    expect(progress(null, 30)).toBe(0);
    expect(urgency(6)).toBe("ok");
    expect(urgency(5)).toBe("soon");
    expect(urgency(0)).toBe("expired");
    expect(urgency(null)).toBe("none");
  });

  it("refreshes when the first code expires, not before", () => {
    const rows = [
      { period: 30, seconds_remaining: 20 },
      { period: 60, seconds_remaining: 4 },
      { period: null, seconds_remaining: null },
    ];
    expect(msUntilRefresh(rows, 10_000, 11_000)).toBe(3_000);
    expect(msUntilRefresh(rows, 10_000, 20_000)).toBe(0);
    expect(msUntilRefresh([{ period: null, seconds_remaining: null }], 0, 0)).toBeNull();
  });

  it("groups digits as authenticator apps do and spells codes for screen readers", () => {
    expect(groupCode("123456")).toBe("123 456");
    expect(groupCode("12345678")).toBe("1234 5678");
    expect(groupCode("1234567")).toBe("123 456 7");
    expect(groupCode("5X9KQ")).toBe("5X9KQ");
    expect(spokenCode("123456", 1)).toBe("1 2 3 4 5 6, 1 second left");
    expect(spokenCode("42", null)).toBe("4 2");
    expect(spokenCode(null, null)).toBe("no code");
  });
});

describe("search, tags and order", () => {
  const rows = [
    row("a", { issuer: "GitHub", name: "dana", tags: ["Work"] }),
    row("b", { issuer: "Bank", name: "dana", note: "savings account", order: 1 }),
    row("c", { issuer: "Mail", name: "dana@example.com", tags: ["work", "email"], pinned: true, order: 2 }),
  ];

  it("searches issuer, name, tags and note, ignoring case", () => {
    expect(matchesSearch(rows[0]!, "github")).toBe(true);
    expect(matchesSearch(rows[1]!, "SAVINGS")).toBe(true);
    expect(matchesSearch(rows[2]!, "mail")).toBe(true);
    expect(matchesSearch(rows[1]!, "work")).toBe(false);
    expect(matchesSearch(rows[1]!, "  ")).toBe(true);
  });

  it("filters by one tag, ignoring case, and lists tags once", () => {
    expect(hasTag(rows[0]!, "work")).toBe(true);
    expect(hasTag(rows[1]!, "work")).toBe(false);
    expect(hasTag(rows[1]!, null)).toBe(true);
    expect(allTags(rows)).toEqual(["email", "Work"]);
  });

  it("puts pinned accounts first, then the manual order", () => {
    expect(sortRows(rows).map((r) => r.id)).toEqual(["c", "a", "b"]);
    expect(visibleRows(rows, "dana", "WORK").map((r) => r.id)).toEqual(["c", "a"]);
  });

  it("moves an account up or down with the keyboard, staying inside the list", () => {
    expect(moveId(["a", "b", "c"], "c", -1)).toEqual(["a", "c", "b"]);
    expect(moveId(["a", "b", "c"], "a", 1)).toEqual(["b", "a", "c"]);
    expect(moveId(["a", "b", "c"], "a", -1)).toEqual(["a", "b", "c"]);
    expect(moveId(["a", "b", "c"], "zz", 1)).toEqual(["a", "b", "c"]);
  });

  it("reads typed tags and labels accounts", () => {
    expect(parseTags(" work, email ,, Work,bank ")).toEqual(["work", "email", "bank"]);
    expect(accountLabel({ issuer: "ACME", name: "alice" })).toBe("ACME: alice");
    expect(accountLabel({ issuer: "", name: "alice" })).toBe("alice");
    expect(accountLabel({ issuer: "", name: "" })).toBe("(unnamed)");
  });
});

describe("clipboard auto-clear", () => {
  it("counts down and goes idle after the delay, leaving the timed clear to the backend; a new copy restarts it", async () => {
    vi.useFakeTimers();
    try {
      const clear = vi.fn(() => Promise.resolve());
      const states: ClipboardState[] = [];
      const guard = new ClipboardAutoClear(clear, (s) => states.push(s), globalThis, 30);
      guard.copied("ACME: alice", 0);
      expect(clipboardStatus(guard.current(), 18_000)).toBe("ACME: alice copied; the clipboard clears in 12 s.");
      vi.advanceTimersByTime(20_000);
      guard.copied("Bank: dana", 20_000); // restarts the delay
      vi.advanceTimersByTime(29_000);
      expect(clear).not.toHaveBeenCalled();
      expect(guard.current()).toEqual({ kind: "holding", label: "Bank: dana", clearsAtMs: 50_000 });
      vi.advanceTimersByTime(1_000);
      // The backend clears on its own after the delay; a second clear from here could wipe a
      // newer copy made from the tray.
      expect(clear).not.toHaveBeenCalled();
      expect(states.at(-1)).toEqual({ kind: "idle" });
      expect(guard.current()).toEqual({ kind: "idle" });
      expect(clipboardStatus(guard.current(), 0)).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it("clears at once when the screen is left while a code is held, and only then", async () => {
    vi.useFakeTimers();
    try {
      const clear = vi.fn(() => Promise.resolve());
      const guard = new ClipboardAutoClear(clear, () => {}, globalThis, 30);
      await guard.flush();
      expect(clear).not.toHaveBeenCalled();
      guard.copied("ACME: alice", 0);
      await guard.flush();
      expect(clear).toHaveBeenCalledTimes(1);
      vi.advanceTimersByTime(60_000);
      expect(clear).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("the undo window", () => {
  it("offers the newest deletion until its window closes", () => {
    const undo = new UndoWindow(10);
    undo.deleted("a", "ACME: alice", 0);
    undo.deleted("b", "Bank: dana", 4_000);
    expect(undo.current(5_000)?.id).toBe("b");
    expect(undo.secondsLeft(5_000)).toBe(9);
    expect(undo.take(5_000)?.id).toBe("b");
    expect(undo.current(9_999)?.id).toBe("a");
    expect(undo.current(10_000)).toBeNull();
    expect(undo.take(10_000)).toBeNull();
    expect(undo.secondsLeft(10_000)).toBe(0);
  });
});

describe("the import wizard", () => {
  const preview: PreviewLike = {
    preview_id: "p1",
    format: "Aegis",
    not_otp_items: 1,
    entries: [
      { label: "ACME:alice", action: "duplicate", duplicate_of: "x", reason: null },
      { label: "Home:bob", action: "new", duplicate_of: null, reason: null },
      { label: "Mail:carol", action: "new", duplicate_of: null, reason: null },
      { label: "entry 4", action: "skipped", duplicate_of: null, reason: "99 digits" },
    ],
  };

  it("asks for a password, then previews with every new entry selected", () => {
    let state: WizardState = next(START, { kind: "needs_password", file: "backup.json", wrong: false });
    expect(state).toEqual({ step: "password", file: "backup.json", error: null });
    state = next(state, { kind: "needs_password", file: "backup.json", wrong: true });
    expect(state.step === "password" && state.error).toContain("Wrong password");
    state = next(state, { kind: "previewed", file: "backup.json", preview });
    expect(state.step === "preview" && state.selected).toEqual([1, 2]);
    expect(canImport(state)).toBe(true);
  });

  it("toggles only new entries, and the summary says exactly what happens", () => {
    let state = next(START, { kind: "previewed", file: "f", preview });
    state = next(state, { kind: "toggle", index: 0 }); // a duplicate: not selectable
    state = next(state, { kind: "toggle", index: 2 });
    expect(state.step === "preview" && state.selected).toEqual([1]);
    if (state.step !== "preview") throw new Error("preview");
    expect(summary(preview, state.selected)).toBe(
      "1 of 4 entries will be imported; 1 already present; 1 cannot be read; 1 not selected; 1 other items in the file are not one-time-password accounts.",
    );
    expect(entryStatus(preview.entries[3]!, false)).toBe("Cannot be imported: 99 digits");
    expect(entryStatus(preview.entries[1]!, true)).toBe("Will be imported");
    state = next(state, { kind: "select_all", selected: false });
    expect(canImport(state)).toBe(false);
    state = next(state, { kind: "select_all", selected: true });
    state = next(state, { kind: "imported", count: 2 });
    expect(state).toEqual({ step: "done", imported: 2, notImported: 2 });
  });

  it("keeps the password step on a failure there, else returns to the start with the error", () => {
    const atPassword = next(START, { kind: "needs_password", file: "f", wrong: false });
    expect(next(atPassword, { kind: "failed", message: "damaged" })).toEqual({ step: "password", file: "f", error: "damaged" });
    expect(next(START, { kind: "failed", message: "not a backup" })).toEqual({ step: "choose", error: "not a backup" });
  });
});
