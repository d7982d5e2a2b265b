// The authentication methods reports through the Graph API as a script sees them: userRegistrationDetails in
// Graph's shape, its $filter (computed in SQL, held here to the core rules row by row), $orderby, $top and
// paging that stays correct while users are added, one user by id; another tenant sees none of it.
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCollectionQuery } from '../../src/core/odata.ts';
import { registrationDetailsQuerySpec } from '../../src/core/registration-report.ts';
import { createTenant } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { skiptokenKey } from '../../src/http/graph/skiptoken-key.ts';
import { groupCoverageQuery, tenantCoverageQuery } from '../../src/store/coverage-query.ts';
import type { Store } from '../../src/store/db.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { queryRegistrationDetails, registrationRowsQuery } from '../../src/store/report-query.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines, openTestStore } from '../support/engines.ts';
import { errorCode as codeOf, appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { reportUser } from '../support/report-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
type Row = Json & { id: string; methodsRegistered: string[] };
const REPORT = '/reports/authenticationMethods/userRegistrationDetails';

describe.each(engines)('Graph authentication methods reports on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let tokenA: string;
  let tokenB: string;
  let usersTokenA: string;
  const people: Record<string, User> = {};

  const appToken = async (t: Tenant, permission: string) =>
    (await graphAppToken(server, t, permission, { name: `reports-${permission}` })).token;

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    tokenA = await appToken(a, 'AuditLog.Read.All');
    tokenB = await appToken(b, 'AuditLog.Read.All');
    usersTokenA = await appToken(a, 'User.Read.All');
    const ctx = server.ctx;
    people.ada = await reportUser(ctx, a, 'ada', ['platform']);
    people.bob = await reportUser(ctx, a, 'bob', ['synced']);
    people.cy = await reportUser(ctx, a, 'cy', ['securityKey', 'synced']);
    people.dee = await reportUser(ctx, a, 'dee');
    await issueTap(ctx, a, people.dee, { actor: { type: 'system', id: null } });
    people.eve = await reportUser(ctx, a, 'eve', [], { roles: ['Reports Reader'] });
    people.fay = await reportUser(ctx, a, 'fay');
    // A used single-use pass is no longer registered.
    const used = await issueTap(ctx, a, people.fay, { actor: { type: 'system', id: null } });
    await ctx.db.updateTable('taps').set({ used_at: ctx.now() }).where('id', '=', used.id).execute();
    people.other = await reportUser(ctx, b, 'other', ['platform']);
  });
  afterAll(() => server?.close());

  const client = graphClient<Json & { value: Row[] }>(() => server);
  const graph = (path: string, token = tokenA, headers: Record<string, string> = {}) =>
    client('GET', path, { token, headers });
  const q = (filter: string) => `${REPORT}?$filter=${encodeURIComponent(filter)}`;
  const names = (rows: readonly Row[]) => rows.map((r) => String(r.userPrincipalName).split('@')[0]).sort();

  it("lists every user of the tenant in Graph's userRegistrationDetails shape", async () => {
    const r = await graph(REPORT);
    expect(r.status).toBe(200);
    expect(r.body['@odata.context']).toBe(
      `${server.url}/graph/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails`,
    );
    expect(names(r.body.value)).toEqual(['ada', 'bob', 'cy', 'dee', 'eve', 'fay']);
    const byName = Object.fromEntries(r.body.value.map((row) => [String(row.userDisplayName), row]));
    expect(byName.ada).toEqual({
      id: people.ada!.id,
      userPrincipalName: 'ada@contoso.com',
      userDisplayName: 'ada',
      userType: 'member',
      isAdmin: false,
      isSsprRegistered: false,
      isSsprEnabled: false,
      isSsprCapable: false,
      isMfaRegistered: true,
      isMfaCapable: true,
      isPasswordlessCapable: true,
      methodsRegistered: ['passKeyDeviceBound'],
      isSystemPreferredAuthenticationMethodEnabled: false,
      systemPreferredAuthenticationMethods: [],
      userPreferredMethodForSecondaryAuthentication: 'none',
      lastUpdatedDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(byName.bob!.methodsRegistered).toEqual(['passKeySynced']);
    expect(byName.cy!.methodsRegistered).toEqual(['passKeyDeviceBound', 'passKeySynced', 'fido2SecurityKey']);
    // A pass alone: registered, but neither MFA- nor passwordless-capable.
    expect(byName.dee).toMatchObject({
      methodsRegistered: ['temporaryAccessPass'],
      isMfaCapable: false,
      isPasswordlessCapable: false,
    });
    expect(byName.eve).toMatchObject({ isAdmin: true, methodsRegistered: [], isMfaCapable: false });
    expect(byName.fay!.methodsRegistered).toEqual([]);
  });

  it('filters in SQL exactly as the rows say, for every filter Graph allows here', async () => {
    const all = (await graph(REPORT)).body.value;
    const cases: [string, (r: Row) => boolean][] = [
      ['isMfaCapable eq true', (r) => r.isMfaCapable === true],
      ['isMfaCapable eq false', (r) => r.isMfaCapable === false],
      ['isMfaRegistered eq true', (r) => r.isMfaRegistered === true],
      ['isPasswordlessCapable eq true', (r) => r.isPasswordlessCapable === true],
      ['isPasswordlessCapable eq false', (r) => r.isPasswordlessCapable === false],
      ['isAdmin eq true', (r) => r.isAdmin === true],
      ['isAdmin eq false', (r) => r.isAdmin === false],
      ['isSsprRegistered eq true', () => false],
      ['isSsprCapable eq false', () => true],
      ["userType eq 'member'", () => true],
      ["userType eq 'guest'", () => false],
      [
        "methodsRegistered/any(m: m eq 'passKeyDeviceBound')",
        (r) => r.methodsRegistered.includes('passKeyDeviceBound'),
      ],
      ["methodsRegistered/any(m: m eq 'passKeySynced')", (r) => r.methodsRegistered.includes('passKeySynced')],
      ["methodsRegistered/any(m: m eq 'fido2SecurityKey')", (r) => r.methodsRegistered.includes('fido2SecurityKey')],
      [
        "methodsRegistered/any(m: m eq 'temporaryAccessPass')",
        (r) => r.methodsRegistered.includes('temporaryAccessPass'),
      ],
      ["methodsRegistered/any(m: m eq 'sms')", () => false],
      ["userPrincipalName eq 'BOB@contoso.com'", (r) => r.userPrincipalName === 'bob@contoso.com'],
      ["startswith(userPrincipalName,'d')", (r) => String(r.userPrincipalName).startsWith('d')],
      ["userDisplayName eq 'Cy'", (r) => r.userDisplayName === 'cy'],
      [
        "isMfaCapable eq false and methodsRegistered/any(m: m eq 'temporaryAccessPass')",
        (r) => r.isMfaCapable === false && r.methodsRegistered.includes('temporaryAccessPass'),
      ],
      [
        "isAdmin eq true or methodsRegistered/any(x: x eq 'passKeySynced')",
        (r) => r.isAdmin === true || r.methodsRegistered.includes('passKeySynced'),
      ],
    ];
    for (const [filter, holds] of cases) {
      const r = await graph(q(filter));
      expect(r.status, filter).toBe(200);
      expect(names(r.body.value), filter).toEqual(names(all.filter(holds)));
    }
    // Each of those is a real narrowing of the set somewhere: the cases cannot all pass by matching everything.
    expect(names((await graph(q("methodsRegistered/any(m: m eq 'fido2SecurityKey')"))).body.value)).toEqual(['cy']);
  });

  it('refuses filters and orders Graph does not allow here with GRAPH_QUERY_INVALID', async () => {
    for (const bad of [
      q("methodsRegistered eq 'passKeySynced'"),
      q("methodsRegistered/any(m: m ne 'passKeySynced')"),
      q("methodsRegistered/any(m: m eq 'notAMethod')"),
      q("lastUpdatedDateTime eq '2026'"),
      q('isMfaCapable eq 1'),
      `${REPORT}?$orderby=isAdmin`,
      `${REPORT}?$search="userDisplayName:ada"`,
      `${REPORT}?$expand=x`,
    ]) {
      const r = await graph(bad);
      expect(r.status, bad).toBe(400);
      expect(codeOf(r), bad).toBe('GRAPH_QUERY_INVALID');
    }
  });

  it('counts with $count=true and ConsistencyLevel: eventual, as Graph’s advanced queries do', async () => {
    const path = `${q("methodsRegistered/any(m: m eq 'passKeySynced')")}&$count=true`;
    const r = await graph(path, tokenA, { consistencylevel: 'eventual' });
    expect(r.status).toBe(200);
    expect(r.body['@odata.count']).toBe(2);
    expect(names(r.body.value)).toEqual(['bob', 'cy']);
    const noHeader = await graph(path);
    expect(noHeader.status).toBe(400);
    expect(codeOf(noHeader)).toBe('GRAPH_CONSISTENCY_LEVEL_REQUIRED');
  });

  it('orders by userPrincipalName or userDisplayName, either way', async () => {
    const asc = await graph(`${REPORT}?$orderby=userPrincipalName`);
    expect(asc.body.value.map((r) => r.userDisplayName)).toEqual(['ada', 'bob', 'cy', 'dee', 'eve', 'fay']);
    const desc = await graph(`${REPORT}?$orderby=userDisplayName desc`);
    expect(desc.body.value.map((r) => r.userDisplayName)).toEqual(['fay', 'eve', 'dee', 'cy', 'bob', 'ada']);
  });

  it('pages with $top and @odata.nextLink, every user once, while users are added between pages', async () => {
    for (const order of ['', '&$orderby=userPrincipalName']) {
      const seen: string[] = [];
      let link: string | undefined = `${server.url}/graph/v1.0${REPORT}?$top=2${order}`;
      let added = 0;
      while (link) {
        const r = await graph(link);
        expect(r.status).toBe(200);
        expect(r.body.value.length).toBeLessThanOrEqual(2);
        seen.push(...r.body.value.map((x) => x.id));
        link = r.body['@odata.nextLink'] as string | undefined;
        if (link) expect(link).toContain(`${server.url}/graph/v1.0${REPORT}?`);
        // A user added mid-walk; with UPN order, one that sorts after every user so far.
        if (added < 2) await reportUser(server.ctx, a, `zz${order ? 'o' : 'd'}${added++}`, ['platform']);
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const p of ['ada', 'bob', 'cy', 'dee', 'eve', 'fay']) expect(seen).toContain(people[p]!.id);
      if (order) expect(seen.length).toBeGreaterThanOrEqual(8);
    }
  });

  it('refuses a tampered $skiptoken and one issued for another collection', async () => {
    const first = await graph(`${REPORT}?$top=1`);
    const link = first.body['@odata.nextLink'] as string;
    const token = new URL(link).searchParams.get('$skiptoken')!;
    const tampered = await graph(`${REPORT}?$top=1&$skiptoken=${token.slice(0, -2)}xx`);
    expect(tampered.status).toBe(400);
    expect(codeOf(tampered)).toBe('GRAPH_SKIPTOKEN_INVALID');
    const users = await graph('/users?$top=1', usersTokenA);
    const usersToken = new URL(users.body['@odata.nextLink'] as string).searchParams.get('$skiptoken')!;
    const foreign = await graph(`${REPORT}?$top=1&$skiptoken=${usersToken}`);
    expect(foreign.status).toBe(400);
    expect(codeOf(foreign)).toBe('GRAPH_SKIPTOKEN_INVALID');
    // A token of another filter does not page this one.
    const other = await graph(`${q('isAdmin eq false')}&$top=1&$skiptoken=${token}`);
    expect(codeOf(other)).toBe('GRAPH_SKIPTOKEN_INVALID');
  });

  it('answers one user by object id; a missing one, a UPN and another tenant’s user alike are 404', async () => {
    const r = await graph(`${REPORT}/${people.cy!.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails/$entity`,
      id: people.cy!.id,
      userPrincipalName: 'cy@contoso.com',
      methodsRegistered: ['passKeyDeviceBound', 'passKeySynced', 'fido2SecurityKey'],
    });
    const selected = await graph(`${REPORT}/${people.cy!.id}?$select=id,isAdmin`);
    expect(selected.body).toEqual({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails(id,isAdmin)/$entity`,
      id: people.cy!.id,
      isAdmin: false,
    });
    const missing = await graph(`${REPORT}/${crypto.randomUUID()}`);
    const foreign = await graph(`${REPORT}/${people.other!.id}`);
    for (const x of [missing, foreign]) {
      expect(x.status).toBe(404);
      expect(codeOf(x)).toBe('GRAPH_RESOURCE_NOT_FOUND');
    }
    expect((foreign.body.error as Json).message).toBe((missing.body.error as Json).message);
    expect((await graph(`${REPORT}/cy@contoso.com`)).status).toBe(404);
  });

  it("shows another tenant's token only that tenant's users", async () => {
    const r = await graph(REPORT, tokenB);
    expect(r.status).toBe(200);
    expect(r.body.value.map((x) => x.id)).toEqual([people.other!.id]);
    expect(r.text).not.toContain(a.id);
    for (const p of ['ada', 'bob', 'cy', 'dee', 'eve']) expect(r.text).not.toContain(people[p]!.id);
  });

  it('reads a page of 500 users in a fixed number of queries, however many methods they hold', async () => {
    const t = await createTenant(server.ctx, { slug: `bulk-${engine}` });
    for (let i = 0; i < 500; i++) await reportUser(server.ctx, t, `u${String(i).padStart(3, '0')}`, ['platform']);
    let statements = 0;
    const counting = server.ctx.db.withPlugin({
      transformQuery: (args) => args.node,
      // Called once per statement executed (transformQuery also sees subqueries as they are built).
      transformResult: async (args) => {
        statements++;
        return args.result;
      },
    });
    const parsed = parseCollectionQuery({ $top: '500', $filter: 'isMfaCapable eq true' }, registrationDetailsQuerySpec);
    if (!parsed.ok) throw new Error('query refused');
    const r = await queryRegistrationDetails(counting, t.id, parsed.query, {
      skiptokenKey: skiptokenKey(server.ctx, 'userRegistrationDetails'),
      now: server.ctx.now(),
    });
    if (!r.ok) throw new Error(r.code);
    expect(r.page.rows).toHaveLength(500);
    expect(r.page.rows.every((x) => x.passkeys.length === 1)).toBe(true);
    // The page SELECT and the one batched method query.
    expect(statements).toBe(2);
  });

  describe('groupPasskeyCoverage (ours, beta only)', () => {
    let c: Tenant;
    let tokenC: string;
    let tokenCAudit: string;
    const groups: Record<string, string> = {};
    beforeAll(async () => {
      const ctx = server.ctx;
      c = await createTenant(ctx, { slug: `coverage-${engine}` });
      tokenC = await appToken(c, 'Reports.Read.All');
      tokenCAudit = await appToken(c, 'AuditLog.Read.All');
      const ada = await reportUser(ctx, c, 'ada', ['platform', 'platform']);
      const bob = await reportUser(ctx, c, 'bob', ['synced']);
      const cy = await reportUser(ctx, c, 'cy', ['securityKey', 'synced']);
      const dee = await reportUser(ctx, c, 'dee');
      await issueTap(ctx, c, dee, { actor: { type: 'system', id: null } });
      await reportUser(ctx, c, 'loner', ['synced']); // in no group: counted in the tenant total only
      for (const [name, members] of [
        ['Sales', [ada, bob, dee]],
        ['Empty', []],
        ['Keys', [cy]],
      ] as const) {
        const id = ctx.newId();
        await insertGroup(ctx.db, { id, tenantId: c.id, displayName: name, createdAt: ctx.now() });
        for (const m of members) await addGroupMember(ctx.db, c.id, id, m.id);
        groups[name] = id;
      }
    });
    const COVERAGE = '/reports/authenticationMethods/groupPasskeyCoverage';
    const beta = (path: string, token = tokenC) => graph(`${server.url}/graph/beta${path}`, token);

    it('counts per group and for the whole tenant, in one row per group', async () => {
      const r = await beta(COVERAGE);
      expect(r.status).toBe(200);
      expect(r.body['@odata.context']).toBe(
        `${server.url}/graph/beta/$metadata#reports/authenticationMethods/groupPasskeyCoverage`,
      );
      expect(r.body.tenantTotal).toEqual({
        memberCount: 5,
        membersWithPasskey: 4,
        membersWithDeviceBoundPasskey: 2,
        membersPasswordlessCapable: 4,
      });
      const byName = Object.fromEntries(r.body.value.map((g) => [String(g.displayName), g]));
      expect(r.body.value).toHaveLength(3);
      expect(byName.Sales).toEqual({
        groupId: groups.Sales,
        displayName: 'Sales',
        memberCount: 3,
        membersWithPasskey: 2,
        membersWithDeviceBoundPasskey: 1,
        membersPasswordlessCapable: 2,
      });
      expect(byName.Empty).toMatchObject({ memberCount: 0, membersWithPasskey: 0, membersWithDeviceBoundPasskey: 0 });
      expect(byName.Keys).toMatchObject({ memberCount: 1, membersWithPasskey: 1, membersWithDeviceBoundPasskey: 1 });
    });

    it('agrees with userRegistrationDetails on who is passwordless-capable', async () => {
      const details = await graph(`${REPORT}?$filter=isPasswordlessCapable eq true`, tokenCAudit);
      const total = (await beta(COVERAGE)).body.tenantTotal as Json;
      expect(details.body.value).toHaveLength(Number(total.membersPasswordlessCapable));
    });

    it('pages with $top and @odata.nextLink, each group once', async () => {
      const seen: string[] = [];
      let link: string | undefined = `${server.url}/graph/beta${COVERAGE}?$top=1`;
      while (link) {
        const r = await graph(link, tokenC);
        expect(r.status).toBe(200);
        expect(r.body.value).toHaveLength(1);
        seen.push(String(r.body.value[0]!.groupId));
        link = r.body['@odata.nextLink'] as string | undefined;
      }
      expect(seen.sort()).toEqual(Object.values(groups).sort());
      const bad = await beta(`${COVERAGE}?$top=1&$skiptoken=abc.def`);
      expect(codeOf(bad)).toBe('GRAPH_SKIPTOKEN_INVALID');
    });

    it('refuses the options it does not have, and is not served on v1.0 (Graph has no such report)', async () => {
      for (const bad of ["$filter=displayName eq 'Sales'", '$orderby=displayName', '$select=groupId', '$count=true']) {
        const r = await beta(`${COVERAGE}?${bad}`);
        expect(r.status, bad).toBe(400);
        expect(codeOf(r), bad).toBe('GRAPH_QUERY_INVALID');
      }
      const v1 = await fetch(`${server.url}/graph/v1.0${COVERAGE}`, { headers: { authorization: `Bearer ${tokenC}` } });
      expect(v1.status).toBe(404);
    });

    it("shows another tenant's token only its own groups", async () => {
      const r = await beta(COVERAGE, tokenB);
      expect(r.status).toBe(200);
      expect(r.body.value).toEqual([]);
      expect(r.body.tenantTotal).toMatchObject({ memberCount: 1, membersWithPasskey: 1 });
      for (const id of Object.values(groups)) expect(r.text).not.toContain(id);
    });
  });
});

describe.each(engines)('report query plans on %s', (engine) => {
  let store: Store;
  afterAll(async () => store?.close());
  const planOf = async (c: CompiledQuery) => {
    store ??= await openTestStore(engine);
    return store.db.transaction().execute(async (trx) => {
      if (engine === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const prefix = engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const r = await trx.executeQuery(CompiledQuery.raw(prefix + c.sql, [...c.parameters]));
      return r.rows.map((row) => Object.values(row as object).join(' ')).join('\n');
    });
  };
  const fullScan =
    engine === 'sqlite' ? /\bSCAN (passkeys|taps|role_assignments|password_credentials|group_members)\b/ : /Seq Scan/;

  it("reads a page's methods by index lookups per user, never a table scan", async () => {
    store ??= await openTestStore(engine);
    const ids = Array.from({ length: 100 }, () => crypto.randomUUID());
    const plan = await planOf(registrationRowsQuery(store.db, crypto.randomUUID(), ids).compile());
    for (const index of ['passkeys_user', 'taps_user']) expect(plan).toContain(index);
    expect(plan).not.toMatch(fullScan);
  });

  it("reads a coverage page's members by the group key, not every membership of the tenant", async () => {
    store ??= await openTestStore(engine);
    const plan = await planOf(groupCoverageQuery(store.db, crypto.randomUUID(), 100, crypto.randomUUID()).compile());
    expect(plan).toContain(engine === 'sqlite' ? 'sqlite_autoindex_group_members_1 (group_id=?)' : 'group_members_pk');
    expect(plan).not.toContain('group_members_user');
    expect(plan).not.toMatch(fullScan);
    const total = await planOf(tenantCoverageQuery(store.db, crypto.randomUUID()).compile());
    expect(total).toContain('passkeys_user');
    expect(total).not.toMatch(fullScan);
  });
});
