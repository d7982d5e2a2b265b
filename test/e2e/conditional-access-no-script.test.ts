// FAILING (kept out of the tree): Conditional Access without JavaScript in Chromium (SQLite). The forms must work
// without script: a password sign-in through an app on another origin reaches the app, and on a page where the
// app's policy allows only a passkey, pressing the passkey button (which needs the script) never brings back the
// password or pass forms, nor advice to use them, and a step-up page stays one.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { launchChromium } from '../support/browser.ts';
import {
  type AppCallback,
  appClient,
  payrollAndWiki,
  personWithPassword,
  recordingCallback,
  text,
} from '../support/ca-browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

const STEP = 60_000;

describe('Conditional Access without JavaScript (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let callback: AppCallback;
  let payroll: Awaited<ReturnType<typeof appClient>>;
  let wiki: Awaited<ReturnType<typeof appClient>>;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  let n = 0;

  async function page(): Promise<Page> {
    const context = await browser.newContext({ javaScriptEnabled: false });
    contexts.push(context);
    const p = await context.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    return p;
  }
  const person = () => personWithPassword(server, tenant, `n${++n}@ca-noscript.example`);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'ca-noscript', displayName: 'Contoso CA' });
    // The apps answer on 127.0.0.1, another origin than Signet's (localhost), as real apps do.
    callback = await recordingCallback();
    const { payrollId, wikiId } = await payrollAndWiki(server, tenant, callback, {
      enforced: 'Payroll needs phishing-resistant MFA',
      reportOnly: 'Wiki block (report-only)',
    });
    payroll = await appClient(server, tenant, payrollId, callback);
    wiki = await appClient(server, tenant, wikiId, callback);
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await callback?.close();
    await server?.close();
  });

  it(
    'a password sign-in through an app on another origin reaches the app (no CSP form-action block)',
    async () => {
      const who = await person();
      const p = await page();
      const flow = await wiki.begin();
      await p.goto(flow.url);
      await p.locator('#password-username').fill(who.user.userPrincipalName);
      await p.locator('#password').fill(who.password);
      await p.getByRole('button', { name: 'Sign in with your password' }).click();
      await p.waitForURL((u) => callback.isApp(u), { timeout: 10_000 }).catch(() => {});
      expect({ at: p.url(), errors: consoleErrors }).toEqual({
        at: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/),
        errors: [],
      });
      expect((await flow.finish(p.url())).claims()!.sub).toBe(who.user.id);
    },
    STEP,
  );

  it(
    'the passkey-only page stays passkey-only after its passkey button is pressed without script',
    async () => {
      const p = await page();
      await p.goto((await payroll.begin()).url);
      expect(await p.locator('#password-form, #tap-form').count()).toBe(0);
      expect(await text(p.locator('body'))).not.toContain('Temporary Access Pass');
      await p.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await p.waitForLoadState('load');
      // Still the app's page: no password or pass form, no advice to use one.
      expect({
        forms: await p.locator('#password-form, #tap-form').count(),
        passwordFields: await p.locator('input[type="password"]').count(),
        advice: (await text(p.locator('body'))).includes('Temporary Access Pass below'),
      }).toEqual({ forms: 0, passwordFields: 0, advice: false });
    },
    STEP,
  );

  it(
    'the step-up page without script stays a passkey step after its button is pressed: the password is not asked again',
    async () => {
      const who = await person();
      // A passkey (registered without the browser: the page would need its script).
      const onboarding = await startSession(server.ctx, server.ctx.db, {
        tenantId: tenant.id,
        userId: who.user.id,
        method: 'temporaryAccessPass',
        facts: { tap: { oneTime: true } },
      });
      await finishPasskeyRegistration(server.ctx, tenant, onboarding.session, {
        credential: await new SoftAuthenticator().register(
          await beginPasskeyRegistration(server.ctx, tenant, onboarding.session),
          { origin: server.url },
        ),
      });
      const p = await page();
      // Signed in with the password on Signet's own page (no app: no cross-origin answer for the form to reach).
      await p.goto(`${server.url}/${tenant.slug}/signin`);
      await p.locator('#password-username').fill(who.user.userPrincipalName);
      await p.locator('#password').fill(who.password);
      await p.getByRole('button', { name: 'Sign in with your password' }).click();
      await p.waitForURL(`${server.url}/${tenant.slug}/account`);
      await p.goto((await payroll.begin()).url);
      expect(await text(p.getByRole('heading', { level: 1 }))).toBe('One more step to continue');
      await p.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await p.waitForLoadState('load');
      expect({
        heading: await text(p.getByRole('heading', { level: 1 })),
        username: await p.locator('#username').inputValue(),
        forms: await p.locator('#password-form, #tap-form').count(),
      }).toEqual({ heading: 'One more step to continue', username: who.user.userPrincipalName, forms: 0 });
    },
    STEP,
  );
});
