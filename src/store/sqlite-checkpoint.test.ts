import { randomUUID } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate, openStore } from './db.ts';

describe('SQLite checkpoints in a worker thread (the server’s store)', () => {
  it('copies committed pages back into the database file off the main thread, and closes cleanly', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'signet-ckpt-')), 'signet.db');
    const store = openStore(`sqlite:${path}`, { checkpointInWorker: true });
    await migrate(store.db);
    const sizeBefore = statSync(path).size;
    const rows = Array.from({ length: 2000 }, (_, i) => ({
      id: randomUUID(),
      tenant_id: 't',
      created_at: i,
      actor_type: 'system',
      actor_id: null,
      activity: 'x'.repeat(200),
      target_type: 't',
      target_id: null,
      detail: '{}',
    }));
    for (let i = 0; i < rows.length; i += 200)
      await store.db
        .insertInto('audit_logs')
        .values(rows.slice(i, i + 200))
        .execute();
    // The main connection never checkpoints (wal_autocheckpoint = 0): the rows reach the file through the worker.
    await expect.poll(() => statSync(path).size, { timeout: 5000 }).toBeGreaterThan(sizeBefore + 200 * 1000);
    await store.close();
  });
});
