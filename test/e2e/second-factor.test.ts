// The second-factor page and the authenticator app page in Chromium, light and dark: axe-core finds nothing on the
// page as it first is, with a refusal shown, with a code sent; a person types a wrong code, asks for an email code,
// types it and lands where they were going; sets up an authenticator app with its first code.
import { Secret } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/core/totp.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { mailerOf } from '../../src/flows/mailer.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { launchChromium, openTab, type PageProblem, runAxe } from '../support/browser.ts';
import { addEmail, addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';
import { sessionCookie } from '../support/otp-pages.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

describe('one-time code pages in Chromium (SQLite), light and dark', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];

  async function checkBothSchemes(page: Page, name: string) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      const findings = await runAxe(page);
      expect({ name, colorScheme, findings }).toEqual({ name, colorScheme, findings: [] });
    }
    await page.emulateMedia({ colorScheme: null });
  }

  /** Script errors and failed loads, but the refused form post (answered with its refusal's 401, by design). */
  const unexpected = () =>
    problems.filter((p) => !(p.url.endsWith('/signin/second-factor') && / status of 401 /.test(p.text)));

  /** A tab whose browser holds this session cookie. */
  async function tabWith(cookie: string) {
    const context = await browser.newContext();
    contexts.push(context);
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.url }]);
    return openTab(context, problems);
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
    browser = await launchChromium();
  }, STEP);
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    'finishes a password sign-in with an email code, after a wrong authenticator code',
    async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: 'dana@contoso.com' });
      await addTotp(server.ctx, tenant, user.id);
      await addEmail(server.ctx, tenant, user.id, 'dana@mail.example');
      const { cookie } = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
      const { page } = await tabWith(cookie);
      await page.goto(`${server.url}/contoso/signin/second-factor`);
      await expect.poll(() => page.locator('h1').textContent()).toBe('Verify it’s you');
      await checkBothSchemes(page, 'second-factor');

      await page.getByLabel('Code from your authenticator app').fill('000000');
      await page.locator('#totp-form').getByRole('button', { name: 'Verify' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toContain('Error code: OTP_CODE_INVALID');
      await checkBothSchemes(page, 'second-factor-refused');

      await page.getByRole('button', { name: 'Email me a code' }).click();
      await expect.poll(() => page.locator('#sent').textContent()).toContain('d•••@mail.example');
      await checkBothSchemes(page, 'second-factor-sent');
      const mail = mailerOf(server.ctx)
        .outbox!.filter((m) => m.to === 'dana@mail.example')
        .at(-1)!;
      const code = /is (\d{6})/.exec(mail.text)![1]!;
      await page.getByLabel('Code from the email').fill(code);
      await page.locator('#email-form').getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${server.url}/contoso/account`);
      expect(unexpected()).toEqual([]);
    },
    STEP,
  );

  it(
    'sets up an authenticator app with its first code; asks for a fresh sign-in when it is needed',
    async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: 'erin@contoso.com' });
      const { cookie } = await sessionCookie(server, tenant, user, { amr: ['tap', 'mfa'], strong: true });
      const { page } = await tabWith(cookie);
      await page.goto(`${server.url}/contoso/account/authenticator-app`);
      const key = (await page.locator('#totp-secret').textContent())!.replace(/ /g, '');
      await checkBothSchemes(page, 'authenticator-app');
      await page.getByLabel('Code from the app').fill(totpCodeAt(Secret.fromBase32(key).bytes, Date.now()));
      await page.getByLabel('Name for this app (optional)').fill('Work phone');
      await page.getByRole('button', { name: 'Add the authenticator app' }).click();
      await expect.poll(() => page.locator('#notice').textContent()).toContain('The authenticator app was added.');
      await expect.poll(() => page.locator('#apps').textContent()).toContain('Work phone');
      await checkBothSchemes(page, 'authenticator-app-added');

      const stale = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
      const other = await tabWith(stale.cookie);
      await other.page.goto(`${server.url}/contoso/account/authenticator-app`);
      await expect.poll(() => other.page.locator('#reauth').count()).toBe(1);
      await checkBothSchemes(other.page, 'authenticator-app-reauth');
      expect(unexpected()).toEqual([]);
    },
    STEP,
  );
});
