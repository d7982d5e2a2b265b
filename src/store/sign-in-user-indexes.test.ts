// Migration 0011: a sign-in log page filtered by userId or userPrincipalName (alone or with a time range) reads
// that user's rows in order from the user's index, first page and later ones, on both engines; never the whole
// tenant's log by time, never a sort.
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, openTestStore } from '../../test/support/engines.ts';
import { signInQuerySpec } from '../core/graph-sign-in.ts';
import { type CollectionQuery, parseCollectionQuery } from '../core/odata.ts';
import type { Store } from './db.ts';
import { signInPageQuery } from './log-query.ts';

function q(params: Record<string, string>): CollectionQuery {
  const r = parseCollectionQuery(params, signInQuerySpec);
  if (!r.ok) throw new Error(JSON.stringify(r.detail));
  return r.query;
}

const user = randomUUID();
const filters: [string, string, string][] = [
  ['userId', `userId eq '${user}'`, 'sign_ins_user_time_id'],
  [
    'userId and a time range',
    `userId eq '${user}' and createdDateTime ge 2026-11-01T00:00:00Z and createdDateTime le 2026-11-08T00:00:00Z`,
    'sign_ins_user_time_id',
  ],
  ['userPrincipalName', "userPrincipalName eq 'Ada@Contoso.com'", 'sign_ins_tenant_upn_time_id'],
];

describe.each(engines)('sign-in log plans by user on %s', (engine) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(engine);
  });
  afterAll(async () => store?.close());

  async function plan(c: { sql: string; parameters: readonly unknown[] }): Promise<string> {
    return store.db.transaction().execute(async (trx) => {
      // An empty table would be scanned whichever index exists: make PostgreSQL show the index it would use.
      if (engine === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const prefix = engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const r = await trx.executeQuery(CompiledQuery.raw(prefix + c.sql, [...c.parameters]));
      return r.rows.map((row) => Object.values(row as object).join(' ')).join('\n');
    });
  }

  for (const [name, filter, index] of filters)
    for (const page of ['first', 'later'] as const)
      it(`reads the ${page} page by ${name} from ${index}, without sorting`, async () => {
        const cursor = page === 'later' ? { key: '1764000000000', id: randomUUID() } : undefined;
        const text = await plan(
          signInPageQuery(store.db, randomUUID(), q({ $filter: filter, $top: '50' }), cursor).compile(),
        );
        expect(text).toContain(index);
        expect(text).not.toMatch(engine === 'sqlite' ? /TEMP B-TREE/ : /\bSort\b/);
      });
});
