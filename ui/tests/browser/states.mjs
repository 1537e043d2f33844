// Every screen and important dialog, reached with the mocked IPC and realistic data: the
// screenshots (screenshots.mjs) and the accessibility check (a11y.test.mjs) walk this one list.
// Each state: [name, hash, scenario, steps that reach it from a fresh page].

export const KEY = "#/keys/" + encodeURIComponent("usb:1050:0407:0001");

/** Answers the ceremony dialog's PIN prompt. */
export async function answerPin(page, pin = "1234") {
  await page.getByRole("dialog").getByLabel("PIN", { exact: true }).fill(pin);
  await page.keyboard.press("Enter");
}

const DEVICES = [
  { id: "usb:1050:0407:0001", transport: "usb", product: "YubiKey 5 NFC", name: "Work key", simulated: false },
  { id: "nfc:ACS ACR122U 00 00", transport: "nfc", product: "ACS ACR122U 00 00", name: "Backup key (on the reader)", simulated: false },
  { id: "platform:this-computer", transport: "internal", product: "This computer", name: "This computer", simulated: false },
  { id: "virtual:simulated", transport: "usb", product: "Simulated security key", name: "Simulated security key", simulated: true },
];

const PROBLEMS = [
  { kind: "pcscd_not_running", message: "pcscd is not running, so NFC readers are not visible: start it with `sudo systemctl enable --now pcscd.socket`" },
  { kind: "no_hidraw_permission", message: "a security key at /dev/hidraw3 cannot be opened by this user: install the udev rules (see udev/README.md) and replug it" },
];

async function showPasskeys(page) {
  await page.getByRole("tab", { name: "Passkeys" }).click();
  await page.getByRole("button", { name: "Show passkeys" }).click();
  await answerPin(page);
  await page.getByRole("heading", { name: "GitHub (github.com)" }).waitFor();
}

async function showFingerprints(page) {
  await page.getByRole("tab", { name: "Fingerprints" }).click();
  await page.getByRole("button", { name: "Show fingerprints" }).click();
  await answerPin(page);
  await page.locator('[data-template="01"]').waitFor();
}

async function unlockCodes(page) {
  await page.getByLabel("Vault password").fill("vault password");
  await page.getByRole("button", { name: "Unlock", exact: true }).click();
  await page.locator('[data-account="a1"]').waitFor();
}

/** name -> [hash, scenario, steps]. */
export const STATES = {
  keys: ["#/keys", { developer: true, devices: DEVICES, infoFor: {
    "nfc:ACS ACR122U 00 00": { pin: { pin_set: false, pin_retries: 8 }, fingerprint_sensor: false, remaining_passkeys: 100 },
    "platform:this-computer": { pin: { pin_retries: 3 }, fingerprint_sensor: false, remaining_passkeys: 1000, transports: ["internal"] },
  } }, async (page) => {
    await page.getByRole("heading", { name: "This computer" }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll(".devices .status")].every((s) => s.textContent !== "Reading the key…"));
  }],
  "keys-problems": ["#/keys", { devices: [], problems: PROBLEMS }, async (page) => page.locator('[data-problem="no_hidraw_permission"]').waitFor()],
  "key-overview": [KEY, {}, async (page) => page.getByText("AAGUID").waitFor()],
  "key-pin": [KEY, { retries: 5 }, async (page) => {
    await page.getByRole("tab", { name: "PIN" }).click();
    await page.getByText("PIN set, 5 tries left.").waitFor();
  }],
  "key-pin-prompt": [KEY, { retries: 3 }, async (page) => {
    await page.getByRole("tab", { name: "PIN" }).click();
    await page.getByLabel("New PIN").fill("567890");
    await page.getByLabel("Type it again").fill("567890");
    await page.getByRole("button", { name: "Change PIN" }).click();
    await answerPin(page, "0000");
    await page.getByRole("dialog").getByText("Wrong PIN").waitFor();
  }],
  "key-passkeys": [KEY, {}, showPasskeys],
  "key-passkey-delete": [KEY, {}, async (page) => {
    await showPasskeys(page);
    await page.locator('[data-credential="Y3JlZC0y"]').getByRole("button", { name: "Delete" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete passkey" }).waitFor();
  }],
  "key-fingerprints": [KEY, {}, showFingerprints],
  "key-fingerprint-enroll": [KEY, { sampleDelay: 60000 }, async (page) => {
    await showFingerprints(page);
    await page.getByLabel("Name of the new fingerprint").fill("left index");
    await page.getByRole("button", { name: "Add fingerprint" }).click();
    await answerPin(page);
    await page.getByRole("dialog").getByText("Sample 1 of 4 recorded").waitFor();
  }],
  "key-settings": [KEY, {}, async (page) => {
    await page.getByRole("tab", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
  }],
  "key-reset": [KEY, {}, async (page) => {
    await page.getByRole("tab", { name: "Reset" }).click();
    await page.getByText("Remove the key from the USB port and plug it back in.").waitFor();
  }],
  "key-reset-touch": [KEY, { resetStepDelay: 50, touchDelay: 60000 }, async (page) => {
    await page.getByRole("tab", { name: "Reset" }).click();
    await page.getByRole("button", { name: "Start reset" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Continue" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Erase everything" }).click();
    await page.getByRole("dialog").getByText("Touch the key now").waitFor();
  }],
  "codes-locked": ["#/codes", {}, async (page) => page.getByRole("heading", { name: "The vault is locked" }).waitFor()],
  codes: ["#/codes", {}, unlockCodes],
  "codes-add": ["#/codes", {}, async (page) => {
    await unlockCodes(page);
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel("otpauth URI (hidden while typed)").waitFor();
  }],
  "codes-import": ["#/codes", {}, async (page) => {
    await unlockCodes(page);
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByLabel("Backup file").setInputFiles({ name: "aegis.json", mimeType: "application/json", buffer: Buffer.from('{"version":1}') });
    await page.getByLabel("Backup password").fill("backup pw");
    await page.getByLabel("Backup password").press("Enter");
    await page.getByRole("table").waitFor();
  }],
  "servers-profiles": ["#/servers", {}, async (page) => page.getByRole("button", { name: "Open work" }).waitFor()],
  servers: ["#/servers", {}, async (page) => {
    await page.getByRole("button", { name: "Open work" }).click();
    await page.getByLabel("Password").fill("server pw");
    await page.getByRole("button", { name: "Log on", exact: true }).click();
    await page.getByLabel("Code from your authenticator").fill("123456");
    await page.getByRole("button", { name: "Confirm" }).click();
    const session = page.getByRole("heading", { name: "work: dana@example.com" });
    await session.waitFor();
    // The picture shows the session (passkeys, codes binding) rather than the profile form.
    await session.evaluate((el) => el.closest("section, div")?.scrollIntoView({ block: "start" }));
  }],
  diagnostics: ["#/diagnostics", { keyringOk: false, problems: PROBLEMS }, async (page) => page.locator('[data-check="keyring"]').waitFor()],
};
