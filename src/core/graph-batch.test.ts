import { describe, expect, it } from 'vitest';
import { type BatchParse, failedDependency, parseBatch } from './graph-batch.ts';

const target = { version: 'v1.0', versions: ['v1.0', 'beta'], origin: 'https://id.example.com' };
const get = (id: string, url: string, more: Record<string, unknown> = {}) => ({ id, method: 'GET', url, ...more });
const parse = (requests: unknown) => parseBatch({ requests }, target);
const refusal = (r: BatchParse) => (r.ok ? { code: 'accepted' } : { code: r.code, ...r.detail });
const pathOf = (url: string) => {
  const r = parse([get('1', url)]);
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.steps[0]!.path;
};

describe('parseBatch: the batch and its requests', () => {
  it('reads a batch as Graph documents it: ids, methods, relative urls, headers, a JSON body', () => {
    const r = parseBatch(
      {
        requests: [
          get('1', '/users?$select=id,displayName&$filter=city eq null&$count=true', {
            headers: { ConsistencyLevel: 'eventual' },
          }),
          {
            id: '2',
            method: 'patch',
            url: 'users/alice@contoso.com',
            headers: { 'Content-Type': 'application/json' },
            body: { displayName: 'Alice' },
            dependsOn: ['1'],
          },
        ],
      },
      target,
    );
    expect(r).toEqual({
      ok: true,
      steps: [
        {
          id: '1',
          method: 'GET',
          path: '/users?$select=id,displayName&$filter=city%20eq%20null&$count=true',
          headers: { consistencylevel: 'eventual' },
          dependsOn: [],
        },
        {
          id: '2',
          method: 'PATCH',
          path: '/users/alice@contoso.com',
          headers: { 'content-type': 'application/json' },
          body: '{"displayName":"Alice"}',
          dependsOn: ['1'],
        },
      ],
      order: expect.any(Array),
    });
  });

  it('refuses a body that is not a batch, naming what is wrong', () => {
    expect(refusal(parseBatch('{"requests":[]}', target))).toMatchObject({ code: 'GRAPH_BATCH_MALFORMED', field: '' });
    expect(refusal(parseBatch(null, target))).toMatchObject({ code: 'GRAPH_BATCH_MALFORMED' });
    expect(refusal(parseBatch({}, target))).toMatchObject({ code: 'GRAPH_BATCH_MALFORMED', field: 'requests' });
    expect(refusal(parseBatch({ requests: {} }, target))).toMatchObject({ field: 'requests' });
    expect(refusal(parse([]))).toMatchObject({ code: 'GRAPH_BATCH_MALFORMED', field: 'requests' });
    expect(refusal(parseBatch({ requests: [get('1', '/users')], extra: 1 }, target))).toMatchObject({
      field: 'extra',
    });
  });

  it('refuses a request without a string id, a known method or a url', () => {
    const cases: [unknown, string][] = [
      ['nope', 'requests[0]'],
      [{ method: 'GET', url: '/users' }, 'requests[0].id'],
      [{ id: 1, method: 'GET', url: '/users' }, 'requests[0].id'],
      [{ id: ' ', method: 'GET', url: '/users' }, 'requests[0].id'],
      [{ id: 'x'.repeat(129), method: 'GET', url: '/users' }, 'requests[0].id'],
      [{ id: '1', url: '/users' }, 'requests[0].method'],
      [{ id: '1', method: 'HEAD', url: '/users' }, 'requests[0].method'],
      [{ id: '1', method: 'TRACE', url: '/users' }, 'requests[0].method'],
      [{ id: '1', method: 'GET' }, 'requests[0].url'],
      [{ id: '1', method: 'GET', url: 7 }, 'requests[0].url'],
      [{ id: '1', method: 'GET', url: '/users', atomicityGroup: 'g' }, 'requests[0].atomicityGroup'],
      [{ id: '1', method: 'GET', url: '/users', other: true }, 'requests[0].other'],
    ];
    for (const [request, field] of cases)
      expect(refusal(parse([request])), JSON.stringify(request)).toEqual({
        code: 'GRAPH_BATCH_MALFORMED',
        field,
        reason: expect.any(String),
      });
  });

  it('allows 20 requests and refuses 21', () => {
    const of = (n: number) => Array.from({ length: n }, (_, i) => get(String(i), '/users'));
    expect(parse(of(20)).ok).toBe(true);
    expect(refusal(parse(of(21)))).toEqual({ code: 'GRAPH_BATCH_LIMIT_EXCEEDED', limit: '20', count: '21' });
  });

  it('refuses two requests with one id', () => {
    expect(refusal(parse([get('a', '/users'), get('b', '/groups'), get('a', '/organization')]))).toEqual({
      code: 'GRAPH_BATCH_DUPLICATE_ID',
      id: 'a',
    });
  });

  it('needs a Content-Type for a body: JSON as it is, anything else as base64', () => {
    const post = (headers: Record<string, string> | undefined, body: unknown) =>
      parse([{ id: '1', method: 'POST', url: '/users', ...(headers ? { headers } : {}), body }]);
    expect(refusal(post(undefined, { displayName: 'x' }))).toMatchObject({
      code: 'GRAPH_BATCH_MALFORMED',
      field: 'requests[0].body',
    });
    const json = post({ 'content-type': 'application/json; charset=utf-8' }, { a: [1] });
    expect(json.ok && json.steps[0]!.body).toBe('{"a":[1]}');
    const other = post({ 'Content-Type': 'text/plain' }, Buffer.from('hello').toString('base64'));
    expect(other.ok && other.steps[0]!.body).toEqual(Buffer.from('hello'));
    expect(refusal(post({ 'Content-Type': 'text/plain' }, { a: 1 }))).toMatchObject({
      field: 'requests[0].body',
    });
    expect(refusal(post({ 'Content-Type': 'text/plain' }, 'not base64!'))).toMatchObject({
      field: 'requests[0].body',
    });
    // A request without a body needs no content type.
    expect(parse([{ id: '1', method: 'DELETE', url: '/users/x' }]).ok).toBe(true);
  });

  it("refuses headers that would stand in for the batch's own credentials, address or framing", () => {
    for (const name of ['Authorization', 'cookie', 'Host', 'Content-Length', 'X-Forwarded-For', 'signet-batch-inner'])
      expect(refusal(parse([get('1', '/users', { headers: { [name]: 'x' } })])), name).toMatchObject({
        code: 'GRAPH_BATCH_MALFORMED',
        field: `requests[0].headers.${name}`,
      });
    for (const headers of [{ 'bad name': 'x' }, { a: 1 }, { a: 'line\r\nbreak' }, { A: 'x', a: 'y' }, ['x']])
      expect(refusal(parse([get('1', '/users', { headers })])), JSON.stringify(headers)).toMatchObject({
        code: 'GRAPH_BATCH_MALFORMED',
      });
  });
});

describe('parseBatch: urls', () => {
  it('takes a url relative to the version root, or repeating it as the Graph SDK sends it', () => {
    expect(pathOf('/users')).toBe('/users');
    expect(pathOf('users?$top=1')).toBe('/users?$top=1');
    expect(pathOf('/v1.0/users/a%40b.com')).toBe('/users/a%40b.com');
    expect(pathOf('/graph/v1.0/users')).toBe('/users');
    expect(pathOf("https://id.example.com/graph/v1.0/groups?$filter=displayName eq 'x'")).toBe(
      "/groups?$filter=displayName%20eq%20'x'",
    );
  });

  it('refuses another host, another version, a nested $batch, dot segments and fragments', () => {
    const urls: [string, string][] = [
      ['https://graph.microsoft.com/v1.0/users', 'GRAPH_BATCH_URL_INVALID'],
      ['http://id.example.com/graph/v1.0/users', 'GRAPH_BATCH_URL_INVALID'],
      ['https://user:pw@id.example.com/graph/v1.0/users', 'GRAPH_BATCH_URL_INVALID'],
      ['https://id.example.com/oauth2/v2.0/token', 'GRAPH_BATCH_URL_INVALID'],
      ['//evil.example/graph/v1.0/users', 'GRAPH_BATCH_MALFORMED'],
      ['javascript:alert(1)', 'GRAPH_BATCH_URL_INVALID'],
      ['/beta/users', 'GRAPH_BATCH_URL_INVALID'],
      ['/graph/beta/users', 'GRAPH_BATCH_URL_INVALID'],
      ['/graph/users', 'GRAPH_BATCH_URL_INVALID'],
      ['/$batch', 'GRAPH_BATCH_URL_INVALID'],
      ['/%24BATCH', 'GRAPH_BATCH_URL_INVALID'],
      ['/graph/v1.0/$batch', 'GRAPH_BATCH_URL_INVALID'],
      ['/users/../$batch', 'GRAPH_BATCH_URL_INVALID'],
      ['/users/%2e%2e/applications', 'GRAPH_BATCH_URL_INVALID'],
      ['/users/a%2fb', 'GRAPH_BATCH_URL_INVALID'],
      ['/', 'GRAPH_BATCH_URL_INVALID'],
      ['/users#x', 'GRAPH_BATCH_MALFORMED'],
      ['/users\\x', 'GRAPH_BATCH_MALFORMED'],
      ['/users\n', 'GRAPH_BATCH_MALFORMED'],
      ['/users/%zz', 'GRAPH_BATCH_MALFORMED'],
      ['/users/\ud800', 'GRAPH_BATCH_MALFORMED'],
      [`/users?$filter=${'x'.repeat(5000)}`, 'GRAPH_BATCH_MALFORMED'],
    ];
    for (const [url, code] of urls)
      expect(refusal(parse([get('1', url)])), url).toMatchObject({ code, field: 'requests[0].url' });
  });

  it('keeps a batch posted to beta in beta', () => {
    const r = parseBatch({ requests: [get('1', '/beta/users')] }, { ...target, version: 'beta' });
    expect(r.ok && r.steps[0]!.path).toBe('/users');
  });
});

describe('parseBatch: dependsOn', () => {
  it('runs every request after those it depends on, otherwise in the order of the batch', () => {
    const r = parse([
      get('c', '/users', { dependsOn: ['b'] }),
      get('a', '/users'),
      get('b', '/users', { dependsOn: ['a'] }),
      get('d', '/users'),
    ]);
    expect(r.ok && r.order.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.ok && r.steps.map((s) => s.id)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('refuses an unknown id, a request depending on itself, a cycle, and a dependsOn that is not a list', () => {
    expect(refusal(parse([get('1', '/users', { dependsOn: ['9'] })]))).toMatchObject({
      code: 'GRAPH_BATCH_DEPENDENCY_INVALID',
      id: '1',
      dependsOn: '9',
    });
    expect(refusal(parse([get('1', '/users', { dependsOn: ['1'] })]))).toMatchObject({
      code: 'GRAPH_BATCH_DEPENDENCY_INVALID',
      id: '1',
    });
    const cycle = refusal(
      parse([
        get('0', '/users'),
        get('1', '/users', { dependsOn: ['3'] }),
        get('2', '/users', { dependsOn: ['1'] }),
        get('3', '/users', { dependsOn: ['2'] }),
      ]),
    );
    expect(cycle).toMatchObject({ code: 'GRAPH_BATCH_DEPENDENCY_INVALID', id: '1' });
    expect(String((cycle as Record<string, unknown>).reason)).toMatch(/cycle among 1, 2, 3/);
    for (const dependsOn of ['1', [1], {}])
      expect(refusal(parse([get('1', '/users'), get('2', '/users', { dependsOn })]))).toMatchObject({
        code: 'GRAPH_BATCH_MALFORMED',
        field: 'requests[1].dependsOn',
      });
  });

  it('names the first dependency that did not succeed', () => {
    const r = parse([get('1', '/a'), get('2', '/b'), get('3', '/c', { dependsOn: ['1', '2'] })]);
    if (!r.ok) throw new Error('refused');
    const step = r.steps[2]!;
    expect(
      failedDependency(
        step,
        new Map([
          ['1', 200],
          ['2', 204],
        ]),
      ),
    ).toBeUndefined();
    expect(
      failedDependency(
        step,
        new Map([
          ['1', 201],
          ['2', 404],
        ]),
      ),
    ).toBe('2');
    expect(
      failedDependency(
        step,
        new Map([
          ['1', 424],
          ['2', 200],
        ]),
      ),
    ).toBe('1');
    expect(failedDependency(step, new Map([['2', 200]]))).toBe('1');
  });
});
