// End to end in the real app: keydesk-desktop (debug build) under Xvfb, driven through
// tauri-driver + WebKitWebDriver, with the simulated key attached and the local reference server
// on its embedded SQLite default. Run by `cargo xtask` (xtask/src/app.rs test_end_to_end):
//   KEYDESK_APP, KEYDESK_SERVER_BIN, TAURI_DRIVER, KEYDESK_E2E_DIR; DISPLAY from xvfb-run.
//
// The steps, in order (each area's module exports `steps`):
//   servers.e2e.mjs  enroll a passkey into the server, log on with it   (Servers screen)
//   keys.e2e.mjs     set a PIN, see the passkey listed on the key        (Key detail screen)
//   codes.e2e.mjs    add a TOTP by URI, read a code that matches an independent computation
// A missing module is reported as NOT RUN and fails the run.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "./webdriver.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through cargo xtask)`);
  return value;
};
const app = env("KEYDESK_APP");
const serverBin = env("KEYDESK_SERVER_BIN");
const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
const work = process.env.KEYDESK_E2E_DIR ?? "/tmp/keydesk-e2e";
const SERVER_PORT = 18080;
const DRIVER_PORT = 14444;
export const ORIGIN = `http://localhost:${SERVER_PORT}`;
export const USER = "e2e@keydesk.local";
export const PASSWORD = "e2e-password-2026";

const children = [];
function start(command, args, extraEnv = {}) {
  // Its own process group, so stopping it stops what it started (the D-Bus session's daemons).
  const child = spawn(command, args, { env: { ...process.env, ...extraEnv }, stdio: ["ignore", "inherit", "inherit"], detached: true });
  children.push(child);
  return child;
}
function stopAll() {
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      child.kill("SIGTERM");
    }
  }
  children.length = 0;
}
process.on("exit", stopAll);

async function waitForPort(port, what, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const open = await new Promise((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.end();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, "server"), { recursive: true });
const serverArgs = ["--data-dir", join(work, "server")];
const added = spawnSync(serverBin, [...serverArgs, "user", "add", USER], { env: { ...process.env, KEYDESK_PASSWORD: PASSWORD }, stdio: "inherit" });
if (added.status !== 0) throw new Error("could not add the e2e user to the reference server");
start(serverBin, [...serverArgs, "--origin", ORIGIN, "serve", "--listen", `127.0.0.1:${SERVER_PORT}`], { RUST_LOG: "warn" });
await waitForPort(SERVER_PORT, "keydesk-server");

// The app keeps server sessions in the OS keyring (Secret Service): tauri-driver, and so the app,
// run in a D-Bus session of their own with an unlocked gnome-keyring whose files are in `work`.
const KEYRING_SH = 'printf %s e2e-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"';
mkdirSync(join(work, "keyring"), { recursive: true });
start("dbus-run-session", ["--", "sh", "-c", KEYRING_SH, "sh", driverBin, "--port", String(DRIVER_PORT), "--native-driver", "/usr/bin/WebKitWebDriver"], {
  XDG_DATA_HOME: join(work, "keyring"),
});
await waitForPort(DRIVER_PORT, "tauri-driver");

// The app reads these from the environment tauri-driver and WebKitWebDriver pass down.
process.env.KEYDESK_SIMULATED_KEY = "1";
process.env.KEYDESK_SERVER_URL = ORIGIN;
process.env.KEYDESK_DATA_DIR = join(work, "app");
const session = await Session.start(`http://127.0.0.1:${DRIVER_PORT}`, app, [
  "--simulated-key",
  "--server",
  ORIGIN,
  "--data-dir",
  join(work, "app"),
]);

const context = { session, origin: ORIGIN, user: USER, password: PASSWORD, rpId: new URL(ORIGIN).hostname };
const results = [];

/** On a failure: what the page showed (the hash and the main text), to see why. */
async function dumpPage(session) {
  const page = await session
    .execute(`return location.href + "\\n" + (document.body ? document.body.innerText : "(no body)").slice(0, 2000);`)
    .catch((error) => `(could not read the page: ${error.message})`);
  console.error(`--- page at the failure ---\n${page}\n---`);
}
let failed = false;
const AREAS = ["servers", "keys", "codes"];
try {
  // The app starts on Keys with the simulated key listed and marked as simulated.
  try {
    await session.waitFor("[data-device='virtual:simulated']", { text: /Simulated/ });
    results.push("ok      app: starts on Keys with the simulated key listed");
  } catch (error) {
    failed = true;
    results.push(`FAILED  app: starts on Keys with the simulated key listed: ${error.message}`);
    await dumpPage(session);
  }
  // The key gets its PIN first (the app enrolls passkeys only on a key with a PIN).
  const PLAN = [["keys", "setup"], ["servers", "steps"], ["keys", "steps"], ["codes", "steps"]];
  for (const [area, part] of failed ? [] : PLAN) {
    const file = join(here, `${area}.e2e.mjs`);
    if (!existsSync(file)) {
      results.push(`NOT RUN ${area}: ${area}.e2e.mjs is missing`);
      failed = true;
      continue;
    }
    const steps = (await import(file))[part];
    if (!Array.isArray(steps) || steps.length === 0) {
      results.push(`NOT RUN ${area}: ${area}.e2e.mjs exports no ${part}`);
      failed = true;
      continue;
    }
    let areaFailed = false;
    for (const [name, step] of steps) {
      if (areaFailed) {
        results.push(`NOT RUN ${area}: ${name}`);
        continue;
      }
      const began = Date.now();
      try {
        await step(context);
        results.push(`ok      ${area}: ${name} (${Date.now() - began} ms)`);
      } catch (error) {
        failed = areaFailed = true;
        results.push(`FAILED  ${area}: ${name}: ${error.message}`);
        await dumpPage(session);
      }
    }
  }
  if (failed && results.length === 1) results.push(`NOT RUN ${AREAS.join(", ")}: the app did not start as expected`);
} finally {
  await session.end().catch(() => undefined);
  stopAll();
}
console.log(["", "keydesk-desktop end to end:", ...results, failed ? "e2e: FAILED" : "e2e: passed"].join("\n"));
process.exit(failed ? 1 : 0);
