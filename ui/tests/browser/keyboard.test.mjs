// Keyboard only: the main flows with nothing but key presses, checking after each step where
// focus is and that it is visible. Dialogs keep Tab inside and give focus back when they close.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { calls, open, stop } from "./harness.mjs";

after(stop);

/** The focused element: what it is, and whether it shows a focus indicator. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: "body", text: "", visible: false, inDialog: false };
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.getAttribute("aria-label") ?? el.textContent ?? "").trim(),
      label: el.labels?.[0]?.textContent ?? null,
      classes: el.className,
      credential: el.closest("[data-credential]")?.getAttribute("data-credential") ?? null,
      inDialog: Boolean(el.closest("dialog[open]")),
      visible: el.matches(":focus-visible") && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    };
  });
}

/** Presses `key` and returns the focused element, which must show its focus. */
async function press(page, key) {
  await page.keyboard.press(key);
  const now = await focused(page);
  assert.ok(now.visible, `after ${key} focus is not visible: ${JSON.stringify(now)}`);
  return now;
}

/** Tabs until `match` holds (at most `limit` presses), asserting each stop is visible. */
async function tabTo(page, match, limit = 20, key = "Tab") {
  for (let i = 0; i < limit; i += 1) {
    const now = await press(page, key);
    if (match(now)) return now;
  }
  throw new Error(`${key} never reached the element; last: ${JSON.stringify(await focused(page))}`);
}

async function typeText(page, text) {
  await page.keyboard.type(text);
}

test("keyboard only: navigate the screens, each navigation lands on the new screen's heading", async () => {
  const page = await open("#/keys");
  for (const name of ["Codes", "Servers", "Diagnostics", "Keys"]) {
    const link = await tabTo(page, (f) => f.tag === "a" && f.text === name, 12);
    assert.equal(link.tag, "a");
    await page.keyboard.press("Enter");
    // The new screen's heading, or the field the screen asks for first (Codes: the password).
    await page.waitForFunction((n) => document.title.startsWith(n), name);
    await page.waitForFunction(() => document.activeElement?.closest("#main") && document.activeElement !== document.getElementById("main"));
    const heading = await focused(page);
    assert.ok(heading.visible, JSON.stringify(heading));
    // Back to the top of the page for the next round.
    await page.evaluate(() => document.querySelector(".skip")?.focus());
  }
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("keyboard only: open a key, change its PIN answering the PIN dialog, delete a passkey after confirming, cancel a ceremony with Escape", async () => {
  const page = await open("#/keys");
  await page.getByRole("heading", { name: "Work key" }).waitFor();

  // Keys -> Manage: the key detail heading takes focus.
  await tabTo(page, (f) => f.text === "Manage");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.activeElement?.tagName === "H1");
  await page.getByText("AAGUID").waitFor();

  // The tab list is one Tab stop; arrows move inside it.
  let now = await tabTo(page, (f) => f.text === "Overview");
  now = await press(page, "ArrowRight");
  assert.equal(now.text, "PIN");
  now = await press(page, "Tab");
  assert.equal(now.label, "New PIN");
  await typeText(page, "567890");
  now = await press(page, "Tab");
  assert.equal(now.label, "Type it again");
  await typeText(page, "567890");
  await page.keyboard.press("Enter");

  // The PIN dialog: focus in its PIN field, Tab stays inside the dialog.
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).waitFor();
  now = await focused(page);
  assert.equal(now.id, "ceremony-pin");
  for (let i = 0; i < 6; i += 1) assert.ok((await press(page, "Tab")).inDialog, "Tab left the PIN dialog");
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).focus();
  await typeText(page, "1234");
  await page.keyboard.press("Enter");
  await page.locator("p.ok", { hasText: "PIN changed." }).waitFor();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  now = await focused(page);
  assert.equal(now.label, "Type it again", `focus went back to the form that started it: ${JSON.stringify(now)}`);
  assert.equal(await page.evaluate(() => window.__KEYDESK_MOCK__.key.pin), "567890");

  // Passkeys: back to the tab list with Shift+Tab, arrow to Passkeys, show them.
  await tabTo(page, (f) => f.text === "PIN" && f.tag === "button", 6, "Shift+Tab");
  now = await press(page, "ArrowRight");
  assert.equal(now.text, "Passkeys");
  now = await press(page, "Tab");
  assert.equal(now.text, "Show passkeys");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).waitFor();
  await typeText(page, "567890");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "GitHub (github.com)" }).waitFor();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  assert.equal((await focused(page)).text, "Show passkeys");

  // Delete the second passkey: the confirmation starts on Cancel and keeps Tab inside.
  now = await tabTo(page, (f) => f.text === "Delete" && f.credential === "Y3JlZC0y");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog").getByRole("button", { name: "Delete passkey" }).waitFor();
  now = await focused(page);
  assert.deepEqual([now.text, now.inDialog], ["Cancel", true]);
  now = await press(page, "Tab");
  assert.deepEqual([now.text, now.inDialog], ["Delete passkey", true]);
  now = await press(page, "Tab");
  assert.ok(now.inDialog, "Tab left the confirmation");
  await page.getByRole("dialog").getByRole("button", { name: "Delete passkey" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).waitFor();
  await typeText(page, "567890");
  await page.keyboard.press("Enter");
  await page.locator('[data-credential="Y3JlZC0y"]').waitFor({ state: "detached" });
  await page.getByRole("dialog").waitFor({ state: "detached" });
  now = await focused(page);
  assert.equal(now.text, "1 passkey stored, room for 24 more.", `focus lands on the updated count: ${JSON.stringify(now)}`);
  assert.deepEqual((await calls(page)).filter((c) => c.cmd === "passkey_delete").map((c) => c.args.credential_id), ["Y3JlZC0y"]);

  // Escape cancels a ceremony: fingerprints ask for the PIN, Escape ends it and says so.
  await tabTo(page, (f) => f.text === "Passkeys" && f.tag === "button", 10, "Shift+Tab");
  now = await press(page, "ArrowRight");
  assert.equal(now.text, "Fingerprints");
  now = await press(page, "Tab");
  assert.equal(now.text, "Show fingerprints");
  await page.keyboard.press("Enter");
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).waitFor();
  await page.keyboard.press("Escape");
  await page.locator('[data-kind="cancelled"]').waitFor();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  assert.equal((await focused(page)).text, "Show fingerprints");
  assert.ok((await calls(page)).some((c) => c.cmd === "ceremony_cancel"));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
