// Codes steps in the real app: create the vault, add a TOTP by its otpauth URI, and read a
// code that matches an independent RFC 6238 computation (totp.mjs, node:crypto).
import { totp } from "./totp.mjs";

const SECRET = "JBSWY3DPEHPK3PXP";
const URI = `otpauth://totp/E2E:codes@keydesk.local?secret=${SECRET}&issuer=E2E`;

export const steps = [
  [
    "create the vault",
    async ({ session }) => {
      await session.execute(`location.hash = "#/codes";`);
      await session.waitFor("form[aria-label='Create the vault'] h2", { text: /Create your codes vault/ });
      for (const input of await session.find("form[aria-label='Create the vault'] input[type='password']")) {
        await session.type(input, "e2e vault password");
      }
      await session.clickText("form[aria-label='Create the vault'] button[type='submit']", /Create vault/);
      await session.waitFor(".codes-toolbar");
    },
  ],
  [
    "add a TOTP by URI",
    async ({ session }) => {
      await session.clickText(".codes-toolbar button", /^Add$/);
      await session.type(await session.waitFor("dialog form[aria-label='Add from an otpauth URI'] input[type='password']"), URI);
      await session.clickText("dialog form[aria-label='Add from an otpauth URI'] button[type='submit']", /^Add$/);
      await session.waitFor("li.code-row", { text: /E2E/ });
    },
  ],
  [
    "read a code that matches an independent computation",
    async ({ session }) => {
      const [code, now] = await session.execute(
        `const el = document.querySelector("li.code-row[aria-label^='E2E'] .code"); return [el ? el.dataset.code : null, Math.floor(Date.now() / 1000)];`,
      );
      const expected = [totp(SECRET, now), totp(SECRET, now - 30)];
      if (!expected.includes(code)) throw new Error(`the app shows ${code}; RFC 6238 gives ${expected.join(" or ")}`);
    },
  ],
];
