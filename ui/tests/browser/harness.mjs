// Runs the built UI (ui/dist) in Debian's Chromium through playwright-core, with the Tauri IPC
// replaced by mock-ipc.js. No browser download: CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readdir, readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
export const DIST = join(here, "..", "..", "dist");
const MOCK = join(here, "mock-ipc.js");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png" };

/** Serves ui/dist on a free loopback port. */
async function serve() {
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`${DIST} is missing: run \`npm run build\` in ui/ first`);
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(DIST, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

let shared;

/** One server and one browser for the whole run. */
export async function start() {
  if (shared) return shared;
  const server = await serve();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  shared = { server, browser, url };
  return shared;
}

export async function stop() {
  if (!shared) return;
  await shared.browser.close();
  shared.server.close();
  shared = undefined;
}

/**
 * Opens the UI at `hash` with the mocked IPC configured by `scenario` (see mock-ipc.js) and
 * `theme` ("light" | "dark" saved as the person's choice; undefined = follow the system) and
 * `systemTheme` (the system preference; by default the same as `theme`, else light); `now` fixes
 * Date.now (timers still run). Returns the page.
 */
export async function open(hash = "#/keys", { scenario = {}, theme, systemTheme, width = 1040, height = 720, now } = {}) {
  const { browser, url } = await start();
  const colorScheme = systemTheme ?? (theme === "dark" ? "dark" : "light");
  const context = await browser.newContext({ viewport: { width, height }, colorScheme });
  // A fixed wall clock (`now`, e.g. for screenshots): countdowns and "2 hours ago" stay the same.
  if (now) await context.clock.setFixedTime(new Date(now));
  await context.addInitScript((s) => {
    window.__KEYDESK_SCENARIO__ = s;
  }, scenario);
  if (theme) await context.addInitScript((t) => localStorage.setItem("keydesk.theme", t), theme);
  await context.addInitScript({ path: MOCK });
  // Each screen area may add its commands in mock-<area>.js (e.g. mock-codes.js).
  for (const name of (await readdir(here)).filter((n) => /^mock-.+\.js$/.test(n) && n !== "mock-ipc.js").sort()) {
    await context.addInitScript({ path: join(here, name) });
  }
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.errors = errors;
  await page.goto(url + hash);
  await page.waitForSelector("main section h1");
  return page;
}

/** Commands the UI invoked, with their arguments (channels shown as "<channel>"). */
export function calls(page) {
  return page.evaluate(() => window.__KEYDESK_MOCK__.calls);
}
