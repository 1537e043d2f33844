// `npm run screenshots [OUT_DIR]`: every screen in light and dark, from the built UI with the
// mocked IPC (the same data in every run), into docs/screenshots/ by default.
// Screens of other areas are added to SHOTS with the steps that reach them.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { open, stop } from "./harness.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = process.argv[2] ?? join(here, "..", "..", "..", "docs", "screenshots");
const KEY = "#/keys/" + encodeURIComponent("usb:1050:0407:0001");
const pin = async (page) => {
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
};

/** name -> [hash, scenario, steps before the picture]. */
export const SHOTS = {
  keys: ["#/keys", { developer: true, devices: [
    { id: "usb:1050:0407:0001", transport: "usb", product: "YubiKey 5 NFC", name: "Work key", simulated: false },
    { id: "nfc:ACS ACR122U 00 00", transport: "nfc", product: "ACS ACR122U 00 00", name: "Card on the reader", simulated: false },
    { id: "virtual:simulated", transport: "usb", product: "Simulated security key", name: "Simulated security key", simulated: true },
  ] }, async (page) => page.getByRole("heading", { name: "Card on the reader" }).waitFor()],
  "key-overview": [KEY, {}, async (page) => page.getByText("AAGUID").waitFor()],
  "key-pin-prompt": [KEY, { retries: 3 }, async (page) => {
    await page.getByRole("tab", { name: "PIN" }).click();
    await page.getByLabel("New PIN").fill("567890");
    await page.getByLabel("Type it again").fill("567890");
    await page.getByRole("button", { name: "Change PIN" }).click();
    await page.getByRole("dialog").getByLabel("PIN", { exact: true }).waitFor();
  }],
  "key-passkeys": [KEY, {}, async (page) => {
    await page.getByRole("tab", { name: "Passkeys" }).click();
    await page.getByRole("button", { name: "Show passkeys" }).click();
    await pin(page);
    await page.getByRole("heading", { name: "GitHub (github.com)" }).waitFor();
  }],
  "key-fingerprint-enroll": [KEY, { sampleDelay: 60000 }, async (page) => {
    await page.getByRole("tab", { name: "Fingerprints" }).click();
    await page.getByRole("button", { name: "Show fingerprints" }).click();
    await pin(page);
    await page.getByRole("button", { name: "Add fingerprint" }).click();
    await pin(page);
    await page.getByRole("dialog").getByLabel("Fingerprint enrollment progress").waitFor();
  }],
  "key-settings": [KEY, {}, async (page) => page.getByRole("tab", { name: "Settings" }).click()],
  "key-reset": [KEY, {}, async (page) => {
    await page.getByRole("tab", { name: "Reset" }).click();
    await page.getByText("Remove the key from the computer.").waitFor();
  }],
  diagnostics: ["#/diagnostics", { keyringOk: false, problems: [
    { kind: "pcscd_not_running", message: "pcscd is not running, so NFC readers are not visible: start it with `sudo systemctl enable --now pcscd.socket`" },
    { kind: "no_hidraw_permission", message: "a security key at /dev/hidraw3 cannot be opened by this user: install the udev rules (see udev/README.md) and replug it" },
  ] }, async (page) => page.locator('[data-check="keyring"]').waitFor()],
  codes: ["#/codes", {}, async () => undefined],
  servers: ["#/servers", {}, async () => undefined],
};

await mkdir(out, { recursive: true });
try {
  for (const [name, [hash, scenario, steps]] of Object.entries(SHOTS)) {
    for (const theme of ["light", "dark"]) {
      const page = await open(hash, { scenario, theme });
      await steps(page);
      await page.waitForTimeout(150);
      const file = join(out, `${name}-${theme}.png`);
      await page.screenshot({ path: file });
      console.log(file);
      await page.context().close();
    }
  }
} finally {
  await stop();
}
