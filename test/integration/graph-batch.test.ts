// Graph JSON batching as a script sees it: up to 20 requests in one POST /$batch, each answered exactly as if it
// were sent alone (status, headers, body, request ids, audit), dependsOn order and 424 Failed Dependency, and
// every malformed batch refused with a 400 naming what is wrong before anything inside runs. The authorization of
// every route inside a batch is walked in graph-authorization.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import { appToken as graphAppToken, graphClient } from '../support/graph-client.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
type Answer = { id: string; status: number; headers: Record<string, string>; body?: Json };
type ErrorBody = { error: { code: string; innerError: Record<string, string> } };

describe.each(engines)('Graph $batch on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let alice: User;
  let writer: { appId: string; token: string };
  let reader: string;

  const appToken = (t: Tenant, permission: string) =>
    graphAppToken(server, t, permission, { name: `batch-${permission}` });

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    alice = await createUser(server.ctx, a, { userPrincipalName: 'alice@contoso.com', displayName: 'Alice' });
    writer = await appToken(a, 'User.ReadWrite.All');
    reader = (await appToken(a, 'User.Read.All')).token;
  });
  afterAll(() => server?.close());

  const post = (
    body: string | Json,
    opts: { token?: string; headers?: Record<string, string>; version?: string } = {},
  ) =>
    fetch(`${server.url}/graph/${opts.version ?? 'v1.0'}/$batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${opts.token ?? writer.token}`,
        'content-type': 'application/json',
        ...opts.headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const batch = async (requests: unknown[], opts: Parameters<typeof post>[1] = {}) => {
    const res = await post({ requests }, opts);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const answers = (JSON.parse(text) as { responses: Answer[] }).responses;
    return { res, answers, byId: new Map(answers.map((r) => [r.id, r])) };
  };
  const client = graphClient<Json | undefined>(() => server);
  const alone = (method: string, path: string, body?: unknown, token = writer.token) =>
    client(method, path, { token, body });
  const json = { 'Content-Type': 'application/json' };
  const newUpn = () => `b-${crypto.randomUUID().slice(0, 8)}@contoso.com`;

  it('answers each request as it would be answered alone, in the order of the batch', async () => {
    const upn = newUpn();
    const { answers, byId } = await batch(
      [
        { id: 'list', method: 'GET', url: "/users?$filter=startswith(displayName,'Ali')&$select=id,displayName" },
        {
          id: 'count',
          method: 'GET',
          url: "users?$select=id,displayName&$filter=displayName eq 'Alice'&$count=true",
          headers: { ConsistencyLevel: 'eventual' },
        },
        { id: 'get', method: 'GET', url: '/users/alice@contoso.com' },
        {
          id: 'create',
          method: 'POST',
          url: '/users',
          headers: json,
          body: { accountEnabled: true, displayName: 'New', userPrincipalName: upn },
        },
        { id: 'missing', method: 'GET', url: `/users/${crypto.randomUUID()}` },
        { id: 'nothing', method: 'GET', url: '/nothing/here' },
      ],
      { headers: { 'client-request-id': 'batch-1' } },
    );
    expect(answers.map((r) => r.id)).toEqual(['list', 'count', 'get', 'create', 'missing', 'nothing']);
    const list = byId.get('list')!;
    expect(list).toMatchObject({ status: 200, body: { value: [{ id: alice.id, displayName: 'Alice' }] } });
    expect(list.headers['Content-Type']).toMatch(/^application\/json/);
    expect(byId.get('count')!.body).toMatchObject({ '@odata.count': 1, value: [{ id: alice.id }] });
    // The same body as the request alone, and the same shape of refusal.
    expect(byId.get('get')).toMatchObject({ status: 200, body: (await alone('GET', `/users/${alice.id}`)).body });
    const created = byId.get('create')!;
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userPrincipalName: upn, accountEnabled: true });
    expect((await alone('GET', `/users/${upn}`)).status).toBe(200);
    expect(byId.get('missing')).toMatchObject({ status: 404, body: { error: { code: 'GRAPH_RESOURCE_NOT_FOUND' } } });
    expect(byId.get('nothing')).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
    // Each answer has its own request-id (in its header and its error), and the batch's client-request-id.
    const ids = answers.map((r) => r.headers['request-id']);
    expect(new Set(ids).size).toBe(answers.length);
    for (const r of answers) expect(r.headers['client-request-id']).toBe('batch-1');
    const missing = byId.get('missing')!.body as ErrorBody;
    expect(missing.error.innerError['request-id']).toBe(byId.get('missing')!.headers['request-id']);
  });

  it('passes an update and a delete on as 204 without a body, audited as the app', async () => {
    const upn = newUpn();
    const { byId } = await batch([
      {
        id: '1',
        method: 'POST',
        url: '/users',
        headers: json,
        body: { accountEnabled: true, displayName: 'Temp', userPrincipalName: upn },
      },
      {
        id: '2',
        method: 'PATCH',
        url: `/users/${upn}`,
        headers: json,
        body: { displayName: 'Renamed' },
        dependsOn: ['1'],
      },
      {
        id: '3',
        method: 'GET',
        url: `/users/${upn}?$select=displayName`,
        dependsOn: ['2'],
        headers: { 'client-request-id': 'mine-3' },
      },
      { id: '4', method: 'DELETE', url: `/users/${upn}`, dependsOn: ['3'] },
    ]);
    expect(byId.get('2')).toMatchObject({ status: 204 });
    expect(byId.get('2')!.body).toBeUndefined();
    expect(byId.get('3')).toMatchObject({ status: 200, body: { displayName: 'Renamed' } });
    expect(byId.get('3')!.headers['client-request-id']).toBe('mine-3');
    expect(byId.get('4')).toMatchObject({ status: 204 });
    expect((await alone('GET', `/users/${upn}`)).status).toBe(404);
    const id = (byId.get('1')!.body as { id: string }).id;
    const audits = (await listAudits(server.ctx.db, a.id)).filter((r) => r.targetId === id);
    expect(audits.map((r) => r.actorId)).toEqual(expect.arrayContaining([writer.appId]));
    expect(audits.length).toBeGreaterThanOrEqual(3);
  });

  it('runs a request after those it depends on, and answers 424 when one of them failed', async () => {
    const upn = newUpn();
    const { byId } = await batch([
      // Listed before what it depends on: run after it all the same.
      { id: 'after', method: 'GET', url: `/users/${upn}`, dependsOn: ['create'] },
      {
        id: 'create',
        method: 'POST',
        url: '/users',
        headers: json,
        body: { accountEnabled: true, displayName: 'D', userPrincipalName: upn },
      },
      {
        id: 'bad',
        method: 'PATCH',
        url: `/users/${upn}`,
        headers: json,
        body: { notAProperty: 1 },
        dependsOn: ['create'],
      },
      { id: 'next', method: 'DELETE', url: `/users/${upn}`, dependsOn: ['bad'] },
      { id: 'nextnext', method: 'GET', url: '/organization', dependsOn: ['next'] },
      { id: 'free', method: 'GET', url: `/users/${upn}` },
    ]);
    expect(byId.get('after')!.status).toBe(200);
    expect(byId.get('bad')).toMatchObject({ status: 400, body: { error: { code: 'GRAPH_PROPERTY_UNKNOWN' } } });
    for (const [id, failed] of [
      ['next', 'bad'],
      ['nextnext', 'next'],
    ]) {
      const r = byId.get(id!)!;
      expect(r.status).toBe(424);
      expect(r.headers['Content-Type']).toMatch(/^application\/json/);
      expect((r.body as ErrorBody).error.code).toBe('GRAPH_BATCH_FAILED_DEPENDENCY');
      expect((r.body as ErrorBody).error.innerError.dependsOn).toBe(failed);
    }
    // What was not run did not happen: the user is still there.
    expect(byId.get('free')!.status).toBe(200);
    expect((await alone('GET', `/users/${upn}`)).status).toBe(200);
  });

  it('authorizes every request on its own: a read-only token reads, and its writes are 403', async () => {
    const upn = newUpn();
    const { byId } = await batch(
      [
        { id: 'read', method: 'GET', url: `/users/${alice.id}` },
        {
          id: 'write',
          method: 'POST',
          url: '/users',
          headers: json,
          body: { accountEnabled: true, displayName: 'X', userPrincipalName: upn },
        },
        { id: 'apps', method: 'GET', url: '/applications' },
        // A signed-in user's own route: never an app's.
        { id: 'me', method: 'GET', url: '/me' },
      ],
      { token: reader },
    );
    expect(byId.get('read')!.status).toBe(200);
    for (const id of ['write', 'apps', 'me']) {
      expect(byId.get(id)!.status).toBe(403);
      expect((byId.get(id)!.body as ErrorBody).error.code).toBe('GRAPH_PERMISSION_DENIED');
    }
    expect((await alone('GET', `/users/${upn}`)).status).toBe(404);
  });

  it("gives a signed-in user's requests the scopes and roles of their token", async () => {
    const spa = (
      await createApp(server.ctx, a, { name: 'SPA', redirectUris: [`${server.url}/cb`], publicClient: true })
    ).app;
    const user = await createUser(server.ctx, a, { userPrincipalName: 'reader@contoso.com' });
    await assignRole(server.ctx.db, a.id, user.id, 'Global Reader');
    const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
    const t = await authorizationCodeTokens(
      server,
      a,
      spa,
      { upn: user.userPrincipalName, pass },
      'openid profile User.Read.All',
    );
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    const { byId } = await batch(
      [
        { id: '1', method: 'GET', url: `/users/${alice.id}` },
        { id: '2', method: 'PATCH', url: `/users/${alice.id}`, headers: json, body: { displayName: 'No' } },
        { id: '3', method: 'GET', url: '/me?$select=id,userPrincipalName' },
        // Their own methods need UserAuthenticationMethod.ReadWrite, which this token does not carry.
        { id: '4', method: 'GET', url: '/me/authentication/methods' },
      ],
      { token: String(t.body.access_token) },
    );
    expect(byId.get('1')!.status).toBe(200);
    expect(byId.get('2')!.status).toBe(403);
    expect(byId.get('3')).toMatchObject({
      status: 200,
      body: { id: user.id, userPrincipalName: 'reader@contoso.com' },
    });
    expect(byId.get('4')).toMatchObject({ status: 403, body: { error: { code: 'GRAPH_PERMISSION_DENIED' } } });
    expect((await alone('GET', `/users/${alice.id}`)).body).toMatchObject({ displayName: 'Alice' });
  });

  it('keeps a batch posted to beta in beta: a v1.0-only route answers 404 there, as it does alone', async () => {
    const { byId } = await batch([{ id: '1', method: 'GET', url: '/users' }], { version: 'beta' });
    expect(byId.get('1')).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND' } } });
  });

  it('refuses a batch without a valid token before running anything', async () => {
    const upn = newUpn();
    const requests = [
      {
        id: '1',
        method: 'POST',
        url: '/users',
        headers: json,
        body: { accountEnabled: true, displayName: 'T', userPrincipalName: upn },
      },
    ];
    for (const token of ['', 'not-a-jwt']) {
      const res = await post({ requests }, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('request-id')).toBeTruthy();
    }
    expect((await alone('GET', `/users/${upn}`)).status).toBe(404);
  });

  describe('a malformed batch → 400 naming what is wrong, and nothing inside is run', () => {
    const create = (upn: string) => ({
      id: 'ok',
      method: 'POST',
      url: '/users',
      headers: json,
      body: { accountEnabled: true, displayName: 'M', userPrincipalName: upn },
    });
    const cases: [string, (upn: string) => unknown, string, Json?][] = [
      [
        '21 requests',
        (u) => [create(u), ...Array.from({ length: 20 }, (_, i) => ({ id: `g${i}`, method: 'GET', url: '/users' }))],
        'GRAPH_BATCH_LIMIT_EXCEEDED',
        { limit: '20' },
      ],
      [
        'a duplicate id',
        (u) => [create(u), { id: 'ok', method: 'GET', url: '/users' }],
        'GRAPH_BATCH_DUPLICATE_ID',
        { id: 'ok' },
      ],
      [
        'a request without an id',
        (u) => [create(u), { method: 'GET', url: '/users' }],
        'GRAPH_BATCH_MALFORMED',
        { field: 'requests[1].id' },
      ],
      [
        'a request without a method',
        (u) => [create(u), { id: '2', url: '/users' }],
        'GRAPH_BATCH_MALFORMED',
        { field: 'requests[1].method' },
      ],
      [
        'an unknown method',
        (u) => [create(u), { id: '2', method: 'OPTIONS', url: '/users' }],
        'GRAPH_BATCH_MALFORMED',
        { field: 'requests[1].method' },
      ],
      [
        'a request without a url',
        (u) => [create(u), { id: '2', method: 'GET' }],
        'GRAPH_BATCH_MALFORMED',
        { field: 'requests[1].url' },
      ],
      [
        'a body without a content type',
        (u) => [create(u), { id: '2', method: 'POST', url: '/users', body: { displayName: 'x' } }],
        'GRAPH_BATCH_MALFORMED',
        { field: 'requests[1].body' },
      ],
      [
        'an Authorization header inside',
        (u) => [create(u), { id: '2', method: 'GET', url: '/users', headers: { Authorization: 'Bearer x' } }],
        'GRAPH_BATCH_MALFORMED',
        { field: 'requests[1].headers.Authorization' },
      ],
      [
        'an absolute url to another host',
        (u) => [create(u), { id: '2', method: 'GET', url: 'https://graph.microsoft.com/v1.0/users' }],
        'GRAPH_BATCH_URL_INVALID',
        { field: 'requests[1].url' },
      ],
      [
        'a url out of the Graph API',
        (u) => [create(u), { id: '2', method: 'GET', url: '/users/../../healthz' }],
        'GRAPH_BATCH_URL_INVALID',
        { field: 'requests[1].url' },
      ],
      [
        'a nested $batch',
        (u) => [create(u), { id: '2', method: 'POST', url: '/$batch', headers: json, body: { requests: [] } }],
        'GRAPH_BATCH_URL_INVALID',
        { field: 'requests[1].url' },
      ],
      [
        'an unknown id in dependsOn',
        (u) => [create(u), { id: '2', method: 'GET', url: '/users', dependsOn: ['9'] }],
        'GRAPH_BATCH_DEPENDENCY_INVALID',
        { id: '2', dependsOn: '9' },
      ],
      [
        'a cycle in dependsOn',
        (u) => [
          create(u),
          { id: '2', method: 'GET', url: '/users', dependsOn: ['3'] },
          { id: '3', method: 'GET', url: '/users', dependsOn: ['2'] },
        ],
        'GRAPH_BATCH_DEPENDENCY_INVALID',
        { id: '2' },
      ],
    ];
    it.each(cases)('%s', async (_name, requests, code, detail) => {
      const upn = newUpn();
      const res = await post({ requests: requests(upn) as unknown[] });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe(code);
      expect(body.error.innerError).toMatchObject(detail ?? {});
      expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
      expect((await alone('GET', `/users/${upn}`)).status).toBe(404);
    });

    it('a body that is not JSON, not an object, or not a batch', async () => {
      const bad = await post('{"requests": [');
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ErrorBody).error.code).toBe('REQUEST_MALFORMED');
      for (const body of ['[]', '"requests"', '{"requests": {}}', '{"requests": []}', '{"value": []}']) {
        const res = await post(body);
        expect(res.status, body).toBe(400);
        expect(((await res.json()) as ErrorBody).error.code, body).toBe('GRAPH_BATCH_MALFORMED');
      }
      const text = await post('hello', { headers: { 'content-type': 'text/plain' } });
      expect(text.status).toBe(400);
      expect(((await text.json()) as ErrorBody).error.code).toBe('GRAPH_BATCH_MALFORMED');
    });

    it('a request that says it is inside a batch already', async () => {
      const res = await post(
        { requests: [{ id: '1', method: 'GET', url: '/users' }] },
        { headers: { 'signet-batch-inner': '1' } },
      );
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code).toBe('GRAPH_BATCH_URL_INVALID');
    });
  });
});
