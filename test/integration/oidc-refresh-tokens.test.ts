// Refresh tokens seen from the apps that hold them (openid-client as the relying party): each use rotates the
// token, a rotated-out token used again ends the whole grant (RFC 9700 §4.14.2, reuse detection), a token works
// for its own client only, the app can revoke it (RFC 7009), and disabling the user ends it. oidc-provider does
// the rotation; Signet's adapter makes the reuse revoke the grant (src/oidc/adapter.ts consume).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initInstance } from '../../src/flows/bootstrap.ts';
import { createApp, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { updateDirectoryUser } from '../../src/flows/users.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { oidc, postForm, rpConfig, signInThroughApp, userinfo, type Who } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('refresh tokens on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let who: Who;
  let publicApp: string;
  let secretApp: { id: string; secret: string };
  let spa: oidc.Configuration;
  let web: oidc.Configuration;
  const redirect = () => `${server.url}/cb`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const init = await initInstance(server.ctx);
    tenant = init.tenant;
    const tap = await issueTap(server.ctx, tenant, init.admin, { oneTime: false, actor: { type: 'system', id: null } });
    who = { upn: init.admin.userPrincipalName, pass: tap.pass };
    publicApp = (await createApp(server.ctx, tenant, { name: 'SPA', redirectUris: [redirect()], publicClient: true }))
      .app.id;
    const c = await createApp(server.ctx, tenant, { name: 'Web', redirectUris: [redirect()], publicClient: false });
    secretApp = { id: c.app.id, secret: c.clientSecret! };
    spa = await rpConfig(server, tenant, publicApp);
    web = await rpConfig(server, tenant, secretApp.id, oidc.ClientSecretBasic(secretApp.secret));
  });
  afterAll(() => server.close());

  const refresh = (refreshToken: string, clientId = publicApp) =>
    postForm(server, tenant, 'token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });

  it('rotates the refresh token at each use: the new pair works, with the same subject', async () => {
    const { tokens } = await signInThroughApp(server, tenant, spa, redirect(), who);
    const next = await oidc.refreshTokenGrant(spa, tokens.refresh_token!);
    expect(next.refresh_token).toBeTruthy();
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.claims()?.sub).toBe(tokens.claims()?.sub);
    expect((await userinfo(server, tenant, next.access_token)).body.sub).toBe(tokens.claims()?.sub);
    const third = await oidc.refreshTokenGrant(spa, next.refresh_token!);
    expect(third.refresh_token).not.toBe(next.refresh_token);
  });

  it('ends the whole grant when a rotated-out refresh token is used again: the newest tokens stop working too', async () => {
    const { tokens } = await signInThroughApp(server, tenant, spa, redirect(), who);
    const rotated = await oidc.refreshTokenGrant(spa, tokens.refresh_token!);
    expect((await userinfo(server, tenant, rotated.access_token)).status).toBe(200);
    // An attacker replays the stolen, already rotated-out token.
    const replay = await refresh(tokens.refresh_token!);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // The legitimate app's newest refresh token and access tokens (from the code and from the rotation) are gone.
    const newest = await refresh(rotated.refresh_token!);
    expect(newest.status).toBe(400);
    expect(newest.body.error).toBe('invalid_grant');
    expect((await userinfo(server, tenant, rotated.access_token)).status).toBe(401);
    expect((await userinfo(server, tenant, tokens.access_token)).status).toBe(401);
  });

  it('lets exactly one of 10 parallel uses of one refresh token succeed, and the race ends the grant', async () => {
    const { tokens } = await signInThroughApp(server, tenant, spa, redirect(), who);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(tokens.refresh_token!)));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 400).every((r) => r.body.error === 'invalid_grant')).toBe(true);
    expect((await refresh(String(won[0]!.body.refresh_token))).body.error).toBe('invalid_grant');
  });

  it("binds a refresh token to its client: another app presenting it gets invalid_grant and the owner's token still works (oidcc-refresh-token, FAPI-11)", async () => {
    const { tokens } = await signInThroughApp(server, tenant, spa, redirect(), who);
    const stolen = await postForm(
      server,
      tenant,
      'token',
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      secretApp,
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    const otherPublic = (
      await createApp(server.ctx, tenant, { name: 'Other SPA', redirectUris: [redirect()], publicClient: true })
    ).app.id;
    expect((await refresh(tokens.refresh_token!, otherPublic)).body.error).toBe('invalid_grant');
    expect((await refresh(tokens.refresh_token!)).status).toBe(200);
  });

  it('works for a confidential client with its secret, and refuses it without', async () => {
    const { tokens } = await signInThroughApp(server, tenant, web, redirect(), who);
    const unauthenticated = await refresh(tokens.refresh_token!, secretApp.id);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.error).toBe('invalid_client');
    const next = await oidc.refreshTokenGrant(web, tokens.refresh_token!);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
  });

  it('is revoked by its app at /oauth2/v2.0/revoke (RFC 7009); another app cannot revoke it', async () => {
    const { tokens } = await signInThroughApp(server, tenant, web, redirect(), who);
    // Another (public) app: RFC 7009 answers 200 whatever happened, and nothing is revoked.
    const foreign = await postForm(server, tenant, 'revoke', { token: tokens.refresh_token!, client_id: publicApp });
    expect(foreign.status).toBe(200);
    expect((await oidc.refreshTokenGrant(web, tokens.refresh_token!)).access_token).toBeTruthy();
    // Another confidential app, authenticated: the same 200, no error saying the token is live, nothing revoked.
    const spaTokens = (await signInThroughApp(server, tenant, spa, redirect(), who)).tokens;
    const confidential = await postForm(server, tenant, 'revoke', { token: spaTokens.refresh_token! }, secretApp);
    expect(confidential).toEqual({ status: 200, body: {} });
    expect((await refresh(spaTokens.refresh_token!)).status).toBe(200);
    const fresh = await signInThroughApp(server, tenant, web, redirect(), who);
    await oidc.tokenRevocation(web, fresh.tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    const after = await postForm(
      server,
      tenant,
      'token',
      { grant_type: 'refresh_token', refresh_token: fresh.tokens.refresh_token! },
      secretApp,
    );
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
    // An access token revoked on its own stops working at userinfo.
    await oidc.tokenRevocation(web, fresh.tokens.access_token, { token_type_hint: 'access_token' });
    expect((await userinfo(server, tenant, fresh.tokens.access_token)).status).toBe(401);
  });

  it('ends at the grant’s absolute 14-day life however often it was rotated (ASVS 10.4.8), and an offline one outlives the sign-in', async () => {
    const { tokens } = await signInThroughApp(server, tenant, spa, redirect(), who, undefined, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    const day = 24 * 3600 * 1000;
    try {
      let current = tokens.refresh_token!;
      // Past the 12-hour Signet and provider sessions: an offline_access token does not end with them.
      for (const at of [1, 7, 13]) {
        server.clock.offsetMs = at * day;
        const next = await refresh(current);
        expect(next.status, `day ${at}`).toBe(200);
        current = String(next.body.refresh_token);
      }
      server.clock.offsetMs = 14 * day + 60_000;
      const expired = await refresh(current);
      expect(expired.status).toBe(400);
      expect(expired.body.error).toBe('invalid_grant');
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('ends when the user is disabled through the directory (refresh and access tokens), and stays ended after re-enabling', async () => {
    const dana = await createUser(server.ctx, tenant, { userPrincipalName: `dana-${engine}@example.com` });
    const pass = (await issueTap(server.ctx, tenant, dana, { oneTime: false, actor: { type: 'system', id: null } }))
      .pass;
    const { tokens } = await signInThroughApp(server, tenant, spa, redirect(), { upn: dana.userPrincipalName, pass });
    const app = {
      kind: 'application',
      tenantId: tenant.id,
      appId: secretApp.id,
      roles: ['User.ReadWrite.All'],
    } as const;
    await updateDirectoryUser(server.ctx, tenant, app, dana.id, { accountEnabled: false });
    const refused = await refresh(tokens.refresh_token!);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
    expect((await userinfo(server, tenant, tokens.access_token)).status).toBe(401);
    // Enabled again, the old tokens do not come back: the app must sign the user in again.
    await updateDirectoryUser(server.ctx, tenant, app, dana.id, { accountEnabled: true });
    expect((await refresh(tokens.refresh_token!)).body.error).toBe('invalid_grant');
  });
});
