// The registration campaign in Chromium (issue 8): an app's sign-in with a Temporary Access Pass stops at "Set up
// a passkey" for a targeted user without one; "Not now" goes on to the app, with scripts and without; once the
// snoozes are spent only "Set up now" is left, which leads to the account page where a passkey is added, after
// which the browser is back at the app with a code (the app's sign-in request carried through), and the app's next
// sign-in goes straight through. axe-core finds nothing on the pages in light or dark mode.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updatePolicyRoot } from '../../src/flows/method-policy.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { saveCampaignSnooze } from '../../src/store/campaign-snoozes.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem, runAxe } from '../support/browser.ts';
import { isAt } from '../support/browserless.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;
const SHOTS = '/tmp/signet-a11y';

describe('the registration campaign in Chromium (SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let redirectUri: string;
  let appId: string;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer('sqlite');
    tenant = (await initInstance(server.ctx)).tenant;
    redirectUri = `${server.url}/cb-campaign`;
    appId = (
      await createApp(server.ctx, tenant, { name: 'Campaign app', redirectUris: [redirectUri], publicClient: true })
    ).app.id;
    await updatePolicyRoot(server.ctx, tenant, localOperator(tenant.id), {
      registrationEnforcement: {
        authenticationMethodsRegistrationCampaign: {
          state: 'enabled',
          snoozeDurationInDays: 1,
          enforceRegistrationAfterAllowedSnoozes: true,
        },
      },
    });
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  const authorizeUrl = () =>
    `${server.url}/${tenant.id}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: appId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;

  async function userWithPass(name: string): Promise<{ user: User; pass: string }> {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: `${name}@signet.local` });
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: { type: 'system', id: null } });
    return { user, pass };
  }

  /** The app's sign-in: the authorization request, then the pass on the sign-in page's form. */
  async function signInWithPass(page: Page, user: User, pass: string): Promise<void> {
    await page.goto(authorizeUrl());
    await page.locator('#tap-username').fill(user.userPrincipalName);
    await page.locator('#tap').fill(pass);
    await page.getByRole('button', { name: 'Sign in with the pass' }).click();
  }

  async function checkBothSchemes(page: Page, name: string): Promise<void> {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect({ name, colorScheme, findings: await runAxe(page) }).toEqual({ name, colorScheme, findings: [] });
      await page.screenshot({ path: `${SHOTS}/${name}-${colorScheme}.png`, fullPage: true });
    }
    await page.emulateMedia({ colorScheme: null });
  }

  const heading = (page: Page) => page.locator('h1').textContent();

  it(
    'asks a user without a passkey after the sign-in; "Not now" goes on to the app; the page is axe-clean',
    async () => {
      const context = await browser.newContext();
      contexts.push(context);
      const { page } = await openTab(context, problems);
      const { user, pass } = await userWithPass('ann');
      await signInWithPass(page, user, pass);
      await page.waitForURL(/\/signin\/campaign\?uid=/);
      expect(await heading(page)).toBe('Set up a passkey');
      expect(await page.locator('#campaign-later').textContent()).toBe(
        'If you choose “Not now”, you will be asked again in a day. You can postpone this 3 more times.',
      );
      await checkBothSchemes(page, 'campaign');
      await page.getByRole('button', { name: 'Not now' }).click();
      await page.waitForURL((u) => isAt(u.href, redirectUri));
      expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    },
    STEP,
  );

  it(
    'works without JavaScript: the question and "Not now" are plain forms',
    async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      contexts.push(context);
      const page = await context.newPage();
      const { user, pass } = await userWithPass('bo');
      await signInWithPass(page, user, pass);
      await page.waitForURL(/\/signin\/campaign\?uid=/);
      expect(await heading(page)).toBe('Set up a passkey');
      await page.getByRole('button', { name: 'Not now' }).click();
      await page.waitForURL((u) => isAt(u.href, redirectUri));
    },
    STEP,
  );

  it(
    'without JavaScript, "Set up now" then the account page’s way back returns to the question, and "Not now" to the app',
    async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      contexts.push(context);
      const page = await context.newPage();
      const { user, pass } = await userWithPass('dee');
      await signInWithPass(page, user, pass);
      await page.waitForURL(/\/signin\/campaign\?uid=/);
      const uid = new URL(page.url()).searchParams.get('uid');
      await page.getByRole('button', { name: 'Set up now' }).click();
      await page.waitForURL((u) => u.pathname === `/${tenant.slug}/account` && u.searchParams.get('continue') === uid);
      expect(await heading(page)).toBe('Security info');
      await page.getByRole('link', { name: 'Go back without adding one' }).click();
      await page.waitForURL(/\/signin\/campaign\?uid=/);
      await page.getByRole('button', { name: 'Not now' }).click();
      await page.waitForURL((u) => isAt(u.href, redirectUri));
      expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
    },
    STEP,
  );

  it(
    'once the snoozes are spent offers only "Set up now": the passkey is added, the app gets its code, and its next sign-in goes through',
    async () => {
      const context = await browser.newContext();
      contexts.push(context);
      const tab = await openTab(context, problems);
      const platform = await tab.addAuthenticator({ transport: 'internal' });
      const { page } = tab;
      const { user, pass } = await userWithPass('cy');
      await saveCampaignSnooze(
        server.ctx.db,
        tenant.id,
        user.id,
        undefined,
        { count: 3, until: server.ctx.now() - 1, sessionId: null },
        server.ctx.now(),
      );
      await signInWithPass(page, user, pass);
      await page.waitForURL(/\/signin\/campaign\?uid=/);
      expect(await page.locator('#campaign-required').textContent()).toContain('Set up a passkey to continue.');
      expect(await page.getByRole('button', { name: 'Not now' }).count()).toBe(0);
      await checkBothSchemes(page, 'campaign-required');
      // A new request from the app cannot step around the question while the session lives.
      await page.goto(authorizeUrl());
      await page.waitForURL(/\/signin\/campaign\?uid=/);
      await page.getByRole('button', { name: 'Set up now' }).click();
      // The account page, with the app's sign-in request to continue (an interaction id, nothing secret).
      await page.waitForURL(new RegExp(`/${tenant.slug}/account\\?continue=[A-Za-z0-9_-]+$`));
      expect(await page.locator('#continue-link').textContent()).toBe('Go back without adding one');
      await checkBothSchemes(page, 'account-from-campaign');
      await page.locator('#new-name').fill('Laptop');
      await page.locator('#add-passkey').click();
      // Back at the app with its answer, without another click.
      await page.waitForURL((u) => isAt(u.href, redirectUri), { timeout: 15_000 });
      expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
      expect(await tab.credentials(platform)).toHaveLength(1);
      const passkeys = await server.ctx.db
        .selectFrom('passkeys')
        .select('display_name')
        .where('user_id', '=', user.id)
        .execute();
      expect(passkeys.map((p) => p.display_name)).toEqual(['Laptop']);
      await page.goto(authorizeUrl());
      await page.waitForURL((u) => isAt(u.href, redirectUri));
    },
    STEP,
  );

  it('no page logged an error, besides the app’s callback (no app listens there)', () => {
    const unexpected = problems.filter((p) => !(p.url.includes('/cb-campaign') || p.page.includes('/cb-campaign')));
    expect(unexpected).toEqual([]);
  });
});
