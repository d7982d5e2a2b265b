// The Graph groups resource as a script sees it: create, get, list with $filter/$select/$orderby and paging,
// update, delete (refused while the passkey policy targets the group); members through members/$ref in each
// @odata.id form; memberOf; the audit rows; and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { createPolicy, deletePolicy } from '../../src/flows/conditional-access.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import { savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { errorOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
type Page = { value: Json[]; '@odata.nextLink'?: string; '@odata.count'?: number; '@odata.context': string };

describe.each(engines)('Graph groups on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let appA: string;
  let tokenA: string;
  let tokenB: string;
  let readUsersA: string;
  let alice: User;
  let bob: User;
  let foreign: User;

  const appToken = (t: Tenant, permission: string) =>
    graphAppToken(server, t, permission, { name: `groups-${permission}`, scope: permission });

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    const ta = await appToken(a, 'Group.ReadWrite.All');
    appA = ta.appId;
    tokenA = ta.token;
    tokenB = (await appToken(b, 'Group.ReadWrite.All')).token;
    readUsersA = (await appToken(a, 'User.Read.All')).token;
    alice = await createUser(server.ctx, a, { userPrincipalName: 'alice@contoso.com', displayName: 'Alice' });
    bob = await createUser(server.ctx, a, { userPrincipalName: 'bob@contoso.com', displayName: 'Bob' });
    foreign = await createUser(server.ctx, b, { userPrincipalName: 'eve@fabrikam.com' });
  });
  afterAll(() => server?.close());

  const graph = graphClient<Json & Page>(() => server, { token: () => tokenA });
  const create = async (displayName: string, token?: string) => {
    const r = await graph('POST', '/groups', {
      token,
      body: { displayName, mailNickname: displayName.replace(/\W/g, ''), mailEnabled: false, securityEnabled: true },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as unknown as Json & { id: string };
  };
  const ref = (id: string, base = 'https://graph.microsoft.com/v1.0/directoryObjects') => ({
    '@odata.id': `${base}/${id}`,
  });
  const names = (p: Page) => p.value.map((g) => g.displayName);

  it('creates a security group (201, Graph shape), reads it back, renames it (204) and deletes it (204)', async () => {
    const g = await create('Pilots');
    expect(g).toMatchObject({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#groups/$entity`,
      displayName: 'Pilots',
      mailEnabled: false,
      securityEnabled: true,
      groupTypes: [],
    });
    expect(g.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = await graph('GET', `/groups/${g.id}?$select=displayName`);
    expect(got.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#groups(displayName)/$entity`,
      displayName: 'Pilots',
    });
    expect((await graph('PATCH', `/groups/${g.id}`, { body: { displayName: 'Aviators' } })).status).toBe(204);
    expect((await graph('GET', `/groups/${g.id}`)).body.displayName).toBe('Aviators');
    expect((await graph('DELETE', `/groups/${g.id}`)).status).toBe(204);
    const gone = await graph('GET', `/groups/${g.id}`);
    expect(gone.status).toBe(404);
    expect(errorOf(gone).code).toBe('GRAPH_RESOURCE_NOT_FOUND');

    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === g.id);
    expect(audits.map((r) => r.activity).sort()).toEqual(['Add group', 'Delete group', 'Update group']);
    for (const r of audits) expect(r).toMatchObject({ actorType: 'app', actorId: appA, targetType: 'group' });
    expect(audits.find((r) => r.activity === 'Update group')!.detail).toMatchObject({
      'displayName.oldValue': 'Pilots',
      'displayName.newValue': 'Aviators',
    });
  });

  it('refuses bad create and update bodies with catalogue codes naming the problem', async () => {
    const unknown = await graph('POST', '/groups', {
      body: { displayName: 'X', mailNickname: 'x', mailEnabled: false, securityEnabled: true, colour: 'red' },
    });
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown)).toMatchObject({ code: 'GRAPH_PROPERTY_UNKNOWN', innerError: { properties: 'colour' } });
    const mail = await graph('POST', '/groups', {
      body: { displayName: 'X', mailNickname: 'x', mailEnabled: true, securityEnabled: true },
    });
    expect(errorOf(mail)).toMatchObject({ code: 'REQUEST_INVALID', innerError: { field: 'mailEnabled' } });
    const g = await create('Patchable');
    const ro = await graph('PATCH', `/groups/${g.id}`, { body: { id: 'x' } });
    expect(errorOf(ro).code).toBe('GRAPH_PROPERTY_READ_ONLY');
    const missing = await graph('PATCH', `/groups/${crypto.randomUUID()}`, { body: { id: 'x' } });
    expect(missing.status).toBe(404);
  });

  it('lists with $filter (eq, startswith), $select, $orderby and paging through @odata.nextLink', async () => {
    const t = (await appToken(a, 'Group.ReadWrite.All')).token;
    for (const n of ['Team Gamma', 'team alpha', 'Team Beta', 'Other', 'Team Delta']) await create(n, t);
    const eq = await graph('GET', `/groups?$filter=${encodeURIComponent("displayName eq 'TEAM BETA'")}`);
    expect(names(eq.body)).toEqual(['Team Beta']);
    const sw = await graph(
      'GET',
      `/groups?$filter=${encodeURIComponent("startswith(displayName,'team')")}&$select=id,displayName`,
    );
    expect(new Set(names(sw.body))).toEqual(new Set(['Team Gamma', 'team alpha', 'Team Beta', 'Team Delta']));
    expect(sw.body['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#groups(id,displayName)`);
    expect(Object.keys(sw.body.value[0]!).sort()).toEqual(['displayName', 'id']);

    const seen: unknown[] = [];
    let page = await graph('GET', '/groups?$orderby=displayName&$top=2');
    expect(page.body.value).toHaveLength(2);
    for (;;) {
      seen.push(...names(page.body));
      const next = page.body['@odata.nextLink'];
      if (!next) break;
      expect(next.startsWith(`${server.url}/graph/v1.0/groups?`)).toBe(true);
      page = await graph('GET', next);
      expect(page.status).toBe(200);
    }
    const all = names((await graph('GET', '/groups?$top=999')).body) as string[];
    expect(seen).toEqual([...all].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())));
    expect(seen).toContain('team alpha');
    const desc = await graph('GET', '/groups?$orderby=displayName desc&$top=1');
    expect(desc.body.value[0]!.displayName).toBe(seen[seen.length - 1]);

    const bad = await graph('GET', `/groups?$filter=${encodeURIComponent("mail eq 'x'")}`);
    expect(errorOf(bad)).toMatchObject({ code: 'GRAPH_QUERY_INVALID', innerError: { parameter: '$filter' } });
    const forged = await graph('GET', '/groups?$top=2&$skiptoken=abc.def');
    expect(errorOf(forged).code).toBe('GRAPH_SKIPTOKEN_INVALID');
  });

  it('adds members with each @odata.id form, lists them as users, refuses a second add and removes them', async () => {
    const g = await create('Members');
    const forms = [ref(alice.id), ref(bob.id, `${server.url}/graph/v1.0/users`)];
    for (const body of forms) expect((await graph('POST', `/groups/${g.id}/members/$ref`, { body })).status).toBe(204);
    const again = await graph('POST', `/groups/${g.id}/members/$ref`, {
      body: ref(alice.id, `${server.url}/graph/v1.0/directoryObjects`),
    });
    expect(again.status).toBe(400);
    expect(errorOf(again)).toMatchObject({ code: 'GRAPH_MEMBER_ALREADY_EXISTS', innerError: { member: alice.id } });

    const members = await graph('GET', `/groups/${g.id}/members?$top=1`);
    expect(members.body['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#directoryObjects`);
    expect(members.body.value).toHaveLength(1);
    expect(members.body.value[0]!['@odata.type']).toBe('#microsoft.graph.user');
    const rest = await graph('GET', members.body['@odata.nextLink']!);
    const ids = [...members.body.value, ...rest.body.value].map((u) => u.id);
    expect(ids.sort()).toEqual([alice.id, bob.id].sort());
    expect(rest.body.value[0]).toHaveProperty('userPrincipalName');

    const memberOf = await graph('GET', `/users/${alice.id}/memberOf`, { token: readUsersA });
    expect(memberOf.status).toBe(200);
    expect(memberOf.body.value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.group', id: g.id }),
    ]);
    const byUpn = await graph('GET', '/users/alice@contoso.com/memberOf', { token: readUsersA });
    expect(byUpn.body.value.map((x) => x.id)).toEqual([g.id]);

    expect((await graph('DELETE', `/groups/${g.id}/members/${bob.id}/$ref`)).status).toBe(204);
    const twice = await graph('DELETE', `/groups/${g.id}/members/${bob.id}/$ref`);
    expect(twice.status).toBe(404);
    const left = await graph('GET', `/groups/${g.id}/members`);
    expect(left.body.value.map((u) => u.id)).toEqual([alice.id]);

    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === g.id);
    expect(
      audits
        .filter((r) => r.activity === 'Add member to group')
        .map((r) => r.detail['member.id'])
        .sort(),
    ).toEqual([alice.id, bob.id].sort());
    expect(audits.filter((r) => r.activity === 'Remove member from group')).toEqual([
      expect.objectContaining({
        actorType: 'app',
        actorId: appA,
        detail: expect.objectContaining({ 'member.id': bob.id }),
      }),
    ]);
  });

  it("refuses a foreign tenant's user as not found and a malformed reference as 400", async () => {
    const g = await create('Strict');
    const alien = await graph('POST', `/groups/${g.id}/members/$ref`, { body: ref(foreign.id) });
    expect(alien.status).toBe(404);
    expect(errorOf(alien).code).toBe('GRAPH_RESOURCE_NOT_FOUND');
    const nobody = await graph('POST', `/groups/${g.id}/members/$ref`, { body: ref(crypto.randomUUID()) });
    expect(nobody.status).toBe(404);
    for (const body of [{}, { '@odata.id': `https://evil.example.com/v1.0/users/${alice.id}` }, { id: alice.id }]) {
      const r = await graph('POST', `/groups/${g.id}/members/$ref`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(['GRAPH_REFERENCE_INVALID', 'GRAPH_PROPERTY_UNKNOWN']).toContain(errorOf(r).code);
    }
    expect((await graph('GET', `/groups/${g.id}/members`)).body.value).toEqual([]);
  });

  it('refuses to delete a group the passkey method policy targets, naming where it is used', async () => {
    const g = await create('Passkey pilots');
    const config = defaultPasskeyMethodConfig();
    config.excludeTargets = [{ id: g.id, targetType: 'group' }];
    await savePasskeyMethodConfig(server.ctx.db, a.id, config, Date.now());
    try {
      const r = await graph('DELETE', `/groups/${g.id}`);
      expect(r.status).toBe(409);
      expect(errorOf(r).code).toBe('GROUP_IN_USE');
      expect(errorOf(r).innerError.usedBy).toContain('Fido2 excludeTargets');
      expect((await graph('GET', `/groups/${g.id}`)).status).toBe(200);
    } finally {
      await savePasskeyMethodConfig(server.ctx.db, a.id, defaultPasskeyMethodConfig(), Date.now());
    }
    expect((await graph('DELETE', `/groups/${g.id}`)).status).toBe(204);
  });

  it('refuses to delete a group a Conditional Access policy excludes (a break-glass group), naming the policy', async () => {
    const g = await create('Break glass');
    const policy = await createPolicy(server.ctx, a, localOperator(a.id), {
      displayName: 'Everyone but break-glass: MFA',
      state: 'enabledForReportingButNotEnforced',
      conditions: {
        users: { includeUsers: ['All'], excludeGroups: [g.id] },
        applications: { includeApplications: ['All'] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    const r = await graph('DELETE', `/groups/${g.id}`);
    expect(r.status).toBe(409);
    expect(errorOf(r).code).toBe('GROUP_IN_USE');
    expect(errorOf(r).innerError.usedBy).toContain(`conditionalAccess/policies/${policy.id} excludeGroups`);
    await deletePolicy(server.ctx, a, localOperator(a.id), policy.id);
    expect((await graph('DELETE', `/groups/${g.id}`)).status).toBe(204);
  });

  it('another tenant never sees or changes them', async () => {
    const g = await create('Private');
    await graph('POST', `/groups/${g.id}/members/$ref`, { body: ref(alice.id) });
    const list = await graph('GET', '/groups?$top=999', { token: tokenB });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(g.id);
    for (const [method, path, body] of [
      ['GET', `/groups/${g.id}`],
      ['PATCH', `/groups/${g.id}`, { displayName: 'Hijacked' }],
      ['DELETE', `/groups/${g.id}`],
      ['GET', `/groups/${g.id}/members`],
      ['POST', `/groups/${g.id}/members/$ref`, ref(foreign.id)],
      ['DELETE', `/groups/${g.id}/members/${alice.id}/$ref`],
    ] as const) {
      const r = await graph(method, path, { token: tokenB, body });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    const own = await graph('GET', `/groups/${g.id}`);
    expect(own.body.displayName).toBe('Private');
    expect((await graph('GET', `/groups/${g.id}/members`)).body.value.map((u) => u.id)).toEqual([alice.id]);
    // B's own group cannot take A's user either.
    const gb = await create('Theirs', tokenB);
    const cross = await graph('POST', `/groups/${gb.id}/members/$ref`, { token: tokenB, body: ref(alice.id) });
    expect(cross.status).toBe(404);
  });

  /** A signed-in person's delegated Graph token with Group.ReadWrite.All, holding the given roles. */
  async function delegatedToken(name: string, roles: string[]) {
    const user = await createUser(server.ctx, a, { userPrincipalName: `${name}@contoso.com` });
    for (const r of roles) await assignRole(server.ctx.db, a.id, user.id, r);
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
      'openid https://graph.microsoft.com/Group.ReadWrite.All',
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { userId: user.id, token: String(r.body.access_token) };
  }

  it('lets a Global Reader read groups but only a Global Administrator change them, audited as the user', async () => {
    const reader = await delegatedToken('deleg.reader', ['Global Reader']);
    const ga = await delegatedToken('deleg.ga', ['Global Administrator']);
    const policyAdmin = await delegatedToken('deleg.policy', ['Authentication Policy Administrator']);
    const body = { displayName: 'Delegated', mailNickname: 'delegated', mailEnabled: false, securityEnabled: true };
    expect((await graph('GET', '/groups', { token: reader.token })).status).toBe(200);
    expect((await graph('GET', '/groups', { token: policyAdmin.token })).status).toBe(403);
    const refused = await graph('POST', '/groups', { token: reader.token, body });
    expect(refused.status).toBe(403);
    expect(errorOf(refused).code).toBe('GRAPH_PERMISSION_DENIED');
    const made = await graph('POST', '/groups', { token: ga.token, body });
    expect(made.status).toBe(201);
    const id = String(made.body.id);
    expect(
      (await graph('POST', `/groups/${id}/members/$ref`, { token: ga.token, body: ref(reader.userId) })).status,
    ).toBe(204);
    const members = await graph('GET', `/groups/${id}/members`, { token: reader.token });
    expect(members.body.value.map((u) => u.id)).toEqual([reader.userId]);
    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === id);
    expect(audits.map((r) => [r.activity, r.actorType, r.actorId]).sort()).toEqual([
      ['Add group', 'user', ga.userId],
      ['Add member to group', 'user', ga.userId],
    ]);
  });
});
