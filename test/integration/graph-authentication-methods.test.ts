// A user's authentication methods through the Graph API as a script sees them: every method in Graph's shapes,
// the passkeys (list, get, delete — which ends the user's sessions and refresh tokens at once), the Temporary
// Access Pass (create — the pass only then — list, get, delete); another tenant never sees or changes them; a
// privileged user's methods only a Privileged Authentication Administrator (or Global Administrator) changes.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { issueTap, signInWithTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { authorizationCode } from '../support/code-flow.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { errorCode as codeOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
const SCOPE = 'openid profile offline_access UserAuthenticationMethod.ReadWrite.All';

describe.each(engines)('Graph authentication methods on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let appA: string;
  let tokenA: string;
  let passkeyOnlyA: string;
  let tokenB: string;
  let spa: string;

  const appToken = (t: Tenant, permission: string) =>
    graphAppToken(server, t, permission, { name: `methods-${permission}` });

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    const ta = await appToken(a, 'UserAuthenticationMethod.ReadWrite.All');
    appA = ta.appId;
    tokenA = ta.token;
    passkeyOnlyA = (await appToken(a, 'UserAuthMethod-Passkey.ReadWrite.All')).token;
    tokenB = (await appToken(b, 'UserAuthenticationMethod.ReadWrite.All')).token;
    spa = (await createApp(server.ctx, a, { name: 'SPA', redirectUris: [`${server.url}/cb`], publicClient: true })).app
      .id;
  });
  afterAll(() => server?.close());

  const graph = graphClient<Json & { value: Json[] }>(() => server, { token: () => tokenA });

  let n = 0;
  const newUser = (roles: string[] = []) =>
    createUser(server.ctx, a, { userPrincipalName: `m${++n}-${randomBytes(3).toString('hex')}@contoso.com`, roles });

  /** A real passkey, registered through the ceremony with a software authenticator. */
  async function withPasskey(user: User, backupEligible = false) {
    const { session } = await startSession(server.ctx, server.ctx.db, {
      tenantId: a.id,
      userId: user.id,
      method: 'temporaryAccessPass',
    });
    const auth = new SoftAuthenticator({ backupEligible });
    const credential = await auth.register(await beginPasskeyRegistration(server.ctx, a, session), {
      origin: server.url,
    });
    const passkey = await finishPasskeyRegistration(server.ctx, a, session, { credential, name: 'Red key' });
    const signIn = async () =>
      finishPasskeySignIn(
        server.ctx,
        a,
        await auth.authenticate(await beginPasskeySignIn(server.ctx, a, {}), { origin: server.url }),
      );
    return { passkey, signIn };
  }

  /** The user signed in (TAP, in a browser) to an app that holds their refresh token. */
  async function refreshTokenOf(user: User) {
    const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
    const upn = user.userPrincipalName;
    const { code, verifier } = await authorizationCode(server, a, {
      clientId: spa,
      redirectUri: `${server.url}/cb`,
      scope: 'openid offline_access',
      upn,
      pass,
      state: 's',
      nonce: 'n',
    });
    const issued = (await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${server.url}/cb`,
      client_id: spa,
      code_verifier: verifier,
    }).then((r) => r.json())) as { refresh_token: string };
    expect(issued.refresh_token).toBeTruthy();
    return issued.refresh_token;
  }
  const token = (body: Record<string, string>) =>
    fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
  const refresh = async (refreshToken: string) => {
    const res = await token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa });
    return { status: res.status, error: ((await res.json()) as { error?: string }).error };
  };

  it('lists every method in Graph shapes, and the passkeys alone, and one by its id', async () => {
    const user = await newUser();
    const { passkey } = await withPasskey(user, true);
    await issueTap(server.ctx, a, user, { lifetimeMinutes: 120, actor: { type: 'system', id: null } });
    const all = await graph('GET', `/users/${user.id}/authentication/methods`);
    expect(all.status).toBe(200);
    expect(all.body['@odata.context']).toBe(
      `${server.url}/graph/v1.0/$metadata#users('${user.id}')/authentication/methods`,
    );
    const fido2 = {
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
      id: passkey.id,
      displayName: 'Red key',
      createdDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      aaGuid: passkey.aaguid,
      model: null,
      attestationCertificates: [],
      attestationLevel: 'notAttested',
      passkeyType: 'synced',
    };
    expect(all.body.value).toEqual([
      fido2,
      {
        '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
        id: expect.any(String),
        temporaryAccessPass: null,
        createdDateTime: expect.any(String),
        startDateTime: expect.any(String),
        lifetimeInMinutes: 120,
        isUsableOnce: true,
        isUsable: true,
        methodUsabilityReason: 'EnabledByPolicy',
      },
    ]);
    // By userPrincipalName too, and with the passkey-only permission.
    const list = await graph(
      'GET',
      `/users/${encodeURIComponent(user.userPrincipalName)}/authentication/fido2Methods`,
      {
        token: passkeyOnlyA,
      },
    );
    expect(list.status).toBe(200);
    expect(list.body.value).toEqual([fido2]);
    const one = await graph('GET', `/users/${user.id}/authentication/fido2Methods/${passkey.id}`);
    expect(one.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users('${user.id}')/authentication/fido2Methods/$entity`,
      ...fido2,
    });
    const missing = await graph('GET', `/users/${user.id}/authentication/fido2Methods/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(codeOf(missing)).toBe('GRAPH_RESOURCE_NOT_FOUND');
    // The passkey-only permission opens no pass.
    const tap = await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods`, {
      token: passkeyOnlyA,
    });
    expect(tap.status).toBe(403);
    const none = await graph('GET', `/users/${(await newUser()).id}/authentication/methods`);
    expect(none.body.value).toEqual([]);
  });

  it('deleting a passkey: 204, it no longer signs in, the refresh tokens fail, audited with the app', async () => {
    const user = await newUser();
    const { passkey, signIn } = await withPasskey(user);
    await expect(signIn()).resolves.toMatchObject({ user: { id: user.id } });
    const rt = await refreshTokenOf(user);
    expect((await refresh(rt)).status).toBe(200);
    const rt2 = await refreshTokenOf(user);
    const gone = await graph('DELETE', `/users/${user.id}/authentication/fido2Methods/${passkey.id}`);
    expect(gone.status).toBe(204);
    expect(gone.text).toBe('');
    await expect(signIn()).rejects.toMatchObject({ code: expect.stringMatching(/^SIGNIN_/) });
    expect(await refresh(rt2)).toEqual({ status: 400, error: 'invalid_grant' });
    expect((await graph('GET', `/users/${user.id}/authentication/fido2Methods`)).body.value).toEqual([]);
    const again = await graph('DELETE', `/users/${user.id}/authentication/fido2Methods/${passkey.id}`);
    expect(again.status).toBe(404);
    const audit = (await listAudits(server.ctx.db, a.id)).find(
      (r) => r.activity === 'Delete passkey' && r.targetId === passkey.id,
    );
    expect(audit).toMatchObject({ actorType: 'app', actorId: appA, detail: { userId: user.id } });
  });

  it('a new pass: 201 with the pass once, signs the user in once, never listed, deleted → no longer works', async () => {
    const user = await newUser();
    const start = new Date(Date.now() - 60_000).toISOString();
    const made = await graph('POST', `/users/${user.id}/authentication/temporaryAccessPassMethods`, {
      body: { startDateTime: start, lifetimeInMinutes: 60, isUsableOnce: true },
    });
    expect(made.status, made.text).toBe(201);
    const pass = String(made.body.temporaryAccessPass);
    expect(pass).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(made.body).toMatchObject({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
      lifetimeInMinutes: 60,
      isUsableOnce: true,
      isUsable: true,
      methodUsabilityReason: 'EnabledByPolicy',
    });
    const id = String(made.body.id);
    const list = await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods`);
    expect(list.body.value).toEqual([expect.objectContaining({ id, temporaryAccessPass: null })]);
    const one = await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods/${id}`);
    const methods = await graph('GET', `/users/${user.id}/authentication/methods`);
    for (const r of [list, one, methods]) expect(r.text).not.toContain(pass);
    const signIn = () => signInWithTap(server.ctx, a, { username: user.userPrincipalName, pass });
    await expect(signIn()).resolves.toMatchObject({ user: { id: user.id } });
    await expect(signIn()).rejects.toMatchObject({ code: 'TAP_ALREADY_USED' });
    const used = await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods/${id}`);
    expect(used.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'OneTimeUsed' });

    // A second pass replaces the first (at most one per user, as Graph has it); deleting it ends it.
    const second = await graph('POST', `/users/${user.id}/authentication/temporaryAccessPassMethods`, {
      body: { isUsableOnce: false },
    });
    expect(second.status).toBe(201);
    const list2 = await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods`);
    expect(list2.body.value.map((t) => t.id)).toEqual([second.body.id]);
    expect((await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods/${id}`)).status).toBe(404);
    const del = await graph('DELETE', `/users/${user.id}/authentication/temporaryAccessPassMethods/${second.body.id}`);
    expect(del.status).toBe(204);
    await expect(
      signInWithTap(server.ctx, a, { username: user.userPrincipalName, pass: String(second.body.temporaryAccessPass) }),
    ).rejects.toMatchObject({ code: 'TAP_INVALID' });
    expect((await graph('GET', `/users/${user.id}/authentication/temporaryAccessPassMethods`)).body.value).toEqual([]);
    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === user.id);
    expect(audits.map((r) => r.activity)).toEqual(
      expect.arrayContaining(['Issue Temporary Access Pass', 'Delete Temporary Access Pass']),
    );
    for (const r of audits.filter((x) => x.activity.includes('Temporary Access Pass')))
      expect(r).toMatchObject({ actorType: 'app', actorId: appA });
  });

  it('a pass that starts later is not yet usable; bad bodies are catalogue codes', async () => {
    const user = await newUser();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const made = await graph('POST', `/users/${user.id}/authentication/temporaryAccessPassMethods`, {
      body: { startDateTime: later, lifetimeInMinutes: 10 },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid', lifetimeInMinutes: 10 });
    await expect(
      signInWithTap(server.ctx, a, { username: user.userPrincipalName, pass: String(made.body.temporaryAccessPass) }),
    ).rejects.toMatchObject({ code: 'TAP_INVALID' });
    const path = `/users/${user.id}/authentication/temporaryAccessPassMethods`;
    for (const [body, code] of [
      [{ lifetimeInMinutes: 9 }, 'REQUEST_INVALID'],
      [{ lifetimeInMinutes: 43_201 }, 'REQUEST_INVALID'],
      [{ lifetimeInMinutes: '60' }, 'REQUEST_INVALID'],
      [{ startDateTime: 'tomorrow' }, 'REQUEST_INVALID'],
      [{ isUsableOnce: 'yes' }, 'REQUEST_INVALID'],
      [{ colour: 'red' }, 'GRAPH_PROPERTY_UNKNOWN'],
      [{ temporaryAccessPass: 'mine' }, 'GRAPH_PROPERTY_READ_ONLY'],
      [[1], 'REQUEST_INVALID'],
    ] as const) {
      const r = await graph('POST', path, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(codeOf(r), JSON.stringify(body)).toBe(code);
    }
    // The pass made first is still the one.
    expect((await graph('GET', path)).body.value.map((t) => t.id)).toEqual([made.body.id]);
  });

  it("another tenant's token never sees or changes a user's methods", async () => {
    const user = await newUser();
    const { passkey } = await withPasskey(user);
    const made = await graph('POST', `/users/${user.id}/authentication/temporaryAccessPassMethods`, { body: {} });
    const tapId = String(made.body.id);
    const root = `/users/${user.id}/authentication`;
    for (const [method, path, body] of [
      ['GET', `${root}/methods`],
      ['GET', `${root}/fido2Methods`],
      ['GET', `${root}/fido2Methods/${passkey.id}`],
      ['DELETE', `${root}/fido2Methods/${passkey.id}`],
      ['GET', `${root}/temporaryAccessPassMethods`],
      ['GET', `${root}/temporaryAccessPassMethods/${tapId}`],
      ['POST', `${root}/temporaryAccessPassMethods`, {}],
      ['DELETE', `${root}/temporaryAccessPassMethods/${tapId}`],
    ] as const) {
      const r = await graph(method, path, { token: tokenB, ...(body ? { body } : {}) });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.text).not.toContain(passkey.id);
      expect(r.text).not.toContain(tapId);
    }
    const all = await graph('GET', `${root}/methods`);
    expect(all.body.value.map((m) => m.id)).toEqual([passkey.id, tapId]);
  });

  describe('privileged users, with delegated tokens', () => {
    async function adminToken(role: string) {
      const admin = await newUser();
      await assignRole(server.ctx.db, a.id, admin.id, role);
      const { pass } = await issueTap(server.ctx, a, admin, { oneTime: false, actor: { type: 'system', id: null } });
      const r = await authorizationCodeTokens(server, a, { id: spa }, { upn: admin.userPrincipalName, pass }, SCOPE);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return { admin, token: String(r.body.access_token) };
    }

    it("an Authentication Administrator cannot change a Global Administrator's methods; a Privileged one can", async () => {
      const boss = await newUser(['Global Administrator']);
      const { passkey } = await withPasskey(boss);
      const plain = await newUser();
      const plainKey = (await withPasskey(plain)).passkey;
      const authAdmin = (await adminToken('Authentication Administrator')).token;
      const { admin: pa, token: privAdmin } = await adminToken('Privileged Authentication Administrator');
      const root = `/users/${boss.id}/authentication`;

      // Reading is allowed to both.
      expect((await graph('GET', `${root}/methods`, { token: authAdmin })).status).toBe(200);
      for (const [method, path, body] of [
        ['DELETE', `${root}/fido2Methods/${passkey.id}`],
        ['POST', `${root}/temporaryAccessPassMethods`, { lifetimeInMinutes: 30 }],
      ] as const) {
        const r = await graph(method, path, { token: authAdmin, ...(body ? { body } : {}) });
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(codeOf(r)).toBe('GRAPH_PERMISSION_DENIED');
      }
      // Nor may an app, with the permission alone.
      expect((await graph('DELETE', `${root}/fido2Methods/${passkey.id}`)).status).toBe(403);
      expect((await graph('GET', `${root}/fido2Methods`)).body.value).toHaveLength(1);
      // An ordinary user's passkey the Authentication Administrator may delete.
      expect(
        (await graph('DELETE', `/users/${plain.id}/authentication/fido2Methods/${plainKey.id}`, { token: authAdmin }))
          .status,
      ).toBe(204);

      const made = await graph('POST', `${root}/temporaryAccessPassMethods`, {
        token: privAdmin,
        body: { lifetimeInMinutes: 30 },
      });
      expect(made.status).toBe(201);
      const del = await graph('DELETE', `${root}/fido2Methods/${passkey.id}`, { token: privAdmin });
      expect(del.status).toBe(204);
      const tapDel = await graph('DELETE', `${root}/temporaryAccessPassMethods/${made.body.id}`, { token: privAdmin });
      expect(tapDel.status).toBe(204);
      expect((await graph('GET', `${root}/methods`)).body.value).toEqual([]);
      const audit = (await listAudits(server.ctx.db, a.id)).find(
        (r) => r.activity === 'Delete passkey' && r.targetId === passkey.id,
      );
      expect(audit).toMatchObject({ actorType: 'user', actorId: pa.id });
    });
  });
});
