import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthFailure } from './authenticate.ts';
import { requireAuth, signetAuth } from './express.ts';
import { authView, ROUTES, type RouteCase, routeCases, startTestIssuer, type TestIssuer } from './test-support.ts';

let rs: TestIssuer;
let server: Server;
let base: string;
let cases: RouteCase[];
const refused: AuthFailure[] = [];

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const s = await new Promise<Server>((resolve) => {
    const l = app.listen(0, '127.0.0.1', () => resolve(l));
  });
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  rs = await startTestIssuer();
  cases = await routeCases(rs);
  const app = express();
  app.use(
    signetAuth({
      issuer: rs.issuer,
      audience: rs.audience,
      jwksUri: rs.jwksUri,
      realm: 'orders',
      onRefused: (failure) => refused.push(failure),
    }),
  );
  for (const route of Object.values(ROUTES)) {
    const guard = 'requirement' in route ? [requireAuth(route.requirement)] : [];
    const handler: express.RequestHandler = (req, res) => {
      res.json(req.auth ? authView(req.auth) : { auth: null });
    };
    if (route.method === 'GET') app.get(route.url, ...guard, handler);
    else app.post(route.url, ...guard, handler);
  }
  ({ server, base } = await listen(app));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await rs?.close();
});

describe('Express middleware (real Express on a port, fetch)', () => {
  it('answers every case with the exact status, challenge and body', async () => {
    for (const c of cases) {
      const route = ROUTES[c.route];
      const res = await fetch(`${base}${route.url}`, {
        method: route.method,
        headers: c.authorization ? { authorization: c.authorization } : {},
      });
      expect({ name: c.name, status: res.status, wwwAuthenticate: res.headers.get('www-authenticate') }).toEqual({
        name: c.name,
        status: c.status,
        wwwAuthenticate: c.wwwAuthenticate,
      });
      expect(await res.json(), c.name).toEqual(c.body);
      if (c.status !== 200) expect(res.headers.get('cache-control'), c.name).toBe('no-store');
    }
  });

  it('tells the application why each request was refused (onRefused), with the unmet parts', async () => {
    refused.length = 0;
    const scope = cases.find((c) => c.route === 'write' && c.status === 403)!;
    await fetch(`${base}/orders`, { method: 'POST', headers: { authorization: scope.authorization! } });
    await fetch(`${base}/orders`, { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(refused.map((f) => [f.reason, f.unmet])).toEqual([
      ['requirement_unmet', ['scope']],
      ['malformed', undefined],
    ]);
  });

  it('answers 503 without a challenge when the issuer keys cannot be read (not the client’s fault)', async () => {
    const app = express();
    app.use(signetAuth({ issuer: rs.issuer, audience: rs.audience, jwksUri: 'http://127.0.0.1:1/keys' }));
    app.get('/orders', requireAuth(), (_req, res) => {
      res.json({ ok: true });
    });
    const broken = await listen(app);
    try {
      const res = await fetch(`${broken.base}/orders`, { headers: { authorization: `Bearer ${await rs.token()}` } });
      expect(res.status).toBe(503);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    } finally {
      await new Promise((resolve) => broken.server.close(resolve));
    }
  });

  it('refuses, where the route is declared, a requirement no challenge could carry', () => {
    expect(() => requireAuth({ scopes: ['a"b'] })).toThrow(TypeError);
  });

  it('fails loudly when requireAuth is used without signetAuth', async () => {
    const app = express();
    app.get('/x', requireAuth(), (_req, res) => {
      res.json({ ok: true });
    });
    const bare = await listen(app);
    try {
      const res = await fetch(`${bare.base}/x`, { headers: { authorization: `Bearer ${await rs.token()}` } });
      expect(res.status).toBe(500);
    } finally {
      await new Promise((resolve) => bare.server.close(resolve));
    }
  });
});
