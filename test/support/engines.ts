// Every store and flow test runs on each engine, against a real database of its own.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { type Engine, migrate, openStore, type Store } from '../../src/store/db.ts';

export const engines: Engine[] = process.env.SIGNET_TEST_ENGINES === 'sqlite' ? ['sqlite'] : ['sqlite', 'postgres'];

export async function databaseUrl(engine: Engine): Promise<string> {
  if (engine === 'sqlite') return `sqlite:${join(mkdtempSync(join(tmpdir(), 'signet-test-')), 'signet.db')}`;
  const admin = inject('pgUrl');
  if (!admin) throw new Error('No PostgreSQL for tests: run through `npm test`, or set SIGNET_TEST_PG');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

export async function openTestStore(engine: Engine): Promise<Store> {
  const store = openStore(await databaseUrl(engine));
  await migrate(store.db);
  return store;
}
