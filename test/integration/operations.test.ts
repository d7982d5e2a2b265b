// Operations endpoints and logs: /metrics and the detail of /readyz live on the management listener only (the
// public one answers /metrics with 404 and /readyz with ready or not), and the server writes one JSON line per
// request with method, path, status, time and a refusal's code, never query strings, bodies, passes or tokens.
// On SQLite and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { createMetrics } from '../../src/http/metrics.ts';
import { buildManagementServer, buildServer } from '../../src/http/server.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines, openTestStore } from '../support/engines.ts';
import { testConfig } from '../support/harness.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SYSTEM = { type: 'system', id: null } as const;

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe.each(engines)('operations endpoints on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `o-${randomBytes(4).toString('hex')}` });
  });
  afterAll(() => server.close());

  it('the public listener has no /metrics: 404 ROUTE_NOT_FOUND, no metric in the body', async () => {
    const r = await get(`${server.url}/metrics`, { accept: 'application/json' });
    expect(r.status).toBe(404);
    expect((r.json as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
    expect(r.text).not.toContain('signet_');
    // The way Prometheus asks for it (text formats first) gets no metrics either.
    const scrape = await get(`${server.url}/metrics`, { accept: 'application/openmetrics-text, text/plain;q=0.5' });
    expect(scrape.status).toBe(404);
    expect(scrape.text).not.toContain('signet_');
  });

  it('the management listener serves /metrics with ceremony counters from the public one', async () => {
    const user = await createUser(server.ctx, tenant, {
      userPrincipalName: `m-${randomBytes(3).toString('hex')}@example.com`,
    });
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM, oneTime: false });
    expect(
      (await post(`${server.url}/${tenant.slug}/signin/tap`, { username: user.userPrincipalName, pass })).status,
    ).toBe(200);
    const m = await get(`${server.managementUrl}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(m.text).toMatch(/^signet_ceremonies_total\{ceremony="signin-tap",result="success",code=""\} [1-9]/m);
    expect(m.text).toMatch(/^# TYPE signet_http_request_duration_seconds histogram$/m);
    expect(m.text).not.toContain(pass);
  });

  it('public /readyz says only ready; management /readyz gives the detail; /healthz stays public', async () => {
    const pub = await get(`${server.url}/readyz`);
    expect(pub.status).toBe(200);
    expect(pub.json).toEqual({ status: 'ready' });
    const detail = await get(`${server.managementUrl}/readyz`);
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ status: 'ready', checks: { database: { status: 'up', engine } } });
    expect((await get(`${server.url}/healthz`)).json).toEqual({ status: 'ok' });
    expect((await get(`${server.managementUrl}/healthz`)).json).toEqual({ status: 'ok' });
  });

  it('with the database gone, public /readyz is 503 not ready and management /readyz says which check failed', async () => {
    const store = await openTestStore(engine);
    const ctx = { ...server.ctx, db: store.db, config: testConfig() };
    const metrics = createMetrics();
    const app = await buildServer(ctx, { metrics });
    const mgmt = await buildManagementServer(ctx, { metrics, engine });
    await store.close();
    try {
      const pub = await app.inject({ method: 'GET', url: '/readyz' });
      expect(pub.statusCode).toBe(503);
      expect(pub.json()).toEqual({ status: 'not ready' });
      const detail = await mgmt.inject({ method: 'GET', url: '/readyz' });
      expect(detail.statusCode).toBe(503);
      expect(detail.json()).toMatchObject({
        status: 'not ready',
        checks: { database: { status: 'down', code: 'DATABASE_UNREACHABLE' } },
      });
    } finally {
      await app.close();
      await mgmt.close();
    }
  });
});

describe.each(engines)('request logs on %s', (engine) => {
  const lines: string[] = [];
  let server: TestServer;
  let quiet: TestServer;
  const quietLines: string[] = [];
  let tenant: Tenant;
  beforeAll(async () => {
    server = await startTestServer(engine, {}, undefined, {
      logger: true,
      logStream: { write: (l) => lines.push(l) },
    });
    quiet = await startTestServer(engine, { logLevel: 'warn' }, undefined, {
      logger: true,
      logStream: { write: (l) => quietLines.push(l) },
    });
    tenant = await createTenant(server.ctx, { slug: `l-${randomBytes(4).toString('hex')}` });
  });
  afterAll(async () => {
    await server.close();
    await quiet.close();
  });

  const parsed = (from: string[]) => from.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('one line per request with method, path, status, time and the code of a refusal; no query, body, pass or token', async () => {
    lines.length = 0;
    const user = await createUser(server.ctx, tenant, {
      userPrincipalName: `log-${randomBytes(3).toString('hex')}@example.com`,
    });
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM, oneTime: false });
    const wrongPass = 'WRONGWRONGWRONG9';
    const secretQuery = `code=${randomBytes(8).toString('hex')}&login_hint=${encodeURIComponent(user.userPrincipalName)}`;

    const ok = await post(`${server.url}/${tenant.slug}/signin/tap?${secretQuery}`, {
      username: user.userPrincipalName,
      pass,
    });
    expect(ok.status).toBe(200);
    const token = /=([^;]+)/.exec(
      ok.headers.getSetCookie().find((c) => c.startsWith(`${sessionCookieName(server.ctx.config, tenant)}=`)) ?? '',
    )?.[1];
    expect(token).toBeTruthy();
    const bad = await post(`${server.url}/${tenant.slug}/signin/tap?${secretQuery}`, {
      username: user.userPrincipalName,
      pass: wrongPass,
    });
    expect(bad.status).toBe(401);
    await get(`${server.url}/healthz?${secretQuery}`);
    await get(`${server.url}/no-such-page`, { accept: 'application/json' });
    // Let the last onResponse hooks write.
    await new Promise((r) => setTimeout(r, 50));

    const entries = parsed(lines);
    const byRequest = new Map<unknown, Record<string, unknown>[]>();
    for (const e of entries) byRequest.set(e.reqId, [...(byRequest.get(e.reqId) ?? []), e]);
    expect(entries).toHaveLength(4);
    for (const group of byRequest.values()) expect(group).toHaveLength(1);
    const [signedIn, refused, health, missing] = entries;
    expect(signedIn).toMatchObject({ method: 'POST', path: `/${tenant.slug}/signin/tap`, status: 200 });
    expect(typeof signedIn!.ms).toBe('number');
    expect(signedIn!.code).toBeUndefined();
    expect(refused).toMatchObject({ path: `/${tenant.slug}/signin/tap`, status: 401, code: 'TAP_INVALID' });
    expect(health).toMatchObject({ method: 'GET', path: '/healthz', status: 200 });
    expect(missing).toMatchObject({ path: '/no-such-page', status: 404, code: 'ROUTE_NOT_FOUND' });

    const all = lines.join('\n');
    for (const secret of [pass, wrongPass, token!, secretQuery, 'code=', 'login_hint', user.userPrincipalName])
      expect(all).not.toContain(secret);
  });

  it('at SIGNET_LOG_LEVEL=warn ordinary requests and refusals write nothing', async () => {
    quietLines.length = 0;
    await get(`${quiet.url}/healthz`);
    await get(`${quiet.url}/no-such-page`, { accept: 'application/json' });
    await new Promise((r) => setTimeout(r, 50));
    expect(quietLines).toEqual([]);
  });
});
