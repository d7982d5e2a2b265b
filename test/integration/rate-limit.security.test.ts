// Per-address rate limits on the routes anyone may call (issue 8, SPEC §8 "rate limits ... on TAP, password and
// codes"), on both engines: past its budget an address gets 429 with Retry-After and RATE_LIMITED, on the sign-in
// posts (password, TAP: one budget) and on the ceremony posts (passkey options, the token endpoint: another);
// other addresses are unaffected, the budget refills with time, and pages are never limited. Addresses come from
// X-Forwarded-For through a trusted proxy (127.0.0.1), as behind a load balancer.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/flows/directory.ts';
import { parseTrustedProxies } from '../../src/http/client-address.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;

describe.each(engines)('per-address rate limits on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let next = 0;
  /** A fresh address for each test, so that budgets do not carry over. */
  const address = () => `203.0.113.${++next}`;

  beforeAll(async () => {
    const trusted = parseTrustedProxies('127.0.0.1');
    if (!trusted.ok) throw new Error(trusted.reason);
    server = await startTestServer(engine, {
      trustedProxies: trusted.value,
      rateLimits: { signin: { perMinute: 6, burst: 3 }, ceremony: { perMinute: 60, burst: 5 } },
    });
    tenant = await createTenant(server.ctx, { slug: `rl-${randomBytes(4).toString('hex')}` });
  });
  afterAll(() => server?.close());

  const post = (path: string, from: string, json: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url, 'x-forwarded-for': from, ...headers },
      body: JSON.stringify(json),
    });
  const password = (from: string) =>
    post(`/${tenant.slug}/signin/password`, from, { username: 'nobody@contoso.com', password: 'Wrong-Passw0rd!' });
  const tap = (from: string) =>
    post(`/${tenant.slug}/signin/tap`, from, { username: 'nobody@contoso.com', pass: 'ABCDEFGHJKLMNPQR' });
  const codeOf = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

  it('answers 429 with Retry-After and RATE_LIMITED past the budget; another address is unaffected', async () => {
    const from = address();
    for (let i = 0; i < 3; i++) expect((await password(from)).status).toBe(401);
    const limited = await password(from);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(10);
    const body = (await limited.json()) as { error: { code: string; innerError: Json } };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.innerError.retryAfterSeconds).toBe(limited.headers.get('retry-after'));
    // The TAP draws on the same budget of guessable secrets.
    expect(await codeOf(await tap(from))).toBe('RATE_LIMITED');
    const other = address();
    expect((await password(other)).status).toBe(401);
    expect((await tap(other)).status).toBe(401);
  });

  it('refills with time: after Retry-After the address may try again', async () => {
    const from = address();
    for (let i = 0; i < 3; i++) await password(from);
    const limited = await password(from);
    expect(limited.status).toBe(429);
    server.clock.offsetMs += Number(limited.headers.get('retry-after')) * 1000;
    try {
      expect((await password(from)).status).toBe(401);
      expect((await password(from)).status).toBe(429);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('limits the ceremony posts (passkey options, the token endpoint) on a budget of their own', async () => {
    const from = address();
    // The sign-in budget spent does not touch the ceremony one.
    for (let i = 0; i < 4; i++) await password(from);
    const options = () => post(`/${tenant.slug}/signin/passkey/options`, from, {});
    for (let i = 0; i < 4; i++) expect((await options()).status).toBe(200);
    const token = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }),
    });
    expect(token.status).not.toBe(429);
    const limitedToken = await fetch(`${server.url}/${tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }),
    });
    expect(limitedToken.status).toBe(429);
    expect(await codeOf(limitedToken)).toBe('RATE_LIMITED');
    expect((await options()).status).toBe(429);
    expect((await post(`/${tenant.slug}/signin/passkey/options`, address(), {})).status).toBe(200);
  });

  it('never limits pages, and tells a form post in plain words on a page', async () => {
    const from = address();
    for (let i = 0; i < 10; i++) {
      const page = await fetch(`${server.url}/${tenant.slug}/signin`, { headers: { 'x-forwarded-for': from } });
      expect(page.status).toBe(200);
    }
    for (let i = 0; i < 3; i++) await password(from);
    const form = await fetch(`${server.url}/${tenant.slug}/signin/password`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        accept: 'text/html',
        'sec-fetch-mode': 'navigate',
        'x-forwarded-for': from,
      },
      body: new URLSearchParams({ username: 'nobody@contoso.com', password: 'Wrong-Passw0rd!' }),
    });
    expect(form.status).toBe(429);
    expect(form.headers.get('retry-after')).not.toBeNull();
    const html = await form.text();
    expect(html).toContain('Too many sign-in attempts came from your network in a short time.');
    expect(html).toContain('RATE_LIMITED');
  });
});
