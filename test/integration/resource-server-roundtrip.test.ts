// The RFC 9470 round trip (issue 9, "OIDC and step-up") on each engine, against a real Signet and real resource
// servers on their own ports (Fastify with @signet-idp/resource-server, and the same API in Express): an app gets a
// token after a password sign-in; the resource server answers 401 insufficient_user_authentication,
// acr_values="phr", max_age="300"; the client goes back to /authorize with those values; Signet asks for exactly the
// passkey (no password, no pass offered; a password posted anyway gets the app nothing); the new token says acr phr
// and the resource server takes it. Then max_age: once the passkey sign-in is older than the route allows, the same
// challenge brings the passkey back. Before it, Signet's tokens as they are: taken with their facts, another
// tenant's and an ID token refused.
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as forExpress from '../../packages/resource-server/src/express.ts';
import { requireAuth, signetAuth } from '../../packages/resource-server/src/fastify.ts';
import { stepUpOf } from '../../packages/resource-server/src/parse-challenge.ts';
import { graphResource } from '../../src/core/graph-scopes.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CookieClient, isAt } from '../support/browserless.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
// Today Signet issues JWT access tokens for its Graph resource only, so the resource server accepts that audience
// and the app asks for a Graph scope. (An API registered with its own resource indicator would be `api://…`.)
const SCOPE = 'openid profile User.Read';
const CHALLENGE =
  'Bearer realm="orders", error="insufficient_user_authentication", error_description="A sign-in meeting phr is required", acr_values="phr", max_age="300"';

describe.each(engines)('RFC 9470 step-up round trip on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let appId: string;
  let user: User;
  let resourceServer: FastifyInstance;
  let expressServer: Server;
  /** The same API in Express, on a port of its own. */
  let expressApi: string;
  let api: string;
  const password = `Kx7-${randomBytes(8).toString('base64url')}`;
  // A device-bound passkey (not backup eligible): amr hwk, phishing-resistant.
  const passkey = new SoftAuthenticator();
  const redirectUri = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `stepup-${engine}` });
    appId = (await createApp(server.ctx, tenant, { name: 'Orders', redirectUris: [redirectUri()], publicClient: true }))
      .app.id;
    user = await createUser(server.ctx, tenant, { userPrincipalName: `ada-${engine}@contoso.com` });
    await savePasswordCredential(server.ctx.db, {
      tenantId: tenant.id,
      userId: user.id,
      hash: await hashPassword(password, randomBytes(16)),
      forceChangeNextSignIn: false,
      forceChangeWithMfa: false,
      createdAt: server.ctx.now(),
    });
    // The passkey is registered the way the account page does it, after a sign-in with a pass, in another browser.
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } });
    const setup = new CookieClient(server.url);
    const call = (path: string, json: unknown = {}) =>
      setup.fetch(`/${tenant.slug}${path}`, { method: 'POST', json, headers: { origin: server.url } });
    expect((await call('/signin/tap', { username: user.userPrincipalName, pass })).status).toBe(200);
    const options = (await (await call('/account/passkeys/options')).json()) as never;
    const credential = await passkey.register(options, { origin: server.url });
    expect((await call('/account/passkeys/verify', { credential, name: 'Security key' })).status).toBe(201);

    // The resource server, on its own port, with its clock beside Signet's (the tests move Signet's).
    resourceServer = Fastify();
    await resourceServer.register(signetAuth, {
      issuer: `${server.url}/${tenant.id}/v2.0`,
      audience: graphResource(server.ctx.config.origin),
      realm: 'orders',
      now: () => server.ctx.now(),
    });
    resourceServer.get(
      '/orders/export',
      { preHandler: requireAuth({ acr: ['phr'], maxAge: 300 }) },
      async (request) => ({
        exportedFor: request.auth!.subject,
        acr: request.auth!.acr,
      }),
    );
    resourceServer.get('/me/orders', { preHandler: requireAuth({ scopes: ['User.Read'] }) }, async (request) => ({
      subject: request.auth!.subject,
      clientId: request.auth!.clientId,
      scopes: request.auth!.scopes,
    }));
    await resourceServer.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(resourceServer.server.address() as AddressInfo).port}`;
    const app = express();
    app.use(
      forExpress.signetAuth({
        issuer: `${server.url}/${tenant.id}/v2.0`,
        audience: graphResource(server.ctx.config.origin),
        realm: 'orders',
        now: () => server.ctx.now(),
      }),
    );
    app.get('/me/orders', forExpress.requireAuth({ scopes: ['User.Read'] }), (req, res) => {
      res.json({ subject: req.auth!.subject, clientId: req.auth!.clientId, scopes: req.auth!.scopes });
    });
    app.get('/orders/export', forExpress.requireAuth({ acr: ['phr'], maxAge: 300 }), (req, res) => {
      res.json({ exportedFor: req.auth!.subject, acr: req.auth!.acr });
    });
    expressServer = await new Promise<Server>((resolve) => {
      const l = app.listen(0, '127.0.0.1', () => resolve(l));
    });
    expressApi = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => expressServer?.close(resolve));
    await resourceServer?.close();
    await server?.close();
  });

  const callApi = (token: string) => fetch(`${api}/orders/export`, { headers: { authorization: `Bearer ${token}` } });

  /** The app's authorization request (PKCE) with extra parameters; where Signet sends the browser. */
  async function authorize(browser: CookieClient, extra: Record<string, string> = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const q = new URLSearchParams({
      client_id: appId,
      response_type: 'code',
      scope: SCOPE,
      redirect_uri: redirectUri(),
      state: 'st',
      nonce: 'nn',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    });
    const res = await browser.fetch(`/${tenant.id}/oauth2/v2.0/authorize?${q}`);
    expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(300);
    const location = new URL(res.headers.get('location') ?? '', server.url);
    return { verifier, location, uid: location.searchParams.get('uid') };
  }

  /** Follows Signet's redirects back to the app; the code, or where it stopped. */
  async function codeFrom(browser: CookieClient, start: string): Promise<string> {
    let location = start;
    const hops: string[] = [];
    for (let i = 0; i < 8 && !isAt(location, redirectUri(), server.url); i++) {
      const res = await browser.fetch(location);
      hops.push(`${new URL(location, server.url).pathname} → ${res.status}`);
      if (res.status < 300 || res.status >= 400) throw new Error(`stopped: ${hops.join(', ')}`);
      location = res.headers.get('location') ?? '';
    }
    const code = new URL(location, server.url).searchParams.get('code');
    if (!code) throw new Error(`no code: ${location} after ${hops.join(', ')}`);
    return code;
  }

  async function redeem(code: string, verifier: string): Promise<string> {
    const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri(),
        code_verifier: verifier,
        client_id: appId,
      }),
    });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return String(body.access_token);
  }

  const post = (browser: CookieClient, path: string, json: unknown) =>
    browser.fetch(`/${tenant.slug}${path}`, { method: 'POST', json, headers: { origin: server.url } });

  async function passkeySignIn(browser: CookieClient, uid: string): Promise<string> {
    const options = (await (await post(browser, '/signin/passkey/options', {})).json()) as never;
    const credential = await passkey.authenticate(options, { origin: server.url });
    const res = await post(browser, '/signin/passkey/verify', { credential, uid });
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return String(body.redirect);
  }

  /** The sign-in page Signet shows for an interaction (after any redirects of its own). */
  async function pageFor(browser: CookieClient, location: URL): Promise<string> {
    let at = location.toString();
    for (let i = 0; i < 4; i++) {
      const res = await browser.fetch(at);
      if (res.status >= 300 && res.status < 400) {
        at = new URL(res.headers.get('location') ?? '', server.url).toString();
        continue;
      }
      expect(res.status).toBe(200);
      return res.text();
    }
    throw new Error(`no page after redirects from ${location}`);
  }

  /** A token as an app gets it today: the code flow with a sign-in by a pass (test/support/graph.ts). */
  async function tapTokens(t: Tenant, client: string, who: User) {
    const { pass } = await issueTap(server.ctx, t, who, { oneTime: false, actor: { type: 'system', id: null } });
    const r = await authorizationCodeTokens(server, t, { id: client }, { upn: who.userPrincipalName, pass }, SCOPE);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { accessToken: String(r.body.access_token), idToken: String(r.body.id_token) };
  }

  it("takes Signet's access token as Signet issues it (RS256, typ at+jwt, keys found by discovery), with who and its scopes", async () => {
    const { accessToken } = await tapTokens(tenant, appId, user);
    for (const base of [api, expressApi]) {
      const res = await fetch(`${base}/me/orders`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ subject: user.id, clientId: appId, scopes: ['User.Read'] });
    }
  });

  it("refuses another tenant's token and an ID token, as invalid_token", async () => {
    const other = await createTenant(server.ctx, { slug: `stepup-other-${engine}` });
    const otherApp = (
      await createApp(server.ctx, other, { name: 'Other', redirectUris: [redirectUri()], publicClient: true })
    ).app.id;
    const otherUser = await createUser(server.ctx, other, { userPrincipalName: `bob-${engine}@fabrikam.com` });
    const theirs = await tapTokens(other, otherApp, otherUser);
    const mine = await tapTokens(tenant, appId, user);
    for (const [token, description] of [
      // Signed by the other tenant's key, which this tenant's JWKS does not hold: refused before its iss is read.
      [theirs.accessToken, 'The access token is invalid'],
      [mine.idToken, 'The token is not an access token'],
    ] as const) {
      const res = await fetch(`${api}/me/orders`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="orders", error="invalid_token", error_description="${description}"`,
      );
    }
  });

  it('password token → 401 acr_values="phr" → /authorize with acr_values and max_age → only the passkey → acr phr, accepted', async () => {
    const browser = new CookieClient(server.url);

    // 1. The app signs the user in with a password and gets a token.
    const first = await authorize(browser);
    expect(first.uid).toBeTruthy();
    const signedIn = await post(browser, '/signin/password', {
      username: user.userPrincipalName,
      password,
      uid: first.uid,
    });
    expect(signedIn.status).toBe(200);
    const passwordToken = await redeem(
      await codeFrom(browser, String(((await signedIn.json()) as Json).redirect)),
      first.verifier,
    );
    expect(decodeJwt(passwordToken)).toMatchObject({ amr: expect.arrayContaining(['pwd']) });
    expect(decodeJwt(passwordToken).acr).not.toBe('phr');

    // 2. The resource server wants a phishing-resistant sign-in of the last five minutes.
    const refused = await callApi(passwordToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(CHALLENGE);
    const refusedByExpress = await fetch(`${expressApi}/orders/export`, {
      headers: { authorization: `Bearer ${passwordToken}` },
    });
    expect([refusedByExpress.status, refusedByExpress.headers.get('www-authenticate')]).toEqual([401, CHALLENGE]);
    const stepUp = stepUpOf(refused.headers.get('www-authenticate'));
    expect(stepUp).toMatchObject({ acrValues: ['phr'], maxAge: 300 });

    // 3. The client comes back with exactly those values; the password session is not enough to answer.
    const again = await authorize(browser, {
      acr_values: stepUp!.acrValues.join(' '),
      max_age: String(stepUp!.maxAge),
    });
    expect(isAt(again.location.toString(), redirectUri(), server.url)).toBe(false);
    expect(again.uid).toBeTruthy();
    // Only the passkey is offered: no password form, no pass form.
    const page = await pageFor(browser, again.location);
    expect(page).toContain('id="passkey-form"');
    expect(page).not.toContain('id="password-form"');
    expect(page).not.toContain('id="tap-form"');
    // A password posted anyway gives the app nothing (no downgrade): refused, or back to the passkey step.
    const downgrade = await post(browser, '/signin/password', {
      username: user.userPrincipalName,
      password,
      uid: again.uid,
    });
    if (downgrade.status === 200) {
      const to = String(((await downgrade.json()) as Json).redirect);
      await expect(codeFrom(browser, to)).rejects.toThrow(/stopped/);
      const after = await pageFor(browser, new URL(to, server.url));
      expect(after).toContain('id="passkey-form"');
      expect(after).not.toContain('id="password-form"');
    } else {
      expect(downgrade.status).toBeGreaterThanOrEqual(400);
    }

    // 4. The passkey: the new token says phr, and the resource server takes it.
    const again2 = await authorize(browser, { acr_values: 'phr', max_age: '300' });
    const stepped = await redeem(await codeFrom(browser, await passkeySignIn(browser, again2.uid!)), again2.verifier);
    const claims = decodeJwt(stepped);
    expect(claims).toMatchObject({ acr: 'phr', sub: user.id, amr: expect.arrayContaining(['hwk']) });
    expect(Math.abs(Number(claims.auth_time) - server.ctx.now() / 1000)).toBeLessThan(30);
    const accepted = await callApi(stepped);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ exportedFor: user.id, acr: 'phr' });
    const acceptedByExpress = await fetch(`${expressApi}/orders/export`, {
      headers: { authorization: `Bearer ${stepped}` },
    });
    expect([acceptedByExpress.status, await acceptedByExpress.json()]).toEqual([
      200,
      { exportedFor: user.id, acr: 'phr' },
    ]);
    // The old token is still refused the same way.
    expect((await callApi(passwordToken)).headers.get('www-authenticate')).toBe(CHALLENGE);

    // 5. max_age: six minutes later the passkey sign-in is too old for the route; the same challenge brings the
    // passkey back (Signet does not answer silently from the session), and the fresh token is taken.
    server.clock.offsetMs += 6 * 60_000;
    const stale = await callApi(stepped);
    expect(stale.status).toBe(401);
    expect(stale.headers.get('www-authenticate')).toBe(
      CHALLENGE.replace('A sign-in meeting phr is required', 'A sign-in within the last 300 seconds is required'),
    );
    const fresh = await authorize(browser, { acr_values: 'phr', max_age: '300' });
    expect(isAt(fresh.location.toString(), redirectUri(), server.url)).toBe(false);
    expect(fresh.uid).toBeTruthy();
    const renewed = await redeem(await codeFrom(browser, await passkeySignIn(browser, fresh.uid!)), fresh.verifier);
    expect((await callApi(renewed)).status).toBe(200);
  });
});
