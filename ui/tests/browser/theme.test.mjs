// Light and dark: the system preference is followed (also when it changes while the app runs)
// until the person picks a theme, which is remembered; both render through the CSS variables.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { open, stop } from "./harness.mjs";

after(stop);

const LIGHT = { theme: "light", bg: "rgb(247, 248, 250)", text: "rgb(27, 31, 36)", surface: "rgb(255, 255, 255)" };
const DARK = { theme: "dark", bg: "rgb(16, 20, 24)", text: "rgb(230, 237, 243)", surface: "rgb(26, 32, 39)" };

/** The theme in force and the colours the page is painted with. */
function painted(page) {
  return page.evaluate(() => {
    const css = (el, prop) => getComputedStyle(el)[prop];
    return {
      theme: document.documentElement.dataset.theme,
      bg: css(document.body, "backgroundColor"),
      text: css(document.body, "color"),
      surface: css(document.querySelector("header"), "backgroundColor"),
    };
  });
}

test("with no choice saved the theme follows the system, also when the system switches", async () => {
  for (const [system, expected] of [["light", LIGHT], ["dark", DARK]]) {
    const page = await open("#/keys", { systemTheme: system });
    assert.deepEqual(await painted(page), expected, `system ${system}`);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.themeChoice), "system");
    await page.context().close();
  }
  const page = await open("#/keys", { systemTheme: "light" });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
  assert.deepEqual(await painted(page), DARK);
  await page.context().close();
});

test("a manual choice overrides the system, survives a reload, and 'system' hands back control", async () => {
  const page = await open("#/keys", { systemTheme: "dark" });
  const button = page.getByRole("button", { name: /^Theme/ });
  await button.click(); // system -> light
  assert.deepEqual(await painted(page), LIGHT);
  assert.match(await button.innerText(), /light/);
  await page.reload();
  await page.waitForSelector("main section h1");
  assert.deepEqual(await painted(page), LIGHT, "remembered over a dark system");
  await page.emulateMedia({ colorScheme: "light" });
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal((await painted(page)).theme, "light", "a system switch does not override the choice");
  await button.click(); // light -> dark
  assert.deepEqual(await painted(page), DARK);
  await button.click(); // dark -> system (dark)
  await page.emulateMedia({ colorScheme: "light" });
  await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
  assert.equal(await page.evaluate(() => localStorage.getItem("keydesk.theme")), "system");
  await page.context().close();
});

test("dialogs and controls take their colours from the theme's variables", async () => {
  for (const expected of [LIGHT, DARK]) {
    const page = await open("#/keys/" + encodeURIComponent("usb:1050:0407:0001"), { theme: expected.theme });
    await page.getByRole("tab", { name: "Passkeys" }).click();
    await page.getByRole("button", { name: "Show passkeys" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("PIN", { exact: true }).waitFor();
    const colours = await dialog.evaluate((d) => ({ bg: getComputedStyle(d).backgroundColor, text: getComputedStyle(d).color }));
    assert.deepEqual(colours, { bg: expected.surface, text: expected.text }, expected.theme);
    await page.context().close();
  }
});
