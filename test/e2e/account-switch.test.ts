// Two people, one browser, one app (issue: switching accounts burnt the second user's pass). A signs in to the
// app with a Temporary Access Pass and signs out; B signs in with their own one-time pass and stays signed in.
// Then the harder case: the provider still holds A's session when B signs in, so oidc-provider logs A out by
// itself (an auto-submitted form) before finishing B's sign-in. Debian's Chromium, a real server on SQLite.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { tokenId } from '../../src/flows/context.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { revokeSession } from '../../src/store/sessions.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem, type Tab } from '../support/browser.ts';
import { isAt } from '../support/browserless.ts';
import { callbackServer, type RelyingParty, relyingParty } from '../support/oidc-browser.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

interface Person {
  user: User;
  pass: string;
}

describe('switching accounts in one browser (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let rp: RelyingParty;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];

  async function person(name: string): Promise<Person> {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: `${name}@example.com` });
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
    return { user, pass };
  }

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    contexts.push(context);
    return openTab(context, problems);
  }

  const onSignIn = (page: Page) => new URL(page.url()).pathname === `/${tenant.slug}/signin`;

  /** The app sends the browser to Signet; it signs in with the pass when asked; the app redeems its code. */
  async function signInToApp(tab: Tab, who: Person | undefined): Promise<{ sub: string; sawSignIn: boolean }> {
    const { page } = tab;
    const flow = await rp.begin();
    const before = tab.visited.length;
    await page.goto(flow.url);
    await page.waitForURL((u) => isAt(u.href, rp.redirectUri) || u.pathname === `/${tenant.slug}/signin`);
    const sawSignIn = onSignIn(page);
    if (sawSignIn) {
      if (!who) throw new Error('asked to sign in again');
      await page.locator('#tap-username').fill(who.user.userPrincipalName);
      await page.locator('#tap').fill(who.pass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
    }
    try {
      await page.waitForURL((u) => isAt(u.href, rp.redirectUri), { timeout: 20_000 });
    } catch {
      const body = ((await page.locator('body').textContent()) ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
      throw new Error(`no callback: at ${page.url()} showing "${body}"; went ${tab.visited.slice(before).join(' → ')}`);
    }
    const tokens = await flow.finish(page.url());
    return { sub: tokens.claims()!.sub, sawSignIn };
  }

  async function signedInAs(page: Page): Promise<string | null> {
    await page.goto(`${server.url}/${tenant.slug}/account`);
    if (new URL(page.url()).pathname !== `/${tenant.slug}/account`) return null;
    return ((await page.locator('#who').textContent()) ?? '').trim();
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = (await initInstance(server.ctx)).tenant;
    const cb = await callbackServer();
    const { app } = await createApp(server.ctx, tenant, {
      name: 'Shared-computer app',
      redirectUris: [cb.redirectUri],
      publicClient: true,
    });
    rp = await relyingParty(`${server.url}/${tenant.id}/v2.0`, app.id, cb.redirectUri, cb.server);
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await rp?.close();
    await server?.close();
  });

  it(
    'A signs in to the app and signs out; B signs in with a one-time pass and stays signed in',
    async () => {
      const [a, b] = [await person('ann'), await person('bob')];
      const tab = await newTab();
      expect(await signInToApp(tab, a)).toEqual({ sub: a.user.id, sawSignIn: true });
      await tab.page.goto(`${server.url}/${tenant.slug}/account`);
      await tab.page.getByRole('button', { name: 'Sign out' }).click();
      await tab.page.waitForURL((u) => u.pathname === `/${tenant.slug}/signin`);

      expect(await signInToApp(tab, b)).toEqual({ sub: b.user.id, sawSignIn: true });
      expect(await signedInAs(tab.page)).toBe(b.user.userPrincipalName);
      // B's pass was one-time and is spent: the app's next sign-in needs none.
      expect(await signInToApp(tab, undefined)).toEqual({ sub: b.user.id, sawSignIn: false });
    },
    STEP,
  );

  it(
    'B signs in while the provider still holds A’s session: its own logout of A leaves B signed in',
    async () => {
      const [a, b] = [await person('cat'), await person('dan')];
      const tab = await newTab();
      expect(await signInToApp(tab, a)).toEqual({ sub: a.user.id, sawSignIn: true });
      // A's Signet session ends without a sign-out in this browser (it expired, or an admin revoked it).
      const cookie = (await tab.page.context().cookies()).find((c) => c.name.startsWith('signet-sid-'))!;
      await revokeSession(server.ctx.db, tenant.id, tokenId(cookie.value), server.ctx.now());

      const posted: string[] = [];
      tab.page.on('request', (r) => {
        if (r.method() === 'POST') posted.push(new URL(r.url()).pathname);
      });
      expect(await signInToApp(tab, b)).toEqual({ sub: b.user.id, sawSignIn: true });
      // It went through the provider's own logout of A on the way (its auto-submitted form).
      expect(posted).toContain(`/${tenant.id}/oauth2/v2.0/logout/confirm`);
      expect(await signedInAs(tab.page)).toBe(b.user.userPrincipalName);
      expect(await signInToApp(tab, undefined)).toEqual({ sub: b.user.id, sawSignIn: false });
    },
    STEP,
  );

  it('no page logged a console error, an uncaught error or a CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
