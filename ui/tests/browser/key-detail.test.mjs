import { after, test } from "node:test";
import assert from "node:assert/strict";
import { calls, open, stop } from "./harness.mjs";

after(stop);
const KEY = "#/keys/" + encodeURIComponent("usb:1050:0407:0001");

test("changing the PIN: a wrong current PIN is reported with the retries left, then the right one succeeds", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "PIN" }).click();
  await page.getByLabel("New PIN").fill("567890");
  await page.getByLabel("Type it again").fill("567890");
  await page.getByRole("button", { name: "Change PIN" }).click();

  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("PIN", { exact: true }).fill("0000");
  await dialog.getByRole("button", { name: "Continue" }).click();
  await dialog.getByText("Wrong PIN").waitFor();
  assert.match(await dialog.innerText(), /7 tries left before the PIN is blocked/);
  await dialog.getByLabel("PIN", { exact: true }).fill("1234");
  await dialog.getByRole("button", { name: "Continue" }).click();
  await page.getByText(/PIN changed\. PIN set, 8 tries left/).waitFor();

  const change = (await calls(page)).find((c) => c.cmd === "pin_change");
  assert.equal(change.args.device, "usb:1050:0407:0001");
  assert.equal(change.args.new_pin, "567890");
  assert.equal(change.args.events, "<channel>");
  assert.equal(typeof change.args.ceremony, "string");
  assert.equal(await page.evaluate(() => window.__KEYDESK_MOCK__.key.pin), "567890");
  await page.context().close();
});

test("a new PIN that breaks the rules is refused before anything is sent", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "PIN" }).click();
  await page.getByLabel("New PIN").fill("12");
  await page.getByLabel("Type it again").fill("12");
  await page.getByRole("button", { name: "Change PIN" }).click();
  await page.getByText("The PIN needs at least 4 characters (this one has 2).").waitFor();
  assert.equal((await calls(page)).some((c) => c.cmd === "pin_change"), false);
  await page.context().close();
});

test("cancelling the PIN prompt cancels the ceremony and says so", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "Passkeys" }).click();
  await page.getByRole("button", { name: "Show passkeys" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).waitFor();
  await page.keyboard.press("Escape");
  await page.locator('[data-kind="cancelled"]').waitFor();
  const names = (await calls(page)).map((c) => c.cmd);
  assert.ok(names.includes("ceremony_cancel"), names.join(","));
  await page.context().close();
});

test("passkeys are listed by site, renamed and deleted after confirmation", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "Passkeys" }).click();
  await page.getByRole("button", { name: "Show passkeys" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "GitHub (github.com)" }).waitFor();
  assert.match(await page.locator(".capacity").innerText(), /2 passkeys stored, room for 23 more/);

  const github = page.locator('[data-credential="Y3JlZC0x"]');
  await github.getByRole("button", { name: "Rename user" }).click();
  await github.getByLabel("User name").fill("alice2");
  await github.getByRole("button", { name: "Save" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.locator('[data-credential="Y3JlZC0x"]').getByText("alice2").waitFor();

  await page.locator('[data-credential="Y3JlZC0y"]').getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete passkey" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.locator('[data-credential="Y3JlZC0y"]').waitFor({ state: "detached" });
  const del = (await calls(page)).find((c) => c.cmd === "passkey_delete");
  assert.equal(del.args.credential_id, "Y3JlZC0y");
  await page.context().close();
});

test("fingerprint enrollment shows each sample's advice and the progress", async () => {
  const page = await open(KEY, { scenario: { sampleDelay: 250 } });
  await page.getByRole("tab", { name: "Fingerprints" }).click();
  await page.getByRole("button", { name: "Show fingerprints" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByLabel("Name of the new fingerprint").fill("left index");
  await page.getByRole("button", { name: "Add fingerprint" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog").getByText("Too fast: move the finger more slowly. Sample 1 of 4 recorded. Lift your finger and touch the sensor again.").waitFor();
  const progress = page.getByRole("dialog").getByLabel("Fingerprint enrollment progress");
  await page.waitForFunction(() => Number(document.querySelector("dialog progress")?.getAttribute("value")) >= 75);
  assert.ok(Number(await progress.getAttribute("value")) >= 75);
  await page.locator('[data-template="02"]').waitFor();
  await page.context().close();
});

test("settings: always-UV toggles, and a guided reset needs two confirmations", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "Settings" }).click();
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByText("Always-UV turned on.").first().waitFor();

  await page.getByRole("tab", { name: "Reset" }).click();
  await page.getByText("Remove the key from the USB port and plug it back in.").waitFor();
  await page.getByRole("button", { name: "Start reset" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Continue" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Erase everything" }).click();
  await page.getByText(/The key was reset/).waitFor();
  const reset = (await calls(page)).find((c) => c.cmd === "reset_key");
  assert.equal(reset.args.confirmed, true);
  await page.context().close();
});

test("keyboard only: tabs move with the arrow keys and focus stays visible", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "Overview" }).focus();
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "PIN");
  assert.equal(await page.getByRole("tab", { name: "PIN" }).getAttribute("aria-selected"), "true");
  await page.getByRole("tabpanel", { name: "PIN" }).getByRole("heading", { name: "PIN" }).waitFor();
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Reset");
  await page.context().close();
});

test("a key without a PIN gets one set (no PIN dialog needed), and the retries are shown wherever the PIN is", async () => {
  const page = await open(KEY, { scenario: { pinSet: false } });
  await page.getByRole("tab", { name: "PIN" }).click();
  await page.locator(".pin-summary", { hasText: "No PIN set." }).waitFor();
  await page.getByRole("tabpanel").getByLabel("PIN", { exact: true }).fill("246810");
  await page.getByLabel("Type it again").fill("246810");
  await page.getByRole("button", { name: "Set PIN" }).click();
  await page.locator("p.ok", { hasText: "PIN set. PIN set, 8 tries left." }).waitFor();
  assert.deepEqual((await calls(page)).filter((c) => c.cmd === "pin_set").map((c) => c.args), [{ device: "usb:1050:0407:0001", pin: "246810" }]);
  await page.getByRole("tab", { name: "Overview" }).click();
  assert.match(await page.locator(".facts").innerText(), /PIN\s+PIN set, 8 tries left\.[\s\S]*Fingerprint\s+5 tries left before the PIN is required/);
  await page.context().close();
});

test("a blocked PIN and a key that needs replugging say so instead of offering the PIN", async () => {
  const page = await open(KEY, { scenario: { retries: 0 } });
  await page.getByRole("tab", { name: "PIN" }).click();
  await page.getByText("PIN blocked: only a reset makes the key usable again.").waitFor();
  await page.context().close();
  const replug = await open(KEY, { scenario: { powerCycleRequired: true } });
  await replug.getByRole("tab", { name: "PIN" }).click();
  await replug.getByText("Too many wrong PINs: remove and reinsert the key before trying again.").waitFor();
  await replug.context().close();
});

test("fingerprints are renamed and deleted after confirmation", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "Fingerprints" }).click();
  await page.getByRole("button", { name: "Show fingerprints" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  const name = page.getByLabel("Name of fingerprint right thumb");
  await name.fill("left thumb");
  await name.press("Enter");
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByLabel("Name of fingerprint left thumb").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Name of fingerprint left thumb", "focus stays on the renamed fingerprint");
  await page.locator('[data-template="01"]').getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByText("Delete the fingerprint left thumb?").waitFor();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.locator('[data-template="01"]').waitFor({ state: "detached" });
  const sent = (await calls(page)).filter((c) => c.cmd.startsWith("fingerprint_")).map((c) => [c.cmd, c.args.template_id, c.args.name]);
  assert.deepEqual(sent, [["fingerprint_rename", "01", "left thumb"], ["fingerprint_delete", "01", undefined]]);
  await page.context().close();
});

test("settings: minimum PIN length with the sites allowed to read it, force PIN change, enterprise attestation after a warning", async () => {
  const page = await open(KEY);
  await page.getByRole("tab", { name: "Settings" }).click();
  await page.getByLabel("New minimum").fill("6");
  await page.getByLabel(/Sites allowed to read it \(at most 2\)/).fill("example.com, login.example.org");
  await page.getByLabel("Require a PIN change").check();
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByText("Minimum PIN length: 6. It can only be raised.").waitFor();
  assert.deepEqual((await calls(page)).find((c) => c.cmd === "settings_min_pin_length").args.rp_ids, ["example.com", "login.example.org"]);
  await page.getByText("A PIN change is required before the key's next use.").waitFor();
  assert.equal(await page.getByRole("button", { name: "Force PIN change" }).isDisabled(), true);

  await page.getByRole("button", { name: "Enable", exact: true }).click();
  await page.getByRole("dialog").getByText("Only a reset turns it off.").waitFor();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  assert.equal((await calls(page)).some((c) => c.cmd === "settings_enterprise_attestation"), false, "cancelled at the warning");
  await page.getByRole("button", { name: "Enable", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Enable" }).click();
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill("1234");
  await page.keyboard.press("Enter");
  await page.getByText("Enterprise attestation: enabled.", { exact: false }).waitFor();
  assert.equal((await calls(page)).filter((c) => c.cmd === "settings_enterprise_attestation").length, 1);
  await page.context().close();
});

test("the guided reset shows the replug, the 10-second rule and the touch in its dialog, and Escape stops it before the key is erased", async () => {
  const page = await open(KEY, { scenario: { resetStepDelay: 400, touchDelay: 400 } });
  await page.getByRole("tab", { name: "Reset" }).click();
  await page.getByText(/within about 10 seconds of being plugged in/).waitFor();
  await page.getByRole("button", { name: "Start reset" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Continue" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Erase everything" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByText("Remove the key now (or lift it off the reader).").waitFor();
  assert.match(await dialog.locator("ol.steps").innerText(), /plug it back in[\s\S]*within 10 seconds of being plugged in[\s\S]*touch the key/);
  await page.keyboard.press("Escape");
  await page.locator('[data-kind="cancelled"]').waitFor();
  assert.equal(await page.evaluate(() => window.__KEYDESK_MOCK__.key.pinSet), true, "nothing was erased");
  await page.context().close();
});
