import { chmodSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';
import * as m0001 from './migrations/0001-foundation.ts';
import * as m0002 from './migrations/0002-revocation-and-clones.ts';
import * as m0003 from './migrations/0003-oidc-secrets-hashed.ts';
import * as m0004 from './migrations/0004-secret-probe.ts';
import * as m0005 from './migrations/0005-app-permissions.ts';
import * as m0006 from './migrations/0006-user-query-indexes.ts';
import * as m0007 from './migrations/0007-cache-versions.ts';
import * as m0008 from './migrations/0008-log-indexes.ts';
import * as m0009 from './migrations/0009-password-credentials.ts';
import * as m0010 from './migrations/0010-app-secrets.ts';
import * as m0011 from './migrations/0011-sign-in-user-indexes.ts';
import * as m0014 from './migrations/0014-metadata-blobs.ts';
import * as m0015 from './migrations/0015-registration-campaign.ts';
import * as m0016 from './migrations/0016-smart-lockout.ts';
import * as m0017 from './migrations/0017-one-time-codes.ts';
import * as m0018 from './migrations/0018-session-steps.ts';
import * as m0019 from './migrations/0019-conditional-access.ts';
import * as m0020 from './migrations/0020-app-backchannel-logout.ts';
import * as m0021 from './migrations/0021-signing-key-publication.ts';
import type { Database } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;

export interface Store {
  db: Db;
  engine: Engine;
  close(): Promise<void>;
}

// int8 (bigint) columns hold epoch milliseconds and counters: well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface StoreOptions {
  /** SQLite: checkpoint the WAL from a worker thread instead of inside commits (for the server). */
  checkpointInWorker?: boolean;
}

export function openStore(url: string, opts: StoreOptions = {}): Store {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
    const sqlite = new SQLite(path);
    // Passkeys, sessions and sealed keys: readable by Signet's user only (the WAL and SHM files follow).
    if (path !== ':memory:') chmodSync(path, 0o600);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    if (!opts.checkpointInWorker || path === ':memory:') return { db, engine: 'sqlite', close: () => db.destroy() };
    sqlite.pragma('wal_autocheckpoint = 0');
    const worker = new Worker(new URL('./sqlite-checkpoint-worker.mjs', import.meta.url), {
      workerData: { path: resolve(path), intervalMs: 250 },
    });
    worker.unref();
    return {
      db,
      engine: 'sqlite',
      close: async () => {
        await new Promise<void>((done) => {
          worker.once('message', () => done());
          worker.once('exit', () => done());
          worker.postMessage('stop');
        });
        await worker.terminate();
        await db.destroy();
      },
    };
  }
  // An unreachable host fails the start in seconds (DATABASE_UNREACHABLE), not after the kernel's TCP timeout.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgres', close: () => db.destroy() };
}

/**
 * Kysely prepares every query anew; the sign-in path runs the same dozen statements over and over, so prepared
 * statements are kept by their SQL text (bounded: queries are built from a fixed set of shapes).
 */
function withStatementCache(sqlite: SQLite.Database) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        if (cache.size >= 500) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-revocation-and-clones': m0002,
  '0003-oidc-secrets-hashed': m0003,
  '0004-secret-probe': m0004,
  '0005-app-permissions': m0005,
  '0006-user-query-indexes': m0006,
  '0007-cache-versions': m0007,
  '0008-log-indexes': m0008,
  '0009-password-credentials': m0009,
  '0010-app-secrets': m0010,
  '0011-sign-in-user-indexes': m0011,
  '0014-metadata-blobs': m0014,
  '0015-registration-campaign': m0015,
  '0016-smart-lockout': m0016,
  '0017-one-time-codes': m0017,
  '0018-session-steps': m0018,
  '0019-conditional-access': m0019,
  '0020-app-backchannel-logout': m0020,
  '0021-signing-key-publication': m0021,
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Applies every pending migration, forward only. Returns the names applied. */
export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === '23505';
}

export async function isReachable(db: Db): Promise<boolean> {
  try {
    await db.selectFrom('tenants').select('id').limit(1).execute();
    return true;
  } catch {
    return false;
  }
}
