// Smart lockout (issue 8, SPEC §2.4) over HTTP, on both engines. security-tests.md §7 top test 9 (VULN-06,
// REL-05): concurrent brute force against the password and the TAP never gets past the threshold, in one process
// and across two processes sharing one PostgreSQL database. A stranger cannot lock the owner out of an address the
// owner signs in from (familiar and unfamiliar sources), yet guessing from many unfamiliar addresses meets one
// threshold; each lockout in a row lasts twice the one before. Top test 10 (VULN-09/VULN-11), the parts this
// file adds: a locked-out account is refused even with the right secret, and a disabled one by the password, the
// TAP and its existing password session (the passkey is in passkey-ceremonies.security.test.ts, the refresh
// token and a code in disabled-user.security.test.ts). A lockout is per kind of secret: locked out of the password,
// the owner can still use a TAP an administrator gave them, and a passkey, which cannot be guessed.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { purgeExpired } from '../../src/flows/maintenance.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { parseTrustedProxies } from '../../src/http/client-address.ts';
import { hashPassword, savePasswordCredential } from '../../src/store/password-credentials.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { setUserEnabled, type User } from '../../src/store/users.ts';
import { CookieClient } from '../support/browserless.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
const SYSTEM = { type: 'system', id: null } as const;

function trustedLoopback(): Partial<Config> {
  const t = parseTrustedProxies('127.0.0.1');
  if (!t.ok) throw new Error(t.reason);
  // The lockout is under test here, not the per-address budget.
  return {
    trustedProxies: t.value,
    rateLimits: { signin: { perMinute: 0, burst: 0 }, ceremony: { perMinute: 0, burst: 0 } },
  };
}

/** Posts to a sign-in route of `server` as a browser at `from` would; the answer's status and code. */
async function attempt(server: TestServer, path: string, json: Json, from = '192.0.2.1', browser?: CookieClient) {
  const init = {
    method: 'POST',
    json,
    headers: { origin: server.ctx.config.origin, 'x-forwarded-for': from },
  };
  const res = await (browser ?? new CookieClient(server.url)).fetch(path, init);
  const body = (await res.json()) as { error?: { code: string; innerError: Json } };
  return { status: res.status, code: body.error?.code ?? 'ok', detail: body.error?.innerError ?? {} };
}

function fixtures(server: () => TestServer, tenant: () => Tenant) {
  let n = 0;
  const strong = () => `Lk9-${randomBytes(6).toString('base64url')}`;
  return {
    strong,
    async userWithPassword(password: string): Promise<User> {
      const user = await createUser(server().ctx, tenant(), {
        userPrincipalName: `lock${++n}-${randomBytes(3).toString('hex')}@contoso.com`,
      });
      await savePasswordCredential(server().ctx.db, {
        tenantId: tenant().id,
        userId: user.id,
        hash: await hashPassword(password, randomBytes(16)),
        forceChangeNextSignIn: false,
        forceChangeWithMfa: false,
        createdAt: server().ctx.now(),
      });
      return user;
    },
    password: (s: TestServer, user: User, password: string, from?: string, browser?: CookieClient) =>
      attempt(s, `/${tenant().slug}/signin/password`, { username: user.userPrincipalName, password }, from, browser),
    tap: (s: TestServer, user: User, pass: string, from?: string) =>
      attempt(s, `/${tenant().slug}/signin/tap`, { username: user.userPrincipalName, pass }, from),
  };
}

function tally(codes: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const c of codes) m[c] = (m[c] ?? 0) + 1;
  return m;
}

describe.each(engines)('smart lockout on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  const f = fixtures(
    () => server,
    () => tenant,
  );

  beforeAll(async () => {
    server = await startTestServer(engine, trustedLoopback());
    tenant = await createTenant(server.ctx, { slug: `lk-${randomBytes(4).toString('hex')}` });
  });
  afterAll(() => server?.close());

  it('lets at most 10 of 40 parallel wrong passwords be compared; then even the right one is refused (top test 9)', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => f.password(server, user, `${password}-${i}`, '198.51.100.20')),
    );
    expect(tally(results.map((r) => r.code))).toEqual({ SIGNIN_PASSWORD_INVALID: 10, PASSWORD_LOCKED_OUT: 30 });
    const right = await f.password(server, user, password, '198.51.100.20');
    expect([right.status, right.code]).toEqual([429, 'PASSWORD_LOCKED_OUT']);
    expect(Number(right.detail.retryAfterSeconds)).toBeGreaterThan(0);
    // Locked out of the password, not of the pass an administrator gives for recovery.
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM });
    expect((await f.tap(server, user, pass, '198.51.100.20')).code).toBe('ok');
  });

  it('lets at most 10 of 40 parallel wrong passes be compared from one address; then even the right one is refused', async () => {
    const user = await createUser(server.ctx, tenant, {
      userPrincipalName: `tap-${randomBytes(3).toString('hex')}@contoso.com`,
    });
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM });
    const wrong = `${pass.slice(0, -1)}${pass.endsWith('A') ? 'B' : 'A'}`;
    const results = await Promise.all(Array.from({ length: 40 }, () => f.tap(server, user, wrong, '198.51.100.21')));
    expect(tally(results.map((r) => r.code))).toEqual({ TAP_INVALID: 10, TAP_LOCKED_OUT: 30 });
    const locked = await f.tap(server, user, pass, '198.51.100.21');
    expect(locked.code).toBe('TAP_LOCKED_OUT');
    // The wait is told, since it grows with each lockout (15 minutes the first time).
    expect(Number(locked.detail.retryAfterSeconds)).toBeGreaterThan(14 * 60);
    expect(Number(locked.detail.retryAfterSeconds)).toBeLessThanOrEqual(15 * 60);
  });

  it('does not let a stranger lock the owner out of the address the owner signs in from', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const home = '198.51.100.7';
    expect((await f.password(server, user, password, home)).code).toBe('ok');
    // A stranger elsewhere: ten guesses lock every unfamiliar address, wherever the next guess comes from.
    for (let i = 0; i < 10; i++)
      expect((await f.password(server, user, `guess-${i}`, '203.0.113.9')).code).toBe('SIGNIN_PASSWORD_INVALID');
    expect((await f.password(server, user, password, '203.0.113.9')).code).toBe('PASSWORD_LOCKED_OUT');
    expect((await f.password(server, user, 'guess-x', '203.0.113.77')).code).toBe('PASSWORD_LOCKED_OUT');
    // The owner, at home, is not locked out, and their typo there counts only there.
    expect((await f.password(server, user, `${password}typo`, home)).code).toBe('SIGNIN_PASSWORD_INVALID');
    expect((await f.password(server, user, password, home)).code).toBe('ok');
    expect((await f.password(server, user, password, '203.0.113.9')).code).toBe('PASSWORD_LOCKED_OUT');
  });

  it('locks for a minute, then for twice as long after the next ten failures; the right password then starts afresh', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const from = '203.0.113.50';
    const fail10 = async () => {
      for (let i = 0; i < 10; i++)
        expect((await f.password(server, user, `no-${i}`, from)).code).toBe('SIGNIN_PASSWORD_INVALID');
    };
    try {
      await fail10();
      const first = await f.password(server, user, password, from);
      expect(first.code).toBe('PASSWORD_LOCKED_OUT');
      expect(Number(first.detail.retryAfterSeconds)).toBeGreaterThan(55);
      expect(Number(first.detail.retryAfterSeconds)).toBeLessThanOrEqual(60);
      server.clock.offsetMs += 61_000;
      await fail10();
      const second = await f.password(server, user, password, from);
      expect(second.code).toBe('PASSWORD_LOCKED_OUT');
      expect(Number(second.detail.retryAfterSeconds)).toBeGreaterThan(115);
      expect(Number(second.detail.retryAfterSeconds)).toBeLessThanOrEqual(120);
      server.clock.offsetMs += 61_000;
      expect((await f.password(server, user, password, from)).code).toBe('PASSWORD_LOCKED_OUT');
      server.clock.offsetMs += 60_000;
      expect((await f.password(server, user, password, from)).code).toBe('ok');
      // A success clears the counter: the next lockout is a minute again.
      await fail10();
      const again = await f.password(server, user, password, from);
      expect(Number(again.detail.retryAfterSeconds)).toBeLessThanOrEqual(60);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('keeps a lockout in memory through the hourly purge, so that pacing the guesses does not reset the doubling', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const from = '203.0.113.70';
    try {
      for (let i = 0; i < 10; i++) await f.password(server, user, `no-${i}`, from);
      // Two hours later the maintenance pass has run; the lock is over but remembered.
      server.clock.offsetMs += 2 * 60 * 60_000;
      await purgeExpired(server.ctx);
      for (let i = 0; i < 10; i++) await f.password(server, user, `no-${i}`, from);
      const second = await f.password(server, user, password, from);
      expect(second.code).toBe('PASSWORD_LOCKED_OUT');
      expect(Number(second.detail.retryAfterSeconds)).toBeGreaterThan(60);
      // A day after the last lock ended it is forgiven, and purged.
      server.clock.offsetMs += 26 * 60 * 60_000;
      await purgeExpired(server.ctx);
      const rows = await server.ctx.db
        .selectFrom('lockouts')
        .select('key')
        .where('key', 'like', `password:${user.id}:%`)
        .execute();
      expect(rows).toEqual([]);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('counts a name without an account as a real one: the lockout does not tell them apart', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const ghost = { userPrincipalName: `ghost-${randomBytes(3).toString('hex')}@contoso.com` } as User;
    const real: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 11; i++) {
      real.push((await f.password(server, user, `x-${i}`, '203.0.113.60')).code);
      unknown.push((await f.password(server, ghost, `x-${i}`, '203.0.113.60')).code);
    }
    expect(unknown).toEqual(real);
    expect(real.at(-1)).toBe('PASSWORD_LOCKED_OUT');
  });

  it('refuses a disabled account by password and TAP even with the right secret, and ends its password session (top test 10)', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM, oneTime: false });
    const browser = new CookieClient(server.url);
    expect((await f.password(server, user, password, '198.51.100.30', browser)).code).toBe('ok');
    expect((await browser.fetch(`/${tenant.slug}/account`)).status).toBe(200);
    await setUserEnabled(server.ctx.db, tenant.id, user.id, false);
    const account = await browser.fetch(`/${tenant.slug}/account`);
    expect(account.status).toBe(303);
    expect(account.headers.get('location')).toContain('/signin');
    const byPassword = await f.password(server, user, password, '198.51.100.30');
    expect([byPassword.status, byPassword.code]).toEqual([403, 'SIGNIN_USER_DISABLED']);
    const byTap = await f.tap(server, user, pass, '198.51.100.30');
    expect([byTap.status, byTap.code]).toEqual([403, 'SIGNIN_USER_DISABLED']);
  });
});

describe.skipIf(!engines.includes('postgres'))('smart lockout across two processes on one PostgreSQL database', () => {
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;
  const f = fixtures(
    () => a,
    () => tenant,
  );

  beforeAll(async () => {
    const url = await databaseUrl('postgres');
    a = await startTestServer('postgres', trustedLoopback(), undefined, {}, { databaseUrl: url });
    b = await startTestServer(
      'postgres',
      { ...trustedLoopback(), secret: a.ctx.config.secret },
      undefined,
      {},
      {
        databaseUrl: url,
      },
    );
    tenant = await createTenant(a.ctx, { slug: `lk2-${randomBytes(4).toString('hex')}` });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('lets at most 10 of 60 parallel wrong passwords, half to each process, be compared (top test 9, REL-05)', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => f.password(i % 2 ? a : b, user, `${password}-${i}`, '198.51.100.40')),
    );
    expect(tally(results.map((r) => r.code))).toEqual({ SIGNIN_PASSWORD_INVALID: 10, PASSWORD_LOCKED_OUT: 50 });
    expect((await f.password(a, user, password, '198.51.100.40')).code).toBe('PASSWORD_LOCKED_OUT');
    expect((await f.password(b, user, password, '198.51.100.40')).code).toBe('PASSWORD_LOCKED_OUT');
  });

  it('lets at most 10 of 60 parallel wrong passes, half to each process, be compared', async () => {
    const user = await createUser(a.ctx, tenant, {
      userPrincipalName: `tap2-${randomBytes(3).toString('hex')}@contoso.com`,
    });
    const { pass } = await issueTap(a.ctx, tenant, user, { actor: SYSTEM });
    const wrong = `${pass.slice(0, -1)}${pass.endsWith('A') ? 'B' : 'A'}`;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => f.tap(i % 2 ? a : b, user, wrong, '198.51.100.41')),
    );
    expect(tally(results.map((r) => r.code))).toEqual({ TAP_INVALID: 10, TAP_LOCKED_OUT: 50 });
    expect((await f.tap(b, user, pass, '198.51.100.41')).code).toBe('TAP_LOCKED_OUT');
  });

  it('makes an address familiar through one process for the other: a stranger’s lock there does not reach the owner', async () => {
    const password = f.strong();
    const user = await f.userWithPassword(password);
    expect((await f.password(a, user, password, '198.51.100.42')).code).toBe('ok');
    for (let i = 0; i < 10; i++) await f.password(b, user, `guess-${i}`, '203.0.113.42');
    expect((await f.password(a, user, password, '203.0.113.43')).code).toBe('PASSWORD_LOCKED_OUT');
    expect((await f.password(b, user, password, '198.51.100.42')).code).toBe('ok');
  });
});
