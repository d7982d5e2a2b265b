// The Graph users resource as a script sees it: create, get, list with OData query options and paging, update,
// disable, delete; the revocation that disabling and deleting bring; the audit rows; and tenant isolation.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { CookieClient } from '../support/browserless.ts';
import { authorizationCode } from '../support/code-flow.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { errorOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
type Page = { value: Json[]; '@odata.nextLink'?: string; '@odata.count'?: number; '@odata.context': string };

describe.each(engines)('Graph users on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let admin: User;
  let appA: string;
  let tokenA: string;
  let tokenB: string;

  const appToken = (t: Tenant, permission: string) =>
    graphAppToken(server, t, permission, { name: `users-${permission}`, scope: 'User.ReadWrite.All' });

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    admin = await createUser(server.ctx, a, {
      userPrincipalName: 'admin@contoso.com',
      roles: ['Global Administrator'],
    });
    const ta = await appToken(a, 'User.ReadWrite.All');
    appA = ta.appId;
    tokenA = ta.token;
    tokenB = (await appToken(b, 'User.ReadWrite.All')).token;
  });
  afterAll(() => server?.close());

  const graph = graphClient<Json & Page>(() => server, { token: () => tokenA });
  const create = async (upn: string, displayName: string, extra: Json = {}) => {
    const r = await graph('POST', '/users', {
      body: { accountEnabled: true, displayName, userPrincipalName: upn, ...extra },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as unknown as Json & { id: string };
  };
  const upns = (p: Page) => p.value.map((u) => u.userPrincipalName);

  it('creates a user (201 with the entity), gets it by id and by UPN, refuses a duplicate with 409', async () => {
    const made = await create('carol@contoso.com', 'Carol Jones', {
      mailNickname: 'carol',
      passwordProfile: { password: 'xWwvJ]6NMw+bWH-d', forceChangePasswordNextSignIn: true },
    });
    expect(made).toMatchObject({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users/$entity`,
      userPrincipalName: 'carol@contoso.com',
      displayName: 'Carol Jones',
      accountEnabled: true,
    });
    expect(made.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(JSON.stringify(made)).not.toContain('xWwvJ');
    for (const key of [made.id, 'CAROL@contoso.com']) {
      const got = await graph('GET', `/users/${encodeURIComponent(key)}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: made.id, displayName: 'Carol Jones' });
    }
    const selected = await graph('GET', `/users/${made.id}?$select=displayName,accountEnabled`);
    expect(selected.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#users(displayName,accountEnabled)/$entity`,
      displayName: 'Carol Jones',
      accountEnabled: true,
    });
    const dup = await graph('POST', '/users', {
      body: { accountEnabled: true, displayName: 'Other', userPrincipalName: 'Carol@Contoso.com' },
    });
    expect(dup.status).toBe(409);
    expect(errorOf(dup).code).toBe('USER_ALREADY_EXISTS');
    const missing = await graph('POST', '/users', { body: { displayName: 'No UPN', accountEnabled: true } });
    expect(missing.status).toBe(400);
    expect(errorOf(missing).code).toBe('REQUEST_INVALID');
  });

  it('lists with $filter (eq, startswith, in), $select, $orderby and $search', async () => {
    for (const [upn, name] of [
      ['list.anna@contoso.com', 'Anna Berg'],
      ['list.bert@contoso.com', 'Bert Aalto'],
      ['list.cleo@contoso.com', 'Cleo Dahl'],
    ])
      await create(upn!, name!);
    const eq = await graph(
      'GET',
      `/users?$filter=${encodeURIComponent("userPrincipalName eq 'list.bert@contoso.com'")}`,
    );
    expect(eq.status).toBe(200);
    expect(upns(eq.body)).toEqual(['list.bert@contoso.com']);
    const sw = await graph(
      'GET',
      `/users?$filter=${encodeURIComponent("startswith(userPrincipalName,'list.')")}&$orderby=userPrincipalName desc&$count=true`,
      { headers: { ConsistencyLevel: 'eventual' } },
    );
    expect(sw.status, JSON.stringify(sw.body)).toBe(200);
    expect(upns(sw.body)).toEqual(['list.cleo@contoso.com', 'list.bert@contoso.com', 'list.anna@contoso.com']);
    const inn = await graph(
      'GET',
      `/users?$filter=${encodeURIComponent("displayName in ('Anna Berg','Cleo Dahl')")}&$select=displayName,id`,
    );
    expect(inn.body['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#users(displayName,id)`);
    expect(inn.body.value.map((u) => Object.keys(u).sort())).toEqual([
      ['displayName', 'id'],
      ['displayName', 'id'],
    ]);
    expect(inn.body.value.map((u) => u.displayName).sort()).toEqual(['Anna Berg', 'Cleo Dahl']);
    const ordered = await graph(
      'GET',
      `/users?$filter=${encodeURIComponent("startswith(userPrincipalName,'list.')")}&$orderby=displayName&$count=true`,
      { headers: { ConsistencyLevel: 'eventual' } },
    );
    expect(ordered.body.value.map((u) => u.displayName)).toEqual(['Anna Berg', 'Bert Aalto', 'Cleo Dahl']);
    const search = await graph('GET', `/users?$search=${encodeURIComponent('"displayName:Aalto"')}`, {
      headers: { ConsistencyLevel: 'eventual' },
    });
    expect(search.status, JSON.stringify(search.body)).toBe(200);
    expect(upns(search.body)).toEqual(['list.bert@contoso.com']);
    const bad = await graph('GET', `/users?$filter=${encodeURIComponent("mail eq 'x'")}`);
    expect(bad.status).toBe(400);
    expect(errorOf(bad).code).toBe('GRAPH_QUERY_INVALID');
  });

  it('counts with ConsistencyLevel: eventual, and refuses $count or $search without it', async () => {
    const filter = encodeURIComponent("startswith(userPrincipalName,'list.')");
    const counted = await graph('GET', `/users?$filter=${filter}&$count=true&$top=1`, {
      headers: { ConsistencyLevel: 'eventual' },
    });
    expect(counted.status).toBe(200);
    expect(counted.body['@odata.count']).toBe(3);
    expect(counted.body.value).toHaveLength(1);
    for (const q of [`$filter=${filter}&$count=true`, `$search=${encodeURIComponent('"displayName:Anna"')}`]) {
      const refused = await graph('GET', `/users?${q}`);
      expect(refused.status).toBe(400);
      expect(errorOf(refused).code).toBe('GRAPH_CONSISTENCY_LEVEL_REQUIRED');
    }
  });

  for (const order of ['', 'displayName', 'userPrincipalName desc'])
    it(`follows @odata.nextLink to the end while users are added between pages (${order || 'default order'})`, async () => {
      const prefix = `page${randomBytes(3).toString('hex')}`;
      for (let i = 0; i < 7; i++) await create(`${prefix}.${i}@contoso.com`, `Page ${prefix} ${i}`);
      const filter = encodeURIComponent(`startswith(userPrincipalName,'${prefix}.')`);
      let url: string | undefined = `/users?$filter=${filter}&$top=3${order ? `&$orderby=${order}&$count=true` : ''}`;
      const seen: string[] = [];
      let pages = 0;
      while (url) {
        const page = await graph('GET', url, { headers: { ConsistencyLevel: 'eventual' } });
        expect(page.status, JSON.stringify(page.body)).toBe(200);
        seen.push(...(upns(page.body) as string[]));
        url = page.body['@odata.nextLink'];
        if (url) expect(url.startsWith(`${server.url}/graph/v1.0/users?`)).toBe(true);
        // Added after the first page: each may or may not appear, but nothing repeats and nothing is lost.
        if (pages++ === 0) await create(`${prefix}.x${pages}@contoso.com`, `Page ${prefix} x`);
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (let i = 0; i < 7; i++) expect(seen).toContain(`${prefix}.${i}@contoso.com`);
      const tampered = await graph('GET', `/users?$filter=${filter}&$top=3&$skiptoken=abc.def`, {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(tampered.status).toBe(400);
      expect(errorOf(tampered).code).toBe('GRAPH_SKIPTOKEN_INVALID');
    });

  it('refuses an unknown property by name and a read-only one, changing nothing', async () => {
    const u = await create('dora@contoso.com', 'Dora');
    const unknown = await graph('PATCH', `/users/${u.id}`, { body: { displayName: 'D', favoriteColor: 'red' } });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown).code).toBe('GRAPH_PROPERTY_UNKNOWN');
    expect(errorOf(unknown).innerError.properties).toContain('favoriteColor');
    const readOnly = await graph('PATCH', `/users/${u.id}`, { body: { id: crypto.randomUUID() } });
    expect(readOnly.status).toBe(400);
    expect(errorOf(readOnly).code).toBe('GRAPH_PROPERTY_READ_ONLY');
    expect(errorOf(readOnly).innerError.properties).toContain('id');
    expect((await graph('GET', `/users/${u.id}`)).body.displayName).toBe('Dora');
    const renamed = await graph('PATCH', `/users/${u.id}`, { body: { displayName: 'Dora Ek' } });
    expect(renamed.status).toBe(204);
    expect((await graph('GET', `/users/${u.id}`)).body.displayName).toBe('Dora Ek');
    const taken = await graph('PATCH', `/users/${u.id}`, { body: { userPrincipalName: 'carol@contoso.com' } });
    expect(taken.status).toBe(409);
    expect(errorOf(taken).code).toBe('USER_ALREADY_EXISTS');
  });

  it('answers malformed writes with a catalogue code, never a 500', async () => {
    const u = await create('ivan@contoso.com', 'Ivan');
    const raw = (method: string, path: string, body: string, type: string) =>
      fetch(`${server.url}/graph/v1.0${path}`, {
        method,
        headers: { authorization: `Bearer ${tokenA}`, 'content-type': type },
        body,
      });
    const cases: [string, string, string][] = [
      ['{"displayName":', 'application/json', 'REQUEST_MALFORMED'],
      ['[1,2]', 'application/json', 'REQUEST_INVALID'],
      ['null', 'application/json', 'REQUEST_INVALID'],
      ['{"displayName":"x"}', 'text/plain', 'REQUEST_INVALID'],
      ['{"accountEnabled":"yes"}', 'application/json', 'REQUEST_INVALID'],
      [`{"displayName":"${'x'.repeat(300)}"}`, 'application/json', 'REQUEST_INVALID'],
    ];
    for (const [method, path] of [
      ['POST', '/users'],
      ['PATCH', `/users/${u.id}`],
    ] as const)
      for (const [body, type, code] of cases) {
        const res = await raw(method, path, body, type);
        const label = `${method} ${body.slice(0, 30)} ${type}`;
        expect(res.status, label).toBeGreaterThanOrEqual(400);
        expect(res.status, label).toBeLessThan(500);
        expect(((await res.json()) as { error: { code: string } }).error.code, label).toBe(code);
      }
    expect((await graph('GET', `/users/${u.id}`)).body.displayName).toBe('Ivan');
  });

  /** A user signed in through the browser (TAP) to an app that holds their refresh token. */
  async function signedInUser(upn: string) {
    const made = await create(upn, upn.split('@')[0]!);
    const user = { id: made.id, userPrincipalName: upn } as User;
    const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
    const rp = await createApp(server.ctx, a, {
      name: `rp-${upn}`,
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    });
    const client = new CookieClient(server.url);
    const { code, verifier } = await authorizationCode(
      server,
      a,
      {
        clientId: rp.app.id,
        redirectUri: `${server.url}/cb`,
        scope: 'openid offline_access',
        upn,
        pass,
        state: 's',
        nonce: 'n',
      },
      client,
    );
    const tokenRes = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${server.url}/cb`,
      client_id: rp.app.id,
      code_verifier: verifier,
    });
    const issued = (await tokenRes.json()) as { refresh_token: string };
    expect(issued.refresh_token).toBeTruthy();
    return { id: made.id, client, clientId: rp.app.id, refreshToken: issued.refresh_token };
  }
  const token = (body: Record<string, string>) =>
    fetch(`${server.url}/${a.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
  const refresh = async (s: { clientId: string; refreshToken: string }) => {
    const res = await token({ grant_type: 'refresh_token', refresh_token: s.refreshToken, client_id: s.clientId });
    return { status: res.status, error: ((await res.json()) as { error?: string }).error };
  };
  const accountOpens = async (s: { client: CookieClient }) =>
    (await s.client.fetch(`/${a.slug}/account`)).status === 200;
  const rowsOf = async (userId: string) => ({
    sessions: (
      await server.ctx.db
        .selectFrom('sessions')
        .select('id')
        .where('tenant_id', '=', a.id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute()
    ).length,
    oidc: (
      await server.ctx.db
        .selectFrom('oidc_payloads')
        .select('id')
        .where('tenant_id', '=', a.id)
        .where('account_id', '=', userId)
        .execute()
    ).length,
  });

  it('disabling a user ends their session and their refresh token at once', async () => {
    const s = await signedInUser('erik@contoso.com');
    expect(await accountOpens(s)).toBe(true);
    expect((await rowsOf(s.id)).oidc).toBeGreaterThan(0);
    const disabled = await graph('PATCH', `/users/${s.id}`, { body: { accountEnabled: false } });
    expect(disabled.status).toBe(204);
    expect(await accountOpens(s)).toBe(false);
    expect(await refresh(s)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await rowsOf(s.id)).toEqual({ sessions: 0, oidc: 0 });
    expect((await graph('GET', `/users/${s.id}?$select=accountEnabled`)).body.accountEnabled).toBe(false);
  });

  it('deleting a user makes them 404 and leaves no session or token behind', async () => {
    const s = await signedInUser('fred@contoso.com');
    expect(await accountOpens(s)).toBe(true);
    expect((await rowsOf(s.id)).oidc).toBeGreaterThan(0);
    const gone = await graph('DELETE', `/users/${s.id}`);
    expect(gone.status).toBe(204);
    expect((await graph('GET', `/users/${s.id}`)).status).toBe(404);
    expect((await graph('DELETE', `/users/${s.id}`)).status).toBe(404);
    expect(await accountOpens(s)).toBe(false);
    expect(await refresh(s)).toEqual({ status: 400, error: 'invalid_grant' });
    expect(await rowsOf(s.id)).toEqual({ sessions: 0, oidc: 0 });
  });

  it('writes an audit row for each change, with the app as actor and old and new values', async () => {
    const u = await create('gina@contoso.com', 'Gina');
    await graph('PATCH', `/users/${u.id}`, { body: { displayName: 'Gina Holm' } });
    await graph('PATCH', `/users/${u.id}`, { body: { accountEnabled: false } });
    await graph('DELETE', `/users/${u.id}`);
    const rows = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === u.id);
    const byActivity = Object.fromEntries(rows.map((r) => [r.activity, r]));
    expect(Object.keys(byActivity).sort()).toEqual(['Add user', 'Delete user', 'Disable account', 'Update user']);
    for (const r of rows) expect(r).toMatchObject({ actorType: 'app', actorId: appA, targetType: 'user' });
    expect(byActivity['Update user']!.detail).toEqual({
      'displayName.oldValue': 'Gina',
      'displayName.newValue': 'Gina Holm',
    });
    expect(byActivity['Disable account']!.detail).toEqual({
      'accountEnabled.oldValue': 'true',
      'accountEnabled.newValue': 'false',
    });
    expect(byActivity['Delete user']!.detail).toMatchObject({ 'userPrincipalName.oldValue': 'gina@contoso.com' });
  });

  it('refuses an app changing or deleting a user who holds a directory role', async () => {
    for (const [method, body] of [
      ['PATCH', { accountEnabled: false }],
      ['DELETE', undefined],
    ] as const) {
      const r = await graph(method, `/users/${admin.id}`, { body });
      expect(r.status).toBe(403);
      expect(errorOf(r).code).toBe('GRAPH_PERMISSION_DENIED');
    }
    expect((await graph('GET', `/users/${admin.id}?$select=accountEnabled`)).body.accountEnabled).toBe(true);
  });

  /** A signed-in person's delegated Graph token with User.ReadWrite.All, holding the given roles. */
  async function delegatedToken(name: string, roles: string[]) {
    const made = await create(`${name}@contoso.com`, name);
    for (const r of roles) await assignRole(server.ctx.db, a.id, made.id, r);
    const user = { id: made.id, userPrincipalName: `${name}@contoso.com` } as User;
    const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
    const spa = await createApp(server.ctx, a, {
      name: `spa-${name}`,
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    });
    const r = await authorizationCodeTokens(
      server,
      a,
      { id: spa.app.id },
      { upn: user.userPrincipalName, pass },
      'openid https://graph.microsoft.com/User.ReadWrite.All',
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { userId: made.id, token: String(r.body.access_token) };
  }

  it('refuses to disable or delete the last enabled Global Administrator, even by themselves', async () => {
    const solo = await createTenant(server.ctx, { slug: `solo-${engine}` });
    const only = await createUser(server.ctx, solo, {
      userPrincipalName: 'only@solo.example',
      roles: ['Global Administrator'],
    });
    const { pass } = await issueTap(server.ctx, solo, only, { oneTime: false, actor: { type: 'system', id: null } });
    const spa = await createApp(server.ctx, solo, {
      name: 'spa',
      redirectUris: [`${server.url}/cb`],
      publicClient: true,
    });
    const t = await authorizationCodeTokens(
      server,
      solo,
      { id: spa.app.id },
      { upn: only.userPrincipalName, pass },
      'openid https://graph.microsoft.com/User.ReadWrite.All',
    );
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const token = String(t.body.access_token);
    for (const [method, body] of [
      ['PATCH', { accountEnabled: false }],
      ['DELETE', undefined],
    ] as const) {
      const r = await graph(method, `/users/${only.id}`, { token, body });
      expect([r.status, errorOf(r).code], method).toEqual([409, 'ROLE_LAST_GLOBAL_ADMINISTRATOR']);
    }
    expect((await graph('GET', `/users/${only.id}?$select=accountEnabled`, { token })).body.accountEnabled).toBe(true);
    // With a second enabled Global Administrator, the first may leave.
    await createUser(server.ctx, solo, { userPrincipalName: 'second@solo.example', roles: ['Global Administrator'] });
    expect((await graph('PATCH', `/users/${only.id}`, { token, body: { displayName: 'Only' } })).status).toBe(204);
    expect((await graph('PATCH', `/users/${only.id}`, { token, body: { accountEnabled: false } })).status).toBe(204);
  });

  it('lets only a Global or Privileged Authentication Administrator disable or delete a user holding a role', async () => {
    const ga = await delegatedToken('deleg.ga', ['Global Administrator']);
    const authAdmin = await delegatedToken('deleg.authadmin', ['Authentication Administrator']);
    const target = await create('deleg.target@contoso.com', 'Target');
    await assignRole(server.ctx.db, a.id, target.id, 'Authentication Policy Administrator');
    // Writes take a Global Administrator (Signet has no user administrator roles); reads are open to the others.
    const byAuthAdmin = await graph('PATCH', `/users/${target.id}`, {
      token: authAdmin.token,
      body: { accountEnabled: false },
    });
    expect(byAuthAdmin.status).toBe(403);
    expect(errorOf(byAuthAdmin).code).toBe('GRAPH_PERMISSION_DENIED');
    expect((await graph('GET', `/users/${target.id}`, { token: authAdmin.token })).status).toBe(200);
    const byGa = await graph('PATCH', `/users/${target.id}`, { token: ga.token, body: { accountEnabled: false } });
    expect(byGa.status).toBe(204);
    const audit = (await listAudits(server.ctx.db, a.id)).find(
      (r) => r.targetId === target.id && r.activity === 'Disable account',
    );
    expect(audit).toMatchObject({ actorType: 'user', actorId: ga.userId });
    expect((await graph('DELETE', `/users/${target.id}`, { token: ga.token })).status).toBe(204);
  });

  it("another tenant never sees or changes this tenant's users", async () => {
    const u = await create('hugo@contoso.com', 'Hugo');
    const list = await graph('GET', '/users?$top=999', { token: tokenB });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(u.id);
    expect(JSON.stringify(list.body)).not.toContain('contoso.com');
    const filtered = await graph('GET', `/users?$filter=${encodeURIComponent(`id eq '${u.id}'`)}`, { token: tokenB });
    expect(filtered.body.value).toEqual([]);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { accountEnabled: false }],
      ['PATCH', { favoriteColor: 'red' }],
      ['DELETE', undefined],
    ] as const) {
      for (const key of [u.id, 'hugo@contoso.com', crypto.randomUUID()]) {
        const r = await graph(method, `/users/${encodeURIComponent(key)}`, { token: tokenB, body });
        expect(r.status, `${method} ${key}`).toBe(404);
        expect(errorOf(r).code).toBe('GRAPH_RESOURCE_NOT_FOUND');
      }
    }
    // The same UPN is free in the other tenant: names are per tenant.
    const theirs = await graph('POST', '/users', {
      token: tokenB,
      body: { accountEnabled: true, displayName: 'Their Hugo', userPrincipalName: 'hugo@contoso.com' },
    });
    expect(theirs.status).toBe(201);
    expect((await graph('GET', `/users/${u.id}?$select=displayName,accountEnabled`)).body).toMatchObject({
      displayName: 'Hugo',
      accountEnabled: true,
    });
  });
});
