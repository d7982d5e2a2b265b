// Token introspection (RFC 7662) at /oauth2/v2.0/introspect: a confidential app learns about its own live
// tokens; every other case — another app's token, a public client asking, a revoked or expired token, a user
// since disabled — is `active: false` and nothing else, the same answer as for a token that never existed.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNED_TOKEN_TTL_S } from '../../src/core/signing-key-schedule.ts';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { oidc, postForm, rpConfig, signInThroughApp, type Who } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('token introspection on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let userId: string;
  let web: { id: string; secret: string };
  let other: { id: string; secret: string };
  let spa: string;
  let webRp: oidc.Configuration;
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    const user = await createUser(server.ctx, tenant, { userPrincipalName: `erin-${engine}@example.com` });
    userId = user.id;
    const tap = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: user.userPrincipalName, pass: tap.pass };
    const confidential = async (name: string) => {
      const c = await createApp(server.ctx, tenant, { name, redirectUris: [redirect()], publicClient: false });
      return { id: c.app.id, secret: c.clientSecret! };
    };
    web = await confidential('Web');
    other = await confidential('Other web');
    spa = (await createApp(server.ctx, tenant, { name: 'SPA', redirectUris: [redirect()], publicClient: true })).app.id;
    webRp = await rpConfig(server, tenant, web.id, oidc.ClientSecretBasic(web.secret));
  });
  afterAll(() => server.close());

  const introspect = (token: string, as: { id: string; secret: string } = web) =>
    postForm(server, tenant, 'introspect', { token }, as);

  it('is listed in discovery and answers the app about its own live access and refresh tokens', async () => {
    expect(webRp.serverMetadata().introspection_endpoint).toBe(`${server.url}/${tenant.id}/oauth2/v2.0/introspect`);
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who);
    const at = await oidc.tokenIntrospection(webRp, tokens.access_token);
    expect(at).toMatchObject({
      active: true,
      client_id: web.id,
      sub: userId,
      iss: `${server.url}/${tenant.id}/v2.0`,
      token_type: 'Bearer',
    });
    expect(String(at.scope).split(' ')).toContain('openid');
    expect(at.exp).toBeGreaterThan(Date.now() / 1000);
    const rt = await oidc.tokenIntrospection(webRp, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    expect(rt).toMatchObject({ active: true, client_id: web.id, sub: userId });
    expect(rt.token_type).toBeUndefined();
  });

  it("says only active:false to another app, even a confidential one, about this app's tokens", async () => {
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who);
    for (const token of [tokens.access_token, tokens.refresh_token!]) {
      const res = await introspect(token, other);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ active: false });
    }
    // Asking did not spend or revoke anything: the owner still sees the token live.
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
  });

  it('says only active:false to a public client, even about its own token (confidential clients only)', async () => {
    const spaRp = await rpConfig(server, tenant, spa);
    const { tokens } = await signInThroughApp(server, tenant, spaRp, redirect(), who);
    const res = await postForm(server, tenant, 'introspect', { token: tokens.access_token, client_id: spa });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('refuses a caller that does not authenticate, or with a wrong secret, as invalid_client', async () => {
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who);
    const anonymous = await postForm(server, tenant, 'introspect', { token: tokens.access_token, client_id: web.id });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe('invalid_client');
    const wrong = await introspect(tokens.access_token, { id: web.id, secret: 'guess' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.body.active).toBeUndefined();
  });

  it('answers active:false for a revoked token, and for a token that never existed', async () => {
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who);
    await oidc.tokenRevocation(webRp, tokens.refresh_token!);
    // Revoking the refresh token ends its grant: the access token issued with it goes too.
    expect((await introspect(tokens.refresh_token!)).body).toEqual({ active: false });
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
    expect((await introspect('a'.repeat(43))).body).toEqual({ active: false });
  });

  it('answers active:false for an access token past its lifetime (the refresh token, still live, stays active)', async () => {
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who);
    server.clock.offsetMs += (SIGNED_TOKEN_TTL_S + 1) * 1000;
    try {
      expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
      expect((await introspect(tokens.refresh_token!)).body.active).toBe(true);
    } finally {
      server.clock.offsetMs -= (SIGNED_TOKEN_TTL_S + 1) * 1000;
    }
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
  });

  it('answers active:false for the tokens of a user who is disabled, even before anything revoked them', async () => {
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who);
    // The bare store write: the directory flow also revokes the tokens; introspection must not rely on that.
    await setUserEnabled(server.ctx.db, tenant.id, userId, false);
    try {
      expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
      expect((await introspect(tokens.refresh_token!)).body).toEqual({ active: false });
    } finally {
      await setUserEnabled(server.ctx.db, tenant.id, userId, true);
    }
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
  });

  it("refuses a signed (JWT) Graph access token as unsupported_token_type: a resource server verifies it with the tenant's keys", async () => {
    const { tokens } = await signInThroughApp(server, tenant, webRp, redirect(), who, undefined, {
      scope: 'openid https://graph.microsoft.com/.default',
    });
    expect(decodeJwt(tokens.access_token).aud).toBeTruthy();
    const res = await introspect(tokens.access_token);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_token_type');
  });
});
