import { migrate } from '../store/db.ts';
import type { Command } from './runtime.ts';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending database migrations (forward only; also done on every start)',
  usage: 'signet migrate [--json]',
  options: {},
  run: async (rt) => {
    const applied = await migrate(rt.ctx.db);
    if (!rt.json) rt.print(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
    return { applied, engine: rt.store.engine };
  },
};
