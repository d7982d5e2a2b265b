// An INSERT on the sign-in hot path, compiled once per table, column list and SQL dialect and then only executed with
// the row's values: building and compiling a Kysely insert costs more than the SQLite write itself at sign-in rates
// (bench/passkey-signin.ts). The row's key order decides the column list, so a caller keeps it fixed.
import { CompiledQuery, type Kysely } from 'kysely';

const compiled = new Map<string, string>();

export async function hotInsert<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  table: T,
  row: Record<string, unknown>,
): Promise<void> {
  const columns = Object.keys(row);
  const dialect = db.getExecutor().adapter.constructor.name;
  const key = `${dialect} ${table} ${columns.join(',')}`;
  let sql = compiled.get(key);
  if (sql === undefined) {
    const q = db
      .insertInto(table)
      // biome-ignore lint/suspicious/noExplicitAny: the row is the table's insertable shape, checked by the caller's type.
      .values(row as any)
      .compile();
    sql = q.sql;
    compiled.set(key, sql);
  }
  await db.executeQuery(
    CompiledQuery.raw(
      sql,
      columns.map((c) => row[c]),
    ),
  );
}
