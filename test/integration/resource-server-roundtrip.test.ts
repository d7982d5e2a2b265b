// Signet's tokens through @signet-idp/resource-server (issue 9, "OIDC and step-up") on each engine: a real Signet
// and a real resource server on its own port (Fastify with the package's plugin, keys found by discovery).
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuth, signetAuth } from '../../packages/resource-server/src/fastify.ts';
import { graphResource } from '../../src/core/graph-scopes.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// Today Signet issues JWT access tokens for its Graph resource only, so the resource server accepts that audience
// and the app asks for a Graph scope. (An API registered with its own resource indicator would be `api://…`.)
const SCOPE = 'openid profile User.Read';

describe.each(engines)('Signet tokens at a resource server using the helper, on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let appId: string;
  let user: User;
  let resourceServer: FastifyInstance;
  let api: string;
  const redirectUri = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `stepup-${engine}` });
    appId = (await createApp(server.ctx, tenant, { name: 'Orders', redirectUris: [redirectUri()], publicClient: true }))
      .app.id;
    user = await createUser(server.ctx, tenant, { userPrincipalName: `ada-${engine}@contoso.com` });
    resourceServer = Fastify();
    await resourceServer.register(signetAuth, {
      issuer: `${server.url}/${tenant.id}/v2.0`,
      audience: graphResource(server.ctx.config.origin),
      realm: 'orders',
      now: () => server.ctx.now(),
    });
    resourceServer.get('/me/orders', { preHandler: requireAuth({ scopes: ['User.Read'] }) }, async (request) => ({
      subject: request.auth!.subject,
      clientId: request.auth!.clientId,
      scopes: request.auth!.scopes,
    }));
    await resourceServer.listen({ port: 0, host: '127.0.0.1' });
    api = `http://127.0.0.1:${(resourceServer.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await resourceServer?.close();
    await server?.close();
  });

  /** A token as an app gets it: the code flow with a sign-in by a pass (test/support/graph.ts). */
  async function tapTokens(t: Tenant, client: string, who: User) {
    const { pass } = await issueTap(server.ctx, t, who, { oneTime: false, actor: { type: 'system', id: null } });
    const r = await authorizationCodeTokens(server, t, { id: client }, { upn: who.userPrincipalName, pass }, SCOPE);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { accessToken: String(r.body.access_token), idToken: String(r.body.id_token) };
  }

  it("takes Signet's access token as Signet issues it (RS256, typ at+jwt, keys found by discovery), with who and its scopes", async () => {
    const { accessToken } = await tapTokens(tenant, appId, user);
    const res = await fetch(`${api}/me/orders`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ subject: user.id, clientId: appId, scopes: ['User.Read'] });
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
});
