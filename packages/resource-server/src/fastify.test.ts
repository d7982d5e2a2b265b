import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthFailure } from './authenticate.ts';
import { requireAuth, signetAuth } from './fastify.ts';
import { authView, ROUTES, type RouteCase, routeCases, startTestIssuer, type TestIssuer } from './test-support.ts';

let rs: TestIssuer;
let app: FastifyInstance;
let cases: RouteCase[];
const refused: AuthFailure[] = [];

beforeAll(async () => {
  rs = await startTestIssuer();
  cases = await routeCases(rs);
  app = Fastify();
  await app.register(signetAuth, {
    issuer: rs.issuer,
    audience: rs.audience,
    jwksUri: rs.jwksUri,
    realm: 'orders',
    onRefused: (failure) => refused.push(failure),
  });
  for (const route of Object.values(ROUTES)) {
    const preHandler = 'requirement' in route ? requireAuth(route.requirement) : [];
    app.route({
      method: route.method,
      url: route.url,
      preHandler,
      handler: async (request) => (request.auth ? authView(request.auth) : { auth: request.auth }),
    });
  }
});
afterAll(async () => {
  await app?.close();
  await rs?.close();
});

describe('Fastify plugin (real Fastify, inject)', () => {
  it('answers every case with the exact status, challenge and body', async () => {
    for (const c of cases) {
      const route = ROUTES[c.route];
      const res = await app.inject({
        method: route.method,
        url: route.url,
        headers: c.authorization ? { authorization: c.authorization } : {},
      });
      expect({
        name: c.name,
        status: res.statusCode,
        wwwAuthenticate: res.headers['www-authenticate'] ?? null,
      }).toEqual({
        name: c.name,
        status: c.status,
        wwwAuthenticate: c.wwwAuthenticate,
      });
      expect(res.json(), c.name).toEqual(c.body);
      if (c.status !== 200) expect(res.headers['cache-control'], c.name).toBe('no-store');
    }
  });

  it('tells the application why each request was refused (onRefused), with the unmet parts', async () => {
    refused.length = 0;
    const stepUp = cases.find((c) => c.route === 'exportAll' && c.status === 401)!;
    await app.inject({ url: '/orders/export', headers: { authorization: stepUp.authorization! } });
    await app.inject({ url: '/orders' });
    expect(refused.map((f) => [f.reason, f.unmet])).toEqual([
      ['requirement_unmet', ['acr']],
      ['token_missing', undefined],
    ]);
  });

  it('answers 503 without a challenge when the issuer keys cannot be read (not the client’s fault)', async () => {
    const broken = Fastify();
    await broken.register(signetAuth, { issuer: rs.issuer, audience: rs.audience, jwksUri: 'http://127.0.0.1:1/keys' });
    broken.get('/orders', { preHandler: requireAuth() }, async () => ({ ok: true }));
    const res = await broken.inject({ url: '/orders', headers: { authorization: `Bearer ${await rs.token()}` } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    await broken.close();
  });

  it('serves routes declared in an encapsulated child scope too (the plugin is not encapsulated)', async () => {
    const parent = Fastify();
    await parent.register(signetAuth, { issuer: rs.issuer, audience: rs.audience, jwksUri: rs.jwksUri });
    await parent.register(async (child) => {
      child.get('/child', { preHandler: requireAuth({ acr: ['phr'] }) }, async (request) => ({
        acr: request.auth!.acr,
      }));
    });
    const weak = await parent.inject({ url: '/child', headers: { authorization: `Bearer ${await rs.token()}` } });
    expect(weak.statusCode).toBe(401);
    const strong = await parent.inject({
      url: '/child',
      headers: { authorization: `Bearer ${await rs.token({ acr: 'phrh' })}` },
    });
    expect({ status: strong.statusCode, body: strong.json() }).toEqual({ status: 200, body: { acr: 'phrh' } });
    await parent.close();
  });

  it('refuses, where the route is declared, a requirement no challenge could carry', () => {
    expect(() => requireAuth({ acr: ['two words'] })).toThrow(TypeError);
    expect(() => requireAuth({ maxAge: -1 })).toThrow(TypeError);
  });

  it('fails loudly when requireAuth is used without the plugin', async () => {
    const bare = Fastify();
    bare.get('/x', { preHandler: requireAuth() }, async () => ({ ok: true }));
    const res = await bare.inject({ url: '/x', headers: { authorization: `Bearer ${await rs.token()}` } });
    expect(res.statusCode).toBe(500);
    await bare.close();
  });
});
