import { after, test } from "node:test";
import assert from "node:assert/strict";
import { calls, open, stop } from "./harness.mjs";

after(stop);

test("Keys lists every key with its name, transport and a simulated badge, and follows hot-plug", async () => {
  const page = await open("#/keys", { scenario: { developer: true } });
  await page.getByRole("heading", { name: "Work key" }).waitFor();
  assert.match(await page.locator('[data-device="usb:1050:0407:0001"]').innerText(), /USB[\s\S]*PIN set \(8 tries left\)/);

  await page.getByRole("button", { name: "Attach simulated key" }).click();
  const simulated = page.locator('[data-device="virtual:simulated"]');
  await simulated.waitFor();
  assert.match(await simulated.innerText(), /Simulated/);

  await page.evaluate(() => window.__KEYDESK_MOCK__.plug({ id: "nfc:ACS ACR122U 00 00", transport: "nfc", product: "ACS ACR122U 00 00", name: "Card key", simulated: false }));
  await page.locator('[data-device="nfc:ACS ACR122U 00 00"]').waitFor();
  await page.waitForFunction(() => document.getElementById("announcer")?.textContent === "Card key connected.");

  await page.evaluate(() => window.__KEYDESK_MOCK__.unplug("nfc:ACS ACR122U 00 00"));
  await page.locator('[data-device="nfc:ACS ACR122U 00 00"]').waitFor({ state: "detached" });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a key is renamed from the Keys screen with the arguments the command takes", async () => {
  const page = await open("#/keys");
  await page.getByRole("button", { name: "Rename" }).click();
  const input = page.getByLabel("Name for Work key");
  await input.fill("Backup key");
  await input.press("Enter");
  await page.getByRole("heading", { name: "Backup key" }).waitFor();
  const rename = (await calls(page)).find((c) => c.cmd === "rename_device");
  assert.deepEqual(rename.args, { device: "usb:1050:0407:0001", name: "Backup key" });
  await page.context().close();
});

test("problems that hide keys are shown with a link to Diagnostics, and no keys says what to do", async () => {
  const page = await open("#/keys", {
    scenario: { devices: [], problems: [{ kind: "pcscd_not_running", message: "pcscd is not running, so NFC readers are not visible: start it with `sudo systemctl enable --now pcscd.socket`" }] },
  });
  await page.locator('[data-problem="pcscd_not_running"]').waitFor();
  assert.match(await page.locator(".devices").innerText(), /No security key found/);
  await page.locator('[data-problem="pcscd_not_running"] a').click();
  await page.getByRole("heading", { name: "Diagnostics" }).waitFor();
  await page.context().close();
});

test("the simulated key is offered only in developer mode", async () => {
  const page = await open("#/keys");
  await page.getByRole("heading", { name: "Work key" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Attach simulated key" }).count(), 0);
  await page.context().close();
});

test("USB, NFC and this computer are listed side by side, each with its transport and its own status", async () => {
  const page = await open("#/keys", {
    scenario: {
      devices: [
        { id: "usb:1050:0407:0001", transport: "usb", product: "YubiKey 5 NFC", name: "Work key", simulated: false },
        { id: "nfc:ACS ACR122U 00 00", transport: "nfc", product: "ACS ACR122U 00 00", name: "Backup key", simulated: false },
        { id: "platform:this-computer", transport: "internal", product: "This computer", name: "This computer", simulated: false },
      ],
      infoFor: {
        "nfc:ACS ACR122U 00 00": { pin: { pin_set: false }, fingerprint_sensor: false, remaining_passkeys: 1 },
        "platform:this-computer": { pin: { pin_retries: 3 }, fingerprint_sensor: false },
      },
    },
  });
  const card = (id) => page.locator(`[data-device="${id}"]`);
  await page.waitForFunction(() => [...document.querySelectorAll(".devices .status")].every((s) => s.textContent !== "Reading the key…"));
  assert.match(await card("usb:1050:0407:0001").innerText(), /USB[\s\S]*PIN set \(8 tries left\) · room for 23 more passkeys · fingerprint sensor/);
  assert.match(await card("nfc:ACS ACR122U 00 00").innerText(), /NFC[\s\S]*no PIN · room for 1 more passkey$/m);
  const computer = await card("platform:this-computer").innerText();
  assert.match(computer, /This computer[\s\S]*PIN set \(3 tries left\)/);
  assert.equal(await card("platform:this-computer").locator(".badge").innerText(), "This computer");
  assert.equal(await card("platform:this-computer").locator(".product").count(), 0, "no product line repeating the name");
  await page.context().close();
});
