// The whole story of issue 3 in Debian's Chromium with CDP virtual authenticators, against a real Signet
// server on SQLite (the embedded default): a Temporary Access Pass, a platform passkey, autofill sign-in, a USB
// security key username-first, managing passkeys with the 5-minute fresh-sign-in rule, and an OIDC relying
// party (openid-client) receiving an ID token that says "signed in with a passkey". No page may log an error.

import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem, type Tab } from '../support/browser.ts';
import { isAt } from '../support/browserless.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

/** The text a person reads in an element (the pages hide nothing with CSS, so the DOM text is what is shown). */
async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

describe('passkey story in Chromium (SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  let admin: User;
  let adminPass: string;
  const contexts: BrowserContext[] = [];
  const problems: PageProblem[] = [];
  /** Responses a step causes on purpose; Chromium logs every 4xx as "Failed to load resource". */
  const expectedFailures: { url: RegExp; status: number }[] = [];
  /** The admin's browser: one tab, one platform authenticator. */
  let tab: Tab;
  let platform: string;

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  const accountUrl = () => new RegExp(`/${tenant.slug}/account$`);
  const signInUrl = () => new RegExp(`/${tenant.slug}/signin(\\?|$)`);

  async function newTab(): Promise<Tab> {
    const context = await browser.newContext();
    contexts.push(context);
    return openTab(context, problems);
  }

  /** Waits until the page's autofill request (conditional mediation) has ended, and returns how it ended. */
  async function autofillOutcome(t: Tab): Promise<string> {
    let outcome = 'not started';
    await expect
      .poll(
        async () => {
          const call = (await t.getCalls()).find((c) => c.mediation === 'conditional');
          outcome = call?.outcome ?? 'not started';
          return outcome !== 'not started' && outcome !== 'pending';
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(true);
    return outcome;
  }

  /** Clicks "Sign out" (a form POST to /{slug}/signout), which ends the session and goes to the sign-in page. */
  async function signOut(page: Page): Promise<void> {
    const response = page.waitForResponse((r) => new URL(r.url()).pathname === `/${tenant.slug}/signout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    const r = await response;
    expect({ status: r.status(), body: r.status() === 303 ? '' : await r.text() }).toEqual({ status: 303, body: '' });
    expect(r.headers().location).toBe(`/${tenant.slug}/signin`);
  }

  /** Polls until `check` holds; on timeout, says where the page is and what it shows (a flaky step explains itself). */
  async function until(page: Page, what: string, check: () => Promise<boolean> | boolean, timeout = 15_000) {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = await page
      .locator('#status')
      .textContent()
      .catch(() => '(no status)');
    throw new Error(
      `${what} did not happen; page at ${page.url()}, status "${status}", last visits ${tab.visited.slice(-4).join(' ')}`,
    );
  }

  /**
   * The passkey list as the person reads it, taken in one snapshot of the DOM: a page that reloads between
   * reading one row and the next cannot leave the test waiting on a row that is gone.
   */
  async function passkeyItems(page: Page) {
    try {
      return await page.$$eval('li.passkey', (items) =>
        items.map((li) => {
          const read = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
          const dd = li.querySelectorAll('dd');
          return {
            name: read(li.querySelector('.passkey-name')),
            model: read(dd[0]),
            type: read(dd[1]),
            created: read(dd[2]),
            lastUsed: read(dd[3]),
          };
        }),
      );
    } catch {
      return []; // the page was navigating: nothing to read yet
    }
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    admin = init.admin;
    adminPass = init.tap!.pass;
    browser = await launchChromium();
    tab = await newTab();
    platform = await tab.addAuthenticator({ transport: 'internal' });
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  it(
    '1. the admin is sent to sign-in, autofill fails silently, and the Temporary Access Pass signs them in',
    async () => {
      const { page } = tab;
      await page.goto(at('/account'));
      await expect.poll(() => page.url()).toMatch(signInUrl());
      expect(new URL(page.url()).searchParams.get('return')).toBe(`/${tenant.slug}/account`);
      await expect.poll(() => text(page.getByRole('heading', { level: 1 }))).toBe('Sign in to Signet');
      expect(await page.locator('#username').getAttribute('autocomplete')).toBe('username webauthn');

      // The platform authenticator holds no credential yet: the autofill request ends on its own, unseen.
      expect(await autofillOutcome(tab)).toBe('NotAllowedError');
      expect(await text(page.locator('#status'))).toBe('');
      await page.screenshot({ path: '/tmp/signet-signin.png', fullPage: true });

      // The forms post to routes that work without script too: a pass can never end up in the address.
      for (const form of ['#passkey-form', '#tap-form']) {
        expect(await page.locator(form).getAttribute('method')).toBe('post');
        expect(await page.locator(form).getAttribute('action')).toMatch(new RegExp(`^/${tenant.slug}/signin/`));
      }
      await page.locator('#tap-username').fill(admin.userPrincipalName);
      await page.locator('#tap').fill(adminPass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(accountUrl());
      expect(tab.visited.filter((u) => u.includes(adminPass) || u.includes('pass='))).toEqual([]);
      await expect.poll(() => text(page.getByRole('heading', { level: 1 }))).toBe('Security info');
      expect(await text(page.locator('#who'))).toBe('admin@signet.local');
      expect(await text(page.locator('#no-passkeys'))).toContain('You have no passkeys yet');
      expect(await page.locator('li.passkey').count()).toBe(0);
    },
    STEP,
  );

  it(
    '2. registers a passkey with the platform authenticator; it is listed as device-bound, never used',
    async () => {
      const { page } = tab;
      await page.locator('#new-name').fill('My laptop');
      await page.locator('#add-passkey').click();
      await expect.poll(() => page.locator('li.passkey').count(), { timeout: 15_000 }).toBe(1);
      await expect(page.locator('#no-passkeys').count()).resolves.toBe(0);
      const [p] = await passkeyItems(page);
      expect(p.name).toBe('My laptop');
      expect(p.model).not.toBe('');
      expect(p.type).toBe('Device-bound');
      expect(p.created).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
      expect(p.lastUsed).toBe('Never');
      expect(await tab.credentials(platform)).toHaveLength(1);
      await page.screenshot({ path: '/tmp/signet-account.png', fullPage: true });
    },
    STEP,
  );

  it(
    '3. signs out, and autofill signs them back in as the sign-in page loads; last used is now set',
    async () => {
      const { page } = tab;
      const before = tab.visited.length;
      await signOut(page);
      // The sign-in page starts conditional mediation on load; the authenticator answers at once.
      await expect
        .poll(() => tab.visited.slice(before).some((u) => signInUrl().test(new URL(u).pathname + new URL(u).search)))
        .toBe(true);
      await page.waitForURL(accountUrl(), { timeout: 20_000 });
      expect(await text(page.locator('#who'))).toBe('admin@signet.local');
      const [p] = await passkeyItems(page);
      expect(p.name).toBe('My laptop');
      expect(p.lastUsed).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
      const used = await page.locator('li.passkey dd time').nth(1).getAttribute('datetime');
      expect(Math.abs(Date.parse(used!) - server.ctx.now())).toBeLessThan(60_000);
    },
    STEP,
  );

  it(
    '4. a second user registers a USB security key and signs in username-first with it',
    async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: 'kim@signet.local' });
      const pass = (await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } }))
        .pass;
      const t = await newTab();
      const { page } = t;

      // No authenticator at all yet: sign in with the pass (which cancels any autofill request).
      await page.goto(at('/signin'));
      await page.locator('#tap-username').fill(user.userPrincipalName);
      await page.locator('#tap').fill(pass);
      await page.getByRole('button', { name: 'Sign in with the pass' }).click();
      await page.waitForURL(accountUrl());
      expect(await text(page.locator('#who'))).toBe('kim@signet.local');

      // The security key is plugged in once the account page is shown.
      await t.addAuthenticator({ transport: 'usb' });
      await page.locator('#new-name').fill('YubiKey');
      await page.locator('#add-passkey').click();
      await expect.poll(() => page.locator('li.passkey').count(), { timeout: 15_000 }).toBe(1);
      const [p] = await passkeyItems(page);
      expect(p.name).toBe('YubiKey');
      expect(p.type).toBe('Device-bound');
      expect(p.lastUsed).toBe('Never');

      // Only a roaming security key in this browser: the autofill on the sign-in page has nothing to offer, so
      // the page waits for the person (Chromium does not even start conditional mediation without a platform
      // authenticator; should it, the request must not sign anyone in).
      await signOut(page);
      await page.waitForURL(signInUrl());
      await page.waitForTimeout(2_500);
      expect(page.url()).toMatch(signInUrl());
      expect(await text(page.locator('#status'))).toBe('');
      expect((await t.getCalls()).filter((c) => c.outcome === 'resolved')).toEqual([]);

      await page.locator('#username').fill('kim@signet.local');
      const usernameFirst = page.waitForRequest(
        (r) => r.url().endsWith('/signin/passkey/options') && r.postDataJSON()?.username === 'kim@signet.local',
      );
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await usernameFirst;
      await page.waitForURL(accountUrl(), { timeout: 20_000 });
      expect(await text(page.locator('#who'))).toBe('kim@signet.local');
      const [after] = await passkeyItems(page);
      expect(after.lastUsed).not.toBe('Never');
    },
    STEP,
  );

  it(
    '5. renames and deletes a passkey; adding one after 5 minutes asks for a fresh sign-in first',
    async () => {
      const { page } = tab;
      await page.goto(at('/account'));
      await page.waitForURL(accountUrl());
      const item = page.locator('li.passkey').first();
      await item.locator('.rename-form input[name="displayName"]').fill('Work laptop');
      await item.locator('.rename-form').getByRole('button', { name: 'Rename' }).click();
      await expect.poll(async () => (await passkeyItems(page)).map((p) => p.name)).toEqual(['Work laptop']);
      await page.waitForLoadState('load');

      // The last strong sign-in is now more than 5 minutes old: the options call answers 401, the page moves on.
      expectedFailures.push({ url: /\/account\/passkeys\/options$/, status: 401 });
      server.clock.offsetMs += 6 * 60 * 1000;
      const before = tab.visited.length;
      await page.locator('#add-passkey').click();
      await until(page, 'the step-up redirect to sign-in', () =>
        tab.visited.slice(before).some((u) => {
          const url = new URL(u);
          return url.pathname === `/${tenant.slug}/signin` && url.searchParams.get('reauth') === '1';
        }),
      );
      // The sign-in page asked again; autofill answered with the passkey and brought the admin back.
      await page.waitForURL(accountUrl(), { timeout: 20_000 });
      expect(await page.locator('li.passkey').count()).toBe(1);

      // A second authenticator (the first one holds an excluded credential), this one a synced passkey.
      await tab.removeAuthenticator(platform);
      platform = await tab.addAuthenticator({ transport: 'internal', synced: true });
      await page.locator('#new-name').fill('Phone');
      await page.locator('#add-passkey').click();
      await until(page, 'the second passkey in the list', async () => (await page.locator('li.passkey').count()) === 2);
      const both = await passkeyItems(page);
      expect(both.map((p) => [p.name, p.type]).sort()).toEqual([
        ['Phone', 'Synced'],
        ['Work laptop', 'Device-bound'],
      ]);

      // The list can show before the reloaded page's scripts have run; click only once they have.
      await page.waitForLoadState('load');
      page.once('dialog', (d) => {
        expect(d.type()).toBe('confirm');
        void d.accept();
      });
      await page.locator('li.passkey', { hasText: 'Work laptop' }).locator('.delete').click();
      await until(page, 'the deletion of Work laptop', async () => {
        const names = (await passkeyItems(page)).map((p) => p.name);
        return names.length === 1 && names[0] === 'Phone';
      });
    },
    STEP,
  );

  it(
    '6. an OIDC app signs the admin in with the passkey and receives an ID token that says so',
    async () => {
      const redirectUri = `${server.url}/callback-test`;
      const { app } = await createApp(server.ctx, tenant, {
        name: 'Story app',
        redirectUris: [redirectUri],
        publicClient: true,
      });
      const issuer = `${server.url}/${tenant.id}/v2.0`;
      const config = await oidc.discovery(new URL(issuer), app.id, undefined, oidc.None(), {
        execute: [oidc.allowInsecureRequests],
      });
      expect(config.serverMetadata().issuer).toBe(issuer);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const authorizationUrl = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      });

      // No Signet session in this browser any more, so that the app's request goes through the sign-in page.
      const { page } = tab;
      await page.context().clearCookies();

      // The callback is any path on the server: the browser shows a 404 there and the test reads the URL.
      expectedFailures.push({ url: /\/callback-test\?/, status: 404 });
      const before = tab.visited.length;
      await page.goto(authorizationUrl.href);
      // The sign-in page (the provider's interaction) signs in through autofill, then the app gets its code.
      await page.waitForURL((u) => isAt(u.href, redirectUri), { timeout: 20_000 });
      expect(tab.visited.slice(before).some((u) => new URL(u).pathname === `/${tenant.slug}/signin`)).toBe(true);
      const callback = new URL(page.url());
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(callback.searchParams.get('state')).toBe(state);

      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      const claims = tokens.claims()!;
      expect(claims.iss).toBe(issuer);
      expect(claims.aud).toBe(app.id);
      expect(claims.sub).toBe(admin.id);
      expect(claims.oid).toBe(admin.id);
      expect(claims.tid).toBe(tenant.id);
      expect(claims.preferred_username).toBe('admin@signet.local');
      expect(claims.amr).toEqual(expect.arrayContaining(['fido', 'mfa']));
      expect(typeof claims.auth_time).toBe('number');
      expect(Math.abs(claims.auth_time! * 1000 - server.ctx.now())).toBeLessThan(60_000);

      // A code is good for one exchange only.
      await expect(
        oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }),
      ).rejects.toMatchObject({ error: 'invalid_grant' });
    },
    STEP,
  );

  it('7. no page logged a console error, an uncaught error or a CSP violation', () => {
    const unexpected = problems.filter((p) => {
      const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(p.text)?.[1];
      return !(
        p.kind === 'console' &&
        status &&
        expectedFailures.some((e) => e.status === Number(status) && e.url.test(p.url))
      );
    });
    expect(unexpected).toEqual([]);
  });
});
