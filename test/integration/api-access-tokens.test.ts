// An app's own API as a resource server (both engines): a scope `api://{client id}/name` gives the signed-in user an
// RS256 JWT access token for that audience with `scp` and how the user signed in (acr, amr, auth_time), which the
// resource-server helper accepts; a refresh keeps the audience; an unknown API, two APIs at once, an API with Graph,
// and an API token by client credentials are refused.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier } from '../../packages/resource-server/src/verifier.ts';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { issuerOf } from '../../src/oidc/provider.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CaWalk } from '../support/ca-walk.ts';
import { engines } from '../support/engines.ts';
import { oidc, postForm, rpConfig } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)("an app's API as a resource server on %s", (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let w: CaWalk;
  let spa: oidc.Configuration;
  let apiId: string;
  let confidential: { id: string; secret: string };

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `api-${engine}`, displayName: 'Orders Inc' });
    w = new CaWalk(server, tenant);
    apiId = (
      await createApp(server.ctx, tenant, { name: 'Orders API', redirectUris: [w.redirect], publicClient: false })
    ).app.id;
    const c = await createApp(server.ctx, tenant, {
      name: 'Back office',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.Read.All'],
    });
    confidential = { id: c.app.id, secret: c.clientSecret! };
    const s = await createApp(server.ctx, tenant, {
      name: 'Orders SPA',
      redirectUris: [w.redirect],
      publicClient: true,
    });
    spa = await rpConfig(server, tenant, s.app.id);
  });
  afterAll(() => server?.close());

  it('gives a JWT for the API with scp and the sign-in claims, which the resource-server helper accepts', async () => {
    const who = await w.person({ passkey: true });
    const scope = `openid offline_access api://${apiId}/orders.read api://${apiId}/orders.write`;
    const { req, end } = await w.authorize(who, spa, { scope });
    if (end.at !== 'signin') throw new Error(`expected the sign-in page, got ${end.at}`);
    const done = await w.withPasskey(who, end.uid);
    if (done.at !== 'app') throw new Error('expected the app');
    const tokens = await w.redeem(spa, req, done.callback);
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      aud: `api://${apiId}`,
      scp: 'orders.read orders.write',
      acr: PHISHING_RESISTANT_STRENGTH_ID,
      tid: tenant.id,
      oid: who.user.id,
    });
    expect(claims.amr).toEqual(['pop', 'hwk', 'user', 'fido', 'mfa']);
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.scope).toBeUndefined();
    const verifier = createVerifier({
      issuer: issuerOf(server.ctx, tenant),
      audience: `api://${apiId}`,
      allowHttp: true,
    });
    expect((await verifier.verify(tokens.access_token)).ok).toBe(true);
    // A Graph verifier does not take it.
    const graphVerifier = createVerifier({
      issuer: issuerOf(server.ctx, tenant),
      audience: `${server.url}/graph`,
      allowHttp: true,
    });
    expect((await graphVerifier.verify(tokens.access_token)).ok).toBe(false);
    // A refresh keeps the audience and the sign-in claims.
    const refreshed = await oidc.refreshTokenGrant(spa, tokens.refresh_token!);
    expect(decodeJwt(refreshed.access_token)).toMatchObject({
      aud: `api://${apiId}`,
      acr: PHISHING_RESISTANT_STRENGTH_ID,
    });
  });

  it('refuses an API that is no app of the tenant, two APIs at once, and an API with Graph', async () => {
    const who = await w.person({ passkey: true });
    for (const scope of [
      'openid api://0b0b0b0b-0000-4000-8000-000000000000/x',
      `openid api://${apiId}/a api://${confidential.id}/b`,
      `openid api://${apiId}/a User.Read`,
      `openid api://${apiId}/has%20space`,
    ]) {
      const { end } = await w.authorize(who, spa, { scope });
      const error = end.at === 'app' ? end.callback.searchParams.get('error') : `stopped at ${end.at}`;
      expect(['invalid_target', 'invalid_scope'], scope).toContain(error);
    }
  });

  it('gives no API token by client credentials (an API takes tokens for a signed-in user only)', async () => {
    const r = await postForm(
      server,
      tenant,
      'token',
      { grant_type: 'client_credentials', scope: `api://${apiId}/.default` },
      confidential,
    );
    expect(r.status).toBe(400);
    expect(r.body, JSON.stringify(r.body)).toMatchObject({ error: 'invalid_target' });
    expect(r.body.access_token).toBeUndefined();
  });
});
