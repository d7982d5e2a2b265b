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
  const problems: PageProblem[] = [];
  const page = (): Page => tab.page;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'ada@contoso.test', displayName: 'Ada' });
    // One pass for the whole story (the browser's sign-in and the checker's), as a help desk would give one.
    pass = (await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } })).pass;
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
      expect(await page().evaluate(() => sessionStorage.length)).toBe(0);
    },
    STEP,
  );
});
