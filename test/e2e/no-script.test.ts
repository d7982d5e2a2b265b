// The pages when their scripts are off, blocked or broken (Chromium, SQLite): the forms post, a Temporary
// Access Pass still signs in (also inside an OIDC sign-in), renaming and deleting a passkey still work, the
// page says what needs the script, and a pass never appears in any URL the browser visits or requests.
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium } from '../support/browser.ts';
import { isAt } from '../support/browserless.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

const STEP = 60_000;

/** A context whose every URL (navigations and requests) and every request is recorded. */
interface Watched {
  context: BrowserContext;
  page: Page;
  urls: string[];
  requests: Request[];
}

describe('pages without their scripts (Chromium, SQLite)', () => {
  let server: TestServer;
  let browser: Browser;
  let tenant: Tenant;
  const contexts: BrowserContext[] = [];

  const at = (path: string) => `${server.url}/${tenant.slug}${path}`;
  const text = async (page: Page, selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

  /** The messages a person sees on the page now: the notices and the status area that are shown. */
  async function visibleMessages(page: Page): Promise<string[]> {
    const shown: string[] = [];
    for (const el of await page.locator('.notice, #status').all())
      if (await el.isVisible()) shown.push(((await el.textContent()) ?? '').replace(/\s+/g, ' ').trim());
    return shown;
  }

  async function watched(opts: { javaScriptEnabled: boolean }): Promise<Watched> {
    const context = await browser.newContext(opts);
    contexts.push(context);
    const page = await context.newPage();
    const urls: string[] = [];
    const requests: Request[] = [];
    page.on('framenavigated', (f) => urls.push(f.url()));
    context.on('request', (r) => {
      urls.push(r.url());
      requests.push(r);
    });
    return { context, page, urls, requests };
  }

  async function userWithPass(upn: string): Promise<{ user: User; pass: string }> {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: upn });
    const { pass } = await issueTap(server.ctx, tenant, user, {
      oneTime: false,
      lifetimeMinutes: 60,
      actor: { type: 'system', id: null },
    });
    return { user, pass };
  }

  /** The pass in no URL: not in a query, a path or a fragment, not even URL-encoded. */
  function expectPassInNoUrl(w: Watched, pass: string): void {
    const leaks = w.urls.filter((u) => u.includes(pass) || u.includes(encodeURIComponent(pass)) || /[?&]pass=/.test(u));
    expect(leaks).toEqual([]);
    expect(w.requests.filter((r) => r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/signin/tap'))).toEqual(
      [],
    );
  }

  async function signInWithPass(page: Page, username: string, pass: string): Promise<void> {
    await page.locator('#tap-username').fill(username);
    await page.locator('#tap').fill(pass);
    await page.locator('#tap').press('Enter');
  }

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    tenant = await createTenant(server.ctx, { slug: 'noscript', displayName: 'No Script Ltd' });
    browser = await launchChromium();
  }, STEP);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  describe('with JavaScript turned off', () => {
    it(
      'says passkeys need JavaScript, and signs in with a Temporary Access Pass posted by the form',
      async () => {
        const { user, pass } = await userWithPass('ana@noscript.example');
        const w = await watched({ javaScriptEnabled: false });
        const { page } = w;
        await page.goto(at('/account'));
        await page.waitForURL(/\/signin\?return=/);
        expect(await text(page, '#noscript-notice')).toContain('Passkeys need JavaScript, which is turned off');
        expect(await page.locator('#passkey-any').isVisible()).toBe(false);
        // The notice for a script that has not started stays hidden when scripts are off (noscript.css).
        await page.waitForTimeout(3_000);
        expect(await page.locator('#script-pending').isVisible()).toBe(false);

        const post = page.waitForRequest((r) => new URL(r.url()).pathname === `/${tenant.slug}/signin/tap`);
        await signInWithPass(page, user.userPrincipalName, pass);
        const tap = await post;
        expect(tap.method()).toBe('POST');
        expect(tap.postData()).toContain(`pass=${encodeURIComponent(pass)}`);
        await page.waitForURL(/\/account$/);
        expect(await text(page, 'h1')).toBe('Security info');
        expect(await text(page, '#who')).toBe(user.userPrincipalName);
        expectPassInNoUrl(w, pass);
      },
      STEP,
    );

    it(
      'shows the page again after a wrong pass: the message and code, the username kept, the pass not',
      async () => {
        const { user } = await userWithPass('ben@noscript.example');
        const w = await watched({ javaScriptEnabled: false });
        const { page } = w;
        await page.goto(at('/signin'));
        const wrong = 'NotThePass12345x';
        const answer = page.waitForResponse((r) => new URL(r.url()).pathname === `/${tenant.slug}/signin/tap`);
        await signInWithPass(page, user.userPrincipalName, wrong);
        expect((await answer).status()).toBe(401);
        await expect
          .poll(() => text(page, '#status'))
          .toContain('The Temporary Access Pass is not valid for this account.');
        expect(await text(page, '#status')).toContain('Error code: TAP_INVALID');
        expect(await page.locator('#tap-username').inputValue()).toBe(user.userPrincipalName);
        expect(await page.locator('#tap').inputValue()).toBe('');
        expect(await page.content()).not.toContain(wrong);
        expectPassInNoUrl(w, wrong);

        await page.locator('#tap-username').fill('');
        await page.locator('#tap').press('Enter');
        await expect.poll(() => text(page, '#status')).toContain('Enter your username.');
      },
      STEP,
    );

    it(
      'explains, when the passkey form is sent, that passkeys need JavaScript, and keeps the username',
      async () => {
        const w = await watched({ javaScriptEnabled: false });
        const { page } = w;
        await page.goto(at('/signin'));
        await page.locator('#username').fill('cleo@noscript.example');
        const answer = page.waitForResponse((r) => new URL(r.url()).pathname === `/${tenant.slug}/signin/passkey`);
        await page.locator('#username').press('Enter');
        await answer;
        await page.waitForLoadState('load');
        // One message, the one that knows JavaScript is off: not a second box saying "reload and try again".
        expect(await visibleMessages(page)).toEqual([
          'Passkeys need JavaScript, which is turned off in this browser. Turn it on to use a passkey, or sign in with a Temporary Access Pass below.',
        ]);
        expect(await page.locator('#noscript-notice').getAttribute('role')).toBe('alert');
        expect(await page.locator('#tap-username').inputValue()).toBe('cleo@noscript.example');
        expect(w.urls.filter((u) => u.includes('username='))).toEqual([]);
      },
      STEP,
    );

    it(
      'finishes an OIDC sign-in with a pass: the interaction travels in the form, the app gets its code',
      async () => {
        const { user, pass } = await userWithPass('dan@noscript.example');
        const redirectUri = `${server.url}/callback-noscript`;
        const { app } = await createApp(server.ctx, tenant, {
          name: 'No-script app',
          redirectUris: [redirectUri],
          publicClient: true,
        });
        const config = await oidc.discovery(
          new URL(`${server.url}/${tenant.id}/v2.0`),
          app.id,
          undefined,
          oidc.None(),
          {
            execute: [oidc.allowInsecureRequests],
          },
        );
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const url = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid profile',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        });
        const w = await watched({ javaScriptEnabled: false });
        const { page } = w;
        await page.goto(url.href);
        await page.waitForURL(/\/signin\?uid=/);
        const uid = new URL(page.url()).searchParams.get('uid');
        expect(await page.locator('#tap-form input[name="uid"]').getAttribute('value')).toBe(uid);
        await signInWithPass(page, user.userPrincipalName, pass);
        await page.waitForURL((u) => isAt(u.href, redirectUri));
        const callback = new URL(page.url());
        expect(callback.searchParams.get('state')).toBe(state);
        const tokens = await oidc.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: verifier,
          expectedState: state,
        });
        expect(tokens.claims()?.preferred_username).toBe(user.userPrincipalName);
        expectPassInNoUrl(w, pass);
      },
      STEP,
    );

    it(
      'renames and deletes a passkey with the account page’s forms, and says a blank name is empty',
      async () => {
        const { user, pass } = await userWithPass('eve@noscript.example');
        const { session } = await startSession(server.ctx, server.ctx.db, {
          tenantId: tenant.id,
          userId: user.id,
          method: 'temporaryAccessPass',
        });
        const credential = await new SoftAuthenticator().register(
          await beginPasskeyRegistration(server.ctx, tenant, session),
          { origin: server.url },
        );
        await finishPasskeyRegistration(server.ctx, tenant, session, { credential, name: 'Old key' });

        const { page } = await watched({ javaScriptEnabled: false });
        await page.goto(at('/signin'));
        await signInWithPass(page, user.userPrincipalName, pass);
        await page.waitForURL(/\/account$/);
        expect(await text(page, '#noscript-notice')).toContain('Adding a passkey needs JavaScript');

        await page.locator('.rename-form input[name="displayName"]').fill('  ');
        await page.getByRole('button', { name: 'Rename' }).click();
        await expect.poll(() => text(page, '#status')).toContain('The name is empty. Enter a name for the passkey.');
        expect(await text(page, '#status')).toContain('Error code: PASSKEY_NAME_INVALID');

        await page.locator('.rename-form input[name="displayName"]').fill('Travel key');
        await page.getByRole('button', { name: 'Rename' }).click();
        await page.waitForURL(/\/account\?done=renamed$/);
        expect(await text(page, '#notice')).toBe('The passkey was renamed.');
        expect(await text(page, '.passkey-name')).toBe('Travel key');

        await page.locator('#add-passkey').click();
        await page.waitForURL(/\/account\/passkeys\/add$/);
        expect(await visibleMessages(page)).toEqual([
          'Adding a passkey needs JavaScript, which is turned off in this browser. You can still rename and delete passkeys.',
        ]);

        // Delete asks first, and says plainly that this is the last passkey; Cancel keeps it.
        await page.getByRole('button', { name: 'Delete Travel key' }).click();
        await page.waitForURL(/\/account\/passkeys\/[0-9a-f-]+\/delete\??$/);
        expect(await text(page, 'h1')).toBe('Delete passkey “Travel key”?');
        expect(await text(page, '#last-passkey')).toContain('This is your only passkey.');
        expect(await text(page, '#last-passkey')).toContain('you will need a Temporary Access Pass');
        await page.getByRole('link', { name: 'Cancel, keep it' }).click();
        await page.waitForURL(/\/account$/);
        expect(await text(page, '.passkey-name')).toBe('Travel key');

        await page.getByRole('button', { name: 'Delete Travel key' }).click();
        await page.getByRole('button', { name: 'Delete “Travel key”' }).click();
        await page.waitForURL(/\/account\?done=deleted$/);
        expect(await text(page, '#notice')).toBe('The passkey was deleted.');
        expect(await page.locator('li.passkey').count()).toBe(0);
      },
      STEP,
    );
  });

  describe('with JavaScript on but the script blocked or broken', () => {
    it(
      'says so when signin.js is blocked, and the pass still signs in by a POST, never a GET',
      async () => {
        const { user, pass } = await userWithPass('fay@noscript.example');
        const w = await watched({ javaScriptEnabled: true });
        await w.context.route('**/static/signin.js', (r) => r.abort());
        const { page } = w;
        await page.goto(at('/signin'));
        await expect.poll(() => text(page, '#script-failed')).toContain('Part of this page did not load');
        // The button only the script answers is not offered.
        expect(await page.locator('#passkey-any').isVisible()).toBe(false);
        await signInWithPass(page, user.userPrincipalName, pass);
        await page.waitForURL(/\/account$/);
        expect(await text(page, '#who')).toBe(user.userPrincipalName);
        expectPassInNoUrl(w, pass);
      },
      STEP,
    );

    it(
      'shows the notice a few seconds after load when every script is blocked, and the passkey form explains',
      async () => {
        const w = await watched({ javaScriptEnabled: true });
        await w.context.route('**/*.js', (r) => r.abort());
        const { page } = w;
        await page.goto(at('/signin'));
        expect(await page.locator('#script-pending').isVisible()).toBe(false);
        await expect.poll(() => page.locator('#script-pending').isVisible(), { timeout: 6_000 }).toBe(true);
        expect(await text(page, '#script-pending')).toContain('script has not started');
        expect(await page.locator('#passkey-any').isVisible()).toBe(false);
        await page.locator('#username').fill('gus@noscript.example');
        await page.locator('#username').press('Enter');
        await expect.poll(() => text(page, '#status')).toContain('Signing in with a passkey needs this page’s script');
        // The server's message, and not the "has not started" notice as well a few seconds later.
        await page.waitForTimeout(3_000);
        expect(await visibleMessages(page)).toEqual([
          expect.stringContaining('Signing in with a passkey needs this page’s script'),
        ]);
        expect(w.urls.filter((u) => u.includes('username='))).toEqual([]);
      },
      STEP,
    );

    it(
      'on the account page, says that renaming and deleting still work when the WebAuthn library is blocked',
      async () => {
        const { user, pass } = await userWithPass('ida@noscript.example');
        const w = await watched({ javaScriptEnabled: true });
        const { page } = w;
        await page.goto(at('/signin'));
        await signInWithPass(page, user.userPrincipalName, pass);
        await page.waitForURL(/\/account$/);
        await w.context.route('**/static/vendor/simplewebauthn-browser.js', (r) => r.abort());
        await page.reload();
        await expect.poll(() => text(page, '#script-failed')).toContain('a passkey cannot be added right now');
        const failed = await text(page, '#script-failed');
        expect(failed).toContain('Renaming and deleting still work');
        expect(failed).toContain('reload the page');
        expect(failed).not.toContain('Temporary Access Pass');

        // The add form posts without its script: one message, the server's.
        await page.locator('#add-passkey').click();
        await page.waitForURL(/\/account\/passkeys\/add$/);
        await expect.poll(() => text(page, '#status')).toContain('Adding a passkey needs this page’s script');
        await page.waitForTimeout(3_000);
        expect(await visibleMessages(page)).toEqual([expect.stringContaining('Renaming and deleting still work.')]);
      },
      STEP,
    );

    it(
      'says so when the script throws, instead of silently reloading, and the pass still signs in',
      async () => {
        const { user, pass } = await userWithPass('hal@noscript.example');
        const w = await watched({ javaScriptEnabled: true });
        await w.context.route('**/static/signin.js', (r) =>
          r.fulfill({ contentType: 'text/javascript', body: 'throw new Error("a broken deployment");' }),
        );
        const { page } = w;
        await page.goto(at('/signin'));
        await expect.poll(() => text(page, '#script-failed')).toContain('Part of this page did not load');
        await signInWithPass(page, user.userPrincipalName, pass);
        await page.waitForURL(/\/account$/);
        expectPassInNoUrl(w, pass);
      },
      STEP,
    );
  });
});
