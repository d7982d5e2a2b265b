// Looks for secret values where a copy of the database would show them: every column of every table, and for
// SQLite the database file and its write-ahead log, byte for byte.
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db, Engine } from '../../src/store/db.ts';

export interface Sighting {
  secret: string;
  where: string;
}

export async function tableNames(db: Db, engine: Engine): Promise<string[]> {
  const q =
    engine === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table'`
      : sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`;
  return (await q.execute(db)).rows.map((r) => r.name);
}

/** Every (table, column) where one of the secrets appears inside a value, as text. */
export async function findInColumns(db: Db, engine: Engine, secrets: readonly string[]): Promise<Sighting[]> {
  const found: Sighting[] = [];
  for (const table of await tableNames(db, engine)) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db)).rows;
    for (const row of rows)
      for (const [column, value] of Object.entries(row)) {
        if (value === null || value === undefined) continue;
        const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
        for (const secret of secrets) if (text.includes(secret)) found.push({ secret, where: `${table}.${column}` });
      }
  }
  return found;
}

/** Where the secrets appear in the SQLite files (main database, -wal), as UTF-8 bytes. */
export async function findInSqliteFiles(db: Db, secrets: readonly string[]): Promise<Sighting[]> {
  const main = (await sql<{ name: string; file: string }>`PRAGMA database_list`.execute(db)).rows.find(
    (r) => r.name === 'main',
  );
  if (!main?.file) throw new Error('no SQLite database file');
  const found: Sighting[] = [];
  for (const file of [main.file, `${main.file}-wal`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    for (const secret of secrets)
      if (bytes.includes(Buffer.from(secret, 'utf8')))
        found.push({ secret, where: file.slice(main.file.length) || 'db' });
  }
  return found;
}
