// `npm run screenshots [OUT_DIR]`: every screen and important dialog (states.mjs) in light and
// dark, from the built UI with the mocked IPC (the same data in every run), into
// docs/screenshots/<state>-<light|dark>.png by default.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { open, stop } from "./harness.mjs";
import { STATES } from "./states.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = process.argv[2] ?? join(here, "..", "..", "..", "docs", "screenshots");
/** Small enough for the README, wide enough for the key detail tabs (at most 1280x800). */
const SIZE = { width: 1024, height: 720 };
/** The same clock in every run, so countdowns and relative dates do not change the pictures. */
const NOW = "2026-11-20T09:30:12Z";

await mkdir(out, { recursive: true });
try {
  for (const [name, [hash, scenario, steps]] of Object.entries(STATES)) {
    for (const theme of ["light", "dark"]) {
      const page = await open(hash, { scenario, theme, now: NOW, ...SIZE });
      await steps(page);
      // No blinking caret or half-finished transition in the picture.
      await page.addStyleTag({ content: "*{caret-color:transparent !important;transition:none !important;animation:none !important}" });
      await page.waitForTimeout(150);
      const file = join(out, `${name}-${theme}.png`);
      await page.screenshot({ path: file });
      console.log(file);
      if (page.errors.length) throw new Error(`${name} (${theme}): ${page.errors.join("; ")}`);
      await page.context().close();
    }
  }
} finally {
  await stop();
}
