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
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeJwt } from 'jose';
import { openStore } from '../src/store/db.ts';
import { type Case, POLICIES, REDIRECT, seed } from './authorize-token-seed.ts';
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
const PORT = 3900 + Math.floor(Math.random() * 90);
const ORIGIN = `http://localhost:${PORT}`;
const SECRET = randomBytes(32);

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

/** One round trip: its HTTP requests and the time to the code and of the token request. Throws without an ID token. */
async function roundTrip(
  c: Case,
  jar: Map<string, string>,
): Promise<{ requests: number; toCode: number; token: number }> {
  const t0 = performance.now();
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
  const t1 = performance.now();
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
  return { requests: requests + 1, toCode: t1 - t0, token: performance.now() - t1 };
}

/** Round trips from `concurrency` loops for `seconds`, the users taken in turn. */
async function load(c: Case, browser: 'kept' | 'new', seconds: number, from: { next: number }) {
  const latencies: number[] = [];
  const toCode: number[] = [];
  const token: number[] = [];
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
          const r = await roundTrip(c, jar);
          requests += r.requests;
          latencies.push(performance.now() - t0);
          toCode.push(r.toCode);
          token.push(r.token);
        } catch (err) {
          if (errors++ === 0) console.error(String(err));
        }
      }
    }),
  );
  for (const xs of [latencies, toCode, token]) xs.sort((a, b) => a - b);
  return {
    toCode: { p50: percentile(toCode, 50), p99: percentile(toCode, 99) },
    token: { p50: percentile(token, 50), p99: percentile(token, 99) },
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
const cases = await seed({
  dbUrl,
  dataDir: dir,
  origin: ORIGIN,
  secret: SECRET,
  cases: CASES,
  users: USERS,
  memberOf: MEMBER_OF,
});
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
    of which authorize → code / token request:     p50 ${r.toCode.p50.toFixed(1)} / ${r.token.p50.toFixed(1)} ms, p99 ${r.toCode.p99.toFixed(1)} / ${r.token.p99.toFixed(1)} ms
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
