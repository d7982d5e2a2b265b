// Requests exactly as scripts written for Microsoft Graph send them (the Graph REST docs' examples, the PowerShell,
// Python and JavaScript SDKs' headers and query forms), against a real server with a client-credentials token;
// each assertion is what Graph itself answers: status, property names, annotations, paging. Where Signet does
// not support what Graph does, the answer is Graph's error envelope with a catalogue code naming what is missing.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/flows/directory.ts';
import { insertSignIn } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { addPasskey } from '../support/auth-method-fixtures.ts';
import { engines } from '../support/engines.ts';
import { appToken as graphAppToken } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read as loose JSON in assertions
type Json = Record<string, any>;

// What the Microsoft Graph PowerShell SDK (Invoke-MgGraphRequest, the generated cmdlets) puts on every request.
const POWERSHELL = {
  SdkVersion: 'graph-powershell/2.25.0, Graph-dotnet-5.56.0',
  'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.22631; en-US) PowerShell/7.4.6',
  Accept: 'application/json',
};
// The Python SDK (msgraph-sdk over Kiota).
const PYTHON = {
  SdkVersion:
    'graph-python/1.12.0, graph-python-core/1.1.6 (featureUsage=0; hostOS=Linux; runtimeEnvironment=CPython/3.12.3)',
  'User-Agent': 'python-httpx/0.27.2 kiota-python/1.3.4',
  Accept: 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false',
};

describe.each(engines)('scripts written for Microsoft Graph, against Signet on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let token: string;
  const suffix = randomUUID().slice(0, 8);
  const upn = (name: string) => `${name}.${suffix}@contoso.com`;
  const ids: Record<string, string> = {};

  const appToken = async (permissions: string[]) =>
    (await graphAppToken(server, tenant, permissions, { name: 'graph script' })).token;

  /** One request as a script sends it: `pathAndQuery` below https://graph.microsoft.com/v1.0, byte for byte. */
  async function send(
    method: string,
    pathAndQuery: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const url = pathAndQuery.startsWith('http') ? pathAndQuery : `${server.url}/graph/v1.0${pathAndQuery}`;
    const headers: Record<string, string> = { ...POWERSHELL, authorization: `Bearer ${token}`, ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      method,
      headers,
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    let json: Json = {};
    try {
      json = text ? (JSON.parse(text) as Json) : {};
    } catch {
      json = { text };
    }
    return { status: res.status, headers: res.headers, json, text };
  }
  const codeOf = (r: { json: Json }) => r.json.error?.code as string | undefined;
  const graphRoot = () => `${server.url}/graph/v1.0`;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    token = await appToken([
      'User.ReadWrite.All',
      'Group.ReadWrite.All',
      'UserAuthenticationMethod.ReadWrite.All',
      'AuditLog.Read.All',
      'Reports.Read.All',
      'Organization.Read.All',
    ]);
  });
  afterAll(() => server?.close());

  describe('users', () => {
    it('POST /users with the Graph docs body answers 201 with the user and its @odata.context', async () => {
      // https://learn.microsoft.com/graph/api/user-post-users, "Create a user".
      const r = await send('POST', '/users', {
        headers: { 'client-request-id': 'c0ffee00-1111-4222-8333-444455556666' },
        body: {
          accountEnabled: true,
          displayName: 'Adele Vance',
          mailNickname: 'AdeleV',
          userPrincipalName: upn('AdeleV'),
          passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
        },
      });
      expect(r.status, r.text).toBe(201);
      expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#users/$entity`);
      expect(r.json).toMatchObject({
        displayName: 'Adele Vance',
        userPrincipalName: upn('AdeleV'),
        accountEnabled: true,
      });
      expect(r.json.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.json.passwordProfile ?? null).toBeNull();
      expect(r.headers.get('client-request-id')).toBe('c0ffee00-1111-4222-8333-444455556666');
      expect(r.headers.get('request-id')).toBeTruthy();
      ids.adele = r.json.id;
      for (const [name, display] of [
        ['AlexW', 'Alex Wilber'],
        ['DiegoS', 'Diego Siciliani'],
        ['OBrien', "Pat O'Brien"],
        ['MeganB', 'Megan Bowen'],
      ] as const) {
        const c = await send('POST', '/users', {
          headers: PYTHON,
          body: { accountEnabled: true, displayName: display, mailNickname: name, userPrincipalName: upn(name) },
        });
        expect(c.status, c.text).toBe(201);
        ids[name] = c.json.id;
      }
    });

    it('a second POST /users with the same userPrincipalName is refused with USER_ALREADY_EXISTS (409)', async () => {
      const r = await send('POST', '/users', {
        body: {
          accountEnabled: true,
          displayName: 'Adele again',
          mailNickname: 'AdeleV',
          userPrincipalName: upn('AdeleV'),
        },
      });
      expect([r.status, codeOf(r)]).toEqual([409, 'USER_ALREADY_EXISTS']);
      expect(r.json.error.innerError['request-id']).toBe(r.headers.get('request-id'));
    });

    it('PATCH to a userPrincipalName another user has is refused the same way, and changes nothing', async () => {
      const r = await send('PATCH', `/users/${ids.AlexW}`, {
        body: { userPrincipalName: upn('AdeleV').toUpperCase() },
      });
      expect([r.status, codeOf(r)]).toEqual([409, 'USER_ALREADY_EXISTS']);
      expect((await send('GET', `/users/${ids.AlexW}`)).json.userPrincipalName).toBe(upn('AlexW'));
    });

    it('malformed query options a script can produce are 400 GRAPH_QUERY_INVALID naming the option, never a 500', async () => {
      const cases: [string, string][] = [
        ['/users?$filter=', '$filter'],
        ['/users?$filter=displayName eq', '$filter'],
        ["/users?$filter=displayName eq 'unclosed", '$filter'],
        ['/users?$filter=(accountEnabled eq true', '$filter'],
        ['/users?$select=', '$select'],
        ['/users?$top=abc', '$top'],
        ['/users?$orderby=displayName sideways', '$orderby'],
        ['/users?$search=displayName:x', '$search'],
        ['/users?$filter=x&$filter=y', '$filter'],
        ["/auditLogs/signIns?$filter=createdDateTime ge '2026-11-30T00:00:00Z'", '$filter'],
      ];
      for (const [path, parameter] of cases) {
        const r = await send('GET', path, { headers: { ConsistencyLevel: 'eventual' } });
        expect([r.status, codeOf(r), r.json.error?.innerError?.parameter], `${path}: ${r.text}`).toEqual([
          400,
          'GRAPH_QUERY_INVALID',
          parameter,
        ]);
      }
    });

    it('properties a script commonly sends that Signet does not store are refused by name (never dropped)', async () => {
      const r = await send('POST', '/users', {
        body: {
          accountEnabled: true,
          displayName: 'Isaiah Langer',
          givenName: 'Isaiah',
          surname: 'Langer',
          usageLocation: 'US',
          mailNickname: 'IsaiahL',
          userPrincipalName: upn('IsaiahL'),
        },
      });
      expect([r.status, codeOf(r)]).toEqual([400, 'GRAPH_PROPERTY_UNKNOWN']);
      expect(r.json.error.innerError.properties).toBe('givenName, surname, usageLocation');
      expect((await send('GET', `/users/${upn('IsaiahL')}`)).status).toBe(404);
    });

    it('GET /users/{userPrincipalName} finds the user whatever the case and with @ percent-encoded', async () => {
      for (const key of [upn('AdeleV'), upn('AdeleV').toUpperCase(), encodeURIComponent(upn('AdeleV'))]) {
        const r = await send('GET', `/users/${key}`);
        expect(r.status, `${key}: ${r.text}`).toBe(200);
        expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#users/$entity`);
        expect(r.json.id).toBe(ids.adele);
      }
      const missing = await send('GET', `/users/${upn('nobody')}`);
      expect([missing.status, codeOf(missing)]).toEqual([404, 'GRAPH_RESOURCE_NOT_FOUND']);
    });

    it('GET /users/{id}?$select=id,accountEnabled,displayName answers those properties only', async () => {
      const r = await send('GET', `/users/${ids.adele}?$select=id,accountEnabled,displayName`);
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#users(id,accountEnabled,displayName)/$entity`);
      expect(Object.keys(r.json).sort()).toEqual(['@odata.context', 'accountEnabled', 'displayName', 'id']);
    });

    it("$filter=startsWith(displayName,'a') with $count=true and ConsistencyLevel: eventual counts and lists", async () => {
      const r = await send('GET', "/users?$filter=startsWith(displayName,'a')&$count=true", {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.count']).toBe(2);
      expect(r.json.value.map((u: Json) => u.displayName).sort()).toEqual(['Adele Vance', 'Alex Wilber']);
      expect(Object.keys(r.json.value[0]).sort()).toEqual(['displayName', 'id', 'userPrincipalName']);
    });

    it('$count=true without ConsistencyLevel is refused as Graph refuses it', async () => {
      const r = await send('GET', '/users?$count=true');
      expect([r.status, codeOf(r)]).toEqual([400, 'GRAPH_CONSISTENCY_LEVEL_REQUIRED']);
    });

    it("PowerShell's encoding: %24filter, %20 and + for spaces, %27 for quotes", async () => {
      for (const q of [
        `%24filter=userPrincipalName%20eq%20%27${encodeURIComponent(upn('DiegoS'))}%27`,
        `%24filter=userPrincipalName+eq+'${upn('DiegoS')}'`,
        `$filter=userPrincipalName eq '${upn('DiegoS')}'`,
        `$Filter=UserPrincipalName EQ '${upn('DiegoS')}'`,
      ]) {
        const r = await send('GET', `/users?${q}`);
        expect(r.status, `${q}: ${r.text}`).toBe(200);
        expect(r.json.value.map((u: Json) => u.id)).toEqual([ids.DiegoS]);
      }
    });

    it("a single quote doubled inside a string literal matches the name with one quote (O''Brien)", async () => {
      const r = await send('GET', `/users?$filter=displayName eq 'Pat O''Brien'`);
      expect(r.status, r.text).toBe(200);
      expect(r.json.value.map((u: Json) => u.id)).toEqual([ids.OBrien]);
    });

    it("$filter=id in ('…','…') answers exactly those users", async () => {
      const r = await send('GET', `/users?$filter=id in ('${ids.AlexW}','${ids.MeganB}')&$select=id,displayName`);
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#users(id,displayName)`);
      expect(r.json.value.map((u: Json) => u.id).sort()).toEqual([ids.AlexW, ids.MeganB].sort());
    });

    it('$top pages carry an absolute @odata.nextLink that keeps $count=true and is followed verbatim', async () => {
      const first = await send('GET', '/users?$count=true&$top=2&$select=id,displayName', {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(first.status, first.text).toBe(200);
      expect(first.json['@odata.count']).toBe(5);
      expect(first.json.value).toHaveLength(2);
      const seen = first.json.value.map((u: Json) => u.id);
      let next: string | undefined = first.json['@odata.nextLink'];
      expect(next).toMatch(/^http:\/\/localhost:\d+\/graph\/v1\.0\/users\?/);
      expect(next).toContain('$count=true');
      for (let i = 0; next && i < 5; i++) {
        const page = await send('GET', next, { headers: { ConsistencyLevel: 'eventual' } });
        expect(page.status, page.text).toBe(200);
        expect(page.json['@odata.count']).toBe(5);
        seen.push(...page.json.value.map((u: Json) => u.id));
        next = page.json['@odata.nextLink'];
      }
      expect(new Set(seen).size).toBe(5);
      expect(seen).toHaveLength(5);
    });

    it('$orderby=displayName sorts, and $orderby with $filter needs the advanced-query pair', async () => {
      const r = await send('GET', '/users?$orderby=displayName&$select=displayName');
      expect(r.status, r.text).toBe(200);
      const names = r.json.value.map((u: Json) => u.displayName);
      expect(names).toEqual([...names].sort((x: string, y: string) => x.localeCompare(y, 'en')));
      const both = await send('GET', "/users?$filter=startswith(displayName,'a')&$orderby=displayName desc");
      expect([both.status, codeOf(both)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      const advanced = await send(
        'GET',
        "/users?$filter=startswith(displayName,'a')&$orderby=displayName desc&$count=true",
        {
          headers: { ConsistencyLevel: 'eventual' },
        },
      );
      expect(advanced.status, advanced.text).toBe(200);
      expect(advanced.json.value.map((u: Json) => u.displayName)).toEqual(['Alex Wilber', 'Adele Vance']);
    });

    it('$search="displayName:…" with ConsistencyLevel: eventual finds by a word prefix', async () => {
      const r = await send('GET', '/users?$search="displayName:wil"&$count=true', {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json.value.map((u: Json) => u.id)).toEqual([ids.AlexW]);
      const encoded = await send('GET', '/users?%24search=%22displayName%3Awil%22', {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(encoded.status, encoded.text).toBe(200);
      expect(encoded.json.value.map((u: Json) => u.id)).toEqual([ids.AlexW]);
      const bare = await send('GET', '/users?$search="displayName:wil"');
      expect([bare.status, codeOf(bare)]).toEqual([400, 'GRAPH_CONSISTENCY_LEVEL_REQUIRED']);
    });

    it("the Python SDK's Kiota encoding (%24 names, %28 %2C %27 in values) pages through @odata.nextLink", async () => {
      const filter = encodeURIComponent("startswith(userPrincipalName,'a')").replace(/[()']/g, (c) =>
        c === '(' ? '%28' : c === ')' ? '%29' : '%27',
      );
      const first = await send('GET', `/users?%24count=true&%24filter=${filter}&%24select=id%2CdisplayName&%24top=1`, {
        headers: { ...PYTHON, ConsistencyLevel: 'eventual' },
      });
      expect(first.status, first.text).toBe(200);
      expect(first.json['@odata.count']).toBe(2);
      expect(first.json['@odata.context']).toBe(`${graphRoot()}/$metadata#users(id,displayName)`);
      const next = first.json['@odata.nextLink'] as string;
      expect(next).toContain('%24count=true');
      const second = await send('GET', next, { headers: { ...PYTHON, ConsistencyLevel: 'eventual' } });
      expect(second.status, second.text).toBe(200);
      expect([...first.json.value, ...second.json.value].map((u: Json) => u.id).sort()).toEqual(
        [ids.adele, ids.AlexW].sort(),
      );
      expect(second.json['@odata.nextLink']).toBeUndefined();
    });

    it('PATCH /users/{userPrincipalName} updates the user it names (204)', async () => {
      const r = await send('PATCH', `/users/${upn('DiegoS')}`, { body: { displayName: 'Diego S.' } });
      expect(r.status, r.text).toBe(204);
      expect((await send('GET', `/users/${ids.DiegoS}`)).json.displayName).toBe('Diego S.');
    });

    it('PATCH /users/{id} answers 204 with no body, and the change reads back', async () => {
      const r = await send('PATCH', `/users/${ids.MeganB}`, {
        body: { displayName: 'Megan B.', accountEnabled: false },
      });
      expect(r.status, r.text).toBe(204);
      expect(r.text).toBe('');
      const back = await send('GET', `/users/${ids.MeganB}?$select=displayName,accountEnabled`);
      expect(back.json).toMatchObject({ displayName: 'Megan B.', accountEnabled: false });
      const disabled = await send('GET', '/users?$filter=accountEnabled eq false&$select=id');
      expect(disabled.json.value.map((u: Json) => u.id)).toEqual([ids.MeganB]);
    });

    it('$filter with a function other than startswith is refused naming the function', async () => {
      const r = await send('GET', "/users?$filter=endswith(userPrincipalName,'@contoso.com')&$count=true", {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect([r.status, codeOf(r)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      expect(r.json.error.innerError).toMatchObject({ parameter: '$filter' });
      expect(r.json.error.innerError.reason).toContain('endswith');
    });

    it('$select=* (PowerShell -Property *) answers every property Signet stores', async () => {
      const r = await send('GET', `/users/${ids.adele}?$select=*`);
      expect(r.status, r.text).toBe(200);
      expect(r.json).toMatchObject({ id: ids.adele, accountEnabled: true, displayName: 'Adele Vance' });
      expect(r.json.createdDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const list = await send('GET', `/users?$select=*&$filter=id eq '${ids.adele}'`);
      expect(list.status, list.text).toBe(200);
      expect(list.json.value[0]).toHaveProperty('accountEnabled', true);
      const top = await send('GET', '/users?$top=1000');
      expect([top.status, codeOf(top)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
    });

    it("GET /users/$count (the SDKs' users.count) answers the number, with $filter too", async () => {
      const all = await send('GET', '/users/$count', { headers: { ConsistencyLevel: 'eventual' } });
      expect(all.status, all.text).toBe(200);
      expect(all.text).toBe('5');
      expect(all.headers.get('content-type')).toMatch(/^text\/plain/);
      const some = await send('GET', "/users/$count?$filter=startswith(displayName,'a')", {
        headers: { ...PYTHON, ConsistencyLevel: 'eventual' },
      });
      expect([some.status, some.text]).toEqual([200, '2']);
      const groups = await send('GET', '/groups/%24count', { headers: { ConsistencyLevel: 'eventual' } });
      expect([groups.status, groups.text]).toEqual([200, '0']);
    });

    it('$expand on a single user is refused by name, never ignored (an ignored memberOf reads as "no groups")', async () => {
      const r = await send('GET', `/users/${ids.adele}?$expand=memberOf`);
      expect([r.status, codeOf(r)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      expect(r.json.error.innerError.parameter).toBe('$expand');
      const select = await send('GET', `/users/${ids.adele}?%24select=id`);
      expect([select.status, Object.keys(select.json).sort()]).toEqual([200, ['@odata.context', 'id']]);
    });

    it('$filter=createdDateTime ge … lists the users created since then', async () => {
      const since = new Date(Date.now() - 3_600_000).toISOString();
      const r = await send('GET', `/users?$filter=createdDateTime ge ${since}&$count=true&$select=id`, {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.count']).toBe(5);
      const later = await send(
        'GET',
        `/users?$filter=createdDateTime gt ${new Date(Date.now() + 60_000).toISOString()}`,
      );
      expect([later.status, later.json.value]).toEqual([200, []]);
    });

    it('/users/ with a trailing slash is the collection', async () => {
      const r = await send('GET', '/users/?$top=1&$select=id');
      expect(r.status, r.text).toBe(200);
      expect(r.json.value).toHaveLength(1);
      expect(r.json['@odata.nextLink']).toContain('$skiptoken=');
    });

    it("what Graph has and Signet does not answers Graph's error envelope with a code naming it, never a 500", async () => {
      const cases: [string, string, Record<string, string>?][] = [
        [
          "/users?$filter=endsWith(userPrincipalName,'@contoso.com')&$count=true",
          'GRAPH_QUERY_INVALID',
          { ConsistencyLevel: 'eventual' },
        ],
        ['/users?$expand=memberOf', 'GRAPH_QUERY_INVALID'],
        ['/users?$skip=5', 'GRAPH_QUERY_INVALID'],
        ["/users?$filter=mail eq 'a@contoso.com'", 'GRAPH_QUERY_INVALID'],
        ['/users/$count?$top=5', 'GRAPH_QUERY_INVALID', { ConsistencyLevel: 'eventual' }],
        ['/users/$count', 'GRAPH_CONSISTENCY_LEVEL_REQUIRED'],
      ];
      for (const [path, code, headers] of cases) {
        const r = await send('GET', path, headers ? { headers } : {});
        expect([r.status, codeOf(r)], `${path}: ${r.text}`).toEqual([400, code]);
        expect(r.json.error.message).toBeTruthy();
        expect(r.json.error.innerError['request-id']).toBeTruthy();
      }
    });
  });

  describe('groups', () => {
    it('POST /groups with a security group body answers 201 with the group', async () => {
      // https://learn.microsoft.com/graph/api/group-post-groups, "Create a security group".
      const r = await send('POST', '/groups', {
        body: { displayName: 'Operations', mailEnabled: false, mailNickname: 'operations2019', securityEnabled: true },
      });
      expect(r.status, r.text).toBe(201);
      expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#groups/$entity`);
      expect(r.json).toMatchObject({
        displayName: 'Operations',
        mailEnabled: false,
        securityEnabled: true,
        groupTypes: [],
      });
      ids.ops = r.json.id;
    });

    it('POST /groups without mailNickname is refused, as Graph requires it', async () => {
      const r = await send('POST', '/groups', {
        body: { displayName: 'No nick', mailEnabled: false, securityEnabled: true },
      });
      expect([r.status, codeOf(r)]).toEqual([400, 'REQUEST_INVALID']);
      expect(r.json.error.innerError.field).toBe('mailNickname');
    });

    it('a Microsoft 365 group, description or members@odata.bind are refused by name', async () => {
      const unified = await send('POST', '/groups', {
        body: {
          displayName: 'Library',
          groupTypes: ['Unified'],
          mailEnabled: true,
          mailNickname: 'library',
          securityEnabled: false,
        },
      });
      expect([unified.status, codeOf(unified)]).toEqual([400, 'REQUEST_INVALID']);
      const bind = await send('POST', '/groups', {
        body: {
          description: 'Group with designated members',
          displayName: 'Bound',
          mailEnabled: false,
          mailNickname: 'bound',
          securityEnabled: true,
          'members@odata.bind': [`https://graph.microsoft.com/v1.0/users/${ids.adele}`],
        },
      });
      expect([bind.status, codeOf(bind)]).toEqual([400, 'GRAPH_PROPERTY_UNKNOWN']);
      expect(bind.json.error.innerError.properties).toBe('description, members@odata.bind');
    });

    it('POST /groups/{id}/members/$ref with a directoryObjects @odata.id adds the member (204)', async () => {
      const r = await send('POST', `/groups/${ids.ops}/members/$ref`, {
        body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ids.adele}` },
      });
      expect(r.status, r.text).toBe(204);
      const asUser = await send('POST', `/groups/${ids.ops}/members/$ref`, {
        body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${ids.AlexW}` },
      });
      expect(asUser.status, asUser.text).toBe(204);
      const members = await send('GET', `/groups/${ids.ops}/members?$select=id,displayName`);
      expect(members.status, members.text).toBe(200);
      expect(members.json['@odata.context']).toBe(`${graphRoot()}/$metadata#directoryObjects`);
      expect(members.json.value.map((m: Json) => [m['@odata.type'], m.id]).sort()).toEqual(
        [
          ['#microsoft.graph.user', ids.adele],
          ['#microsoft.graph.user', ids.AlexW],
        ].sort(),
      );
      const memberOf = await send('GET', `/users/${ids.adele}/memberOf`);
      expect(memberOf.json.value.map((g: Json) => [g['@odata.type'], g.id])).toEqual([
        ['#microsoft.graph.group', ids.ops],
      ]);
    });

    it('adding a member twice is refused with 400, as Graph refuses it', async () => {
      const r = await send('POST', `/groups/${ids.ops}/members/$ref`, {
        body: { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${ids.adele}` },
      });
      // Graph: 400 "One or more added object references already exist for the following modified properties".
      expect([r.status, codeOf(r)]).toEqual([400, 'GRAPH_MEMBER_ALREADY_EXISTS']);
    });

    it('members and memberOf with $count=true and ConsistencyLevel: eventual carry @odata.count', async () => {
      const members = await send('GET', `/groups/${ids.ops}/members?$count=true&$top=1&$select=id`, {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(members.status, members.text).toBe(200);
      expect(members.json['@odata.count']).toBe(2);
      expect(members.json.value).toHaveLength(1);
      const rest = await send('GET', members.json['@odata.nextLink'], { headers: { ConsistencyLevel: 'eventual' } });
      expect([rest.json['@odata.count'], rest.json.value.length]).toEqual([2, 1]);
      const memberOf = await send('GET', `/users/${ids.AlexW}/memberOf?$count=true`, {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(memberOf.status, memberOf.text).toBe(200);
      expect(memberOf.json['@odata.count']).toBe(1);
      const bare = await send('GET', `/groups/${ids.ops}/members?$count=true`);
      expect([bare.status, codeOf(bare)]).toEqual([400, 'GRAPH_CONSISTENCY_LEVEL_REQUIRED']);
    });

    it('DELETE /groups/{id}/members/{id}/$ref removes the member (204)', async () => {
      const r = await send('DELETE', `/groups/${ids.ops}/members/${ids.AlexW}/$ref`);
      expect(r.status, r.text).toBe(204);
      const members = await send('GET', `/groups/${ids.ops}/members`);
      expect(members.json.value.map((m: Json) => m.id)).toEqual([ids.adele]);
    });

    it('PATCH mailNickname (taken on create, not stored) is refused by name, never a 204 that changed nothing', async () => {
      const group = await send('PATCH', `/groups/${ids.ops}`, { body: { mailNickname: 'ops2026' } });
      expect([group.status, codeOf(group)]).toEqual([400, 'GRAPH_PROPERTY_UNKNOWN']);
      expect(group.json.error.innerError.properties).toBe('mailNickname');
      const user = await send('PATCH', `/users/${ids.adele}`, { body: { mailNickname: 'AdeleV2' } });
      expect([user.status, codeOf(user)]).toEqual([400, 'GRAPH_PROPERTY_UNKNOWN']);
      const renamed = await send('PATCH', `/groups/${ids.ops}`, { body: { displayName: 'Operations' } });
      expect(renamed.status, renamed.text).toBe(204);
    });

    it("GET /groups?$filter=displayName eq 'Operations'&$count=true counts with ConsistencyLevel", async () => {
      const r = await send('GET', "/groups?$filter=displayName eq 'Operations'&$count=true", {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.count']).toBe(1);
      expect(r.json.value[0].id).toBe(ids.ops);
    });
  });

  describe('group filters scripts use', () => {
    it("mailEnabled eq false and securityEnabled eq true lists the security groups; groupTypes/any 'Unified' none", async () => {
      const security = await send('GET', '/groups?$filter=mailEnabled eq false and securityEnabled eq true&$select=id');
      expect(security.status, security.text).toBe(200);
      expect(security.json.value.map((g: Json) => g.id)).toEqual([ids.ops]);
      const mail = await send('GET', '/groups?$filter=mailEnabled eq true');
      expect([mail.status, mail.json.value]).toEqual([200, []]);
      const unified = await send('GET', "/groups?$filter=groupTypes/any(c:c eq 'Unified')");
      expect([unified.status, unified.json.value]).toEqual([200, []]);
      const count = await send('GET', '/groups/$count?$filter=securityEnabled eq true', {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect([count.status, count.text]).toEqual([200, '1']);
    });
  });

  describe('group search', () => {
    it('$search="displayName:…" on groups with ConsistencyLevel: eventual; on members it is refused by name', async () => {
      const r = await send('GET', '/groups?$search="displayName:oper"&$count=true', {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect(r.status, r.text).toBe(200);
      expect([r.json['@odata.count'], r.json.value.map((g: Json) => g.id)]).toEqual([1, [ids.ops]]);
      const none = await send('GET', '/groups?$search="displayName:ations"', {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect([none.status, none.json.value]).toEqual([200, []]);
      const members = await send('GET', `/groups/${ids.ops}/members?$search="displayName:adele"`, {
        headers: { ConsistencyLevel: 'eventual' },
      });
      expect([members.status, codeOf(members)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      expect(members.json.error.innerError).toMatchObject({ parameter: '$search' });
    });
  });

  describe('authentication methods', () => {
    it('GET /users/{id}/authentication/fido2Methods lists the passkeys in Graph shape', async () => {
      const passkey = await addPasskey(server.ctx, tenant, ids.adele!);
      const r = await send('GET', `/users/${ids.adele}/authentication/fido2Methods`);
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.context']).toMatch(/\$metadata#users\('[^']+'\)\/authentication\/fido2Methods$/);
      expect(r.json.value.map((m: Json) => m.id)).toEqual([passkey]);
      expect(r.json.value[0]).toHaveProperty('aaGuid');
      const byUpn = await send('GET', `/users/${upn('AdeleV')}/authentication/fido2Methods`);
      expect(byUpn.json.value.map((m: Json) => m.id)).toEqual([passkey]);
    });

    it('POST temporaryAccessPassMethods with startDateTime, lifetimeInMinutes, isUsableOnce answers 201 with the pass', async () => {
      const start = new Date(Date.now() + 60_000).toISOString(); // 2026-12-01T12:00:00.000Z, as the docs write it
      const r = await send('POST', `/users/${ids.AlexW}/authentication/temporaryAccessPassMethods`, {
        body: { startDateTime: start, lifetimeInMinutes: 60, isUsableOnce: false },
      });
      expect(r.status, r.text).toBe(201);
      expect(r.json['@odata.context']).toMatch(/temporaryAccessPassMethods\/\$entity$/);
      expect(r.json).toMatchObject({ lifetimeInMinutes: 60, isUsableOnce: false });
      expect(typeof r.json.temporaryAccessPass).toBe('string');
      expect(Date.parse(r.json.startDateTime)).toBe(Math.floor(Date.parse(start) / 1000) * 1000);
      const list = await send('GET', `/users/${ids.AlexW}/authentication/temporaryAccessPassMethods`);
      expect(list.status).toBe(200);
      expect(list.json.value).toHaveLength(1);
      expect(list.json.value[0].temporaryAccessPass ?? null).toBeNull();
    });
  });

  describe('temporary access pass with the defaults', () => {
    it('POST temporaryAccessPassMethods with {} answers 201 with the policy defaults', async () => {
      const r = await send('POST', `/users/${ids.DiegoS}/authentication/temporaryAccessPassMethods`, { body: {} });
      expect(r.status, r.text).toBe(201);
      expect(r.json).toHaveProperty('temporaryAccessPass');
      expect(r.json.lifetimeInMinutes).toBeGreaterThan(0);
      expect(r.json).toHaveProperty('isUsable');
      expect(r.json).toHaveProperty('methodUsabilityReason');
    });
  });

  describe('sign-in logs and reports', () => {
    const base = Date.parse('2026-11-30T08:00:00Z');
    beforeAll(async () => {
      for (let i = 0; i < 6; i++)
        await insertSignIn(server.ctx.db, {
          id: randomUUID(),
          tenantId: tenant.id,
          createdAt: base + i * 3_600_000,
          userId: i < 4 ? ids.adele! : ids.AlexW!,
          userPrincipalName: i < 4 ? upn('AdeleV') : upn('AlexW'),
          appId: null,
          method: 'passkey',
          result: i % 2 ? 'failure' : 'success',
          errorCode: i % 2 ? 'SIGNIN_CREDENTIAL_UNKNOWN' : null,
          detail: {},
          ip: '192.0.2.1',
          userAgent: 'test',
        });
    });

    it("$filter=createdDateTime ge …Z and userPrincipalName eq '…' answers that user's sign-ins since then", async () => {
      const r = await send(
        'GET',
        `/auditLogs/signIns?$filter=createdDateTime ge 2026-11-30T09:00:00Z and userPrincipalName eq '${upn('AdeleV')}'`,
      );
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#auditLogs/signIns`);
      expect(r.json.value).toHaveLength(3);
      const times = r.json.value.map((s: Json) => s.createdDateTime);
      expect(times).toEqual([...times].sort().reverse());
      const ms = await send(
        'GET',
        `/auditLogs/signIns?$filter=createdDateTime ge 2026-11-30T09:00:00.000Z and createdDateTime le 2026-11-30T10:00:00.000Z`,
      );
      expect(ms.status, ms.text).toBe(200);
      expect(ms.json.value).toHaveLength(2);
    });

    it('$filter=status/errorCode eq 0 answers the successful sign-ins, ne 0 the failed', async () => {
      const ok = await send('GET', '/auditLogs/signIns?$filter=status/errorCode eq 0');
      expect(ok.status, ok.text).toBe(200);
      expect(ok.json.value).toHaveLength(3);
      expect(ok.json.value.every((s: Json) => s.status.errorCode === 0)).toBe(true);
      const failed = await send('GET', '/auditLogs/signIns?$filter=status/errorCode ne 0');
      expect(failed.status, failed.text).toBe(200);
      expect(failed.json.value).toHaveLength(3);
      expect(failed.json.value.every((s: Json) => s.status.errorCode !== 0)).toBe(true);
    });

    it('status/errorCode compared with a Signet code or a number that no Signet row has', async () => {
      const code = await send('GET', "/auditLogs/signIns?$filter=status/errorCode eq 'SIGNIN_CREDENTIAL_UNKNOWN'");
      expect(code.json.value).toHaveLength(3);
      const notCode = await send('GET', "/auditLogs/signIns?$filter=status/errorCode ne 'SIGNIN_CREDENTIAL_UNKNOWN'");
      expect(notCode.status, notCode.text).toBe(200);
      expect(notCode.json.value.map((x: Json) => x.status.errorCode)).toEqual([0, 0, 0]);
      const aadsts = await send('GET', '/auditLogs/signIns?$filter=status/errorCode eq 50126');
      expect([aadsts.status, codeOf(aadsts)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      expect(aadsts.json.error.innerError.reason).toContain('50126');
    });

    it('Get-MgAuditLogSignIn -All -Property * -Top 1000: $select=* and a page of 1,000', async () => {
      const r = await send('GET', '/auditLogs/signIns?$select=*&$top=1000');
      expect(r.status, r.text).toBe(200);
      expect(r.json.value).toHaveLength(6);
      expect(r.json.value[0]).toHaveProperty('authenticationDetails');
      expect(r.json['@odata.nextLink']).toBeUndefined();
      const over = await send('GET', '/auditLogs/signIns?$top=1001');
      expect([over.status, codeOf(over)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
    });

    it('$orderby=createdDateTime desc and $top page the log newest first', async () => {
      const r = await send('GET', '/auditLogs/signIns?$orderby=createdDateTime desc&$top=4');
      expect(r.status, r.text).toBe(200);
      expect(r.json.value).toHaveLength(4);
      expect(r.json['@odata.nextLink']).toContain('$top=4');
      const rest = await send('GET', r.json['@odata.nextLink']);
      expect(rest.status, rest.text).toBe(200);
      expect(rest.json.value).toHaveLength(2);
      const filtered = await send(
        'GET',
        `/auditLogs/signIns?$filter=userPrincipalName eq '${upn('AlexW')}'&$orderby=createdDateTime desc`,
      );
      expect(filtered.status, filtered.text).toBe(200);
      expect(filtered.json.value).toHaveLength(2);
      const asc = await send('GET', '/auditLogs/signIns?$orderby=createdDateTime asc');
      expect([asc.status, codeOf(asc)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      expect(asc.json.error.innerError.parameter).toBe('$orderby');
    });

    it('GET /reports/authenticationMethods/userRegistrationDetails with $filter answers report rows', async () => {
      const r = await send(
        'GET',
        "/reports/authenticationMethods/userRegistrationDetails?$filter=methodsRegistered/any(x:x eq 'passKeyDeviceBound')",
        { headers: PYTHON },
      );
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.context']).toMatch(/\$metadata#reports\/authenticationMethods\/userRegistrationDetails$/);
      expect(r.json.value.map((u: Json) => u.id)).toEqual([ids.adele]);
      expect(r.json.value[0]).toMatchObject({ userPrincipalName: upn('AdeleV'), isPasswordlessCapable: true });
      const capable = await send(
        'GET',
        `/reports/authenticationMethods/userRegistrationDetails?$filter=isPasswordlessCapable eq false and userPrincipalName eq '${upn('DiegoS')}'`,
      );
      expect(capable.status, capable.text).toBe(200);
      expect(capable.json.value.map((u: Json) => u.id)).toEqual([ids.DiegoS]);
    });

    it('GET /organization answers the tenant as a one-element collection', async () => {
      const r = await send('GET', '/organization?$select=id,displayName');
      expect(r.status, r.text).toBe(200);
      expect(r.json.value.map((o: Json) => o.id)).toEqual([tenant.id]);
    });

    it('directoryAudits as scripts read them: a time range and category, activityDateTime desc, 1,000 a page', async () => {
      const r = await send(
        'GET',
        "/auditLogs/directoryAudits?$filter=activityDateTime ge 2026-11-30T00:00:00Z and category eq 'UserManagement'&$orderby=activityDateTime desc&$top=1000",
      );
      expect(r.status, r.text).toBe(200);
      expect(r.json['@odata.context']).toBe(`${graphRoot()}/$metadata#auditLogs/directoryAudits`);
      const times = r.json.value.map((a: Json) => a.activityDateTime);
      expect(times.length).toBeGreaterThan(5);
      expect(times).toEqual([...times].sort().reverse());
      expect(r.json.value.map((a: Json) => a.activityDisplayName)).toContain('Add user');
      const ne = await send('GET', "/auditLogs/directoryAudits?$filter=category ne 'GroupManagement'&$top=1");
      expect(ne.status, ne.text).toBe(200);
      const asc = await send('GET', '/auditLogs/directoryAudits?$orderby=activityDateTime asc');
      expect([asc.status, codeOf(asc)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
      const lambda = await send(
        'GET',
        `/auditLogs/directoryAudits?$filter=targetResources/any(t:t/id eq '${ids.adele}')`,
      );
      expect([lambda.status, codeOf(lambda)]).toEqual([400, 'GRAPH_QUERY_INVALID']);
    });

    it('a DateTimeOffset with an offset (the + sent as %2B) is read as that instant', async () => {
      const r = await send('GET', '/auditLogs/signIns?$filter=createdDateTime ge 2026-11-30T10:00:00%2B01:00');
      expect(r.status, r.text).toBe(200);
      expect(r.json.value).toHaveLength(5);
    });
  });
});
