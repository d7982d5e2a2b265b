// The one-row `instance` table: facts about this installation as a whole (today: the secret probe).
import type { Db } from './db.ts';

interface InstanceTable {
  id: number;
  secret_probe: string;
  created_at: number;
}

const withInstance = (db: Db) => db.withTables<{ instance: InstanceTable }>();

export async function readSecretProbe(db: Db): Promise<string | undefined> {
  const row = await withInstance(db)
    .selectFrom('instance')
    .select('secret_probe')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.secret_probe;
}

/** Records the probe unless one exists (two processes starting together: the first wins, the other compares). */
export async function recordSecretProbe(db: Db, probe: string, now: number): Promise<void> {
  await withInstance(db)
    .insertInto('instance')
    .values({ id: 1, secret_probe: probe, created_at: now })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}
