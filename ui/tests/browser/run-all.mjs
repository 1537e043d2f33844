// Runs the browser test files one after another (each starts its own Chromium; two at once on a
// 2-core machine only slow each other down). `node --test --test-concurrency=1` would do the same
// but needs Node >= 20.10, and Debian 12's nodejs is 18.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const files = readdirSync(here).filter((name) => name.endsWith(".test.mjs")).sort();
const failed = [];
for (const name of files) {
  const result = spawnSync(process.execPath, ["--test", join(here, name)], { stdio: "inherit" });
  if (result.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`browser tests failed in: ${failed.join(", ")}`);
  process.exit(1);
}
console.log(`browser tests: ${files.length} files passed`);
