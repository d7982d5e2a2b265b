// authentication/methods lists every method a user has, each in its own Graph shape with its @odata.type: passkeys,
// authenticator apps (softwareOathAuthenticationMethod, the key never returned, only once confirmed), the email
// method (Graph's fixed id) and the pass — under /users/{id} for an administrator's app and under /me for the
// signed-in user, on a real server and database. Another tenant's token sees nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_METHOD_ID } from '../../src/core/graph-otp-methods.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { sealTotpSecret } from '../../src/flows/totp.ts';
import { insertPendingTotp } from '../../src/store/otp-methods.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { appToken, errorCode, graphClient } from '../support/graph-client.ts';
import { addEmail, addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';
import { storePasskey } from '../support/preview-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const ISO_SECOND = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
type Method = Record<string, unknown> & { '@odata.type': string; id: string };

describe.each(engines)('authentication/methods with every kind of method on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let token = '';
  let n = 0;
  const graph = graphClient(() => server, { token: () => token });
  const newUser = () => createUser(server.ctx, tenant, { userPrincipalName: `m${++n}@contoso.com` });
  const methods = async (path: string, t = token) => {
    const r = await graph('GET', path, { token: t });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.value as Method[];
  };

  /** A passkey, two confirmed apps and one still being set up, an email address and a pass. */
  async function withEverything(user: User) {
    const passkey = await storePasskey(server.ctx, tenant, user.id, { name: 'Blue key' });
    const first = await addTotp(server.ctx, tenant, user.id);
    server.clock.offsetMs += 1000;
    const second = await addTotp(server.ctx, tenant, user.id);
    const pendingId = server.ctx.newId();
    await insertPendingTotp(server.ctx.db, {
      id: pendingId,
      tenantId: tenant.id,
      userId: user.id,
      secretSealed: await sealTotpSecret(server.ctx.config, pendingId, Buffer.alloc(20, 7)),
      displayName: 'Half set up',
      createdAt: server.ctx.now(),
    });
    await addEmail(server.ctx, tenant, user.id, `${user.userPrincipalName.split('@')[0]}@mail.example`);
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } });
    return { passkey, apps: [first.id, second.id], pendingId, pass };
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
    token = (await appToken(server, tenant, 'UserAuthenticationMethod.ReadWrite.All')).token;
  });
  afterAll(() => server?.close());

  it('/users/{id}: the passkey, the confirmed apps (no key), the email method and the pass, each typed', async () => {
    const user = await newUser();
    const made = await withEverything(user);
    const r = await graph('GET', `/users/${user.id}/authentication/methods`);
    expect(r.body['@odata.context']).toBe(
      `${server.url}/graph/v1.0/$metadata#users('${user.id}')/authentication/methods`,
    );
    const value = r.body.value as Method[];
    expect(value.map((m) => m['@odata.type'])).toEqual([
      '#microsoft.graph.fido2AuthenticationMethod',
      '#microsoft.graph.softwareOathAuthenticationMethod',
      '#microsoft.graph.softwareOathAuthenticationMethod',
      '#microsoft.graph.emailAuthenticationMethod',
      '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
    ]);
    expect(value[0]).toMatchObject({ id: made.passkey, displayName: 'Blue key' });
    // The apps exactly as softwareOathMethods gives them, in the order they were set up; not the one half set up.
    const apps = value.filter((m) => m['@odata.type'].endsWith('softwareOathAuthenticationMethod'));
    for (const app of apps) {
      expect(Object.keys(app).sort()).toEqual(['@odata.type', 'createdDateTime', 'id', 'secretKey']);
      expect(app.secretKey).toBeNull();
      expect(app.createdDateTime).toMatch(ISO_SECOND);
    }
    expect(apps.map((a) => a.id)).toEqual(made.apps);
    expect(apps.map((a) => a.id)).not.toContain(made.pendingId);
    const own = await methods(`/users/${user.id}/authentication/softwareOathMethods`);
    expect(apps).toEqual(own);
    expect(value[3]).toEqual({
      '@odata.type': '#microsoft.graph.emailAuthenticationMethod',
      id: EMAIL_METHOD_ID,
      emailAddress: `${user.userPrincipalName.split('@')[0]}@mail.example`,
    });
    expect(value[3]).toEqual((await methods(`/users/${user.id}/authentication/emailMethods`))[0]);
    expect(value[4]).toMatchObject({ temporaryAccessPass: null, isUsable: true });
    // Nothing secret in the list: neither the pass nor an app's key.
    expect(r.text).not.toContain(made.pass);
    expect(r.text).not.toMatch(/"secretKey":"/);
  });

  it('a method removed is no longer listed; a user with none lists none', async () => {
    const user = await newUser();
    const made = await withEverything(user);
    expect((await graph('DELETE', `/users/${user.id}/authentication/softwareOathMethods/${made.apps[0]}`)).status).toBe(
      204,
    );
    expect((await graph('DELETE', `/users/${user.id}/authentication/emailMethods/${EMAIL_METHOD_ID}`)).status).toBe(
      204,
    );
    const left = await methods(`/users/${user.userPrincipalName}/authentication/methods`);
    expect(left.map((m) => m.id)).not.toContain(made.apps[0]);
    expect(left.map((m) => m.id)).toContain(made.apps[1]);
    expect(left.map((m) => m['@odata.type'])).not.toContain('#microsoft.graph.emailAuthenticationMethod');
    expect(await methods(`/users/${(await newUser()).id}/authentication/methods`)).toEqual([]);
  });

  it('/me: the signed-in user sees their own apps and email method, never another user’s', async () => {
    const spa = (
      await createApp(server.ctx, tenant, {
        name: 'Methods page',
        redirectUris: [`${server.url}/cb`],
        publicClient: true,
      })
    ).app.id;
    const user = await newUser();
    const made = await withEverything(user);
    const other = await newUser();
    const theirs = await withEverything(other);
    const r = await authorizationCodeTokens(
      server,
      tenant,
      { id: spa },
      { upn: user.userPrincipalName, pass: made.pass },
      'openid profile UserAuthenticationMethod.ReadWrite',
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const mine = await methods('/me/authentication/methods', String(r.body.access_token));
    expect(mine).toEqual(await methods(`/users/${user.id}/authentication/methods`));
    const ids = mine.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining([...made.apps, made.passkey, EMAIL_METHOD_ID]));
    for (const id of [...theirs.apps, theirs.passkey]) expect(ids).not.toContain(id);
    const email = mine.find((m) => m.id === EMAIL_METHOD_ID);
    expect(email?.emailAddress).toBe(`${user.userPrincipalName.split('@')[0]}@mail.example`);
  });

  it("another tenant's token sees none of them", async () => {
    const user = await newUser();
    await withEverything(user);
    const elsewhere = await createTenant(server.ctx, { slug: `m-${++n}` });
    const theirs = (await appToken(server, elsewhere, 'UserAuthenticationMethod.ReadWrite.All')).token;
    const r = await graph('GET', `/users/${user.id}/authentication/methods`, { token: theirs });
    expect(r.status).toBe(404);
    expect(errorCode(r)).toBe('GRAPH_RESOURCE_NOT_FOUND');
  });
});
