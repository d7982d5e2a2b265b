import { randomBytes, randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, openTestStore } from '../../test/support/engines.ts';
import { userQuerySpec } from '../core/graph-user.ts';
import { type CollectionQuery, parseCollectionQuery } from '../core/odata.ts';
import type { Store } from './db.ts';
import { decodeSkiptoken, encodeSkiptoken, queryFingerprint } from './skiptoken.ts';
import { queryUsers, userPageQuery } from './user-query.ts';
import { insertUser, type User } from './users.ts';

const key = randomBytes(32);
let seq = 0;

function q(params: Record<string, string>): CollectionQuery {
  const r = parseCollectionQuery(params, userQuerySpec);
  if (!r.ok) throw new Error(JSON.stringify(r.detail));
  return r.query;
}

async function newTenant(store: Store): Promise<string> {
  const id = randomUUID();
  await store.db
    .insertInto('tenants')
    .values({ id, slug: `t${id.slice(0, 8)}`, kind: 'workforce', display_name: 'T', conformance: 0, created_at: 0 })
    .execute();
  return id;
}

async function addUser(
  store: Store,
  tenantId: string,
  p: Partial<User> & { userPrincipalName: string },
): Promise<User> {
  const u: User = {
    id: randomUUID(),
    tenantId,
    displayName: p.userPrincipalName.split('@')[0]!,
    enabled: true,
    userHandle: randomBytes(16).toString('base64url'),
    createdAt: 1_700_000_000_000 + seq++,
    ...p,
  };
  await insertUser(store.db, u);
  return u;
}

async function all(store: Store, tenantId: string, params: Record<string, string>): Promise<User[]> {
  const query = q(params);
  const out: User[] = [];
  for (let page = 0; page < 100; page++) {
    const r = await queryUsers(store.db, tenantId, query, { skiptokenKey: key });
    if (!r.ok) throw new Error(r.code);
    out.push(...r.page.users);
    if (!r.page.skiptoken) return out;
    query.skiptoken = r.page.skiptoken;
  }
  throw new Error('did not end');
}

describe.each(engines)('queryUsers on %s', (engine) => {
  let store: Store;
  let tenant: string;
  let other: string;
  const names = [
    'Ada Lovelace',
    'alan Turing',
    'Grace Hopper',
    'grace kelly',
    'Émile Zola',
    "O'Brien Flann",
    'x_y 100%',
  ];
  const users: User[] = [];

  beforeAll(async () => {
    store = await openTestStore(engine);
    tenant = await newTenant(store);
    other = await newTenant(store);
    for (const [i, displayName] of names.entries()) {
      users.push(
        await addUser(store, tenant, {
          userPrincipalName: `U${i}.${displayName.split(' ')[0]}@Contoso.com`,
          displayName,
        }),
      );
    }
    users[2] = { ...users[2]!, enabled: false };
    await store.db.updateTable('users').set({ enabled: 0 }).where('id', '=', users[2]!.id).execute();
    await addUser(store, other, { userPrincipalName: 'ada@other.com', displayName: 'Ada Lovelace' });
  });
  afterAll(async () => store?.close());

  const displayNames = async (params: Record<string, string>) =>
    (await all(store, tenant, params)).map((u) => u.displayName).sort();

  it('never returns another tenant’s users', async () => {
    expect(await all(store, tenant, {})).toHaveLength(names.length);
    expect((await all(store, other, {})).map((u) => u.userPrincipalName)).toEqual(['ada@other.com']);
    expect(await displayNames({ $filter: "displayName eq 'Ada Lovelace'" })).toEqual(['Ada Lovelace']);
  });

  it('matches userPrincipalName case-insensitively with eq, in and startswith', async () => {
    expect(await displayNames({ $filter: "userPrincipalName eq 'u0.ada@contoso.COM'" })).toEqual(['Ada Lovelace']);
    expect(
      await displayNames({ $filter: "userPrincipalName in ('U1.ALAN@contoso.com', 'nobody@contoso.com')" }),
    ).toEqual(['alan Turing']);
    expect(await displayNames({ $filter: "startswith(userPrincipalName,'u3.')" })).toEqual(['grace kelly']);
  });

  it('matches displayName case-insensitively, keeps quotes and LIKE wildcards literal', async () => {
    expect(await displayNames({ $filter: "displayName eq 'ADA LOVELACE'" })).toEqual(['Ada Lovelace']);
    expect(await displayNames({ $filter: "startswith(displayName,'grace')" })).toEqual(['Grace Hopper', 'grace kelly']);
    expect(await displayNames({ $filter: "startswith(displayName,'o''b')" })).toEqual(["O'Brien Flann"]);
    expect(await displayNames({ $filter: "startswith(displayName,'x_y 100%')" })).toEqual(['x_y 100%']);
    expect(await displayNames({ $filter: "startswith(displayName,'x%')" })).toEqual([]);
    expect(await displayNames({ $filter: "startswith(displayName,'_')" })).toEqual([]);
    expect(await displayNames({ $filter: "displayName eq 'Émile Zola'" })).toEqual(['Émile Zola']);
  });

  it('treats an injection attempt as a value that matches nothing', async () => {
    expect(await displayNames({ $filter: "displayName eq ''' or 1=1 --'" })).toEqual([]);
    expect(await displayNames({ $filter: "startswith(displayName,''')) or 1=1 --')" })).toEqual([]);
    expect(await all(store, tenant, {})).toHaveLength(names.length); // and the table is still there
  });

  it('filters on id, accountEnabled, and/or/not combinations', async () => {
    expect(await displayNames({ $filter: `id eq '${users[4]!.id}'` })).toEqual(['Émile Zola']);
    expect(await displayNames({ $filter: 'accountEnabled eq false' })).toEqual(['Grace Hopper']);
    expect(
      await displayNames({
        $filter: "startswith(displayName,'gr') and accountEnabled eq true or displayName eq 'alan turing'",
      }),
    ).toEqual(['alan Turing', 'grace kelly']);
    expect(
      (await displayNames({ $filter: "not(startswith(displayName,'gr')) and accountEnabled ne false", $count: 'true' }))
        .length,
    ).toBe(names.length - 2);
  });

  it('searches displayName by word prefixes', async () => {
    expect(await displayNames({ $search: '"displayName:tur"' })).toEqual(['alan Turing']);
    expect(await displayNames({ $search: '"displayName:gra"' })).toEqual(['Grace Hopper', 'grace kelly']);
    expect(await displayNames({ $search: '"displayName:grace ho"' })).toEqual(['Grace Hopper']);
    expect(await displayNames({ $search: '"displayName:urin"' })).toEqual([]);
    expect(await displayNames({ $search: '"displayName:ada" OR "displayName:kelly"' })).toEqual([
      'Ada Lovelace',
      'grace kelly',
    ]);
    expect(await displayNames({ $search: '"displayName:100%"' })).toEqual(['x_y 100%']);
    expect(await displayNames({ $search: '"displayName:%"' })).toEqual([]);
  });

  it('counts every match, not just the page', async () => {
    const r = await queryUsers(store.db, tenant, q({ $top: '2', $count: 'true' }), { skiptokenKey: key });
    expect(r.ok && r.page.users.length).toBe(2);
    expect(r.ok && r.page.count).toBe(names.length);
    const s = await queryUsers(store.db, tenant, q({ $search: '"displayName:grace"', $count: 'true' }), {
      skiptokenKey: key,
    });
    expect(s.ok && s.page.count).toBe(2);
  });

  it('orders by displayName case-insensitively and by userPrincipalName, both directions', async () => {
    const ascii =
      "startswith(userPrincipalName,'u0') or startswith(userPrincipalName,'u1') or startswith(userPrincipalName,'u2') or startswith(userPrincipalName,'u3')";
    const asc = (await all(store, tenant, { $filter: ascii, $orderby: 'displayName', $count: 'true' })).map(
      (u) => u.displayName,
    );
    expect(asc).toEqual(['Ada Lovelace', 'alan Turing', 'Grace Hopper', 'grace kelly']);
    const desc = await all(store, tenant, { $filter: ascii, $orderby: 'displayName desc', $count: 'true', $top: '1' });
    expect(desc.map((u) => u.displayName)).toEqual([...asc].reverse());
    const upn = await all(store, tenant, { $orderby: 'userPrincipalName desc', $top: '3' });
    expect(upn.map((u) => u.userPrincipalName.slice(0, 2))).toEqual(['U6', 'U5', 'U4', 'U3', 'U2', 'U1', 'U0']);
  });

  it('refuses a forged, altered or foreign skiptoken', async () => {
    const first = await queryUsers(store.db, tenant, q({ $top: '2' }), { skiptokenKey: key });
    if (!first.ok || !first.page.skiptoken) throw new Error('expected a next page');
    const token = first.page.skiptoken;
    const [payload, tag] = token.split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = `${Buffer.from(JSON.stringify({ ...decoded, i: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${tag}`;
    const attempts: [string, string, Record<string, string>, Uint8Array][] = [
      ['altered payload', tenant, { $skiptoken: altered }, key],
      ['altered tag', tenant, { $skiptoken: `${payload}.${tag.slice(0, -2)}AA` }, key],
      ['another key', tenant, { $skiptoken: token }, randomBytes(32)],
      ['another tenant', other, { $skiptoken: token }, key],
      ['another filter', tenant, { $skiptoken: token, $filter: 'accountEnabled eq true' }, key],
      ['another order', tenant, { $skiptoken: token, $orderby: 'displayName' }, key],
      ['garbage', tenant, { $skiptoken: 'abc.def' }, key],
    ];
    for (const [what, t, params, k] of attempts) {
      const r = await queryUsers(store.db, t, q({ $top: '2', ...params }), { skiptokenKey: k });
      expect(r, what).toEqual({ ok: false, code: 'GRAPH_SKIPTOKEN_INVALID', detail: { parameter: '$skiptoken' } });
    }
    // the genuine token still works (and $top may change between pages)
    const next = await queryUsers(store.db, tenant, q({ $top: '5', $skiptoken: token }), { skiptokenKey: key });
    expect(next.ok && next.page.users.length).toBe(5);
  });
});

describe.each(engines)('keyset paging on %s', (engine) => {
  let store: Store;
  afterAll(async () => store?.close());

  for (const order of ['', 'displayName', 'displayName desc', 'userPrincipalName', 'userPrincipalName desc']) {
    it(`pages 250 users by ${order || 'id'} with rows inserted between pages: no duplicates, no gaps after the cursor`, async () => {
      store ??= await openTestStore(engine);
      const tenant = await newTenant(store);
      const present = new Set<string>();
      const keyOf = (u: User) =>
        order.startsWith('displayName')
          ? u.displayName.toLowerCase()
          : order
            ? u.userPrincipalName.toLowerCase()
            : u.id;
      const byKey = new Map<string, User>();
      // Repeated display names make the id tie-break matter.
      for (let i = 0; i < 250; i++) {
        const u = await addUser(store, tenant, {
          userPrincipalName: `user${String(i).padStart(4, '0')}@contoso.com`,
          displayName: `Name${String(i % 40).padStart(3, '0')}`,
        });
        present.add(u.id);
        byKey.set(u.id, u);
      }
      const desc = order.endsWith('desc');
      const params: Record<string, string> = { $top: '40', ...(order ? { $orderby: order } : {}) };
      const query = q(params);
      const seen: string[] = [];
      const mustAppear = new Set(present);
      for (let page = 0; page < 50; page++) {
        const r = await queryUsers(store.db, tenant, query, { skiptokenKey: key });
        if (!r.ok) throw new Error(r.code);
        seen.push(...r.page.users.map((u) => u.id));
        if (!r.page.skiptoken) break;
        query.skiptoken = r.page.skiptoken;
        const last = r.page.users[r.page.users.length - 1]!;
        // Two new rows each page: one sorting before the cursor, one after it.
        for (const n of [0, 1]) {
          const i = 1000 + page * 2 + n;
          const u = await addUser(store, tenant, {
            userPrincipalName: n === 0 ? (desc ? `zz${i}@contoso.com` : `aa${i}@contoso.com`) : `user9${i}@contoso.com`,
            displayName: n === 0 ? (desc ? `Zzz${i}` : `Aaa${i}`) : `Name999${i}`,
          });
          byKey.set(u.id, u);
          const cmp = keyOf(u) === keyOf(last) ? (u.id > last.id ? 1 : -1) : keyOf(u) > keyOf(last) ? 1 : -1;
          if ((desc ? -cmp : cmp) > 0) mustAppear.add(u.id);
        }
      }
      expect(new Set(seen).size).toBe(seen.length); // no duplicates
      for (const id of mustAppear) expect(seen, `missing ${byKey.get(id)?.userPrincipalName}`).toContain(id);
      expect(seen.length).toBeGreaterThanOrEqual(250);
    });
  }
});

describe.each(engines)('query plans on %s', (engine) => {
  let store: Store;
  afterAll(async () => store?.close());

  // At 100,000 users a page must be an index range scan in order, never a sort of the tenant's rows.
  for (const order of ['', 'displayName', 'displayName desc', 'userPrincipalName', 'userPrincipalName desc']) {
    it(`reads a later page by ${order || 'id'} from an index, without sorting`, async () => {
      store ??= await openTestStore(engine);
      const query = q({ $top: '100', ...(order ? { $orderby: order } : {}) });
      const c = userPageQuery(store.db, randomUUID(), query, {
        key: order ? 'name' : null,
        id: randomUUID(),
      }).compile();
      const plan = await store.db.transaction().execute(async (trx) => {
        if (engine === 'postgres') await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const prefix = engine === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
        const r = await trx.executeQuery(CompiledQuery.raw(prefix + c.sql, [...c.parameters]));
        return r.rows.map((row) => Object.values(row as object).join(' ')).join('\n');
      });
      const index = order.startsWith('displayName') ? 'users_tenant_display_name' : order ? 'upn' : 'users_tenant_id';
      if (engine === 'sqlite') {
        expect(plan).toMatch(/USING (COVERING )?INDEX/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
        if (index !== 'upn') expect(plan).toContain(index);
      } else {
        expect(plan).toMatch(/Index (Only )?Scan/);
        expect(plan).not.toMatch(/\bSort\b/);
        if (index !== 'upn') expect(plan).toContain(index);
      }
    });
  }
});

describe('skiptoken encoding', () => {
  it('round-trips a cursor under the same key and fingerprint only', () => {
    const fp = queryFingerprint('t1', q({}));
    const token = encodeSkiptoken({ key: 'ada', id: 'x' }, fp, key);
    expect(decodeSkiptoken(token, fp, key)).toEqual({ key: 'ada', id: 'x' });
    expect(decodeSkiptoken(token, queryFingerprint('t2', q({})), key)).toBeUndefined();
    expect(decodeSkiptoken(`${token}.x`, fp, key)).toBeUndefined();
    expect(decodeSkiptoken('', fp, key)).toBeUndefined();
  });
});
