// Browser check of the server's pages in a real Chromium with the DevTools
// virtual authenticator (playwright-core driving Debian's /usr/bin/chromium).
//
// Needs: a running keydesk-server whose --origin is KEYDESK_BASE, a user
// KEYDESK_USER with password KEYDESK_PASSWORD and no MFA, and an admin user
// KEYDESK_ADMIN (same password, no MFA). Exits non-zero on the first failure.
import { chromium } from 'playwright-core';

const base = process.env.KEYDESK_BASE ?? 'http://localhost:18080';
const user = process.env.KEYDESK_USER ?? 'alice';
const admin = process.env.KEYDESK_ADMIN ?? 'root';
const password = process.env.KEYDESK_PASSWORD;
if (!password) throw new Error('set KEYDESK_PASSWORD');

let passed = 0;
function check(cond, what) {
  if (!cond) {
    console.log(`browser: ${passed} passed, 1 failed`);
    throw new Error('FAILED: ' + what);
  }
  passed += 1;
  console.log('ok - ' + what);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', { options: {
    protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
    hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
  page.on('dialog', (d) => d.accept('Renamed in Chromium'));

  // Password logon, then create a passkey on the security page.
  await page.goto(base + '/logon');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#logon');
  await page.waitForURL(base + '/security');
  await page.fill('#passkey-name', 'Chromium');
  await page.click('#passkey-add');
  await page.waitForSelector('#passkeys tr >> text=Chromium');
  check(true, 'passkey created from the security page');
  await page.click('#passkeys tr >> .rename');
  await page.waitForSelector('#passkeys tr >> text=Renamed in Chromium');
  check(true, 'passkey renamed');

  // Log out, log on with the passkey alone (discoverable: no user name).
  await page.click('#logout');
  await page.waitForURL(base + '/logon');
  await page.waitForSelector('#passkey-logon:not([hidden])');
  await page.click('#passkey-logon');
  await page.waitForURL(base + '/security');
  check((await page.textContent('#who')).startsWith(user), 'passkey-only logon');
  const lastUse = await page.textContent('#passkeys tr td:nth-child(4)');
  check(lastUse !== 'never', 'last use shown after logon: ' + lastUse);

  // Password logon now asks for the passkey as second factor.
  await page.click('#logout');
  await page.waitForURL(base + '/logon');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#logon');
  await page.waitForSelector('#mfa:not([hidden])');
  await page.click('#mfa-passkey');
  await page.waitForURL(base + '/security');
  check(true, 'password + passkey second factor');

  // Deleting needs a fresh verification: refused first, then allowed.
  await page.click('#stepup-passkey');
  await page.waitForSelector('#msg >> text=Verified.');
  await page.click('#passkeys tr >> .delete');
  await page.waitForFunction(() => document.querySelectorAll('#passkeys tr').length === 0);
  check(true, 'passkey deleted after step-up');
  await page.click('#logout');
  await page.waitForURL(base + '/logon');

  // Admin page: switch passkey logon off and on.
  await page.fill('#username', admin);
  await page.fill('#password', password);
  await page.click('#logon');
  await page.waitForURL(base + '/security');
  await page.fill('#stepup-password', password);
  await page.click('#stepup-pw');
  await page.waitForSelector('#msg >> text=Verified.');
  await page.goto(base + '/admin');
  await page.waitForSelector('#allow-passkey-logon:checked');
  await page.uncheck('#allow-passkey-logon');
  await page.click('#save');
  await page.waitForSelector('#msg >> text=Saved.');
  const settings = await page.evaluate(() => fetch('/api/settings').then((r) => r.json()));
  check(settings.allow_passkey_logon === false, 'admin switched passkey logon off');
  await page.check('#allow-passkey-logon');
  await page.click('#save');
  await page.waitForSelector('#msg >> text=Saved.');
  check(true, 'admin switched passkey logon on');
  await page.screenshot({ path: process.env.SCREENSHOT ?? '/tmp/keydesk-admin.png' });
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, 0 failed`);
