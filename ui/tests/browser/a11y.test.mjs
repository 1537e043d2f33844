// Accessibility checked by an implementation we did not write: axe-core (WCAG 2.0/2.1/2.2 A and
// AA rules, colour contrast included) on every screen and dialog of states.mjs, in the light
// and the dark theme. No rule is disabled.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { open, stop } from "./harness.mjs";
import { STATES } from "./states.mjs";

after(stop);
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** axe's violations on the page as it is now, one readable line per failing node. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ")}`) }));
  });
  return violations.flatMap((v) => v.nodes.map((node) => `${v.id} (${v.help}) at ${node}`));
}

for (const [name, [hash, scenario, steps]] of Object.entries(STATES)) {
  test(`axe finds no violation on ${name} in the light and the dark theme`, async () => {
    const found = [];
    for (const theme of ["light", "dark"]) {
      const page = await open(hash, { scenario, theme });
      await steps(page);
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
      for (const line of await axeViolations(page)) found.push(`${theme}: ${line}`);
      await page.context().close();
    }
    assert.deepEqual(found, []);
  });
}

test("the checker is live: a control without a name and grey-on-grey text are reported", async () => {
  const page = await open("#/keys");
  await page.evaluate(() => {
    const main = document.getElementById("main");
    const button = document.createElement("button");
    main.append(button);
    const faint = document.createElement("p");
    faint.textContent = "faint";
    faint.style.color = "#aaa";
    faint.style.background = "#bbb";
    main.append(faint);
  });
  const lines = await axeViolations(page);
  assert.ok(lines.some((l) => l.startsWith("button-name")), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("color-contrast")), lines.join("\n"));
  await page.context().close();
});
