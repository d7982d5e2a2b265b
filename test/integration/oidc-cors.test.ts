// A browser app (a public client) redeems its code at the token endpoint cross-origin: CORS answers exactly the
// origins of the app's redirect URIs; any other origin, and any confidential client, is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { authorizationCode } from '../support/code-flow.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const APP_ORIGIN = 'http://localhost:5173';
const REDIRECT_URI = `${APP_ORIGIN}/callback`;

describe.each(engines)('token endpoint CORS on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let spa: string;
  let web: { id: string; secret: string };
  let user: User;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    spa = (await createApp(server.ctx, tenant, { name: 'SPA', redirectUris: [REDIRECT_URI], publicClient: true })).app
      .id;
    const w = await createApp(server.ctx, tenant, { name: 'Web', redirectUris: [REDIRECT_URI], publicClient: false });
    web = { id: w.app.id, secret: w.clientSecret! };
    user = await createUser(server.ctx, tenant, { userPrincipalName: 'ada@contoso.test' });
  });
  afterAll(() => server?.close());

  /** A code for the app, after a sign-in with a fresh one-time pass. */
  async function code(clientId: string) {
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: true, actor: { type: 'system', id: null } });
    const upn = user.userPrincipalName;
    return authorizationCode(server, tenant, { clientId, redirectUri: REDIRECT_URI, scope: 'openid', upn, pass });
  }

  function redeem(
    c: { code: string; verifier: string },
    origin: string | undefined,
    client: { id: string; secret?: string },
  ) {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (origin) headers.origin = origin;
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: c.code,
      redirect_uri: REDIRECT_URI,
      code_verifier: c.verifier,
    });
    if (client.secret)
      headers.authorization = `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;
    else body.set('client_id', client.id);
    return fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, { method: 'POST', headers, body });
  }

  it("answers a public client's code exchange from its redirect URI's origin with that origin allowed", async () => {
    const res = await redeem(await code(spa), APP_ORIGIN, { id: spa });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(typeof ((await res.json()) as { id_token?: unknown }).id_token).toBe('string');
  });

  it('refuses the exchange from any other origin without spending the code, and no CORS header says yes', async () => {
    const c = await code(spa);
    for (const origin of ['http://localhost:5174', 'https://localhost:5173', 'http://127.0.0.1:5173', 'null']) {
      const res = await redeem(c, origin, { id: spa });
      expect(res.status, origin).toBe(400);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error, origin).toBe('invalid_request');
      expect(body.error_description, origin).toContain('not allowed');
    }
    // The refusal came before the code was looked at: the app's own origin can still redeem it.
    expect((await redeem(c, APP_ORIGIN, { id: spa })).status).toBe(200);
  });

  it('refuses a confidential client called from a browser, even from its own redirect URI origin', async () => {
    const c = await code(web.id);
    const res = await redeem(c, APP_ORIGIN, web);
    expect(res.status).toBe(400);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    // From its server (no Origin) the same code works.
    expect((await redeem(c, undefined, web)).status).toBe(200);
  });

  it('answers the preflight, which names no client, and decides on the request itself', async () => {
    const res = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});
