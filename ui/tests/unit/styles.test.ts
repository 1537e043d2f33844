import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("../../src/styles.css", import.meta.url), "utf8");
const COLOUR = /#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/gi;

/** The declarations of `selector`'s first block. */
function block(selector: string): string {
  const start = css.indexOf(`${selector} {`);
  expect(start, selector).toBeGreaterThanOrEqual(0);
  return css.slice(start, css.indexOf("}", start));
}

describe("themes", () => {
  it("reads the real stylesheet", () => expect(css).toContain("--accent"));

  it("both themes define every colour variable", () => {
    const names = (text: string) => [...text.matchAll(/(--[a-z-]+):/g)].map((m) => m[1]).sort();
    const light = names(block('[data-theme="light"]'));
    expect(light.length).toBeGreaterThan(10);
    expect(names(block('[data-theme="dark"]'))).toEqual(light);
  });

  it("no rule outside the theme blocks hard-codes a colour", () => {
    const rules = css.replace(/:root,\s*\[data-theme="light"\] \{[^}]*\}/, "").replace(/\[data-theme="dark"\] \{[^}]*\}/, "");
    expect(rules.match(COLOUR) ?? []).toEqual([]);
  });
});
