// "Set up now" on the registration campaign carries the app's sign-in request to the account page and back, on
// each engine (issue 8): the account page takes the continue uid (checked as the sign-in page checks uid), keeps it
// through its forms without script, offers the way back to the question ("Not now" still works), and once a
// passkey is added (the page's script calls, made here as it makes them) /signin/continue gives the app its code.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updatePolicyRoot } from '../../src/flows/method-policy.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient, isAt, onwardOf } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

const SYSTEM = { type: 'system', id: null } as const;
const FORM = 'application/x-www-form-urlencoded';

describe.each(engines)('"Set up now" and the app’s sign-in on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let app: string;
  const redirectUri = 'http://localhost:5998/cb';
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `sn-${engine}` });
    app = (await createApp(server.ctx, tenant, { name: 'App', redirectUris: [redirectUri], publicClient: true })).app
      .id;
    await updatePolicyRoot(server.ctx, tenant, localOperator(tenant.id), {
      registrationEnforcement: {
        authenticationMethodsRegistrationCampaign: {
          state: 'enabled',
          snoozeDurationInDays: 1,
          enforceRegistrationAfterAllowedSnoozes: true,
        },
      },
    });
  });
  afterAll(() => server?.close());

  const newUser = () => createUser(server.ctx, tenant, { userPrincipalName: `n${++n}-${engine}@contoso.com` });
  const continueAt = (uid: string) => `/${tenant.slug}/signin/continue?uid=${encodeURIComponent(uid)}`;
  const accountAt = (uid: string) => `/${tenant.slug}/account?continue=${encodeURIComponent(uid)}`;

  /** An app's sign-in with a pass, as the form without script posts it; stops at "Set up a passkey". */
  async function signInToApp(user: User) {
    const browser = new CookieClient(server.url);
    const q = new URLSearchParams({
      client_id: app,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const start = await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`);
    const uid = new URL(start.headers.get('location') ?? '', server.url).searchParams.get('uid')!;
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM });
    const signin = await browser.fetch(`/${tenant.slug}/signin/tap`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': FORM },
      body: new URLSearchParams({ username: user.userPrincipalName, pass, uid }),
    });
    // The form post goes on to the app's request by a page that goes on by itself (a new navigation).
    const next = await browser.fetch((await onwardOf(signin))!);
    expect(next.headers.get('location')).toBe(`/${tenant.slug}/signin/campaign?uid=${encodeURIComponent(uid)}`);
    return { browser, uid };
  }

  /** Follows redirects: the app's redirect URI with a code (true), or where it stopped. */
  async function follow(browser: CookieClient, location: string): Promise<true | string> {
    for (let i = 0; i < 8; i++) {
      if (isAt(location, redirectUri, server.url)) return new URL(location).searchParams.has('code') || location;
      const res = await browser.fetch(location);
      if (res.status < 300 || res.status >= 400) return `${res.status} ${location}`;
      location = res.headers.get('location') ?? '';
    }
    return location;
  }

  it('leads from "Set up now" to the account page with the request, and a passkey added there answers the app', async () => {
    const user = await newUser();
    const { browser, uid } = await signInToApp(user);
    const question = await (await browser.fetch(`/${tenant.slug}/signin/campaign?uid=${uid}`)).text();
    // "Set up now" is a GET form: its one field is the request to continue, no secret.
    expect(question).toContain(`<form method="get" action="/${tenant.slug}/account">`);
    expect(question).toContain(`<input type="hidden" name="continue" value="${uid}">`);

    const page = await browser.fetch(accountAt(uid));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`data-continue="${uid}"`);
    expect(html).toContain('You are signing in to an app: add a passkey below, and you will go on to it.');
    expect(html).toContain(`href="${continueAt(uid)}" id="continue-link">Go back without adding one</a>`);
    expect(html).toMatch(/<form id="add-form"[^>]*>\s*<input type="hidden" name="continue" value="[^"]+">/);

    // The page's script: options, the authenticator, verify; then /signin/continue.
    const options = await browser.fetch(`/${tenant.slug}/account/passkeys/options`, {
      method: 'POST',
      headers: { origin: server.url },
      json: {},
    });
    expect(options.status).toBe(200);
    const credential = await new SoftAuthenticator().register(await options.json(), { origin: server.url });
    const verify = await browser.fetch(`/${tenant.slug}/account/passkeys/verify`, {
      method: 'POST',
      headers: { origin: server.url },
      json: { credential, name: 'Laptop' },
    });
    expect(verify.status).toBe(201);
    expect(await follow(browser, continueAt(uid))).toBe(true);
  });

  it('after a sign-in gone stale, signs in again on the way the script takes and comes back with the request', async () => {
    const user = await newUser();
    const { browser, uid } = await signInToApp(user);
    server.clock.offsetMs += 6 * 60_000;
    try {
      const stale = await browser.fetch(`/${tenant.slug}/account/passkeys/options`, {
        method: 'POST',
        headers: { origin: server.url },
        json: {},
      });
      expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
      // account.js: /signin?return=<this page with its request>&reauth=1, then the pass form posts the return.
      const back = `/${tenant.slug}/account?continue=${uid}`;
      const signInPage = await (
        await browser.fetch(`/${tenant.slug}/signin?return=${encodeURIComponent(back)}&reauth=1`)
      ).text();
      expect(signInPage).toContain(`<input type="hidden" name="return" value="${back}">`);
      const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM });
      const again = await browser.fetch(`/${tenant.slug}/signin/tap`, {
        method: 'POST',
        headers: { origin: server.url, 'content-type': FORM },
        body: new URLSearchParams({ username: user.userPrincipalName, pass, return: back }),
      });
      expect(again.status).toBe(303);
      expect(again.headers.get('location')).toBe(back);
      const options = await browser.fetch(`/${tenant.slug}/account/passkeys/options`, {
        method: 'POST',
        headers: { origin: server.url },
        json: {},
      });
      expect(options.status).toBe(200);
      const credential = await new SoftAuthenticator().register(await options.json(), { origin: server.url });
      const verify = await browser.fetch(`/${tenant.slug}/account/passkeys/verify`, {
        method: 'POST',
        headers: { origin: server.url },
        json: { credential },
      });
      expect(verify.status).toBe(201);
      expect(await follow(browser, continueAt(uid))).toBe(true);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('keeps "Not now": the way back from the account page returns to the question, which continues to the app', async () => {
    const user = await newUser();
    const { browser, uid } = await signInToApp(user);
    const back = await browser.fetch(continueAt(uid));
    expect(back.headers.get('location')).toBe(`/${tenant.slug}/signin/campaign?uid=${encodeURIComponent(uid)}`);
    const snooze = await browser.fetch(`/${tenant.slug}/signin/campaign/snooze`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': FORM },
      body: new URLSearchParams({ uid }),
    });
    expect(snooze.status).toBe(200);
    expect(await follow(browser, (await onwardOf(snooze))!)).toBe(true);
  });

  it('keeps the request through the forms without script and refuses a bad one in plain words', async () => {
    const user = await newUser();
    const { browser, uid } = await signInToApp(user);
    // The add form without its script: the page again, the request still in its forms.
    const add = await browser.fetch(`/${tenant.slug}/account/passkeys/add`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': FORM },
      body: new URLSearchParams({ continue: uid, name: '' }),
    });
    expect(add.status).toBe(200);
    const again = await add.text();
    expect(again).toContain('Adding a passkey needs this page’s script');
    expect(again).toContain(`<input type="hidden" name="continue" value="${uid}">`);
    expect(again).toContain(`href="${continueAt(uid)}"`);

    // A passkey added (as in the first test), then renamed and the delete question asked, without script.
    const options = await browser.fetch(`/${tenant.slug}/account/passkeys/options`, {
      method: 'POST',
      headers: { origin: server.url },
      json: {},
    });
    const credential = await new SoftAuthenticator().register(await options.json(), { origin: server.url });
    const added = await browser.fetch(`/${tenant.slug}/account/passkeys/verify`, {
      method: 'POST',
      headers: { origin: server.url },
      json: { credential },
    });
    const id = String(((await added.json()) as { id: string }).id);
    const withKey = await (await browser.fetch(accountAt(uid))).text();
    expect(withKey).toContain(`href="${continueAt(uid)}" id="continue-link">Continue to the app</a>`);
    const rename = await browser.fetch(`/${tenant.slug}/account/passkeys/${id}/rename`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': FORM },
      body: new URLSearchParams({ displayName: 'Phone', continue: uid }),
    });
    expect(rename.status).toBe(303);
    expect(rename.headers.get('location')).toBe(`/${tenant.slug}/account?done=renamed&continue=${uid}`);
    const question = await (
      await browser.fetch(`/${tenant.slug}/account/passkeys/${id}/delete?continue=${uid}`)
    ).text();
    expect(question).toContain(`<input type="hidden" name="continue" value="${uid}">`);
    expect(question).toContain(`href="${accountAt(uid)}" class="button">Cancel, keep it</a>`);
    // A refused rename keeps the request on the page again.
    const blank = await browser.fetch(`/${tenant.slug}/account/passkeys/${id}/rename`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': FORM, accept: 'text/html' },
      body: new URLSearchParams({ displayName: '   ', continue: uid }),
    });
    expect(blank.status).toBe(400);
    expect(await blank.text()).toContain(`href="${continueAt(uid)}"`);

    // Not an interaction id: refused with the words the sign-in page uses for a bad uid; nothing renamed.
    for (const bad of ['a b', '../x', 'x'.repeat(129)]) {
      const r = await browser.fetch(`/${tenant.slug}/account?continue=${encodeURIComponent(bad)}`, {
        headers: { accept: 'text/html' },
      });
      expect(r.status, bad).toBe(400);
      const text = await r.text();
      expect(text).toContain('This sign-in request is not valid. Go back to the app and start signing in again.');
      expect(text).toContain('REQUEST_INVALID');
    }
    const badRename = await browser.fetch(`/${tenant.slug}/account/passkeys/${id}/rename`, {
      method: 'POST',
      headers: { origin: server.url, 'content-type': FORM, accept: 'text/html' },
      body: new URLSearchParams({ displayName: 'Tablet', continue: '<script>' }),
    });
    expect(badRename.status).toBe(400);
    expect(await badRename.text()).toContain('This sign-in request is not valid.');
    const after = await (await browser.fetch(`/${tenant.slug}/account`)).text();
    expect(after).toContain('Phone');
    expect(after).not.toContain('Tablet');

    // Signed out on the way: back to the app's sign-in, the request kept.
    browser.jar.delete(sessionCookieName(server.ctx.config, tenant));
    const lost = await browser.fetch(accountAt(uid));
    expect(lost.status).toBe(303);
    expect(lost.headers.get('location')).toBe(`/${tenant.slug}/signin?uid=${encodeURIComponent(uid)}`);
  });
});
