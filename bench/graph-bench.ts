// What the admin API benchmarks share: a database per engine (a SQLite file, or a throwaway PostgreSQL cluster),
// a tenant with an app holding the Graph permissions the benchmark reads with, a real Signet server in its own
// process (bench-server.ts, the one the sign-in benchmark uses), an app token got over HTTP, and the figures
// (percentiles, the server's resident memory and CPU).
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../src/config.ts';
import { type Ctx, silentLogger, systemCtx } from '../src/flows/context.ts';
import { createApp, createTenant } from '../src/flows/directory.ts';
import { type Engine, migrate, openStore, type Store } from '../src/store/db.ts';
import type { Tenant } from '../src/store/tenants.ts';
import { MetadataRegistry } from '../src/webauthn/metadata.ts';
// The throwaway cluster the PostgreSQL tests run on: tsconfig includes bench and test alike, and biome restricts
// no imports, so the benchmark uses the same code rather than a copy.
import { type PgCluster, startCluster } from '../test/support/postgres.ts';

/** `--engine sqlite|postgres|both`. */
export function enginesOf(arg: string | undefined): Engine[] {
  if (arg === 'both' || arg === undefined) return ['sqlite', 'postgres'];
  if (arg === 'sqlite' || arg === 'postgres') return [arg];
  throw new Error(`--engine must be sqlite, postgres or both, got "${arg}"`);
}

export interface BenchDatabase {
  engine: Engine;
  url: string;
  dir: string;
  /** The SQLite file (for a second, raw connection); undefined on PostgreSQL. */
  sqlitePath?: string;
  remove(): void;
}

export async function benchDatabase(engine: Engine): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'signet-bench-'));
  if (engine === 'sqlite') {
    const sqlitePath = join(dir, 'signet.db');
    return { engine, url: `sqlite:${sqlitePath}`, dir, sqlitePath, remove: () => rmSync(dir, { recursive: true }) };
  }
  const cluster: PgCluster = await startCluster();
  return {
    engine,
    url: cluster.url,
    dir,
    remove() {
      cluster.stop();
      rmSync(dir, { recursive: true });
    },
  };
}

export interface Seeded {
  store: Store;
  ctx: Ctx;
  tenant: Tenant;
  app: { id: string; secret: string };
}

/** Migrates the database and creates the tenant and an app with `permissions` (the seed writes the rest). */
export async function seedTenant(
  db: BenchDatabase,
  origin: string,
  secret: Buffer,
  permissions: string[],
): Promise<Seeded> {
  const store = openStore(db.url);
  await migrate(store.db);
  const config = { secret, publicUrl: new URL(origin), origin, rpId: 'localhost', dataDir: db.dir } as Config;
  const ctx = systemCtx({ db: store.db, config, metadata: new MetadataRegistry(), log: silentLogger });
  const tenant = await createTenant(ctx, { slug: 'bench' });
  const created = await createApp(ctx, tenant, { name: 'bench', redirectUris: [], publicClient: false, permissions });
  return { store, ctx, tenant, app: { id: created.app.id, secret: created.clientSecret! } };
}

export interface BenchTenant {
  db: BenchDatabase;
  secret: Buffer;
  port: number;
  /** Where the benchmark's server will listen. */
  origin: string;
  seeded: Seeded;
}

/** A benchmark's run on one engine: a new database with the tenant and its app (`permissions`), then removed. */
export async function withBenchTenant<T>(
  engine: Engine,
  permissions: string[],
  run: (b: BenchTenant) => Promise<T>,
): Promise<T> {
  const db = await benchDatabase(engine);
  try {
    const secret = benchSecret();
    const port = benchPort();
    const origin = `http://localhost:${port}`;
    const seeded = await seedTenant(db, origin, secret, permissions);
    return await run({ db, secret, port, origin, seeded });
  } finally {
    db.remove();
  }
}

/** Rows in bulk: one transaction, multi-row INSERTs of `batch` rows. */
export async function insertBulk(
  store: Store,
  table: 'users' | 'sign_ins',
  rows: readonly object[],
  batch = 500,
): Promise<void> {
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += batch)
      await trx
        .insertInto(table)
        .values(rows.slice(i, i + batch) as never)
        .execute();
  });
}

export interface BenchServer {
  origin: string;
  pid: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A real Signet server over the benchmark's database, in its own process. */
export async function startBenchServer(db: BenchDatabase, port: number, secret: Buffer): Promise<BenchServer> {
  const origin = `http://localhost:${port}`;
  const server = fork(new URL('./bench-server.ts', import.meta.url).pathname, [], {
    env: {
      ...process.env,
      SIGNET_DATABASE_URL: db.url,
      SIGNET_PUBLIC_URL: origin,
      PORT: String(port),
      SIGNET_DATA_DIR: db.dir,
      SIGNET_SECRET: secret.toString('base64url'),
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('message', () => resolve());
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    origin,
    pid: server.pid!,
    process: server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.removeAllListeners('exit');
        server.once('exit', () => resolve());
        server.send({ stop: true });
      }),
  };
}

export const benchPort = () => 3900 + Math.floor(Math.random() * 90);
export const benchSecret = () => randomBytes(32);

/** An app token for Graph, by the client credentials grant over HTTP, as a script gets one. */
export async function appToken(origin: string, tenant: Tenant, app: { id: string; secret: string }): Promise<string> {
  const res = await fetch(`${origin}/${tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${app.id}:${app.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** GET with the token; throws on anything but 200 (a benchmark of refusals would measure nothing). */
export async function graphGet(url: string, token: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  max: number;
}
export function latency(samples: readonly number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? 0 };
}

export const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One line naming the machine, for the figures' heading. */
export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.versions.node}, ${new Date().toISOString()}`;
}

/** The engine's own rate: the same page SELECTs on the driver directly (SQLite: prepared once), walking the same keyset. */
export interface RawEngine {
  run(text: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function rawEngine(db: BenchDatabase): Promise<RawEngine> {
  if (db.engine === 'sqlite') {
    const sqlite = new SQLite(db.sqlitePath!, { readonly: true });
    const stmts = new Map<string, SQLite.Statement>();
    return {
      run: async (text, params) => {
        let s = stmts.get(text);
        if (!s) {
          s = sqlite.prepare(text);
          stmts.set(text, s);
        }
        return s.all(...params) as Record<string, unknown>[];
      },
      close: async () => {
        sqlite.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  // Unnamed statements, as Kysely's pg dialect sends them: each gets a plan for its own values (a named one
  // would switch to a generic plan after five runs, which for a selective LIKE prefix is the slower one).
  return {
    run: async (text, params) => (await client.query(text, params)).rows,
    close: () => client.end(),
  };
}

/** The plan the engine picks for `text`: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN ANALYZE (it runs). */
export async function explain(db: BenchDatabase, raw: RawEngine, text: string, params: unknown[]): Promise<string> {
  if (db.engine === 'sqlite')
    return (await raw.run(`EXPLAIN QUERY PLAN ${text}`, params)).map((r) => String(r.detail)).join('; ');
  const rows = await raw.run(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
  return rows.map((r) => String(r['QUERY PLAN'])).join('\n      ');
}
