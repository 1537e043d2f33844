// Servers steps in the real app against the local reference server: add the profile, log on
// with the password, enroll a passkey on the simulated key under a name, log on with it alone.

/** Picks the simulated key in the "Which authenticator?" chooser (it lists this computer too). */
async function chooseSimulatedKey(session) {
  await session.clickText("dialog[aria-labelledby='choose-key'] ul.choices button", /Simulated security key/);
}
/** Waits for `css` with `text`, answering the key's PIN prompt (the PIN keys.e2e.mjs set) if asked. */
async function untilShown(session, css, text) {
  const deadline = Date.now() + 30000;
  for (;;) {
    for (const el of await session.find(css)) if (text.test(await session.text(el).catch(() => ""))) return;
    const [pin] = await session.find("dialog[open] #ceremony-pin");
    if (pin) {
      await session.type(pin, "246810");
      await session.clickText("dialog[open] button[type='submit']", /Continue/);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${css} with text ${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const steps = [
  [
    "add the server profile",
    async ({ session, origin, user }) => {
      await session.execute(`location.hash = "#/servers";`);
      const [name, url, username] = await session.find("form[aria-label='Add a server'] input");
      await session.type(name, "e2e");
      await session.type(url, origin);
      await session.type(username, user);
      await session.clickText("form[aria-label='Add a server'] button[type='submit']", /Add server/);
      await session.waitFor("li.server-card h2", { text: /^e2e$/ });
    },
  ],
  [
    "log on with the password",
    async ({ session, password }) => {
      await session.clickText("li.server-card button", /Open/);
      await session.type(await session.waitFor("form[aria-label='Log on to e2e'] input[type='password']"), password);
      await session.clickText("form[aria-label='Log on to e2e'] button[type='submit']", /Log on/);
      await session.waitFor(".server-detail h2", { text: /^e2e: / });
    },
  ],
  [
    "enroll a passkey under a name on the simulated key",
    async ({ session }) => {
      await session.type(await session.waitFor("form[aria-label='Add a passkey'] input"), "e2e key");
      await session.clickText("form[aria-label='Add a passkey'] button[type='submit']", /Add passkey/);
      await chooseSimulatedKey(session);
      await untilShown(session, "li.server-passkey", /e2e key/);
    },
  ],
  [
    "log on with the passkey",
    async ({ session }) => {
      await session.clickText(".server-detail button", /Log out/);
      await session.waitFor("li.server-card .status", { text: /Not logged on/ });
      await session.clickText("li.server-card button", /Open/);
      await session.clickText(".server-detail button", /Log on with a passkey only/);
      await chooseSimulatedKey(session);
      await untilShown(session, ".server-detail h2", /^e2e: /);
    },
  ],
];
