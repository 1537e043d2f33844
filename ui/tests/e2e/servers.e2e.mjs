// Servers steps in the real app against the local reference server: add the profile, log on
// with the password, enroll a passkey on the simulated key under a name, log on with it alone.
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
      await session.waitFor("li.server-passkey", { text: /e2e key/, timeout: 30000 });
    },
  ],
  [
    "log on with the passkey",
    async ({ session }) => {
      await session.clickText(".server-detail button", /Log out/);
      await session.waitFor("li.server-card .status", { text: /Not logged on/ });
      await session.clickText("li.server-card button", /Open/);
      await session.clickText(".server-detail button", /Log on with a passkey only/);
      await session.waitFor(".server-detail h2", { text: /^e2e: /, timeout: 30000 });
    },
  ],
];
