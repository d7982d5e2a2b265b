// Authorization + token round trip for a passkey session (issue 9, beside the sign-in benchmark): GET /authorize with
// the browser's Signet session cookie (the provider's check runs the interaction decision: Conditional Access, the
// app's asks, the session's steps) → the redirects to the app's code → POST /token (code + PKCE verifier) → an RS256
// ID token. Over HTTP against a real server in its own process (bench-server.ts), SQLite, one public app, for two
// tenants: one without Conditional Access, one with 200 policies (bench/authorize-token-policies.ts) and its users
// in 1,000 groups. Two browsers: one that kept the provider's cookies from an earlier round trip (the usual case:
// the app sends a signed-in user back, one redirect to the code), and a new one holding only the Signet cookie
// (the provider's interaction and the sign-in page's redirect first). Prints round trips per second, latency
// p50/p95/p99, CPU and resident memory beside the machine's raw P-256 verify and RSA-2048 sign rates, this run.
//   npm run bench:authorize -- [--users 500] [--member-of 1000] [--seconds 10] [--concurrency 16]
//                              [--case none|ca|both] [--browser kept|new|both]
import { fork } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import type { Config } from '../src/config.ts';
import { evaluateConditionalAccess } from '../src/core/conditional-access.ts';
import { firstStep } from '../src/core/session-steps.ts';
import { caSnapshotOf, createNamedLocation, createPolicy, signInContextFor } from '../src/flows/conditional-access.ts';
import { type Ctx, silentLogger, systemCtx } from '../src/flows/context.ts';
import { createApp, createTenant } from '../src/flows/directory.ts';
import { localOperator } from '../src/flows/local-operator.ts';
import { startSession } from '../src/flows/sessions.ts';
import { strengthsOf } from '../src/flows/strengths.ts';
import { sessionCookieName } from '../src/http/session-cookie.ts';
import { migrate, openStore } from '../src/store/db.ts';
import type { Tenant } from '../src/store/tenants.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
import { policyBody } from './authorize-token-policies.ts';
import { machine } from './graph-bench.ts';
import { cpuSecondsOf, percentile, rawP256VerifyPerSecond, rssOf } from './measure.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '500' },
    'member-of': { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    case: { type: 'string', default: 'both' },
    browser: { type: 'string', default: 'both' },
  },
});
const USERS = Number(values.users);
const MEMBER_OF = Number(values['member-of']);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const both = (v: string | undefined, a: string, b: string) => (v === 'both' ? [a, b] : [v ?? a]);
const CASES = both(values.case, 'none', 'ca') as ('none' | 'ca')[];
const BROWSERS = both(values.browser, 'kept', 'new') as ('kept' | 'new')[];
const POLICIES = 200;
const PORT = 3900 + Math.floor(Math.random() * 90);
const ORIGIN = `http://localhost:${PORT}`;
const REDIRECT = 'http://localhost/bench-callback';
const SECRET = randomBytes(32);
const AAGUID = 'be9c4000-0000-4e70-9a55-7357a0c0ffee';

/** The machine's raw limit for the ID token's signature: synchronous RSA-2048 PKCS#1 v1.5 signatures on this core. */
function rawRsa2048SignPerSecond(): number {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const data = randomBytes(300);
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 2000) {
    for (let i = 0; i < 10; i++) sign('sha256', data, privateKey);
    n += 10;
  }
  return n / ((performance.now() - start) / 1000);
}

interface Case {
  name: 'none' | 'ca';
  tenant: Tenant;
  clientId: string;
  /** One cookie jar per user, starting with the Signet session cookie only. */
  jars: Map<string, string>[];
}

/** `count` users with a device-bound passkey each and a live session started by it, in one transaction. */
async function seedUsers(ctx: Ctx, tenant: Tenant, count: number): Promise<string[]> {
  const now = Date.now();
  const ids = Array.from({ length: count }, () => randomUUID());
  await ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i += 500) {
      const slice = ids.slice(i, i + 500);
      await trx
        .insertInto('users')
        .values(
          slice.map((id, k) => ({
            id,
            tenant_id: tenant.id,
            user_principal_name: `user${i + k}@${tenant.slug}.example`,
            upn_lower: `user${i + k}@${tenant.slug}.example`,
            display_name: `User ${i + k}`,
            enabled: 1,
            user_handle: randomBytes(32).toString('base64url'),
            created_at: now,
          })) as never,
        )
        .execute();
      await trx
        .insertInto('passkeys')
        .values(
          slice.map((user_id) => ({
            id: randomUUID(),
            tenant_id: tenant.id,
            user_id,
            credential_id: randomBytes(32).toString('base64url'),
            public_key: randomBytes(77).toString('base64url'),
            alg: -7,
            counter: 0,
            aaguid: AAGUID,
            transports: '["usb"]',
            backup_eligible: 0,
            backup_state: 0,
            attestation_format: 'none',
            attestation_trust: 'none',
            display_name: 'Bench security key',
            created_at: now,
            last_used_at: null,
          })) as never,
        )
        .execute();
    }
  });
  return ids;
}

/** 1,000 groups every user is in, 200 none is in, 20 named locations and the 200 policies. */
async function seedConditionalAccess(ctx: Ctx, tenant: Tenant, userIds: string[], appId: string): Promise<void> {
  const now = Date.now();
  const memberGroups = Array.from({ length: 1000 }, () => randomUUID());
  const otherGroups = Array.from({ length: 200 }, () => randomUUID());
  const all = [...memberGroups, ...otherGroups];
  const members = memberGroups.slice(0, MEMBER_OF);
  await ctx.db.transaction().execute(async (trx) => {
    for (let i = 0; i < all.length; i += 500)
      await trx
        .insertInto('groups')
        .values(
          all
            .slice(i, i + 500)
            .map((id, k) => ({ id, tenant_id: tenant.id, display_name: `Group ${i + k}`, created_at: now })),
        )
        .execute();
    const rows = userIds.flatMap((user_id) => members.map((group_id) => ({ tenant_id: tenant.id, group_id, user_id })));
    for (let i = 0; i < rows.length; i += 2000)
      await trx
        .insertInto('group_members')
        .values(rows.slice(i, i + 2000))
        .execute();
  });
  const by = localOperator(tenant.id);
  const locations: string[] = [];
  for (let i = 0; i < 20; i++) {
    const body = {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: `Site ${i}`,
      isTrusted: i % 4 === 0,
      ipRanges: [{ cidrAddress: `10.${i}.0.0/16` }, { cidrAddress: `2001:db8:${i.toString(16)}::/48` }],
    };
    locations.push((await createNamedLocation(ctx, tenant, by, body)).id);
  }
  const mix = {
    appId,
    otherApps: Array.from({ length: 40 }, () => randomUUID()),
    memberGroups: members,
    otherGroups,
    locations,
  };
  for (let i = 0; i < POLICIES; i++) await createPolicy(ctx, tenant, by, policyBody(i, mix), { confirmLockout: true });
}

async function seed(dbUrl: string, dataDir: string): Promise<Case[]> {
  const store = openStore(dbUrl);
  await migrate(store.db);
  const config = { secret: SECRET, publicUrl: new URL(ORIGIN), origin: ORIGIN, rpId: 'localhost', dataDir } as Config;
  const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
  const cases: Case[] = [];
  for (const name of CASES) {
    const tenant = await createTenant(ctx, { slug: `bench-${name}` });
    const { app } = await createApp(ctx, tenant, { name: 'Bench app', redirectUris: [REDIRECT], publicClient: true });
    const userIds = await seedUsers(ctx, tenant, USERS);
    if (name === 'ca') await seedConditionalAccess(ctx, tenant, userIds, app.id);
    const jars: Map<string, string>[] = [];
    for (const userId of userIds) {
      const { token } = await startSession(ctx, store.db, {
        tenantId: tenant.id,
        userId,
        method: 'passkey',
        facts: { passkey: { aaguid: AAGUID, type: 'deviceBound', attestation: 'none' } },
      });
      jars.push(new Map([[sessionCookieName(config, tenant), token]]));
    }
    // What the provider's check will find for these users: the policies that apply, and nothing left unmet.
    const context = await signInContextFor(ctx, tenant, { userId: userIds[0]!, appId: app.id, ip: '127.0.0.1' });
    const steps = [
      firstStep('passkey', Date.now(), { passkey: { aaguid: AAGUID, type: 'deviceBound', attestation: 'none' } }),
    ];
    const r = evaluateConditionalAccess(
      (await caSnapshotOf(ctx, tenant.id)).policies,
      context,
      await strengthsOf(ctx, tenant.id),
      steps,
    );
    const count = (v: string) => r.results.filter((x) => x.result === v).length;
    console.log(
      `  ${tenant.slug}: ${r.results.length} policies (${count('success')} success, ${count('reportOnlySuccess') + count('reportOnlyFailure')} report-only applying, ${count('notApplied') + count('reportOnlyNotApplied')} not applying, ${count('notEnabled')} disabled), ${context.user.groupIds.length} groups a user, ${r.unmet.length} unmet`,
    );
    if (r.unmet.length > 0) throw new Error('the policy mix asks a device-bound passkey session for more');
    cases.push({ name, tenant, clientId: app.id, jars });
  }
  await store.close();
  return cases;
}

async function request(jar: Map<string, string>, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(url.startsWith('http') ? url : `${ORIGIN}${url}`, { ...init, headers, redirect: 'manual' });
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';')[0]!;
    const i = pair.indexOf('=');
    if (pair.slice(i + 1) === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(pair.slice(0, i));
    else jar.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return res;
}

/** One round trip; returns the number of HTTP requests it took. Throws when it does not end with an ID token. */
async function roundTrip(c: Case, jar: Map<string, string>): Promise<number> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const nonce = randomBytes(12).toString('base64url');
  const q = new URLSearchParams({
    client_id: c.clientId,
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: REDIRECT,
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  let res = await request(jar, `/${c.tenant.id}/oauth2/v2.0/authorize?${q}`);
  let requests = 1;
  let location = res.headers.get('location') ?? '';
  while (!location.startsWith(REDIRECT)) {
    if (res.status < 300 || res.status >= 400 || requests > 8)
      throw new Error(`stopped at ${res.url} → ${res.status}: ${(await res.text()).slice(0, 200)}`);
    res = await request(jar, new URL(location, ORIGIN).href, { headers: { accept: 'text/html' } });
    requests++;
    location = res.headers.get('location') ?? '';
  }
  const back = new URL(location).searchParams;
  const code = back.get('code');
  if (!code || back.get('state') !== state) throw new Error(`no code at the app: ${location}`);
  const token = await fetch(`${ORIGIN}/${c.tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: c.clientId,
      code_verifier: verifier,
    }),
  });
  const body = (await token.json()) as { id_token?: string };
  if (!token.ok || !body.id_token) throw new Error(`token: ${token.status} ${JSON.stringify(body)}`);
  const claims = decodeJwt(body.id_token);
  if (claims.nonce !== nonce || claims.aud !== c.clientId || !(claims.amr as string[] | undefined)?.includes('hwk'))
    throw new Error(`unexpected ID token: ${JSON.stringify(claims)}`);
  return requests + 1;
}

/** Round trips from `concurrency` loops for `seconds`, the users taken in turn. */
async function load(c: Case, browser: 'kept' | 'new', seconds: number, from: { next: number }) {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let errors = 0;
  let requests = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const kept = c.jars[from.next++ % c.jars.length]!;
        // A new browser: only the Signet session cookie, none of the provider's.
        const jar = browser === 'kept' ? kept : new Map([[...kept][0]!]);
        const t0 = performance.now();
        try {
          const n = await roundTrip(c, jar);
          requests += n;
          latencies.push(performance.now() - t0);
        } catch (err) {
          if (errors++ === 0) console.error(String(err));
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    count: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    requests: requests / Math.max(1, latencies.length),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'signet-bench-authorize-'));
const dbUrl = `sqlite:${join(dir, 'signet.db')}`;
console.log(`authorization + token round trip; ${machine()}`);
console.log(`seeding ${USERS} users with a device-bound passkey session each, per tenant (${CASES.join(', ')})…`);
const t0 = performance.now();
const cases = await seed(dbUrl, dir);
console.log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const rawVerify = rawP256VerifyPerSecond();
const rawSign = rawRsa2048SignPerSecond();
const server = fork(new URL('./bench-server.ts', import.meta.url).pathname, [], {
  execArgv: process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [],
  env: {
    ...process.env,
    SIGNET_DATABASE_URL: dbUrl,
    SIGNET_PUBLIC_URL: ORIGIN,
    PORT: String(PORT),
    SIGNET_DATA_DIR: dir,
    SIGNET_SECRET: SECRET.toString('base64url'),
  },
});
await new Promise<void>((resolve, reject) => {
  server.once('message', () => resolve());
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});

const lines: string[] = [];
for (const c of cases) {
  for (const browser of BROWSERS) {
    const turn = { next: 0 };
    // Warm-up; for the kept browser, every user's first round trip (the one that sets the provider's cookies).
    if (browser === 'kept') {
      const all = { next: 0 };
      while (all.next < c.jars.length) await load(c, browser, 0.5, all);
    }
    await load(c, browser, 2, turn);
    const cpu0 = cpuSecondsOf(server.pid!);
    const client0 = process.cpuUsage();
    const r = await load(c, browser, SECONDS, turn);
    const serverCores = (cpuSecondsOf(server.pid!) - cpu0) / SECONDS;
    const u = process.cpuUsage(client0);
    const clientCores = (u.user + u.system) / 1e6 / SECONDS;
    const perCore = r.perSecond / serverCores;
    const label =
      c.name === 'none' ? 'no Conditional Access' : `${POLICIES} policies, users in ${MEMBER_OF} of 1,200 groups`;
    lines.push(`
${label}, ${browser === 'kept' ? 'browser with the provider cookies kept' : 'new browser (Signet session cookie only)'}, ${r.requests.toFixed(1)} HTTP requests a round trip
  round trips at full load:                        ${r.perSecond.toFixed(0)} /s   (${r.errors} errors)
  server CPU used / load generator CPU used:       ${serverCores.toFixed(2)} / ${clientCores.toFixed(2)} cores
  round trips per server core:                     ${perCore.toFixed(0)} (÷ raw RSA-2048 sign: ${(perCore / rawSign).toFixed(3)}, ÷ raw P-256 verify: ${(perCore / rawVerify).toFixed(3)})
  latency at full load:                            p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms
  server resident memory:                          ${rssOf(server.pid!).toFixed(0)} MiB`);
  }
}
server.send({ stop: true });
await new Promise((resolve) => server.once('exit', resolve));

// Every authorization the provider answered is a sign-in log entry with the policies it applied.
const store = openStore(dbUrl);
const logged: string[] = [];
for (const c of cases) {
  const rows = await store.db
    .selectFrom('sign_ins')
    .select(['error_code', 'conditional_access'])
    .where('tenant_id', '=', c.tenant.id)
    .where('method', '=', 'authorization')
    .execute();
  const status = new Map<string, number>();
  for (const r of rows) {
    const s = r.error_code ?? (JSON.parse(r.conditional_access ?? '{}').conditionalAccessStatus as string) ?? '(none)';
    status.set(s, (status.get(s) ?? 0) + 1);
  }
  logged.push(`${c.tenant.slug}: ${rows.length} (${[...status].map(([k, v]) => `${k} ${v}`).join(', ')})`);
}
await store.close();

console.log(`
authorization + token round trip over HTTP (authorize with a passkey session → code → token → RS256 ID token),
SQLite, ${USERS} users a tenant, ${CONCURRENCY} in flight, server on one process
  raw ECDSA P-256 verify, one core (node:crypto):  ${rawVerify.toFixed(0)} /s
  raw RSA-2048 sign, one core (node:crypto):       ${rawSign.toFixed(0)} /s${lines.join('\n')}

sign-in log entries of the authorizations: ${logged.join('; ')}
`);
