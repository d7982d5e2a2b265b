// Walking an app's authorization request without a browser, for the Conditional Access tests: people with a
// password (and a device-bound passkey when asked), the sign-in page's JSON calls, and where each walk stops — at the
// app, at Signet's sign-in page for the request (its HTML), or at any other page.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient, isAt } from './browserless.ts';
import { codeRequest, oidc } from './oidc-rp.ts';
import type { TestServer } from './server.ts';
import { SoftAuthenticator } from './soft-authenticator.ts';

export interface Person {
  user: User;
  password: string;
  key: SoftAuthenticator;
  browser: CookieClient;
}

export type WalkEnd =
  | { at: 'app'; callback: URL }
  | { at: 'signin'; uid: string; status: number; html: string }
  | { at: 'page'; status: number; html: string };

export class CaWalk {
  readonly server: TestServer;
  readonly tenant: Tenant;
  #n = 0;
  constructor(server: TestServer, tenant: Tenant) {
    this.server = server;
    this.tenant = tenant;
  }

  get redirect(): string {
    return `${this.server.url}/cb`;
  }

  /** A user with a password, and (when asked) a passkey registered through a pass session. */
  async person(p: { passkey: boolean; key?: SoftAuthenticator }): Promise<Person> {
    const { server, tenant } = this;
    const user = await createUser(server.ctx, tenant, {
      userPrincipalName: `u${++this.#n}-${randomBytes(3).toString('hex')}@ca.example`,
    });
    const password = `Ca-${randomBytes(6).toString('hex')}!`;
    await savePasswordCredential(server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      hash: await hashPassword(password, randomBytes(16)),
      forceChangeNextSignIn: false,
      forceChangeWithMfa: false,
      createdAt: server.ctx.now(),
    });
    const key = p.key ?? new SoftAuthenticator();
    if (p.passkey) {
      const onboarding = await startSession(server.ctx, server.ctx.db, {
        tenantId: tenant.id,
        userId: user.id,
        method: 'temporaryAccessPass',
        facts: { tap: { oneTime: true } },
      });
      const options = await beginPasskeyRegistration(server.ctx, tenant, onboarding.session);
      await finishPasskeyRegistration(server.ctx, tenant, onboarding.session, {
        credential: await key.register(options, { origin: server.url }),
      });
    }
    return { user, password, key, browser: new CookieClient(server.url) };
  }

  /** Follows redirects from `res` to the app, to Signet's sign-in page for the request, or to anything else. */
  async follow(browser: CookieClient, res: Response): Promise<WalkEnd> {
    const { server, tenant } = this;
    for (let hop = 0; hop < 10; hop++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location)
        return { at: 'page', status: res.status, html: await res.text() };
      if (isAt(location, this.redirect, server.url)) return { at: 'app', callback: new URL(location, server.url) };
      const next = new URL(location, server.url);
      if (next.pathname === `/${tenant.slug}/signin` && next.searchParams.get('uid')) {
        const page = await browser.fetch(next.href, { headers: { accept: 'text/html' } });
        if (page.status >= 300 && page.status < 400) {
          res = page;
          continue;
        }
        return { at: 'signin', uid: next.searchParams.get('uid')!, status: page.status, html: await page.text() };
      }
      res = await browser.fetch(next.href, { headers: { accept: 'text/html' } });
    }
    throw new Error('more than 10 redirects');
  }

  /** An app's code request (PKCE, state, nonce; `extra` adds parameters) followed from the person's browser. */
  async authorize(who: Person, config: oidc.Configuration, extra: Record<string, string> = {}) {
    const req = await codeRequest(config, this.redirect, extra);
    const res = await who.browser.fetch(req.url.href, { headers: { accept: 'text/html' } });
    return { req, end: await this.follow(who.browser, res) };
  }

  /** The sign-in page's script posting a JSON sign-in for the request `uid`; the raw answer. */
  post(who: Person, path: 'password' | 'tap' | 'passkey/verify', body: object) {
    return who.browser.fetch(`/${this.tenant.slug}/signin/${path}`, {
      method: 'POST',
      headers: { origin: this.server.url },
      json: body,
    });
  }

  async withPassword(who: Person, uid: string): Promise<WalkEnd> {
    const r = await this.post(who, 'password', { username: who.user.userPrincipalName, password: who.password, uid });
    expect(r.status).toBe(200);
    return this.follow(who.browser, await who.browser.fetch(((await r.json()) as { redirect: string }).redirect));
  }

  async withPasskey(who: Person, uid: string): Promise<WalkEnd> {
    const o = await who.browser.fetch(`/${this.tenant.slug}/signin/passkey/options`, {
      method: 'POST',
      headers: { origin: this.server.url },
      json: {},
    });
    const credential = await who.key.authenticate(await o.json(), { origin: this.server.url });
    const r = await this.post(who, 'passkey/verify', { credential, uid });
    expect(r.status).toBe(200);
    return this.follow(who.browser, await who.browser.fetch(((await r.json()) as { redirect: string }).redirect));
  }

  /** A password session made through `config`'s app (one that asks for nothing more), in the person's browser. */
  async signedInWithPassword(who: Person, config: oidc.Configuration): Promise<void> {
    const first = await this.authorize(who, config);
    if (first.end.at !== 'signin') throw new Error(`expected the sign-in page, got ${first.end.at}`);
    expect((await this.withPassword(who, first.end.uid)).at).toBe('app');
  }

  redeem(config: oidc.Configuration, req: Awaited<ReturnType<typeof codeRequest>>, callback: URL) {
    return oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      idTokenExpected: true,
    });
  }
}
