import { describe, expect, it } from 'vitest';
import { engines, openTestStore } from '../../test/support/engines.ts';
import { isReachable, migrate } from './db.ts';

describe.each(engines)('store on %s', (engine) => {
  it('migrates an empty database and a second run applies nothing', async () => {
    const store = await openTestStore(engine);
    try {
      expect(await isReachable(store.db)).toBe(true);
      expect(await migrate(store.db)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
