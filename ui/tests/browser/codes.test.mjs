import { after, test } from "node:test";
import assert from "node:assert/strict";
import { calls, open, stop } from "./harness.mjs";

after(stop);

const callsTo = async (page, cmd) => (await calls(page)).filter((c) => c.cmd === cmd);

async function unlocked(page) {
  await page.getByLabel("Vault password").fill("vault password");
  await page.getByRole("button", { name: "Unlock", exact: true }).click();
  await page.locator('[data-account="a1"]').waitFor();
}

test("a wrong password is refused with its kind, the right one lists every code with its countdown", async () => {
  const page = await open("#/codes");
  await page.getByRole("heading", { name: "The vault is locked" }).waitFor();
  await page.getByLabel("Vault password").fill("guess");
  await page.getByRole("button", { name: "Unlock", exact: true }).click();
  await page.locator('[role=alert][data-kind="wrong_password"]').waitFor();
  await unlocked(page);
  assert.deepEqual((await callsTo(page, "codes_unlock_password")).map((c) => c.args), [{ password: "guess" }, { password: "vault password" }]);
  assert.equal(await page.locator('[data-account="a1"] .code').innerText(), "123 456");
  assert.equal(await page.locator('[data-account="a3"] .code').innerText(), "••• •••", "HOTP codes are shown on request only");
  const seconds = await page.locator('[data-account="a1"] .seconds').innerText();
  assert.match(seconds, /^\d+ s$/);
  const value = await page.locator('[data-account="a1"] progress').evaluate((p) => p.value);
  assert.ok(value > 0 && value <= 1, `progress ${value}`);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("search and the tag filter narrow the list; pinning moves an account to the top", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  await page.getByLabel("Search accounts").fill("savings");
  await page.locator('[data-account="a1"]').waitFor({ state: "detached" });
  assert.equal(await page.locator("li.code-row").count(), 1);
  await page.getByLabel("Search accounts").fill("");
  await page.getByLabel("Show tag").selectOption("home");
  assert.deepEqual(await page.locator("li.code-row").evaluateAll((rows) => rows.map((r) => r.dataset.account)), ["a3"]);
  await page.getByLabel("Show tag").selectOption("");
  await page.getByRole("button", { name: "Pin Bank: dana" }).click();
  await page.getByRole("button", { name: "Unpin Bank: dana" }).waitFor();
  assert.deepEqual((await callsTo(page, "codes_pin")).map((c) => c.args), [{ id: "a2", pinned: true }]);
  assert.equal(await page.locator("li.code-row").first().getAttribute("data-account"), "a2");
  await page.context().close();
});

test("copy puts the code on the clipboard; the countdown ends with the backend's delay (which clears by itself); leaving the screen clears at once", async () => {
  const page = await open("#/codes", { scenario: { codes: { clearAfter: 1 } } });
  await unlocked(page);
  await page.getByRole("button", { name: "Copy code for GitHub: dana" }).click();
  const status = page.locator(".clipboard-status");
  await page.getByText("GitHub: dana copied; the clipboard clears in").waitFor();
  assert.deepEqual((await callsTo(page, "codes_copy")).map((c) => c.args), [{ id: "a1" }]);
  await page.waitForFunction(() => document.querySelector(".clipboard-status")?.textContent === "");
  // The backend's own timer clears; a second clear from the window could wipe a newer tray copy.
  assert.equal((await callsTo(page, "codes_clipboard_clear")).length, 0);
  assert.equal(await status.textContent(), "");

  await page.getByRole("button", { name: "Copy code for Bank: dana" }).click();
  await page.getByText("Bank: dana copied; the clipboard clears in").waitFor();
  await page.evaluate(() => { location.hash = "#/keys"; });
  await page.waitForFunction(() => window.__KEYDESK_MOCK__.calls.some((c) => c.cmd === "codes_clipboard_clear"));
  assert.equal(await page.evaluate(() => window.__KEYDESK_MOCK__.codes.clipboard), null, "cleared while it held our code");
  await page.context().close();
});

test("the add dialog keeps Tab inside and gives focus back to Add when Escape closes it", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  const add = page.getByRole("button", { name: "Add", exact: true });
  await add.focus();
  await page.keyboard.press("Enter");
  await page.getByLabel("otpauth URI (hidden while typed)").waitFor();
  for (let i = 0; i < 12; i += 1) {
    await page.keyboard.press(i % 3 === 2 ? "Shift+Tab" : "Tab");
    assert.equal(await page.evaluate(() => Boolean(document.activeElement?.closest("dialog[open]"))), true, `Tab ${i} left the dialog`);
  }
  await page.keyboard.press("Escape");
  assert.equal(await page.locator("dialog[open]").count(), 0);
  assert.equal(await add.evaluate((el) => el === document.activeElement), true, "focus is back on Add");
  await page.context().close();
});

test("HOTP shows the next code on request; delete offers undo, which restores the account", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  await page.getByRole("button", { name: "Next code for Home: bob" }).click();
  await page.locator('[data-account="a3"] .code', { hasText: "755 224" }).waitFor();
  await page.getByRole("button", { name: "Delete GitHub: dana" }).click();
  await page.locator('[data-account="a1"]').waitFor({ state: "detached" });
  const undo = page.getByRole("button", { name: /^Undo \(\d+ s\)$/ });
  await undo.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.startsWith("Undo")), true, "focus moves to Undo");
  await undo.click();
  await page.locator('[data-account="a1"]').waitFor();
  assert.deepEqual((await callsTo(page, "codes_undo")).map((c) => c.args), [{ id: "a1" }]);
  await page.context().close();
});

test("keyboard only: Tab reaches an account, Alt+Down reorders it, the add dialog works from the keyboard", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  await page.getByRole("button", { name: "Copy code for GitHub: dana" }).focus();
  await page.keyboard.press("Alt+ArrowDown");
  await page.waitForFunction(() => window.__KEYDESK_MOCK__.calls.some((c) => c.cmd === "codes_reorder"));
  assert.deepEqual((await callsTo(page, "codes_reorder")).map((c) => c.args), [{ ids: ["a2", "a1", "a3"] }]);
  await page.locator("li.code-row").nth(1).and(page.locator('[data-account="a1"]')).waitFor();

  await page.getByRole("button", { name: "Add", exact: true }).focus();
  await page.keyboard.press("Enter");
  const uri = page.getByLabel("otpauth URI (hidden while typed)");
  await uri.waitFor();
  assert.equal(await uri.evaluate((el) => el === document.activeElement), true, "the URI field has focus");
  await page.keyboard.type("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME");
  await page.keyboard.press("Enter");
  await page.locator("li.code-row", { hasText: "ACME" }).waitFor();
  assert.deepEqual((await callsTo(page, "codes_add_uri")).map((c) => c.args), [
    { uri: "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME", issuer: null, name: null },
  ]);
  assert.equal(await page.locator("dialog[open]").count(), 0, "the dialog closes after adding");
  await page.context().close();
});

test("an encrypted import asks for the password, previews every entry, and imports only the chosen ones", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByLabel("Backup file").setInputFiles({ name: "aegis.json", mimeType: "application/json", buffer: Buffer.from('{"version":1}') });
  const password = page.getByLabel("Backup password");
  await password.fill("wrong");
  await password.press("Enter");
  await page.getByText("Wrong password for this backup").waitFor();
  await page.getByLabel("Backup password").fill("backup pw");
  await page.getByLabel("Backup password").press("Enter");
  await page.getByRole("table").waitFor();
  assert.match(await page.getByRole("table").innerText(), /GitHub:dana\s+Already in your codes[\s\S]*entry 4\s+Cannot be imported: 99 digits/);
  assert.equal(await page.getByLabel("Import GitHub:dana").isDisabled(), true, "duplicates cannot be chosen");
  await page.getByLabel("Import Shop:dana").uncheck();
  await page.getByText("1 of 4 entries will be imported; 1 already present; 1 cannot be read; 1 not selected").waitFor();
  await page.getByRole("button", { name: "Import", exact: true }).last().click();
  await page.getByRole("dialog").getByText("Imported 1 account; 3 not imported.").waitFor();
  const preview = (await callsTo(page, "codes_import_preview")).map((c) => [c.args.format, c.args.password, c.args.source.kind, c.args.source.name]);
  assert.deepEqual(preview, [[null, null, "bytes", "aegis.json"], [null, "wrong", "bytes", "aegis.json"], [null, "backup pw", "bytes", "aegis.json"]]);
  assert.deepEqual((await callsTo(page, "codes_import_apply")).map((c) => [c.args.preview_id, c.args.include, typeof c.args.ceremony]), [["import-1", [1], "string"]]);
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator('[data-account="n1"]').waitFor();
  await page.context().close();
});

test("a dropped QR image is added; the QR code is shown only after a confirmation; lock returns to the unlock form", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array([137, 80, 78, 71])], "signup.png", { type: "image/png" }));
    document.querySelector("main section").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.locator("li.code-row", { hasText: "Scanned" }).waitFor();
  const added = (await callsTo(page, "codes_add_qr_image"))[0];
  assert.deepEqual([added.args.source.kind, added.args.source.name, added.args.source.bytes], ["bytes", "signup.png", [137, 80, 78, 71]]);

  await page.getByRole("button", { name: "Show QR code for Bank: dana" }).click();
  await page.getByRole("button", { name: "Cancel" }).click();
  assert.equal((await callsTo(page, "codes_qr")).length, 0, "nothing is fetched without confirmation");
  await page.getByRole("button", { name: "Show QR code for Bank: dana" }).click();
  await page.getByRole("button", { name: "Show QR code", exact: true }).click();
  await page.getByRole("img", { name: "QR code for Bank: dana" }).waitFor();
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await page.getByRole("heading", { name: "The vault is locked" }).waitFor();
  assert.equal(await page.locator("li.code-row").count(), 0);
  await page.context().close();
});

test("import progress arrives entry by entry; Cancel imports nothing and the same preview can be imported after", async () => {
  const page = await open("#/codes", { scenario: { codes: { importStepDelay: 400 } } });
  await unlocked(page);
  await page.getByRole("button", { name: "Import" }).click();
  await page.getByLabel("Backup file").setInputFiles({ name: "aegis.json", mimeType: "application/json", buffer: Buffer.from("{}") });
  await page.getByLabel("Backup password").fill("backup pw");
  await page.getByLabel("Backup password").press("Enter");
  await page.getByRole("button", { name: "Import", exact: true }).last().click();
  const importing = page.getByRole("dialog", { name: "Importing" });
  await importing.getByRole("progressbar", { name: "Mail:carol" }).waitFor();
  await importing.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("dialog", { name: "Import a backup" }).getByText("Import cancelled: nothing was imported.").waitFor();
  assert.equal(await page.locator('[data-account="n1"]').count(), 0);
  assert.equal((await callsTo(page, "ceremony_cancel")).length, 1);
  const [first] = await callsTo(page, "codes_import_apply");
  assert.equal((await callsTo(page, "ceremony_cancel"))[0].args.ceremony, first.args.ceremony, "the running import is the one cancelled");

  await page.evaluate(() => Object.assign(window.__KEYDESK_MOCK__.codesSetup, { importStepDelay: 0 }));
  await page.getByRole("button", { name: "Import", exact: true }).last().click();
  await page.getByRole("dialog", { name: "Import a backup" }).getByText("Imported 2 accounts; 2 not imported.").waitFor();
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator('[data-account="n2"]').waitFor();
  await page.context().close();
});

test("scanning the screen: no QR code is said precisely; a QR code shown is previewed and added only when confirmed", async () => {
  const page = await open("#/codes");
  await unlocked(page);
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("button", { name: "Scan the screen for a QR code" }).click();
  const error = page.locator('[role=alert][data-kind="no_qr_on_screen"]');
  await error.waitFor();
  assert.match(await error.innerText(), /No readable QR code found on screen: show it fully and try again/);

  await page.evaluate(() => Object.assign(window.__KEYDESK_MOCK__.codesSetup, { screenQr: true }));
  await page.getByRole("button", { name: "Scan the screen for a QR code" }).click();
  const preview = page.getByRole("dialog", { name: "Add from the screen" });
  await preview.getByRole("table").waitFor();
  assert.match(await preview.getByRole("table").innerText(), /Screen:erin\s+Will be imported/);
  assert.equal(await page.locator("li.code-row", { hasText: "erin" }).count(), 0, "nothing is added before the confirmation");
  await preview.getByRole("button", { name: "Import", exact: true }).click();
  await preview.getByText("Imported 1 account; 0 not imported.").waitFor();
  await page.getByRole("button", { name: "Done" }).click();
  await page.locator("li.code-row", { hasText: "erin" }).waitFor();
  await page.context().close();
});

test("a backup dropped on the window opens the import preview; each unlock slot is offered and used", async () => {
  const page = await open("#/codes", { scenario: { codes: { keyring: true, securityKey: true } } });
  await page.getByRole("button", { name: "Unlock with the OS keyring" }).click();
  await page.locator('[data-account="a1"]').waitFor();
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(["{}"], "backup.json", { type: "application/json" }));
    document.querySelector("main section").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.getByLabel("Backup password").waitFor();
  assert.equal((await callsTo(page, "codes_import_preview"))[0].args.source.name, "backup.json");
  await page.keyboard.press("Escape");

  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await page.getByRole("button", { name: "Unlock with a security key" }).click();
  await page.locator('[data-account="a1"]').waitFor();
  const unlocks = (await calls(page)).filter((c) => c.cmd.startsWith("codes_unlock")).map((c) => c.cmd);
  assert.deepEqual(unlocks, ["codes_unlock_keyring", "codes_unlock_security_key"]);

  await page.getByRole("button", { name: "Ways to unlock" }).click();
  const slots = page.getByRole("dialog", { name: "Ways to unlock" });
  assert.deepEqual(await slots.locator("li").evaluateAll((items) => items.map((li) => li.dataset.slotKind)), ["password", "keyring", "fido2-hmac-secret"]);
  await slots.getByRole("button", { name: "Remove Blue key" }).click();
  await slots.getByRole("button", { name: "Stop unlocking with the OS keyring" }).click();
  await slots.getByRole("button", { name: "Unlock with the OS keyring too" }).waitFor();
  assert.deepEqual(await slots.locator("li").evaluateAll((items) => items.map((li) => li.dataset.slotKind)), ["password"]);
  await page.context().close();
});

test("a first start creates the vault; the screen follows the dark theme's colours", async () => {
  const page = await open("#/codes", { scenario: { codes: { exists: false } }, theme: "dark" });
  await page.getByRole("heading", { name: "Create your codes vault" }).waitFor();
  await page.getByLabel("Password", { exact: true }).fill("long enough");
  await page.getByLabel("Password again").fill("different!");
  await page.getByRole("button", { name: "Create vault" }).click();
  await page.getByText("The two passwords differ.").waitFor();
  await page.getByLabel("Password again").fill("long enough");
  await page.getByRole("button", { name: "Create vault" }).click();
  await page.getByText("No accounts yet").waitFor();
  assert.deepEqual((await callsTo(page, "codes_create")).map((c) => c.args), [{ password: "long enough" }]);
  const surface = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--surface").trim());
  assert.equal(surface, "#1a2027");
  const background = await page.locator(".codes-toolbar input[type=search]").evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(background, "rgb(16, 20, 24)", "inputs use the theme's --bg");
  await page.context().close();
});
