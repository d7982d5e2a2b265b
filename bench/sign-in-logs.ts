// GET /graph/v1.0/auditLogs/signIns benchmark (SPEC §7, issue 7): 1,000,000 sign-in log rows seeded in bulk
// transactions through the store (many users with a skewed activity, about one in eight a failure with a real
// catalogue code, 30 days of history), a real Signet server in its own process, and the filters Graph scripts use,
// each with $top=50 and then its @odata.nextLink. Prints p50/p99 per request beside the raw limit measured in the
// same run: the same page SELECT (the SQL src/store/log-query.ts builds) on the engine's driver directly, and the
// plan the engine chose for it.
//   node bench/sign-in-logs.ts [--rows 1000000] [--users 20000] [--samples 100] [--engine sqlite|postgres|both]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { signInQuerySpec } from '../src/core/graph-sign-in.ts';
import { parseCollectionQuery } from '../src/core/odata.ts';
import { type Db, type Engine, openStore } from '../src/store/db.ts';
import { signInPageQuery } from '../src/store/log-query.ts';
import { insertSignIn } from '../src/store/logs.ts';
import {
  appToken,
  enginesOf,
  explain,
  graphGet,
  insertBulk,
  type Latency,
  latency,
  machine,
  ms,
  type RawEngine,
  rawEngine,
  rssOf,
  startBenchServer,
  withBenchTenant,
} from './graph-bench.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '100' },
    engine: { type: 'string', default: 'both' },
  },
});
const ROWS = Number(values.rows);
const USERS = Number(values.users);
const SAMPLES = Number(values.samples);
const DAY = 86_400_000;
const NOW = Date.now();
const SINCE = NOW - 30 * DAY;

// Failures, about 12% of sign-ins, by how often each happens (a walked-away prompt far more than a clone).
const FAILURES: [string, string, number][] = [
  ['WEBAUTHN_CHALLENGE_EXPIRED', 'passkey', 35],
  ['SIGNIN_CREDENTIAL_UNKNOWN', 'passkey', 20],
  ['TAP_INVALID', 'temporaryAccessPass', 15],
  ['WEBAUTHN_USER_VERIFICATION_REQUIRED', 'passkey', 10],
  ['TAP_EXPIRED', 'temporaryAccessPass', 8],
  ['PASSKEY_METHOD_NOT_TARGETED', 'passkey', 5],
  ['SIGNIN_USER_DISABLED', 'passkey', 4],
  ['TAP_LOCKED_OUT', 'temporaryAccessPass', 2],
  ['SIGNIN_COUNTER_REGRESSION', 'passkey', 1],
];
const FAILURE_WEIGHT = FAILURES.reduce((n, f) => n + f[2], 0);
const COMMON_CODE = 'WEBAUTHN_CHALLENGE_EXPIRED';
const RARE_CODE = 'SIGNIN_COUNTER_REGRESSION';
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

// A seeded generator, so both engines (and both runs) hold the same log.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const upn = (i: number) => `user${i}@bench.example`;

interface SeedResult {
  userIds: string[];
  rowsOf: Map<number, number>;
  seconds: number;
}

/** Users (so pages carry display names) and the log: activity skewed (a few users sign in often, most rarely). */
async function seedLog(
  store: import('../src/store/db.ts').Store,
  tenantId: string,
  appId: string,
): Promise<SeedResult> {
  const t0 = performance.now();
  const userIds = Array.from({ length: USERS }, () => randomUUID());
  await insertBulk(
    store,
    'users',
    userIds.map((id, i) => ({
      id,
      tenant_id: tenantId,
      user_principal_name: upn(i),
      upn_lower: upn(i),
      display_name: `Bench User ${i}`,
      enabled: 1,
      user_handle: randomUUID(),
      created_at: SINCE,
    })),
  );
  const random = rng(7);
  const rowsOf = new Map<number, number>();
  const CHUNK = 50_000;
  // Appended in time order, as a live log is written.
  for (let done = 0; done < ROWS; done += CHUNK) {
    const n = Math.min(CHUNK, ROWS - done);
    const rows = new Array(n);
    for (let j = 0; j < n; j++) {
      const i = done + j;
      const createdAt = SINCE + Math.floor(((i + random()) / ROWS) * 30 * DAY);
      const u = Math.floor(USERS * random() ** 2);
      rowsOf.set(u, (rowsOf.get(u) ?? 0) + 1);
      const failed = random() < 0.12;
      let code: string | null = null;
      let method = random() < 0.85 ? 'passkey' : 'temporaryAccessPass';
      if (failed) {
        let w = random() * FAILURE_WEIGHT;
        let f = FAILURES[0]!;
        for (const x of FAILURES) {
          f = x;
          w -= x[2];
          if (w < 0) break;
        }
        code = f[0];
        method = f[1];
      }
      rows[j] = {
        id: randomUUID(),
        tenant_id: tenantId,
        created_at: createdAt,
        user_id: userIds[u],
        user_principal_name: upn(u),
        app_id: random() < 0.3 ? appId : null,
        method,
        result: failed ? 'failure' : 'success',
        error_code: code,
        detail: failed ? JSON.stringify({ reason: code!.toLowerCase() }) : '{}',
        ip: `10.${u % 256}.${(u >> 8) % 256}.${Math.floor(random() * 254) + 1}`,
        user_agent: UA,
      };
    }
    await insertBulk(store, 'sign_ins', rows, 1000);
    process.stdout.write(`\r  seeded ${done + n} of ${ROWS} sign-ins`);
  }
  process.stdout.write('\n');
  // Statistics as a live database has them: autovacuum analyzes PostgreSQL; Signet never runs ANALYZE on SQLite.
  if (store.engine === 'postgres') await store.db.executeQuery({ sql: 'ANALYZE', parameters: [] } as never);
  return { userIds, rowsOf, seconds: (performance.now() - t0) / 1000 };
}

/**
 * What the log's indexes cost the sign-in path: one row written as recordSignIn writes it (autocommit, through the
 * store, as the server opens it) into the full log, µs per row, after a few hundred to warm up.
 */
async function insertCost(store: import('../src/store/db.ts').Store, tenantId: string, userIds: string[]) {
  const times: number[] = [];
  const random = rng(13);
  for (let i = 0; i < 3000; i++) {
    const u = Math.floor(USERS * random() ** 2);
    const t0 = performance.now();
    await insertSignIn(store.db, {
      id: randomUUID(),
      tenantId,
      createdAt: Date.now(),
      userId: userIds[u]!,
      userPrincipalName: upn(u),
      appId: null,
      method: 'passkey',
      result: 'success',
      errorCode: null,
      detail: {},
      ip: '10.0.0.1',
      userAgent: UA,
    });
    if (i >= 500) times.push((performance.now() - t0) * 1000);
  }
  return { ...latency(times), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Case {
  name: string;
  /** The i-th sample's $filter. */
  filter: (i: number) => string;
}

function casesOf(seed: SeedResult): Case[] {
  // Users spread over those with enough rows for a second page (a sample from the least to the most active).
  const active = [...seed.rowsOf.entries()].filter(([, n]) => n > 60).sort((a, b) => a[1] - b[1]);
  const sample = Array.from({ length: SAMPLES }, (_, i) => active[Math.floor((i / SAMPLES) * active.length)]![0]);
  // For a user's week, users active enough to fill more than one page in seven days.
  const busy = active.filter(([, n]) => n > 250);
  const busySample = Array.from({ length: SAMPLES }, (_, i) => busy[Math.floor((i / SAMPLES) * busy.length)]![0]);
  const pick = rng(11);
  const day = Array.from({ length: SAMPLES }, () => SINCE + Math.floor(pick() * 29 * DAY));
  const week = Array.from({ length: SAMPLES }, () => SINCE + Math.floor(pick() * 23 * DAY));
  return [
    { name: "userId eq '…'", filter: (i) => `userId eq '${seed.userIds[sample[i]!]}'` },
    { name: "userPrincipalName eq '…'", filter: (i) => `userPrincipalName eq '${upn(sample[i]!)}'` },
    {
      name: 'createdDateTime ge … and le … (one day)',
      filter: (i) => `createdDateTime ge ${iso(day[i]!)} and createdDateTime le ${iso(day[i]! + DAY)}`,
    },
    {
      name: "userId eq '…' and createdDateTime ge/le (7 days)",
      filter: (i) =>
        `userId eq '${seed.userIds[busySample[i]!]}' and createdDateTime ge ${iso(week[i]!)} and createdDateTime le ${iso(week[i]! + 7 * DAY)}`,
    },
    { name: `status/errorCode eq '${COMMON_CODE}' (4%)`, filter: () => `status/errorCode eq '${COMMON_CODE}'` },
    { name: `status/errorCode eq '${RARE_CODE}' (0.1%)`, filter: () => `status/errorCode eq '${RARE_CODE}'` },
  ];
}

interface Measured {
  c: Case;
  first: Latency;
  next: Latency;
  rawFirst: Latency;
  rawNext: Latency;
  plan: string;
}

interface Page {
  value: unknown[];
  '@odata.nextLink'?: string;
}

async function measure(
  c: Case,
  origin: string,
  token: string,
  raw: RawEngine,
  kdb: Db,
  tenantId: string,
  explainIt: (sql: string, params: unknown[]) => Promise<string>,
): Promise<Measured> {
  const first: number[] = [];
  const next: number[] = [];
  const rawFirst: number[] = [];
  const rawNext: number[] = [];
  const samples = c.name.startsWith('status') ? Math.min(SAMPLES, 30) : SAMPLES;
  let plan = '';
  for (let i = -3; i < samples; i++) {
    const filter = c.filter(Math.max(0, i));
    const url = `${origin}/graph/v1.0/auditLogs/signIns?${new URLSearchParams({ $filter: filter, $top: '50' })}`;
    let t0 = performance.now();
    const page = (await graphGet(url, token)) as Page;
    if (page.value.length === 0 || page.value.length > 50)
      throw new Error(`${c.name}: ${page.value.length} rows for ${filter}`);
    const tFirst = performance.now() - t0;
    // A user's week can fit on one page: then there is no next page to time.
    let tNext: number | undefined;
    if (page['@odata.nextLink']) {
      t0 = performance.now();
      await graphGet(page['@odata.nextLink'], token);
      tNext = performance.now() - t0;
    }

    // The same two SELECTs on the driver: the first page, then the page after its 50th row.
    const parsed = parseCollectionQuery({ $filter: filter, $top: '50' }, signInQuerySpec);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.detail));
    const q1 = signInPageQuery(kdb, tenantId, parsed.query).compile();
    t0 = performance.now();
    const rows = await raw.run(q1.sql, [...q1.parameters]);
    const tRawFirst = performance.now() - t0;
    let tRawNext: number | undefined;
    if (rows.length > 50) {
      const last = rows[49] as { created_at: number | string; id: string };
      const q2 = signInPageQuery(kdb, tenantId, parsed.query, {
        key: String(Number(last.created_at)),
        id: last.id,
      }).compile();
      t0 = performance.now();
      await raw.run(q2.sql, [...q2.parameters]);
      tRawNext = performance.now() - t0;
      if (!plan) plan = await explainIt(q2.sql, [...q2.parameters]);
    }
    if (i < 0) continue; // warm-up
    first.push(tFirst);
    rawFirst.push(tRawFirst);
    if (tNext !== undefined) next.push(tNext);
    if (tRawNext !== undefined) rawNext.push(tRawNext);
  }
  return {
    c,
    first: latency(first),
    next: latency(next),
    rawFirst: latency(rawFirst),
    rawNext: latency(rawNext),
    plan,
  };
}

interface EngineResult {
  engine: Engine;
  seedSeconds: number;
  results: Measured[];
  rss: number;
  insert: Latency & { mean: number };
}

async function runEngine(engine: Engine): Promise<EngineResult> {
  return withBenchTenant(engine, ['AuditLog.Read.All'], async ({ db, secret, port, origin, seeded }) => {
    console.log(`${engine}: seeding ${USERS} users and ${ROWS} sign-ins…`);
    const seed = await seedLog(seeded.store, seeded.tenant.id, seeded.app.id);
    console.log(`${engine}: seeded in ${seed.seconds.toFixed(1)} s`);
    // Through a store opened as the server opens it (SQLite's checkpoints in a worker, not inside the commits).
    const writer = openStore(db.url, { checkpointInWorker: true });
    const insert = await insertCost(writer, seeded.tenant.id, seed.userIds);
    await writer.close();
    console.log(`${engine}: one more sign-in row: mean ${insert.mean.toFixed(0)} µs, p50 ${insert.p50.toFixed(0)} µs`);
    const server = await startBenchServer(db, port, secret);
    const raw = await rawEngine(db);
    try {
      const token = await appToken(origin, seeded.tenant, seeded.app);
      const results: Measured[] = [];
      for (const c of casesOf(seed)) {
        const m = await measure(c, origin, token, raw, seeded.store.db, seeded.tenant.id, (sql, params) =>
          explain(db, raw, sql, params),
        );
        results.push(m);
        console.log(
          `  ${c.name}: first p50 ${ms(m.first.p50)} p99 ${ms(m.first.p99)} ms, next (${m.next.n} had one) p50 ${ms(m.next.p50)} p99 ${ms(m.next.p99)} ms; raw ${ms(m.rawFirst.p50)} / ${ms(m.rawNext.p50)} ms\n    plan: ${m.plan}`,
        );
      }
      return { engine, seedSeconds: seed.seconds, results, rss: rssOf(server.pid), insert };
    } finally {
      await raw.close();
      await server.stop();
      await seeded.store.close();
    }
  });
}

const out: EngineResult[] = [];
for (const engine of enginesOf(values.engine)) out.push(await runEngine(engine));

console.log(
  `\nGET /graph/v1.0/auditLogs/signIns, ${ROWS} rows over 30 days, ${USERS} users, $top=50, one client, ${SAMPLES} samples per filter (30 for the errorCode ones); ${machine()}`,
);
for (const r of out) {
  console.log(`\n${r.engine}: seed ${r.seedSeconds.toFixed(1)} s (bulk transactions through the store)`);
  console.log(
    '  $filter                                                 first page p50 / p99   next page p50 / p99   raw first p50 / p99   raw next p50 / p99',
  );
  for (const m of r.results)
    console.log(
      `  ${m.c.name.padEnd(55)} ${`${ms(m.first.p50)} / ${ms(m.first.p99)} ms`.padEnd(22)} ${`${ms(m.next.p50)} / ${ms(m.next.p99)} ms`.padEnd(21)} ${`${ms(m.rawFirst.p50)} / ${ms(m.rawFirst.p99)} ms`.padEnd(21)} ${ms(m.rawNext.p50)} / ${ms(m.rawNext.p99)} ms`,
    );
  console.log(
    `  one more sign-in row into the full log (autocommit, through the store): mean ${r.insert.mean.toFixed(0)} µs, p50 ${r.insert.p50.toFixed(0)} µs, p99 ${r.insert.p99.toFixed(0)} µs`,
  );
  console.log(`  server resident memory after the queries: ${r.rss.toFixed(0)} MiB`);
}
