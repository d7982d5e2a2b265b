// The sign-in page in Chromium (SQLite) while the tenant's Temporary Access Pass method is off: no pass form, the
// page's script still starts (its passkey-only button appears, no script error or CSP violation), the password
// form still signs in, an empty password is asked for in its own words with script and without, and axe-core
// finds nothing on the page in light or dark mode.
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem, runAxe } from '../support/browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

describe('the sign-in page with the TAP method off (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let user: User;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];
  const password = `Tr0ub4dor-${randomBytes(4).toString('hex')}`;

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  async function tab() {
    const context = await browser.newContext();
    contexts.push(context);
    return (await openTab(context, problems)).page;
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'tapoff', displayName: 'No Pass Inc' });
    await updateMethodConfiguration(server.ctx, tenant, localOperator(tenant.id), 'TemporaryAccessPass', {
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      state: 'disabled',
    });
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'ivy@tapoff.example' });
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
    'has no pass form, its script starts, the password signs in, and it is axe-clean in both schemes',
    async () => {
      const page = await tab();
      await page.goto(at('/signin'));
      await page.waitForLoadState('load');
      expect(await page.locator('#tap-form').count()).toBe(0);
      expect(await page.getByText('Temporary Access Pass').count()).toBe(0);
      // Only the started script shows this button: signin.js ran to the end without the pass form.
      await expect.poll(() => page.locator('#passkey-any').isVisible()).toBe(true);
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect({ colorScheme, findings: await runAxe(page) }).toEqual({ colorScheme, findings: [] });
      }
      await page.emulateMedia({ colorScheme: null });
      await page.locator('#password-username').fill(user.userPrincipalName);
      await page.getByRole('button', { name: 'Sign in with your password' }).click();
      await expect.poll(() => page.locator('#status .status-text').textContent()).toBe('Enter your password.');
      await page.locator('#password').fill(password);
      await page.getByRole('button', { name: 'Sign in with your password' }).click();
      await page.waitForURL(at('/account'));
      // The empty password's 400 is the browser's own console line; nothing else.
      expect(
        problems.filter((p) => !/^Failed to load resource: the server responded with a status of 400/.test(p.text)),
      ).toEqual([]);
    },
    STEP,
  );

  it(
    'without script: no pass form, the notice points to the password, an empty password is asked for in words',
    async () => {
      // A plain page: openTab's listeners need script (as in no-script.test.ts).
      const context = await browser.newContext({ javaScriptEnabled: false });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(at('/signin'));
      expect(await page.locator('#tap-form').count()).toBe(0);
      expect(await page.locator('#noscript-notice').textContent()).toBe(
        'Passkeys need JavaScript, which is turned off in this browser. Turn it on to use a passkey, or sign in with your password below.',
      );
      await page.locator('#password-username').fill(user.userPrincipalName);
      await page.locator('#password').press('Enter');
      await page.waitForLoadState('load');
      expect(await page.locator('#status .status-text').textContent()).toBe('Enter your password.');
      expect(await page.locator('#status .status-code').textContent()).toBe('Error code: REQUEST_INVALID');
      expect(await page.locator('#password-username').inputValue()).toBe(user.userPrincipalName);
    },
    STEP,
  );
});
