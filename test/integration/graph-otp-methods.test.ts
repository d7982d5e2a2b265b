// The Graph routes of the one-time code methods on a real server and database: a user's authenticator apps
// (softwareOathMethods: list, get, delete, under /users and /me, the key never returned) and their email method
// (emailMethods: add, list, get, change, delete, one per user, under the Email configuration), each change audited,
// another tenant's token seeing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_METHOD_ID } from '../../src/core/graph-otp-methods.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { appToken, errorCode, graphClient } from '../support/graph-client.ts';
import { addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';
import { postJson, sessionCookie } from '../support/otp-pages.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe.each(engines)('Graph one-time code methods on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let token = '';
  let n = 0;
  const graph = graphClient(() => server, { token: () => token });
  const newUser = () => createUser(server.ctx, tenant, { userPrincipalName: `otp${++n}@contoso.com` });
  /** An authenticator app of the user (stored directly: these tests are about the API). */
  const setUp = (user: User) => addTotp(server.ctx, tenant, user.id);

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
    token = (await appToken(server, tenant, 'UserAuthenticationMethod.ReadWrite.All')).token;
  });
  afterAll(() => server?.close());

  describe('softwareOathMethods', () => {
    it('lists and gets a user’s apps without the key, and deletes one (audited)', async () => {
      const user = await newUser();
      await setUp(user);
      const list = await graph('GET', `/users/${user.id}/authentication/softwareOathMethods`, { token });
      expect(list.status).toBe(200);
      const value = list.body.value as { id: string; secretKey: null; '@odata.type': string }[];
      expect(value).toHaveLength(1);
      expect(value[0]).toMatchObject({
        '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod',
        secretKey: null,
      });
      const id = value[0]!.id;
      const one = await graph('GET', `/users/${user.userPrincipalName}/authentication/softwareOathMethods/${id}`, {
        token,
      });
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(id);
      const del = await graph('DELETE', `/users/${user.id}/authentication/softwareOathMethods/${id}`, { token });
      expect(del.status).toBe(204);
      const gone = await graph('GET', `/users/${user.id}/authentication/softwareOathMethods/${id}`, { token });
      expect(gone.status).toBe(404);
      expect(errorCode(gone)).toBe('GRAPH_RESOURCE_NOT_FOUND');
      const audits = (await listAudits(server.ctx.db, tenant.id)).filter((a) => a.targetId === user.id);
      expect(audits.map((a) => a.activity)).toContain('Delete software OATH method');
      // The app no longer signs in.
      const s = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
      const r = await postJson(server, '/contoso/signin/second-factor', { method: 'totp', code: '000000' }, s.cookie);
      expect(r.body.error.code).toBe('OTP_TOTP_NOT_REGISTERED');
    });

    it('/me: the signed-in user lists and deletes their own apps, never another user’s', async () => {
      const spa = (
        await createApp(server.ctx, tenant, { name: 'Me page', redirectUris: [`${server.url}/cb`], publicClient: true })
      ).app.id;
      const user = await newUser();
      await setUp(user);
      const other = await newUser();
      await setUp(other);
      const { pass } = await issueTap(server.ctx, tenant, user, {
        oneTime: false,
        actor: { type: 'system', id: null },
      });
      const r = await authorizationCodeTokens(
        server,
        tenant,
        { id: spa },
        { upn: user.userPrincipalName, pass },
        'openid profile UserAuthenticationMethod.ReadWrite',
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const mine = String(r.body.access_token);
      const list = await graph('GET', '/me/authentication/softwareOathMethods', { token: mine });
      expect(list.status).toBe(200);
      const [own] = list.body.value as { id: string }[];
      const theirs = (await graph('GET', `/users/${other.id}/authentication/softwareOathMethods`, { token })).body
        .value as { id: string }[];
      expect(
        (await graph('GET', `/me/authentication/softwareOathMethods/${theirs[0]!.id}`, { token: mine })).status,
      ).toBe(404);
      expect(
        (await graph('DELETE', `/me/authentication/softwareOathMethods/${theirs[0]!.id}`, { token: mine })).status,
      ).toBe(404);
      expect((await graph('DELETE', `/me/authentication/softwareOathMethods/${own!.id}`, { token: mine })).status).toBe(
        204,
      );
      expect((await graph('GET', '/me/authentication/softwareOathMethods', { token: mine })).body.value).toEqual([]);
      // The other user's app is still there.
      expect(
        (await graph('GET', `/users/${other.id}/authentication/softwareOathMethods`, { token })).body.value,
      ).toHaveLength(1);
      // Five minutes after the sign-in behind the token, deleting needs a fresh one.
      await setUp(user);
      const again = (await graph('GET', '/me/authentication/softwareOathMethods', { token: mine })).body.value as {
        id: string;
      }[];
      server.clock.offsetMs = 6 * 60_000;
      try {
        const stale = await graph('DELETE', `/me/authentication/softwareOathMethods/${again[0]!.id}`, { token: mine });
        expect(errorCode(stale)).toBe('OTP_STRONG_AUTH_REQUIRED');
      } finally {
        server.clock.offsetMs = 0;
      }
    });

    it("another tenant's token sees none of them", async () => {
      const user = await newUser();
      await setUp(user);
      const other = await createTenant(server.ctx, { slug: `graph-${++n}` });
      const theirs = (await appToken(server, other, 'UserAuthenticationMethod.ReadWrite.All')).token;
      for (const path of ['softwareOathMethods', 'methods']) {
        const r = await graph('GET', `/users/${user.id}/authentication/${path}`, { token: theirs });
        expect(r.status).toBe(404);
        expect(errorCode(r)).toBe('GRAPH_RESOURCE_NOT_FOUND');
      }
    });
  });

  describe('emailMethods', () => {
    it('manages the address through Graph: add, list, get, change, delete — audited; one per user', async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: `g${++n}@contoso.com` });
      const root = `/users/${user.id}/authentication/emailMethods`;
      const created = await graph('POST', root, { body: { emailAddress: 'first@mail.example' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        '@odata.type': '#microsoft.graph.emailAuthenticationMethod',
        id: EMAIL_METHOD_ID,
        emailAddress: 'first@mail.example',
      });
      const again = await graph('POST', root, { body: { emailAddress: 'second@mail.example' } });
      expect(again.status).toBe(409);
      expect(errorCode(again)).toBe('OTP_EMAIL_METHOD_EXISTS');
      const list = await graph('GET', root);
      expect((list.body.value as unknown[]).length).toBe(1);
      const changed = await graph('PATCH', `${root}/${EMAIL_METHOD_ID}`, {
        body: { emailAddress: 'new@mail.example' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.emailAddress).toBe('new@mail.example');
      expect((await graph('GET', `${root}/${EMAIL_METHOD_ID}`)).body.emailAddress).toBe('new@mail.example');
      expect((await graph('DELETE', `${root}/${EMAIL_METHOD_ID}`)).status).toBe(204);
      expect((await graph('GET', `${root}/${EMAIL_METHOD_ID}`)).status).toBe(404);
      const activities = (await listAudits(server.ctx.db, tenant.id)).filter((a) => a.targetId === user.id);
      expect(activities.map((a) => a.activity)).toEqual(
        expect.arrayContaining(['Add email method', 'Update email method', 'Delete email method']),
      );
    });

    it('refuses a bad address or an unknown field, naming it, and a user the Email method does not target', async () => {
      const user = await createUser(server.ctx, tenant, { userPrincipalName: `b${++n}@contoso.com` });
      const root = `/users/${user.id}/authentication/emailMethods`;
      for (const emailAddress of ['nope', 'a b@example.com', 'Jane <jane@example.com>', 42]) {
        const r = await graph('POST', root, { body: { emailAddress } });
        expect(r.status).toBe(400);
        expect(errorCode(r)).toBe('OTP_EMAIL_ADDRESS_INVALID');
      }
      const extra = await graph('POST', root, { body: { emailAddress: 'ok@mail.example', id: 'x' } });
      expect(errorCode(extra)).toBe('REQUEST_INVALID');
      const off = await createTenant(server.ctx, { slug: `off-${++n}` });
      const offToken = (await appToken(server, off, 'UserAuthenticationMethod.ReadWrite.All')).token;
      const someone = await createUser(server.ctx, off, { userPrincipalName: `s${n}@off.example` });
      const r = await graph('POST', `/users/${someone.id}/authentication/emailMethods`, {
        token: offToken,
        body: { emailAddress: 'ok@mail.example' },
      });
      expect(r.status).toBe(403);
      expect(errorCode(r)).toBe('OTP_EMAIL_NOT_ALLOWED');
    });
  });
});
