// Directory roles and role assignments (issue 7): the roles Signet has, assigning and removing them through
// Graph's roleAssignments, the user's next delegated token carrying the change in `wids`, the last Global
// Administrator kept, an Authentication Administrator refused, another tenant seeing nothing, every change audited.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../../src/core/authorization.ts';
import { directoryRoleId, roleAssignmentId } from '../../src/core/graph-role.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, setUserEnabled, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const OIDC = 'openid profile offline_access';
const SCOPE = `${OIDC} RoleManagement.ReadWrite.Directory User.Read.All`;
const GA = ROLE_TEMPLATE_IDS['Global Administrator'];
const READER = ROLE_TEMPLATE_IDS['Global Reader'];

describe.each(engines)('Graph directory roles on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let spa: { id: string };
  let spaB: { id: string };
  const passes = new Map<string, string>();

  async function person(tenant: Tenant, upn: string, roles: string[]) {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: upn });
    for (const r of roles) await assignRole(server.ctx.db, tenant.id, user.id, r);
    const { pass } = await issueTap(server.ctx, tenant, user, { oneTime: false, actor: { type: 'system', id: null } });
    passes.set(user.id, pass);
    return user;
  }
  /** A fresh delegated token: the code flow each time, so `wids` is read from the store now. */
  async function tokenOf(tenant: Tenant, user: User, client = spa) {
    const r = await authorizationCodeTokens(
      server,
      tenant,
      client,
      { upn: user.userPrincipalName, pass: passes.get(user.id)! },
      SCOPE,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return String(r.body.access_token);
  }
  const graph = (path: string, token: string, method = 'GET', body?: unknown) =>
    fetch(`${server.url}/graph/v1.0${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (res: Response) =>
    (await res.json()) as Record<string, unknown> & { value: { id: string; principalId: string }[] };
  const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

  let ga: User;
  let target: User;
  let authAdmin: User;
  let gaToken: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    spa = (await createApp(server.ctx, a, { name: 'SPA', redirectUris: [`${server.url}/cb`], publicClient: true })).app;
    spaB = (await createApp(server.ctx, b, { name: 'SPA B', redirectUris: [`${server.url}/cb`], publicClient: true }))
      .app;
    ga = await person(a, 'ga@contoso.com', ['Global Administrator']);
    target = await person(a, 'target@contoso.com', []);
    authAdmin = await person(a, 'authadmin@contoso.com', ['Authentication Administrator']);
    gaToken = await tokenOf(a, ga);
  });
  afterAll(() => server?.close());

  it('lists the roles Signet has, as Entra shows them, with their members', async () => {
    const res = await graph('/directoryRoles', gaToken);
    expect(res.status).toBe(200);
    const roles = (await json(res)).value as unknown as { id: string; displayName: string; roleTemplateId: string }[];
    expect(roles.map((r) => r.displayName).sort()).toEqual(Object.keys(ROLE_TEMPLATE_IDS).sort());
    const gaRole = roles.find((r) => r.roleTemplateId === GA)!;
    expect(gaRole).toMatchObject({ displayName: 'Global Administrator', description: expect.any(String) });
    const one = await graph(`/directoryRoles/${gaRole.id}`, gaToken);
    expect(await json(one)).toMatchObject({ id: gaRole.id, roleTemplateId: GA });
    const members = await json(await graph(`/directoryRoles/${gaRole.id}/members`, gaToken));
    expect(members.value.map((m: { id: string }) => m.id)).toEqual([ga.id]);
    expect((await graph(`/directoryRoles/${GA}`, gaToken)).status).toBe(404);
  });

  it("addresses a role by its template id, as Graph's alternate key: the role and its members, in this tenant", async () => {
    const byId = await json(await graph(`/directoryRoles/${directoryRoleId(a.id, 'Global Administrator')}`, gaToken));
    const res = await graph(`/directoryRoles(roleTemplateId='${GA}')`, gaToken);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(byId);
    expect(byId).toMatchObject({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#directoryRoles/$entity`,
      id: directoryRoleId(a.id, 'Global Administrator'),
      roleTemplateId: GA,
      displayName: 'Global Administrator',
    });
    // Graph SDKs percent-encode the quotes; the template id in capitals is the same id.
    const encoded = await graph(`/directoryRoles(roleTemplateId=%27${GA.toUpperCase()}%27)/members`, gaToken);
    expect(encoded.status).toBe(200);
    const members = await json(encoded);
    expect(members['@odata.context']).toBe(`${server.url}/graph/v1.0/$metadata#directoryObjects`);
    expect(members.value.map((m: { id: string }) => m.id)).toEqual([ga.id]);
    expect((await json(await graph(`/directoryRoles(roleTemplateId='${READER}')/members`, gaToken))).value).toEqual([]);
    // A template id Signet has no role for, or a tenant's directoryRole id in its place: 404 with our code.
    for (const unknown of [crypto.randomUUID(), directoryRoleId(a.id, 'Global Administrator'), 'x']) {
      for (const path of [
        `/directoryRoles(roleTemplateId='${unknown}')`,
        `/directoryRoles(roleTemplateId='${unknown}')/members`,
      ]) {
        const r = await graph(path, gaToken);
        expect(r.status, path).toBe(404);
        expect(await codeOf(r)).toBe('GRAPH_RESOURCE_NOT_FOUND');
      }
    }
    // Unquoted is not Graph's form: no such route.
    const unquoted = await graph(`/directoryRoles(roleTemplateId=${GA})`, gaToken);
    expect(unquoted.status).toBe(404);
    expect(await codeOf(unquoted)).toBe('ROUTE_NOT_FOUND');
  });

  it('assigns a role: the next token carries it in wids and a read that needs it succeeds; removal takes it away', async () => {
    const before = await tokenOf(a, target);
    expect(decodeJwt(before).wids).toBeUndefined();
    expect((await graph(`/users/${ga.id}`, before)).status).toBe(403);

    const post = await graph('/roleManagement/directory/roleAssignments', gaToken, 'POST', {
      principalId: target.id,
      roleDefinitionId: READER,
      directoryScopeId: '/',
    });
    expect(post.status).toBe(201);
    const created = await json(post);
    expect(created).toMatchObject({ principalId: target.id, roleDefinitionId: READER, directoryScopeId: '/' });
    const id = String(created.id);
    const again = await graph('/roleManagement/directory/roleAssignments', gaToken, 'POST', {
      principalId: target.id,
      roleDefinitionId: READER,
    });
    expect(again.status).toBe(400);
    expect(await codeOf(again)).toBe('ROLE_ASSIGNMENT_EXISTS');

    const after = await tokenOf(a, target);
    expect(decodeJwt(after).wids).toEqual([READER]);
    expect((await graph(`/users/${ga.id}`, after)).status).toBe(200);

    const filtered = await json(
      await graph(`/roleManagement/directory/roleAssignments?$filter=principalId eq '${target.id}'`, gaToken),
    );
    expect(filtered.value).toEqual([expect.objectContaining({ id, roleDefinitionId: READER })]);
    const byRole = await json(
      await graph(`/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${GA}'`, gaToken),
    );
    expect(byRole.value.map((r: { principalId: string }) => r.principalId)).toEqual([ga.id]);
    expect((await graph(`/roleManagement/directory/roleAssignments/${id}`, gaToken)).status).toBe(200);
    const badFilter = await graph(`/roleManagement/directory/roleAssignments?$filter=startswith(id,'a')`, gaToken);
    expect(badFilter.status).toBe(400);

    const del = await graph(`/roleManagement/directory/roleAssignments/${id}`, gaToken, 'DELETE');
    expect(del.status).toBe(204);
    // As in Entra, a token already issued keeps its wids until it expires; the next one does not have it.
    expect(decodeJwt(after).wids).toEqual([READER]);
    const next = await tokenOf(a, target);
    expect(decodeJwt(next).wids).toBeUndefined();
    expect((await graph(`/users/${ga.id}`, next)).status).toBe(403);
    expect((await graph(`/roleManagement/directory/roleAssignments/${id}`, gaToken, 'DELETE')).status).toBe(404);

    const audits = await server.ctx.db
      .selectFrom('audit_logs')
      .select(['activity', 'actor_id'])
      .where('tenant_id', '=', a.id)
      .where('target_id', '=', target.id)
      .where('activity', 'in', ['Add member to role', 'Remove member from role'])
      .execute();
    expect(audits.map((r) => r.activity).sort()).toEqual(['Add member to role', 'Remove member from role']);
    expect(audits.every((r) => r.actor_id === ga.id)).toBe(true);
  });

  it('pages the assignments with $top and @odata.nextLink, with or without a $filter, each once', async () => {
    const readers = [];
    for (let i = 0; i < 5; i++) readers.push(await person(a, `reader-${i}@contoso.com`, ['Reports Reader']));
    await assignRole(server.ctx.db, a.id, readers[0]!.id, 'Global Reader');
    const walk = async (first: string) => {
      const seen: { id: string; principalId: string; roleDefinitionId: string }[] = [];
      let res = await graph(first, gaToken);
      for (let pages = 0; ; pages++) {
        expect(res.status).toBe(200);
        const body = (await res.json()) as {
          value: { id: string; principalId: string; roleDefinitionId: string }[];
          '@odata.nextLink'?: string;
          '@odata.context': string;
        };
        expect(body.value.length).toBeLessThanOrEqual(2);
        seen.push(...body.value);
        const next = body['@odata.nextLink'];
        if (!next) return { seen, pages: pages + 1 };
        expect(next.startsWith(`${server.url}/graph/v1.0/roleManagement/directory/roleAssignments?`)).toBe(true);
        res = await fetch(next, { headers: { authorization: `Bearer ${gaToken}` } });
      }
    };
    const all = await walk('/roleManagement/directory/roleAssignments?$top=2');
    const rows = await server.ctx.db
      .selectFrom('role_assignments')
      .select(['user_id', 'role'])
      .where('tenant_id', '=', a.id)
      .execute();
    expect(all.seen.map((r) => r.id).sort()).toEqual(
      rows.map((r) => roleAssignmentId({ userId: r.user_id, role: r.role as 'Global Reader' })).sort(),
    );
    expect(new Set(all.seen.map((r) => r.id)).size).toBe(all.seen.length);
    expect(all.pages).toBe(Math.ceil(rows.length / 2));
    const reports = ROLE_TEMPLATE_IDS['Reports Reader'];
    const byRole = await walk(
      `/roleManagement/directory/roleAssignments?$filter=roleDefinitionId eq '${reports}'&$top=2`,
    );
    expect(byRole.seen.map((r) => r.principalId).sort()).toEqual(readers.map((u) => u.id).sort());
    expect(byRole.pages).toBe(3);
    const both = await walk(
      `/roleManagement/directory/roleAssignments?$filter=principalId eq '${readers[0]!.id}'&$top=1`,
    );
    expect(both.seen.map((r) => r.roleDefinitionId).sort()).toEqual([READER, reports].sort());
    const projected = await json(
      await graph('/roleManagement/directory/roleAssignments?$top=1&$select=principalId', gaToken),
    );
    expect(projected['@odata.context']).toBe(
      `${server.url}/graph/v1.0/$metadata#roleManagement/directory/roleAssignments(principalId)`,
    );
    expect(Object.keys(projected.value[0]!)).toEqual(['principalId']);
  });

  it('refuses a forged $skiptoken, one of another $filter, and options the collection does not have', async () => {
    const first = await json(await graph('/roleManagement/directory/roleAssignments?$top=1', gaToken));
    const next = String(first['@odata.nextLink']);
    const token = new URL(next).searchParams.get('$skiptoken')!;
    const [payload, tag] = token.split('.') as [string, string];
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), i: 'z' })).toString('base64url')}.${tag}`;
    const filtered = `$filter=roleDefinitionId eq '${GA}'`;
    for (const [query, code] of [
      [`$top=1&$skiptoken=${forged}`, 'GRAPH_SKIPTOKEN_INVALID'],
      [`$top=1&$skiptoken=${token}&${filtered}`, 'GRAPH_SKIPTOKEN_INVALID'],
      ['$top=0', 'GRAPH_QUERY_INVALID'],
      ['$top=lots', 'GRAPH_QUERY_INVALID'],
      ['$orderby=principalId', 'GRAPH_QUERY_INVALID'],
      ['$select=secret', 'GRAPH_QUERY_INVALID'],
      [`$filter=principalId ne '${ga.id}'`, 'GRAPH_QUERY_INVALID'],
      [`$filter=directoryScopeId eq '/'`, 'GRAPH_QUERY_INVALID'],
    ] as const) {
      const res = await graph(`/roleManagement/directory/roleAssignments?${query}`, gaToken);
      expect(res.status, query).toBe(400);
      expect(await codeOf(res), query).toBe(code);
    }
    // The untouched token still pages, and another tenant's token cannot use it to see this tenant.
    expect((await graph(next.slice(`${server.url}/graph/v1.0`.length), gaToken)).status).toBe(200);
  });

  it('never removes the last Global Administrator, and says what to do', async () => {
    const id = roleAssignmentId({ userId: ga.id, role: 'Global Administrator' });
    const res = await graph(`/roleManagement/directory/roleAssignments/${id}`, gaToken, 'DELETE');
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ROLE_LAST_GLOBAL_ADMINISTRATOR');
    // With a second (enabled) Global Administrator the first may go; a disabled one does not count.
    const second = await person(a, 'second-ga@contoso.com', ['Global Administrator']);
    await setUserEnabled(server.ctx.db, a.id, second.id, false);
    expect((await graph(`/roleManagement/directory/roleAssignments/${id}`, gaToken, 'DELETE')).status).toBe(409);
    await setUserEnabled(server.ctx.db, a.id, second.id, true);
    const secondToken = await tokenOf(a, second);
    expect((await graph(`/roleManagement/directory/roleAssignments/${id}`, gaToken, 'DELETE')).status).toBe(204);
    // Now the second is the last one: not even they may remove themselves.
    const secondId = roleAssignmentId({ userId: second.id, role: 'Global Administrator' });
    const last = await graph(`/roleManagement/directory/roleAssignments/${secondId}`, secondToken, 'DELETE');
    expect(last.status).toBe(409);
    expect(await codeOf(last)).toBe('ROLE_LAST_GLOBAL_ADMINISTRATOR');
    const back = await graph('/roleManagement/directory/roleAssignments', secondToken, 'POST', {
      principalId: ga.id,
      roleDefinitionId: GA,
    });
    expect(back.status).toBe(201);
  });

  it('refuses an Authentication Administrator (403), a disabled user (400) and a foreign user (404)', async () => {
    const token = await tokenOf(a, authAdmin);
    const res = await graph('/roleManagement/directory/roleAssignments', token, 'POST', {
      principalId: target.id,
      roleDefinitionId: READER,
    });
    expect(res.status).toBe(403);
    expect(await codeOf(res)).toBe('GRAPH_PERMISSION_DENIED');
    const disabled = await person(a, 'disabled@contoso.com', []);
    await setUserEnabled(server.ctx.db, a.id, disabled.id, false);
    const d = await graph('/roleManagement/directory/roleAssignments', gaToken, 'POST', {
      principalId: disabled.id,
      roleDefinitionId: READER,
    });
    expect(d.status).toBe(400);
    expect(await codeOf(d)).toBe('REQUEST_INVALID');
    const foreign = await person(b, 'someone@fabrikam.com', []);
    const f = await graph('/roleManagement/directory/roleAssignments', gaToken, 'POST', {
      principalId: foreign.id,
      roleDefinitionId: READER,
    });
    expect(f.status).toBe(404);
    const bad = await graph('/roleManagement/directory/roleAssignments', gaToken, 'POST', {
      principalId: target.id,
      roleDefinitionId: 'not-a-role',
    });
    expect(bad.status).toBe(400);
  });

  it('shows another tenant nothing of this one', async () => {
    const gaB = await person(b, 'ga@fabrikam.com', ['Global Administrator']);
    const tokenB = await tokenOf(b, gaB, spaB);
    const list = await json(await graph('/roleManagement/directory/roleAssignments', tokenB));
    expect(list.value.map((r: { principalId: string }) => r.principalId)).toEqual([gaB.id]);
    // A page token of this tenant, presented by the other: refused, never a page of this tenant.
    const pageA = await json(await graph('/roleManagement/directory/roleAssignments?$top=1', gaToken));
    const nextA = String(pageA['@odata.nextLink']).slice(`${server.url}/graph/v1.0`.length);
    const replayed = await graph(nextA, tokenB);
    expect(replayed.status).toBe(400);
    expect(await codeOf(replayed)).toBe('GRAPH_SKIPTOKEN_INVALID');
    const rolesA = (await json(await graph('/directoryRoles', gaToken))).value as { id: string }[];
    for (const r of rolesA) expect((await graph(`/directoryRoles/${r.id}/members`, tokenB)).status).toBe(404);
    // The template id is the same in every tenant: another tenant's token reads its own role and members, never these.
    const theirs = await json(await graph(`/directoryRoles(roleTemplateId='${GA}')`, tokenB));
    expect(theirs.id).toBe(directoryRoleId(b.id, 'Global Administrator'));
    const theirMembers = await json(await graph(`/directoryRoles(roleTemplateId='${GA}')/members`, tokenB));
    expect(theirMembers.value.map((m: { id: string }) => m.id)).toEqual([gaB.id]);
    const id = roleAssignmentId({ userId: ga.id, role: 'Global Administrator' });
    expect((await graph(`/roleManagement/directory/roleAssignments/${id}`, tokenB)).status).toBe(404);
    expect((await graph(`/roleManagement/directory/roleAssignments/${id}`, tokenB, 'DELETE')).status).toBe(404);
    const post = await graph('/roleManagement/directory/roleAssignments', tokenB, 'POST', {
      principalId: target.id,
      roleDefinitionId: READER,
    });
    expect(post.status).toBe(404);
  });
});
