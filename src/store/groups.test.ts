import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, openTestStore } from '../../test/support/engines.ts';
import { groupQuerySpec, memberQuerySpec } from '../core/graph-group.ts';
import { type CollectionQuery, parseCollectionQuery, type ResourceSpec } from '../core/odata.ts';
import type { Store } from './db.ts';
import {
  addGroupMember,
  deleteGroup,
  findGroup,
  insertGroup,
  queryGroupMembers,
  queryGroups,
  queryMemberOf,
  removeGroupMember,
} from './groups.ts';
import { insertUser } from './users.ts';

const key = randomBytes(32);
const q = (params: Record<string, string>, spec: ResourceSpec = groupQuerySpec): CollectionQuery => {
  const r = parseCollectionQuery(params, spec);
  if (!r.ok) throw new Error(JSON.stringify(r.detail));
  return r.query;
};

describe.each(engines)('the groups store on %s', (engine) => {
  let store: Store;
  let tenant: string;
  let other: string;
  const groups: string[] = [];
  let user: string;

  const newTenant = async () => {
    const id = randomUUID();
    await store.db
      .insertInto('tenants')
      .values({ id, slug: `t${id.slice(0, 8)}`, kind: 'workforce', display_name: 'T', conformance: 0, created_at: 0 })
      .execute();
    return id;
  };

  beforeAll(async () => {
    store = await openTestStore(engine);
    tenant = await newTenant();
    other = await newTenant();
    for (const [i, displayName] of ['b two', 'A one', 'c_three', 'a%one'].entries()) {
      const id = randomUUID();
      await insertGroup(store.db, { id, tenantId: tenant, displayName, createdAt: i });
      groups.push(id);
    }
    await insertGroup(store.db, { id: randomUUID(), tenantId: other, displayName: 'A one', createdAt: 0 });
    user = randomUUID();
    await insertUser(store.db, {
      id: user,
      tenantId: tenant,
      userPrincipalName: 'u@contoso.com',
      displayName: 'U',
      enabled: true,
      userHandle: randomBytes(16).toString('base64url'),
      createdAt: 0,
    });
  });
  afterAll(async () => store?.close());

  it('pages the tenant’s groups by display name, case-insensitively, without another tenant’s', async () => {
    const seen: string[] = [];
    let query = q({ $orderby: 'displayName', $top: '1' });
    for (;;) {
      const r = await queryGroups(store.db, tenant, query, key);
      if (!r.ok) throw new Error(r.code);
      seen.push(...r.items.map((g) => g.displayName));
      if (!r.skiptoken) break;
      query = q({ $orderby: 'displayName', $top: '1', $skiptoken: r.skiptoken });
    }
    expect(seen).toEqual(['A one', 'a%one', 'b two', 'c_three']);
  });

  it('filters with eq and startswith, treating LIKE wildcards as text', async () => {
    const run = async (f: string) => {
      const r = await queryGroups(store.db, tenant, q({ $filter: f }), key);
      if (!r.ok) throw new Error(r.code);
      return r.items.map((g) => g.displayName).sort();
    };
    expect(await run("displayName eq 'a one'")).toEqual(['A one']);
    expect(await run("startswith(displayName,'a%')")).toEqual(['a%one']);
    expect(await run("startswith(displayName,'c_')")).toEqual(['c_three']);
  });

  it('refuses a skiptoken of another query', async () => {
    const r = await queryGroups(store.db, tenant, q({ $top: '1' }), key);
    if (!r.ok || !r.skiptoken) throw new Error('expected a token');
    const other = await queryGroups(
      store.db,
      tenant,
      q({ $top: '1', $orderby: 'displayName', $skiptoken: r.skiptoken }),
      key,
    );
    expect(other).toMatchObject({ ok: false, code: 'GRAPH_SKIPTOKEN_INVALID' });
    const members = await queryGroupMembers(
      store.db,
      tenant,
      groups[0]!,
      q({ $skiptoken: r.skiptoken }, memberQuerySpec),
      key,
    );
    expect(members).toMatchObject({ ok: false, code: 'GRAPH_SKIPTOKEN_INVALID' });
  });

  it('adds a membership once, lists it both ways, removes it, and deletes within the tenant only', async () => {
    const g = groups[1]!;
    expect(await addGroupMember(store.db, tenant, g, user)).toBe(true);
    expect(await addGroupMember(store.db, tenant, g, user)).toBe(false);
    const m = await queryGroupMembers(store.db, tenant, g, q({}, memberQuerySpec), key);
    expect(m.ok && m.items.map((u) => u.id)).toEqual([user]);
    const of = await queryMemberOf(store.db, tenant, user, q({}, memberQuerySpec), key);
    expect(of.ok && of.items.map((x) => x.id)).toEqual([g]);
    expect(await removeGroupMember(store.db, other, g, user)).toBe(false);
    expect(await removeGroupMember(store.db, tenant, g, user)).toBe(true);
    expect(await deleteGroup(store.db, other, g)).toBe(false);
    expect(await findGroup(store.db, tenant, g)).toBeDefined();
    await addGroupMember(store.db, tenant, g, user);
    expect(await deleteGroup(store.db, tenant, g)).toBe(true);
    expect(await findGroup(store.db, tenant, g)).toBeUndefined();
    const after = await queryMemberOf(store.db, tenant, user, q({}, memberQuerySpec), key);
    expect(after.ok && after.items).toEqual([]);
  });
});
