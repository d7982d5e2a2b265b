// Password sign-in on the sign-in page in Chromium (SQLite): with the page's script (JSON, the refusal in place in
// plain words with the code in small print, the password field emptied) and without it (the form posts, the
// refusal comes back on the page with the username kept), and no password form while the method is off.
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

describe('password sign-in on the page (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];
  const password = `Tr0ub4dor-${randomBytes(4).toString('hex')}`;
  let user: User;

  const at = (path: string, t: Tenant = tenant) => `${server.url}/${t.slug}${path}`;
  async function tab(opts: { javaScriptEnabled: boolean }) {
    const context = await browser.newContext(opts);
    contexts.push(context);
    return (await openTab(context, problems)).page;
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'pwpage', displayName: 'Password Inc' });
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'ada@pwpage.example' });
    await savePasswordCredential(server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      hash: await hashPassword(password, randomBytes(16)),
      forceChangeNextSignIn: false,
      forceChangeWithMfa: false,
      createdAt: Date.now(),
    });
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    'signs in with the script: a wrong password is said in place, the right one goes to the account page',
    async () => {
      const page = await tab({ javaScriptEnabled: true });
      await page.goto(at('/signin'));
      await page.waitForLoadState('load');
      await page.locator('#password-username').fill(user.userPrincipalName);
      await page.locator('#password').fill(`${password}-not`);
      await page.getByRole('button', { name: 'Sign in with your password' }).click();
      const status = () => page.locator('#status').textContent();
      await expect.poll(status).toContain('The username or password is not right.');
      expect(await page.locator('#status .status-code').textContent()).toBe('Error code: SIGNIN_PASSWORD_INVALID');
      expect(await page.locator('#password').inputValue()).toBe('');
      await page.locator('#password').fill(password);
      await page.getByRole('button', { name: 'Sign in with your password' }).click();
      await page.waitForURL(at('/account'));
      // The refused call's 401 is the browser's own console line; nothing else (no CSP violation, no script error).
      expect(
        problems.filter((p) => !/^Failed to load resource: the server responded with a status of 401/.test(p.text)),
      ).toEqual([]);
    },
    STEP,
  );

  it(
    'signs in without script: the form posts, a refusal comes back on the page with the username kept',
    async () => {
      const page = await tab({ javaScriptEnabled: false });
      await page.goto(at('/signin'));
      await page.locator('#password-username').fill(user.userPrincipalName);
      await page.locator('#password').fill('Wrong-but-long-1');
      await page.getByRole('button', { name: 'Sign in with your password' }).click();
      await page.waitForLoadState('load');
      expect(await page.locator('#status').textContent()).toContain('The username or password is not right.');
      expect(await page.locator('#password-username').inputValue()).toBe(user.userPrincipalName);
      expect(await page.locator('#password').inputValue()).toBe('');
      expect(page.url()).not.toContain('Wrong-but-long-1');
      await page.locator('#password').fill(password);
      await page.getByRole('button', { name: 'Sign in with your password' }).click();
      await page.waitForURL(at('/account'));
    },
    STEP,
  );

  it(
    'offers no password form while the Password method is off',
    async () => {
      const off = await createTenant(server.ctx, { slug: 'nopw', displayName: 'Passwordless Inc' });
      await updateMethodConfiguration(server.ctx, off, localOperator(off.id), 'Password', {
        '@odata.type': '#microsoft.graph.passwordAuthenticationMethodConfiguration',
        state: 'disabled',
      });
      const page = await tab({ javaScriptEnabled: true });
      await page.goto(at('/signin', off));
      await page.waitForLoadState('load');
      expect(await page.locator('#password-form').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Sign in with the pass' }).count()).toBe(1);
    },
    STEP,
  );
});
