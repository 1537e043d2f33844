// Key detail steps in the real app: set a PIN on the simulated key, then see the passkey the
// Servers steps enrolled listed on the key (reading passkeys needs that PIN). The PIN dialog
// keeps Tab inside it in WebKit too (the browser tests check that in Chromium).
import { KEY as KEYS } from "./webdriver.mjs";

const KEY = "virtual:simulated";

/** Where keyboard focus is: inside an open dialog, and which element. */
function focusIn(session) {
  return session.execute(
    `const el = document.activeElement;
     return { inDialog: !!(el && el.closest("dialog[open]")), what: el ? el.tagName + "#" + el.id + " " + (el.textContent || "").trim().slice(0, 30) : "none" };`,
  );
}

async function openKey(session) {
  await session.execute(`location.hash = "#/keys/" + encodeURIComponent(arguments[0]);`, [KEY]);
  await session.waitFor(".tabs [role='tab']", { text: /Overview/ });
}

async function answerPin(session, pin) {
  const input = await session.waitFor("dialog #ceremony-pin");
  await session.type(input, pin);
  await session.clickText("dialog button[type='submit']", /Continue/);
}

// Run before the Servers steps: the app enrolls passkeys only on a key with a PIN.
export const setup = [
  [
    "set a PIN",
    async ({ session }) => {
      await openKey(session);
      await session.clickText(".tabs [role='tab']", /^PIN$/);
      await session.type(await session.waitFor("#new-pin"), "246810");
      await session.type(await session.waitFor("#new-pin-again"), "246810");
      await session.clickText("button[type='submit']", /Set PIN/);
      await session.waitFor(".result .ok", { text: /PIN set\. PIN set, 8 tries left/ });
    },
  ],
];

export const steps = [
  [
    "see the enrolled passkey listed on the key",
    async ({ session, rpId, user }) => {
      await openKey(session);
      await session.clickText(".tabs [role='tab']", /Passkeys/);
      await session.clickText("button", /Show passkeys/);
      await session.waitFor("dialog #ceremony-pin");
      const stops = new Set();
      for (const key of [KEYS.TAB, KEYS.TAB, KEYS.TAB, KEYS.TAB, [KEYS.SHIFT, KEYS.TAB], [KEYS.SHIFT, KEYS.TAB]]) {
        await session.press(key);
        const focus = await focusIn(session);
        if (!focus.inDialog) throw new Error(`Tab left the PIN dialog: focus on ${focus.what}`);
        stops.add(focus.what);
      }
      if (stops.size < 2) throw new Error(`Tab did not move inside the PIN dialog: ${[...stops]}`);
      await answerPin(session, "246810");
      await session.waitFor(".site h3", { text: new RegExp(rpId.replace(/\./g, "\\.")) });
      await session.waitFor(".passkey", { text: new RegExp(user.split("@")[0]) });
    },
  ],
];
