import { after, test } from "node:test";
import assert from "node:assert/strict";
import { calls, open, stop } from "./harness.mjs";

after(stop);

const callsTo = async (page, cmd) => (await calls(page)).filter((c) => c.cmd === cmd);

async function loggedOn(page) {
  await page.getByRole("button", { name: "Open work" }).click();
  await page.getByLabel("Password").fill("server pw");
  await page.getByRole("button", { name: "Log on", exact: true }).click();
  await page.getByLabel("Code from your authenticator").fill("123456");
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.getByRole("heading", { name: "work: dana@example.com" }).waitFor();
}

test("a profile is validated before it is added, with each problem next to its field", async () => {
  const page = await open("#/servers", { scenario: { servers: { profiles: [] } } });
  await page.getByText("No server yet").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("lab");
  await page.getByLabel("Address").fill("http://example.com");
  await page.getByRole("button", { name: "Add server" }).click();
  await page.getByText("plain http is allowed only for localhost").waitFor();
  assert.equal(await page.getByLabel("Address").getAttribute("aria-invalid"), "true");
  await page.getByText("Enter your user name on this server.").waitFor();
  assert.equal((await callsTo(page, "servers_add")).length, 0, "nothing is sent while the form is wrong");
  await page.getByLabel("Address").fill("http://localhost:8080");
  await page.getByLabel("User name").fill("eve");
  await page.getByRole("button", { name: "Add server" }).click();
  await page.getByRole("heading", { name: "lab" }).waitFor();
  assert.deepEqual((await callsTo(page, "servers_add")).map((c) => c.args), [{ name: "lab", url: "http://localhost:8080", username: "eve" }]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("logon with the password then a TOTP code; the passkeys show name, short ID, created and last used", async () => {
  const page = await open("#/servers");
  await page.getByRole("button", { name: "Open work" }).click();
  await page.getByLabel("Password").fill("bad");
  await page.getByRole("button", { name: "Log on", exact: true }).click();
  await page.locator('[role=alert][data-kind="wrong_password"]').waitFor();
  await loggedOn(page);
  assert.deepEqual((await callsTo(page, "servers_logon_totp")).map((c) => c.args), [{ profile: "work", code: "123456" }]);
  const rows = page.locator("li.server-passkey");
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(0).innerText(), /office key\s+cGFzc2…MDAx\s+created 20\d\d-\d\d-\d\d, last used 2 hours ago/);
  assert.match(await rows.nth(1).innerText(), /spare[\s\S]*last used never/);
  await page.getByText("2 of 5 passkeys: you can add 3 more.").waitFor();
  await page.context().close();
});

test("a passkey is enrolled under a name on the chosen key, renamed, and deleted after confirming it is you", async () => {
  const page = await open("#/servers");
  await loggedOn(page);
  await page.getByLabel("Name for a new passkey").fill("Spare");
  await page.getByRole("button", { name: "Add passkey" }).click();
  await page.getByText("A passkey named \"Spare\" exists already.").waitFor();
  await page.getByLabel("Name for a new passkey").fill("travel key");
  await page.getByRole("button", { name: "Add passkey" }).click();
  await page.locator("li.server-passkey", { hasText: "travel key" }).waitFor();
  const enroll = (await callsTo(page, "servers_passkey_enroll"))[0].args;
  assert.deepEqual([enroll.profile, enroll.device, enroll.name, enroll.events], ["work", "usb:1050:0407:0001", "travel key", "<channel>"]);

  await page.getByRole("button", { name: "Rename spare" }).click();
  await page.getByLabel("New name for spare").fill("drawer key");
  await page.getByLabel("New name for spare").press("Enter");
  await page.locator("li.server-passkey", { hasText: "drawer key" }).waitFor();

  await page.getByRole("button", { name: "Delete office key" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.locator('[role=alert][data-kind="step_up_required"]').waitFor();
  await page.getByRole("textbox", { name: "Your password" }).fill("server pw");
  await page.getByRole("textbox", { name: "Your password" }).press("Enter");
  await page.locator("li.server-passkey", { hasText: "office key" }).waitFor({ state: "detached" });
  assert.deepEqual((await callsTo(page, "servers_step_up_code")).map((c) => c.args), [{ profile: "work", method: "password", code: "server pw" }]);
  assert.equal((await callsTo(page, "servers_passkey_delete")).length, 2, "tried, confirmed, tried again");
  await page.context().close();
});

test("the server's virtual MFA goes into Codes in one step, after confirming it is you", async () => {
  const page = await open("#/servers", { scenario: { servers: { secondFactor: false } } });
  await page.getByRole("button", { name: "Open work" }).click();
  await page.getByLabel("Password").fill("server pw");
  await page.getByRole("button", { name: "Log on", exact: true }).click();
  await page.getByRole("button", { name: "Add this server's codes to Codes" }).click();
  const totp = page.getByRole("form", { name: "Confirm with a code from your authenticator" });
  await totp.getByRole("textbox", { name: "Code from your authenticator" }).fill("123456");
  await totp.getByRole("button", { name: "Confirm" }).click();
  await page.getByText("work's one-time codes are now in Codes").waitFor();
  assert.deepEqual((await callsTo(page, "servers_bind_mfa")).map((c) => c.args), [{ profile: "work" }, { profile: "work" }]);
  await page.getByText("Bound", { exact: true }).waitFor();
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByText("Not logged on").waitFor();
  await page.context().close();
});

test("an email address is bound with the mailed code after confirming it is you; mistakes and limits say what to do", async () => {
  const page = await open("#/servers", { scenario: { servers: { secondFactor: false, email: null } } });
  await page.getByRole("button", { name: "Open work" }).click();
  await page.getByLabel("Password").fill("server pw");
  await page.getByRole("button", { name: "Log on", exact: true }).click();
  await page.getByText("None: bind one to confirm changes with a code by email.").waitFor();

  const address = page.getByRole("textbox", { name: "Email address" });
  await address.fill("dana");
  await page.getByRole("button", { name: "Send a code" }).click();
  await page.locator('[role=alert][data-kind="invalid_email"]').waitFor();
  assert.equal((await callsTo(page, "servers_email_bind")).length, 0, "nothing is sent while the address is wrong");

  // Five users have this address already: after confirming it is you, the server refuses.
  await address.fill("family@example.com");
  await page.getByRole("button", { name: "Send a code" }).click();
  await page.locator('[role=alert][data-kind="step_up_required"]').waitFor();
  await page.getByRole("textbox", { name: "Your password" }).fill("server pw");
  await page.getByRole("textbox", { name: "Your password" }).press("Enter");
  const limit = page.locator('[role=alert][data-kind="email_limit_reached"]');
  await limit.waitFor();
  assert.match(await limit.innerText(), /bind another address/);

  await address.fill("Dana@Corp.example");
  await page.getByRole("button", { name: "Send a code" }).click();
  await page.locator(".email-binding [role=status]", { hasText: "A code was sent to Dana@Corp.example." }).waitFor();
  const code = page.getByRole("textbox", { name: "Code from the email" });
  assert.equal(await code.evaluate((el) => el === document.activeElement), true, "the code field has the focus");
  await code.fill("12345");
  await page.getByRole("button", { name: "Bind address" }).click();
  await page.getByText("The code in the email has 6 digits.").waitFor();
  await code.fill("111111");
  await page.getByRole("button", { name: "Bind address" }).click();
  const wrong = page.locator('[role=alert][data-kind="wrong_email_code"]');
  await wrong.waitFor();
  assert.match(await wrong.innerText(), /newest message/);
  await code.fill("654 321");
  await page.getByRole("button", { name: "Bind address" }).click();
  await page.locator("dd.email-status", { hasText: "dana@corp.example" }).waitFor();
  assert.deepEqual((await callsTo(page, "servers_email_confirm")).map((c) => c.args), [
    { profile: "work", code: "111111" },
    { profile: "work", code: "654321" },
  ]);
  assert.deepEqual((await callsTo(page, "servers_email_bind")).map((c) => c.args.address), ["family@example.com", "family@example.com", "Dana@Corp.example"]);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test("a bound address confirms a deletion with an emailed code", async () => {
  const page = await open("#/servers");
  await loggedOn(page);
  await page.locator("dd.email-status", { hasText: "dana@example.com" }).waitFor();
  await page.getByRole("button", { name: "Delete spare" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.locator('[role=alert][data-kind="step_up_required"]').waitFor();
  await page.getByRole("button", { name: "Email me a code" }).click();
  const form = page.getByRole("form", { name: "Confirm with a code sent by email" });
  await form.getByRole("textbox", { name: "Code sent to dana@example.com" }).fill("654321");
  await form.getByRole("button", { name: "Confirm" }).click();
  await page.locator("li.server-passkey", { hasText: "spare" }).waitFor({ state: "detached" });
  assert.deepEqual((await callsTo(page, "servers_step_up_code")).map((c) => c.args), [{ profile: "work", method: "email", code: "654321" }]);
  await page.context().close();
});
