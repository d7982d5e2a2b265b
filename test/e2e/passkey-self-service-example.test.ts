// The example app of examples/passkey-self-service in Chromium: served by its own server on another port of
// localhost (another origin, the same RP ID), registered with Signet as a public app. A person signs in with a
// Temporary Access Pass through Signet, then lists, adds (virtual authenticators), renames and deletes their
// passkeys through /me; the test reads what the person sees, and what the API says afterwards.
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExampleServer } from '../../examples/passkey-self-service/serve.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { launchChromium, openTab, type PageProblem, runAxe, type Tab } from '../support/browser.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const STEP = 60_000;

async function text(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.each(engines)('passkey self-service example in Chromium (%s)', (engine) => {
  let server: TestServer;
  let example: { url: string; server: Server };
  let browser: Browser;
  let context: BrowserContext;
  let tab: Tab;
  let tenant: Tenant;
  let user: User;
  let pass: string;
  /** The laptop's platform authenticator (a virtual one). */
  let laptop: string;
  /** The app that checks, from a server, what the API says (its own public app, its own redirect URI). */
  let checker: string;
  const problems: PageProblem[] = [];
  /** Responses a step causes on purpose; Chromium logs every 4xx as "Failed to load resource". */
  const expectedFailures: { url: RegExp; status: number }[] = [];

  const page = (): Page => tab.page;

  /** The passkeys as the person reads them on the page. */
  async function listed() {
    return page().$$eval('li.passkey', (items) =>
      items.map((li) => {
        const read = (el: Element | null | undefined) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
        const dd = li.querySelectorAll('dd');
        return { name: read(li.querySelector('.passkey-name')), type: read(dd[1]), added: read(dd[2]) };
      }),
    );
  }

  /** What the API returns for the user's passkeys, with a token of the user's own taken from a server. */
  async function apiPasskeys() {
    const t = await authorizationCodeTokens(
      server,
      tenant,
      { id: checker },
      { upn: user.userPrincipalName, pass },
      'openid UserAuthenticationMethod.ReadWrite',
    );
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const res = await fetch(`${server.url}/graph/v1.0/me/authentication/fido2Methods`, {
      headers: { authorization: `Bearer ${t.body.access_token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { value: { id: string; displayName: string }[] }).value;
  }

  async function status(): Promise<string> {
    return text(page().locator('#status'));
  }

  async function problem(): Promise<string> {
    return text(page().locator('#problem'));
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'ada@contoso.test', displayName: 'Ada' });
    // One pass for the whole story (the browser's sign-in and the checker's), as a help desk would give one.
    pass = (await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } })).pass;
    checker = (
      await createApp(server.ctx, tenant, { name: 'Checker', redirectUris: [`${server.url}/cb`], publicClient: true })
    ).app.id;
    const port = await freePort();
    const spa = await createApp(server.ctx, tenant, {
      name: 'Passkey self-service example',
      redirectUris: [`http://localhost:${port}/callback`],
      publicClient: true,
    });
    example = await startExampleServer({ port, signetUrl: server.url, tenant: tenant.id, clientId: spa.app.id });
    browser = await launchChromium();
    context = await browser.newContext();
    tab = await openTab(context, problems);
  }, STEP);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close();
    await new Promise((done) => (example ? example.server.close(done) : done(undefined)));
    await server?.close();
  });

  it('0. the example server serves the page, its script and the two libraries, and nothing else', async () => {
    for (const path of ['/', '/callback', '/app.js', '/style.css', '/vendor/oauth4webapi/index.js']) {
      const res = await fetch(`${example.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toContain(`connect-src 'self' ${server.url};`);
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    expect((await fetch(`${example.url}/vendor/simplewebauthn-browser/index.js`)).status).toBe(200);
    for (const path of [
      '/serve.ts',
      '/README.md',
      '/vendor/simplewebauthn-browser/%2e%2e%2fpackage.json',
      '/%2e%2e/package.json',
    ])
      expect((await fetch(`${example.url}${path}`)).status, path).toBe(404);
    expect(await (await fetch(`${example.url}/config.json`)).json()).toEqual({
      signetUrl: server.url,
      tenant: tenant.id,
      clientId: expect.any(String),
    });
  });

  it(
    '1. the signed-out page offers to sign in, and passes axe-core',
    async () => {
      await page().goto(example.url);
      await expect.poll(() => page().getByRole('button', { name: 'Sign in with Signet' }).isVisible()).toBe(true);
      expect(await text(page().getByRole('heading', { level: 1 }))).toBe('Your passkeys');
      expect(await runAxe(page())).toEqual([]);
    },
    STEP,
  );

  it(
    '2. signs in through Signet with the pass; the code is redeemed cross-origin and leaves the address bar',
    async () => {
      const token = page().waitForResponse((r) => r.url() === `${server.url}/${tenant.id}/oauth2/v2.0/token`);
      await page().getByRole('button', { name: 'Sign in with Signet' }).click();
      await page().waitForURL((u) => u.origin === server.url && u.pathname === `/${tenant.slug}/signin`);
      await page().locator('#tap-username').fill(user.userPrincipalName);
      await page().locator('#tap').fill(pass);
      await page().getByRole('button', { name: 'Sign in with the pass' }).click();
      const r = await token;
      expect(r.status()).toBe(200);
      expect(r.headers()['access-control-allow-origin']).toBe(example.url);
      await page().waitForURL(`${example.url}/`);
      // The token the page holds (in memory only): the user's own, for Graph, with the low-privilege scope.
      const issued = (await r.json()) as { access_token: string; id_token?: string; refresh_token?: string };
      const claims = decodeJwt(issued.access_token);
      expect(claims).toMatchObject({ aud: `${server.url}/graph`, oid: user.id, sub: user.id, tid: tenant.id });
      expect(String(claims.scp).split(' ')).toEqual(
        expect.arrayContaining(['User.Read', 'UserAuthenticationMethod.ReadWrite']),
      );
      expect(claims.wids).toBeUndefined();
      expect(typeof issued.id_token).toBe('string');
      const org = await fetch(`${server.url}/graph/v1.0/organization`, {
        headers: { authorization: `Bearer ${issued.access_token}` },
      });
      expect(org.status).toBe(200);
      // The code was in the address bar for the one load that redeemed it, never again.
      const withCode = tab.visited.filter((u) => new URL(u).searchParams.has('code'));
      expect(withCode).toHaveLength(1);
      expect(new URL(withCode[0]!).pathname).toBe('/callback');
      expect(page().url()).toBe(`${example.url}/`);
      // Nothing of the sign-in is kept outside the page's memory.
      expect(
        await page().evaluate(() => ({
          session: sessionStorage.length,
          local: localStorage.length,
          cookie: document.cookie,
        })),
      ).toEqual({ session: 0, local: 0, cookie: '' });
    },
    STEP,
  );
  it(
    '3. shows who is signed in and that they have no passkeys yet; the page passes axe-core',
    async () => {
      await expect.poll(() => text(page().locator('#who'))).toBe('ada@contoso.test');
      await expect.poll(() => page().locator('#no-passkeys').isVisible()).toBe(true);
      expect(await text(page().locator('#no-passkeys'))).toBe('You have no passkeys yet.');
      expect(await listed()).toEqual([]);
      expect(await problem()).toBe('');
      expect(await runAxe(page())).toEqual([]);
    },
    STEP,
  );

  it(
    '4. adds a passkey on a security key, then one on the laptop once the key is lost',
    async () => {
      const key = await tab.addAuthenticator({ transport: 'usb' });
      await page().getByLabel('Name, so you can tell it apart later').fill('Old key');
      await page().getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => status()).toBe('Added the passkey "Old key". You can sign in with it now.');
      expect(await listed()).toEqual([
        { name: 'Old key', type: 'Device-bound', added: expect.stringMatching(/ UTC$/) },
      ]);
      expect(await page().locator('#no-passkeys').isVisible()).toBe(false);
      expect(await tab.credentials(key)).toHaveLength(1);
      // The name field is empty again, ready for the next one.
      expect(await page().locator('#new-name').inputValue()).toBe('');

      await tab.removeAuthenticator(key);
      laptop = await tab.addAuthenticator({ transport: 'internal' });
      await page().locator('#new-name').fill('Laptop');
      await page().getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => status()).toBe('Added the passkey "Laptop". You can sign in with it now.');
      expect((await listed()).map((p) => p.name)).toEqual(['Old key', 'Laptop']);
      expect(await tab.credentials(laptop)).toHaveLength(1);
      expect(await problem()).toBe('');
      expect(await runAxe(page())).toEqual([]);
    },
    STEP,
  );

  it(
    '5. renames the laptop passkey',
    async () => {
      const item = page().locator('li.passkey', { has: page().locator('.passkey-name', { hasText: /^Laptop$/ }) });
      await item.getByLabel('New name').fill('Work laptop');
      await item.getByRole('button', { name: 'Rename' }).click();
      await expect.poll(() => status()).toBe('Renamed "Laptop" to "Work laptop".');
      expect((await listed()).map((p) => p.name)).toEqual(['Old key', 'Work laptop']);
      await page().screenshot({ path: `/tmp/signet-example-${engine}.png`, fullPage: true });
    },
    STEP,
  );

  it(
    '6. deletes the lost key after the person confirms; the API then returns only the laptop',
    async () => {
      const item = page().locator('li.passkey', { has: page().locator('.passkey-name', { hasText: /^Old key$/ }) });
      let asked = '';
      page().once('dialog', (d) => {
        asked = d.message();
        void d.accept();
      });
      await item.getByRole('button', { name: 'Delete "Old key"' }).click();
      await expect.poll(() => status()).toBe('Deleted "Old key". It no longer signs you in.');
      expect(asked).toBe('Delete the passkey "Old key"? You will no longer be able to sign in with it.');
      expect((await listed()).map((p) => p.name)).toEqual(['Work laptop']);
      const ids = await page().$$eval('li.passkey', (items) => items.map((li) => (li as HTMLElement).dataset.id));
      expect((await apiPasskeys()).map((m) => ({ id: m.id, displayName: m.displayName }))).toEqual([
        { id: ids[0], displayName: 'Work laptop' },
      ]);
    },
    STEP,
  );

  it(
    '7. a dismissed confirmation deletes nothing',
    async () => {
      page().once('dialog', (d) => void d.dismiss());
      await page().getByRole('button', { name: 'Delete "Work laptop"' }).click();
      await new Promise((r) => setTimeout(r, 300));
      expect((await listed()).map((p) => p.name)).toEqual(['Work laptop']);
      expect((await apiPasskeys()).map((m) => m.displayName)).toEqual(['Work laptop']);
    },
    STEP,
  );

  it(
    '8. six minutes after signing in, adding is refused in plain words with the code; signing in again allows it',
    async () => {
      server.clock.offsetMs = 6 * 60_000;
      expectedFailures.push({ url: /\/graph\/v1\.0\/me\/authentication\/fido2Methods\/creationOptions$/, status: 401 });
      await page().locator('#new-name').fill('Phone');
      await page().getByRole('button', { name: 'Add a passkey' }).click();
      await expect
        .poll(() => text(page().locator('#problem p').first()))
        .toBe('Adding a passkey needs a strong sign-in within the last 5 minutes.');
      expect(await text(page().locator('#problem small'))).toBe('Code: PASSKEY_STRONG_AUTH_REQUIRED');
      expect(await status()).toBe('');
      expect((await listed()).map((p) => p.name)).toEqual(['Work laptop']);
      expect((await apiPasskeys()).map((m) => m.displayName)).toEqual(['Work laptop']);
      expect(await runAxe(page())).toEqual([]);

      // "Sign in again" asks Signet for a new sign-in (prompt=login), though it remembers this browser's: the
      // sign-in page offers the laptop's passkey (autofill, which the virtual authenticator answers at once).
      server.clock.offsetMs = 0;
      const before = tab.visited.length;
      const counter = (await tab.credentials(laptop))[0]!.signCount;
      await page().getByRole('button', { name: 'Sign in again' }).click();
      await expect
        .poll(() => tab.visited.slice(before).some((u) => new URL(u).pathname === `/${tenant.slug}/signin`))
        .toBe(true);
      await page().waitForURL(`${example.url}/`);
      await expect.poll(() => text(page().locator('#who'))).toBe('ada@contoso.test');
      // The laptop's passkey made that sign-in (its signature counter moved).
      expect((await tab.credentials(laptop))[0]!.signCount).toBeGreaterThan(counter);
      // A new phone: the laptop already holds a passkey for this account, so the phone makes the next one.
      await tab.removeAuthenticator(laptop);
      await tab.addAuthenticator({ transport: 'internal' });
      await page().locator('#new-name').fill('Phone');
      await page().getByRole('button', { name: 'Add a passkey' }).click();
      await expect.poll(() => status()).toBe('Added the passkey "Phone". You can sign in with it now.');
      expect((await apiPasskeys()).map((m) => m.displayName).sort()).toEqual(['Phone', 'Work laptop']);
    },
    STEP,
  );

  it('9. a token without UserAuthenticationMethod.ReadWrite reaches none of the passkeys', async () => {
    const t = await authorizationCodeTokens(
      server,
      tenant,
      { id: checker },
      { upn: user.userPrincipalName, pass },
      'openid User.Read',
    );
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const res = await fetch(`${server.url}/graph/v1.0/me/authentication/fido2Methods`, {
      headers: { authorization: `Bearer ${t.body.access_token}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('GRAPH_PERMISSION_DENIED');
  });

  it('10. no page logged a console error, an uncaught error or a CSP violation', () => {
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
