// What the account page says after a change made with its script running (Chromium, SQLite): the same
// confirmations as the forms without script ("The passkey was added/renamed/deleted."), and a question before a
// deletion that says plainly when the passkey is the last one.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { launchChromium, openTab, type PageProblem } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

describe('account page feedback with its script (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  const text = async (page: Page, selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'feedback', displayName: 'Feedback Co' });
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    'confirms adding, renaming and deleting, and asks before deleting the last passkey in words that say so',
    async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: 'kim@feedback.example' });
      const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
      const context = await browser.newContext();
      contexts.push(context);
      const tab = await openTab(context, problems);
      const { page } = tab;
      await page.goto(at('/signin'));
      await page.locator('#tap-username').fill(user.userPrincipalName);
      await page.locator('#tap').fill(pass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(/\/account$/);
      await page.waitForLoadState('load');

      await tab.addAuthenticator({ transport: 'internal' });
      await page.locator('#new-name').fill('Laptop');
      await page.locator('#add-passkey').click();
      await page.waitForURL(/\/account\?done=added$/, { timeout: 20_000 });
      expect(await text(page, '#notice')).toBe('The passkey was added.');
      expect(await text(page, '.passkey-name')).toBe('Laptop');

      await page.waitForLoadState('load');
      await page.locator('.rename-form input[name="displayName"]').fill('Work laptop');
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.waitForURL(/\/account\?done=renamed$/);
      expect(await text(page, '#notice')).toBe('The passkey was renamed.');
      expect(await text(page, '.passkey-name')).toBe('Work laptop');

      // The last passkey: the question says so; dismissing it changes nothing.
      await page.waitForLoadState('load');
      const questions: string[] = [];
      page.once('dialog', (d) => {
        questions.push(d.message());
        void d.dismiss();
      });
      await page.getByRole('button', { name: 'Delete Work laptop' }).click();
      await expect.poll(() => questions.length).toBe(1);
      expect(questions[0]).toContain('Delete passkey “Work laptop”?');
      expect(questions[0]).toContain('It is your only passkey');
      expect(questions[0]).toContain('Temporary Access Pass');
      expect(await page.locator('li.passkey').count()).toBe(1);

      page.once('dialog', (d) => {
        questions.push(d.message());
        void d.accept();
      });
      await page.getByRole('button', { name: 'Delete Work laptop' }).click();
      await page.waitForURL(/\/account\?done=deleted$/);
      expect(await text(page, '#notice')).toBe('The passkey was deleted.');
      expect(await page.locator('li.passkey').count()).toBe(0);
      expect(await text(page, '#no-passkeys')).toBe(
        'You have no passkeys yet. Add one to sign in with your face, fingerprint, PIN or security key.',
      );
    },
    STEP,
  );

  it('no page logged an uncaught error or a CSP violation', () => {
    expect(
      problems.filter((p) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(p.text)),
    ).toEqual([]);
  });
});
