import { after, test } from "node:test";
import assert from "node:assert/strict";
import { open, stop } from "./harness.mjs";

after(stop);

test("Diagnostics explains a missing pcscd, a denied hidraw (with the udev fix) and a missing keyring", async () => {
  const page = await open("#/diagnostics", {
    scenario: {
      keyringOk: false,
      problems: [
        { kind: "pcscd_not_running", message: "pcscd is not running, so NFC readers are not visible: start it with `sudo systemctl enable --now pcscd.socket`" },
        { kind: "no_hidraw_permission", message: "a security key at /dev/hidraw3 cannot be opened by this user: install the udev rules (see udev/README.md) and replug it" },
      ],
    },
  });
  const pcscd = page.locator('[data-check="pcscd"]');
  await pcscd.waitFor();
  assert.match(await pcscd.innerText(), /Problem[\s\S]*sudo systemctl enable --now pcscd.socket/);
  const usb = page.locator('[data-check="usb_permission"]');
  assert.match(await usb.innerText(), /hidraw3[\s\S]*udevadm control --reload-rules/);
  await usb.getByText("The file 70-keydesk-fido.rules").click();
  assert.match(await usb.innerText(), /uaccess/);
  assert.match(await page.locator('[data-check="keyring"]').innerText(), /not available/);
  await page.context().close();
});

test("navigation reaches every screen, and the theme switch persists dark mode", async () => {
  const page = await open("#/keys");
  for (const [name, heading] of [["Codes", "Codes"], ["Servers", "Servers"], ["Diagnostics", "Diagnostics"], ["Keys", "Security keys"]]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    assert.equal(await page.getByRole("link", { name }).getAttribute("aria-current"), "page");
  }
  const theme = page.getByRole("button", { name: /Theme/ });
  await theme.click(); // system -> light
  await theme.click(); // light -> dark
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  await page.reload();
  await page.waitForSelector("main section h1");
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  await page.context().close();
});

test("the skip link and the first controls are reachable with Tab alone", async () => {
  const page = await open("#/keys");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
  await page.context().close();
});
