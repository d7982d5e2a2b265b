// security-tests.md §7 top test 10, the admin API's part: once an administrator disables a user through Graph,
// everything the user held stops at once — the Signet session in the browser, a code not yet redeemed, the
// refresh token, the access token at Graph (/me and the admin routes), a new authorization request in the same
// browser, and a sign-in with a pass that is still valid — and each refusal is in the sign-in log with its code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CookieClient } from '../support/browserless.ts';
import { authorizationCode } from '../support/code-flow.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { errorCode as codeOf, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;

describe.each(engines)('a user disabled through Graph on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let adminToken: string;
  let clientId: string;
  const redirectUri = () => `${server.url}/cb`;
  const SCOPE = 'openid offline_access https://graph.microsoft.com/UserAuthenticationMethod.ReadWrite';

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    const admin = await createApp(server.ctx, a, {
      name: 'directory sync',
      redirectUris: [],
      publicClient: false,
      permissions: ['User.ReadWrite.All', 'AuditLog.Read.All'],
    });
    const t = await clientCredentials(server, a, { id: admin.app.id, secret: admin.clientSecret! }, '.default');
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    adminToken = String(t.body.access_token);
    const spa = await createApp(server.ctx, a, { name: 'spa', redirectUris: [redirectUri()], publicClient: true });
    clientId = spa.app.id;
  });
  afterAll(() => server?.close());

  const client = graphClient<Json>(() => server, { empty: {} });
  const graph = (method: string, path: string, token: string, body?: unknown) => client(method, path, { token, body });
  const token = async (body: Record<string, string>) => {
    const res = await fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: clientId, ...body }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const redeem = (c: { code: string; verifier: string }) =>
    token({ grant_type: 'authorization_code', code: c.code, redirect_uri: redirectUri(), code_verifier: c.verifier });

  it('loses the browser session, an unredeemed code, the refresh and access tokens, and cannot sign in again', async () => {
    const upn = 'leaver@contoso.com';
    const user = await createUser(server.ctx, a, { userPrincipalName: upn });
    const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
    const browser = new CookieClient(server.url);
    const flow = { clientId, redirectUri: redirectUri(), scope: SCOPE, upn, pass };

    // Signed in: tokens from one code, and a second code the app has not redeemed yet.
    const issued = await redeem(await authorizationCode(server, a, { ...flow, prompt: 'consent' }, browser));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const accessToken = String(issued.body.access_token);
    const refreshToken = String(issued.body.refresh_token);
    expect(refreshToken).not.toBe('undefined');
    const pending = await authorizationCode(server, a, flow, browser);
    expect((await graph('GET', '/me', accessToken)).status).toBe(200);
    expect((await browser.fetch(`/${a.slug}/account`)).status).toBe(200);

    const disabled = await graph('PATCH', `/users/${user.id}`, adminToken, { accountEnabled: false });
    expect(disabled.status).toBe(204);

    // The browser's Signet session is gone: the account page sends the person to sign in.
    const account = await browser.fetch(`/${a.slug}/account`);
    expect(account.status).toBeGreaterThanOrEqual(300);
    expect(account.status).toBeLessThan(400);
    expect(account.headers.get('location')).toContain('/signin');

    // The code issued before, the refresh token and the access token are all refused.
    expect(await redeem(pending)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await token({ grant_type: 'refresh_token', refresh_token: refreshToken })).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    for (const path of ['/me', '/me/authentication/fido2Methods', `/users/${user.id}`]) {
      const r = await graph('GET', path, accessToken);
      expect([r.status, codeOf(r)], path).toEqual([401, 'GRAPH_USER_DISABLED']);
    }

    // A new authorization request in the same browser never comes back to the app with a code.
    await expect(authorizationCode(server, a, flow, browser)).rejects.toThrow(/TAP sign-in: 403/);
    const direct = await fetch(`${server.url}/${a.slug}/signin/tap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.ctx.config.origin },
      body: JSON.stringify({ username: upn, pass }),
    });
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { error: { code: string } }).error.code).toBe('SIGNIN_USER_DISABLED');

    // And the help desk reads why in the sign-in log.
    const log = await graph('GET', `/auditLogs/signIns?$filter=userId eq '${user.id}'`, adminToken);
    expect(log.status).toBe(200);
    const codes = (log.body.value as { status: { errorCode: unknown } }[]).map((r) => r.status.errorCode);
    expect(codes).toContain('SIGNIN_USER_DISABLED');
  });
});
