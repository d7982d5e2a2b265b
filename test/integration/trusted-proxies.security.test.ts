// Behind a proxy (SIGNET_TRUSTED_PROXIES): the client address comes from X-Forwarded-For / Forwarded only through
// the proxies the operator trusts, so a stranger's wrong passes lock out the stranger, not the owner, and the
// sign-in log names the real clients. A forged header from anyone else changes nothing, and no proxy header
// moves the origin, the RP ID, cookies or redirects. A real proxy hop on loopback; clients bind their own
// loopback addresses (127.0.0.2 is the stranger X, 127.0.0.3 the owner Y). On SQLite and PostgreSQL.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { parseTrustedProxies, type TrustedProxies } from '../../src/http/client-address.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const SYSTEM = { type: 'system', id: null } as const;
const STRANGER = '127.0.0.2';
const OWNER = '127.0.0.3';
const EVIL = 'evil.example';

function trusted(raw: string): TrustedProxies {
  const r = parseTrustedProxies(raw);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** One HTTP/1.1 request from a chosen local address, no connection reuse. */
function send(
  port: number,
  path: string,
  o: { from?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: o.method ?? (body === undefined ? 'GET' : 'POST'),
        localAddress: o.from,
        agent: false,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          done({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** A minimal reverse proxy, as nginx's `proxy_add_x_forwarded_for` does: appends the peer it saw, passes the rest. */
async function startProxy(target: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const prior = req.headers['x-forwarded-for'];
    const xff = `${prior ? `${prior}, ` : ''}${req.socket.remoteAddress}`;
    const up = request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        agent: false,
        headers: { ...req.headers, 'x-forwarded-for': xff },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const codeOf = (r: Reply) => (r.json as { error?: { code?: string } } | undefined)?.error?.code;
const portOf = (s: TestServer) => Number(new URL(s.url).port);

/** A right pass made wrong in its last character. */
const wrong = (pass: string) => `${pass.slice(0, -1)}${pass.endsWith('A') ? 'B' : 'A'}`;

describe.each(engines)('client addresses behind trusted proxies on %s', (engine) => {
  let server: TestServer;
  let proxy: { port: number; close(): Promise<void> };
  let tenant: Tenant;

  beforeAll(async () => {
    server = await startTestServer(engine, { trustedProxies: trusted('127.0.0.1') });
    proxy = await startProxy(portOf(server));
    tenant = await createTenant(server.ctx, { slug: `p-${randomBytes(4).toString('hex')}` });
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });

  const newUser = (): Promise<User> =>
    createUser(server.ctx, tenant, { userPrincipalName: `owner-${randomBytes(4).toString('hex')}@example.com` });
  const tap = (from: string, user: User, pass: string, headers: Record<string, string> = {}) =>
    send(proxy.port, `/${tenant.slug}/signin/tap`, {
      from,
      body: { username: user.userPrincipalName, pass },
      headers,
    });
  const logOf = async (user: User) =>
    (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((r) => r.userId === user.id);

  it("a stranger's ten wrong passes through the proxy lock out the stranger, not the owner; the log names both", async () => {
    const owner = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM });
    for (let i = 0; i < 10; i++) {
      const r = await tap(STRANGER, owner, wrong(pass));
      expect(r.status, r.text).toBe(401);
      expect(codeOf(r)).toBe('TAP_INVALID');
    }
    // The stranger is locked out, even with the right pass.
    const locked = await tap(STRANGER, owner, pass);
    expect(locked.status).toBe(429);
    expect(codeOf(locked)).toBe('TAP_LOCKED_OUT');
    // The owner, at another address behind the same proxy, still signs in.
    const mine = await tap(OWNER, owner, pass);
    expect(mine.status, mine.text).toBe(200);

    const log = await logOf(owner);
    const failures = log.filter((r) => r.result === 'failure');
    expect(failures).toHaveLength(11);
    expect(new Set(failures.map((r) => r.ip))).toEqual(new Set([STRANGER]));
    expect(log.filter((r) => r.result === 'success').map((r) => r.ip)).toEqual([OWNER]);
    expect(log.some((r) => r.ip === '127.0.0.1')).toBe(false);
  });

  it('a header the stranger adds before the proxy does not move the client: the proxy-appended hop wins', async () => {
    const owner = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM });
    // Rotating forged entries does not escape the lockout either.
    for (let i = 0; i < 10; i++) {
      const r = await tap(STRANGER, owner, wrong(pass), { 'x-forwarded-for': `198.51.100.${i + 1}` });
      expect(codeOf(r)).toBe('TAP_INVALID');
    }
    expect(codeOf(await tap(STRANGER, owner, pass, { 'x-forwarded-for': OWNER }))).toBe('TAP_LOCKED_OUT');
    const ips = new Set((await logOf(owner)).map((r) => r.ip));
    expect(ips).toEqual(new Set([STRANGER]));
  });

  it('a Forwarded header the proxy does not write neither hides the stranger nor shares the owner’s lockout', async () => {
    const owner = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM });
    for (const forged of ['for=6.6.6.6', 'for=_hidden', 'for="6.6.6.6', `for=${OWNER}`]) {
      for (let i = 0; i < 2; i++)
        expect(codeOf(await tap(STRANGER, owner, wrong(pass), { forwarded: forged }))).toBe('TAP_INVALID');
    }
    // Eight failures (under the lockout's ten), all the stranger's: the owner, whose own forward proxy adds a Forwarded header, signs in.
    const mine = await tap(OWNER, owner, pass, { forwarded: 'host=intranet.example;proto=https' });
    expect(mine.status, mine.text).toBe(200);
    const failures = (await logOf(owner)).filter((r) => r.result === 'failure');
    expect(failures).toHaveLength(8);
    expect(new Set(failures.map((r) => r.ip))).toEqual(new Set([STRANGER]));
  });

  it('a peer that is not a trusted proxy is the client, whatever X-Forwarded-For or Forwarded claim', async () => {
    const owner = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM });
    const forgeries: Array<Record<string, string>> = [
      { 'x-forwarded-for': '203.0.113.7' },
      { forwarded: 'for=203.0.113.8' },
      { forwarded: 'for="[2001:db8::8]:4711"' },
    ];
    for (const headers of forgeries) {
      const r = await send(portOf(server), `/${tenant.slug}/signin/tap`, {
        from: STRANGER,
        body: { username: owner.userPrincipalName, pass: wrong(pass) },
        headers,
      });
      expect(codeOf(r)).toBe('TAP_INVALID');
    }
    expect((await logOf(owner)).map((x) => x.ip)).toEqual([STRANGER, STRANGER, STRANGER]);
  });

  it('proxy headers never change the origin, RP ID, cookie names or redirects', async () => {
    const forged = {
      host: EVIL,
      'x-forwarded-host': EVIL,
      'x-forwarded-proto': 'https',
      forwarded: `for=198.51.100.9;host=${EVIL};proto=https`,
    };
    const via = (path: string, o: { body?: unknown; headers?: Record<string, string> } = {}) =>
      send(proxy.port, path, { from: OWNER, ...o, headers: { ...forged, ...o.headers } });

    const related = await via('/.well-known/webauthn');
    expect(related.json).toEqual({ origins: [server.url] });

    const options = await via(`/${tenant.slug}/signin/passkey/options`, { body: {} });
    expect(options.status, options.text).toBe(200);
    expect((options.json as { rpId?: string }).rpId).toBe('localhost');

    const discovery = await via(`/${tenant.slug}/v2.0/.well-known/openid-configuration`);
    expect(discovery.status, discovery.text).toBe(200);
    const d = discovery.json as { issuer: string; authorization_endpoint: string; token_endpoint: string };
    expect(d.issuer).toBe(`${server.url}/${tenant.id}/v2.0`);
    expect(d.authorization_endpoint.startsWith(`${server.url}/`)).toBe(true);
    expect(d.token_endpoint.startsWith(`${server.url}/`)).toBe(true);
    expect(discovery.text).not.toContain(EVIL);

    const owner = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM });
    const signedIn = await via(`/${tenant.slug}/signin/tap`, { body: { username: owner.userPrincipalName, pass } });
    expect(signedIn.status, signedIn.text).toBe(200);
    expect((signedIn.json as { redirect: string }).redirect).toBe(`/${tenant.slug}/account`);
    const cookies = ([] as string[]).concat(signedIn.headers['set-cookie'] ?? []);
    const name = sessionCookieName(server.ctx.config, tenant);
    expect(name.startsWith('__Host-')).toBe(false);
    const session = cookies.find((c) => c.startsWith(`${name}=`));
    expect(session).toBeDefined();
    expect(session).not.toMatch(/;\s*secure/i);
    expect(session).not.toMatch(/domain=/i);

    const back = await via(`/${tenant.slug}/signin/continue`);
    expect(back.status).toBe(303);
    expect(back.headers.location?.startsWith(`/${tenant.slug}/signin`)).toBe(true);

    // A cross-site call stays cross-site, whatever host the headers claim.
    const csrf = await via(`/${tenant.slug}/signin/passkey/options`, {
      body: {},
      headers: { origin: `https://${EVIL}` },
    });
    expect(csrf.status).toBe(403);
    expect(codeOf(csrf)).toBe('CSRF_TOKEN_INVALID');
  });
});

describe.each(engines)('client addresses without trusted proxies on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `n-${randomBytes(4).toString('hex')}` });
  });
  afterAll(() => server.close());

  it('a forged X-Forwarded-For or Forwarded is ignored: the log shows the real peer and the lockout holds', async () => {
    const owner = await createUser(server.ctx, tenant, {
      userPrincipalName: `o-${randomBytes(4).toString('hex')}@example.com`,
    });
    const { pass } = await issueTap(server.ctx, tenant, owner, { actor: SYSTEM });
    for (let i = 0; i < 10; i++) {
      const r = await send(portOf(server), `/${tenant.slug}/signin/tap`, {
        from: STRANGER,
        body: { username: owner.userPrincipalName, pass: wrong(pass) },
        headers: { 'x-forwarded-for': `203.0.113.${i + 1}`, forwarded: `for=198.51.100.${i + 1}` },
      });
      expect(codeOf(r)).toBe('TAP_INVALID');
    }
    const locked = await send(portOf(server), `/${tenant.slug}/signin/tap`, {
      from: STRANGER,
      body: { username: owner.userPrincipalName, pass },
      headers: { 'x-forwarded-for': OWNER },
    });
    expect(codeOf(locked)).toBe('TAP_LOCKED_OUT');
    const rows = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((r) => r.userId === owner.id);
    expect(rows).toHaveLength(11);
    expect(new Set(rows.map((r) => r.ip))).toEqual(new Set([STRANGER]));
  });
});
