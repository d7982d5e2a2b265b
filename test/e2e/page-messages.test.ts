// What a person reads when something goes wrong on a page with its script running (Chromium, SQLite): plain
// sentences from src/web/messages.ts, never a library code or a DOMException's text; the catalogue code in
// small print where there is one.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { launchChromium, openTab, type PageProblem, type Tab } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;
/** What must never reach the person: library codes, exception names and their texts. */
const RAW =
  /ERROR_[A-Z_]+|DOMException|NotAllowedError|InvalidStateError|The operation either timed out|API documentation/;

describe('messages on the pages (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  const status = async (page: Page) => ((await page.locator('#status').textContent()) ?? '').replace(/\s+/g, ' ');

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    contexts.push(context);
    return openTab(context, problems);
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'words', displayName: 'Words Inc' });
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    'says "Enter your username" for an empty username, and the catalogue words with the code for a wrong pass',
    async () => {
      const { page } = await newTab();
      await page.goto(at('/signin'));
      await page.waitForLoadState('load');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await expect.poll(() => status(page)).toBe('Enter your username.Error code: REQUEST_INVALID');

      await page.locator('#tap-username').fill('nobody@words.example');
      await page.locator('#tap').fill('wrong-pass-0000');
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await expect.poll(() => status(page)).toContain('The Temporary Access Pass is not valid for this account.');
      expect(await page.locator('#status .status-code').textContent()).toBe('Error code: TAP_INVALID');
      expect(await status(page)).not.toMatch(RAW);
    },
    STEP,
  );

  it(
    'answers a closed or timed-out passkey prompt with a calm sentence, not the DOMException',
    async () => {
      const t = await newTab();
      // An authenticator with no passkey for this site: the browser's request ends with NotAllowedError.
      await t.addAuthenticator({ transport: 'usb' });
      await t.page.goto(at('/signin'));
      await t.page.waitForLoadState('load');
      await t.page.getByRole('button', { name: 'Use a passkey from another device or a security key' }).click();
      await expect
        .poll(() => status(t.page), { timeout: 20_000 })
        .toBe('The passkey request was closed or timed out, so nothing changed.When you are ready, try again.');
      expect(await t.page.locator('#status').getAttribute('class')).toBe('info');
    },
    STEP,
  );

  it(
    'says "This device already has a passkey for your account" and that a blank name is empty',
    async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: 'ivy@words.example' });
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const t = await newTab();
      const { page } = t;
      await page.goto(at('/signin'));
      await page.locator('#tap-username').fill(user.userPrincipalName);
      await page.locator('#tap').fill(pass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(/\/account$/);

      await t.addAuthenticator({ transport: 'internal' });
      await page.locator('#add-passkey').click();
      await expect.poll(() => page.locator('li.passkey').count()).toBe(1);
      await page.waitForLoadState('load');

      // The same authenticator again: the browser refuses (the passkey is in excludeCredentials).
      await page.locator('#add-passkey').click();
      await expect
        .poll(() => status(page), { timeout: 20_000 })
        .toBe(
          'This device already has a passkey for your account.Use that passkey to sign in, or add a passkey on another device or security key.Error code: PASSKEY_ALREADY_REGISTERED',
        );

      await page.locator('.rename-form input[name="displayName"]').fill(' ');
      await page.getByRole('button', { name: 'Rename' }).click();
      await expect
        .poll(() => status(page))
        .toBe('The name is empty. Enter a name for the passkey.Error code: PASSKEY_NAME_INVALID');
      expect(await status(page)).not.toMatch(RAW);
    },
    STEP,
  );

  it(
    'says a typed wrong username with a real passkey is "not for the account you entered", never "remove this passkey"',
    async () => {
      const lee = await createUser(server.ctx, tenant, { userPrincipalName: 'lee@words.example' });
      await createUser(server.ctx, tenant, { userPrincipalName: 'zoe@words.example' });
      const { pass } = await issueTap(server.ctx, tenant, lee, { oneTime: true, actor: { type: 'system', id: null } });
      const t = await newTab();
      const { page } = t;
      await page.goto(at('/signin'));
      await page.locator('#tap-username').fill(lee.userPrincipalName);
      await page.locator('#tap').fill(pass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(/\/account$/);
      // A security key (no autofill in Chromium without a platform authenticator): only the buttons ask for it.
      await t.addAuthenticator({ transport: 'usb' });
      await page.locator('#add-passkey').click();
      await expect.poll(() => page.locator('li.passkey').count(), { timeout: 15_000 }).toBe(1);
      await page.waitForLoadState('load');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/signin$/);

      // A typo, then another person's real name: the key offers Lee's passkey both times, and both answer alike.
      for (const typed of ['lee@word.example', 'zoe@words.example']) {
        await page.locator('#username').fill(typed);
        const verified = page.waitForResponse((r) => r.url().endsWith('/signin/passkey/verify'));
        await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
        expect((await verified).status(), typed).toBe(401);
        await expect
          .poll(() => status(page), { timeout: 20_000 })
          .toBe(
            'This passkey is not for the account you entered.Check the username you typed, or choose a passkey of that account. To sign in with whichever passkey your device offers, use "Use a passkey from another device or a security key" instead.Error code: SIGNIN_PASSKEY_NOT_FOR_ACCOUNT',
          );
        expect(await page.locator('#status .status-code').textContent()).toBe(
          'Error code: SIGNIN_PASSKEY_NOT_FOR_ACCOUNT',
        );
        expect(await status(page)).not.toMatch(/remove this passkey|signature/i);
        expect(await status(page)).not.toMatch(RAW);
        expect(page.url()).toMatch(/\/signin$/);
      }

      // The passkey was good all along: the button the words name signs Lee in with it.
      await page.getByRole('button', { name: 'Use a passkey from another device or a security key' }).click();
      await page.waitForURL(/\/account$/, { timeout: 20_000 });
      expect(((await page.locator('#who').textContent()) ?? '').trim()).toBe(lee.userPrincipalName);
    },
    STEP,
  );

  it('no page logged an uncaught error or a CSP violation', () => {
    expect(
      problems.filter((p) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(p.text)),
    ).toEqual([]);
  });
});
