import { describe, expect, it } from "vitest";
import type { AddReportView, CodeRowView } from "../../src/bindings/keydesk";
import { addReportText } from "../../src/codes/add";
import { IMAGE, sourceName } from "../../src/codes/dialog";

const added = (issuer: string, name: string) => ({ issuer, name }) as CodeRowView;

describe("adding accounts", () => {
  it("says what was added and why each other entry was not (nothing dropped silently)", () => {
    const report: AddReportView = {
      added: [added("ACME", "alice")],
      not_added: [
        { label: "RFC:6238", duplicate_of: "a1", reason: null },
        { label: "bad", duplicate_of: null, reason: "99 digits (1 to 10 are possible)" },
        { label: "odd", duplicate_of: null, reason: null },
      ],
    };
    expect(addReportText(report)).toBe(
      "Added ACME: alice. Not added: RFC:6238 is already here. Not added: bad: 99 digits (1 to 10 are possible). Not added: odd: unreadable.",
    );
    expect(addReportText({ added: [], not_added: [] })).toBe("Nothing was added.");
  });

  it("treats dropped PNG and JPEG files as QR images and anything else as a backup", () => {
    expect([sourceName({ kind: "path", path: "/tmp/signup.PNG" }), sourceName({ kind: "bytes", name: "qr.jpeg", bytes: [] })]).toEqual(["/tmp/signup.PNG", "qr.jpeg"]);
    expect(["signup.PNG", "qr.jpeg", "qr.jpg", "aegis.json", "codes.txt", "png"].map((n) => IMAGE.test(n))).toEqual([true, true, true, false, false, false]);
  });
});
