// A user whose passkey profile forbids synced passkeys tries to add one (Chromium, a virtual authenticator with
// backup eligibility on, against a real server on SQLite): the account page says in plain words why it was refused
// and what to do (a security key or a passkey kept on this device; or ask the administrator), the code in small
// print, nothing added, axe-core clean in light and dark. Then the device-bound way it suggested works.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listPasskeys } from '../../src/store/passkeys.ts';
import { loadPasskeyMethodConfig, savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { personMessage } from '../../src/web/messages.ts';
import { launchChromium, openTab, type PageProblem, runAxe, type Tab } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

describe('a synced passkey refused by the passkey profile (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let user: User;
  let tab: Tab;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  const text = async (page: Page, selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'profiles', displayName: 'Profiles Co' });
    const c = await loadPasskeyMethodConfig(server.ctx.db, tenant.id);
    c.passkeyProfiles[0] = { ...c.passkeyProfiles[0]!, name: 'Device-bound only', passkeyTypes: 'deviceBound' };
    await savePasskeyMethodConfig(server.ctx.db, tenant.id, c, Date.now());
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'noor@profiles.example' });
    browser = await launchChromium();
    const context = await browser.newContext();
    contexts.push(context);
    tab = await openTab(context, problems);
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    'says why a synced passkey was refused and what to do instead, with the code in small print',
    async () => {
      const { page } = tab;
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      await page.goto(at('/signin'));
      await page.locator('#tap-username').fill(user.userPrincipalName);
      await page.locator('#tap').fill(pass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(/\/account$/);
      await page.waitForLoadState('load');

      const synced = await tab.addAuthenticator({ transport: 'internal', synced: true });
      await page.locator('#new-name').fill('Phone');
      const verify = page.waitForResponse((r) => r.url().endsWith('/account/passkeys/verify'));
      await page.locator('#add-passkey').click();
      const refused = await verify;
      expect(refused.status()).toBe(403);
      await expect
        .poll(() => text(page, '#status .status-code'), { timeout: 15_000 })
        .toBe('Error code: PASSKEY_TYPE_NOT_ALLOWED');
      // The words a person reads: why (this kind of passkey, e.g. synced, is not allowed) and what to do.
      const words = personMessage('PASSKEY_TYPE_NOT_ALLOWED');
      expect(await text(page, '#status .status-text')).toBe(words.text);
      expect(await text(page, '#status .status-remediation')).toBe(words.remediation);
      expect(words.text).toMatch(/not allow this kind of passkey/);
      expect(words.text).toMatch(/synced/);
      expect(words.remediation).toMatch(/security key/);
      expect(words.remediation).toMatch(/only on one device/);
      expect(words.remediation).toMatch(/administrator/);
      expect(`${words.text} ${words.remediation}`).not.toMatch(/AAGUID|profile|attestation|backup eligib/i);
      // Refused by the server: nothing was added, and the page says nothing was.
      expect(await page.locator('li.passkey').count()).toBe(0);
      expect(await listPasskeys(server.ctx.db, tenant.id, user.id)).toHaveLength(0);
      expect(await tab.credentials(synced)).toHaveLength(1);

      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect({ colorScheme, findings: await runAxe(page) }).toEqual({ colorScheme, findings: [] });
        await page.screenshot({ path: `/tmp/signet-profile-refusal-${colorScheme}.png`, fullPage: true });
      }
      await page.emulateMedia({ colorScheme: null });
      await tab.removeAuthenticator(synced);
    },
    STEP,
  );

  it(
    'then adds a device-bound security key, as the message suggests; the page lists it as device-bound',
    async () => {
      const { page } = tab;
      await tab.addAuthenticator({ transport: 'usb' });
      await page.locator('#new-name').fill('Security key');
      await page.locator('#add-passkey').click();
      await page.waitForURL(/\/account\?done=added$/, { timeout: 20_000 });
      expect(await text(page, '#notice')).toBe('The passkey was added.');
      expect(await text(page, '.passkey-name')).toBe('Security key');
      expect(await text(page, 'li.passkey dd:nth-of-type(2)')).toBe('Device-bound');
      expect(await listPasskeys(server.ctx.db, tenant.id, user.id)).toHaveLength(1);
    },
    STEP,
  );

  it('no page logged an uncaught error or a CSP violation (the refusal’s 403 aside)', () => {
    expect(
      problems.filter((p) => !/^Failed to load resource: the server responded with a status of 403/.test(p.text)),
    ).toEqual([]);
  });
});
