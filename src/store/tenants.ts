import type { Selectable } from 'kysely';
import { bumpCacheVersion } from './cache-versions.ts';
import type { Db } from './db.ts';
import type { TenantsTable } from './schema.ts';

export interface Tenant {
  id: string;
  slug: string;
  kind: 'workforce' | 'customer';
  displayName: string;
  conformance: boolean;
  createdAt: number;
}

type Row = Selectable<TenantsTable>;
const toTenant = (r: Row): Tenant => ({
  id: r.id,
  slug: r.slug,
  kind: r.kind as Tenant['kind'],
  displayName: r.display_name,
  conformance: r.conformance === 1,
  createdAt: r.created_at,
});

export async function insertTenant(db: Db, t: Tenant): Promise<void> {
  await db
    .insertInto('tenants')
    .values({
      id: t.id,
      slug: t.slug,
      kind: t.kind,
      display_name: t.displayName,
      conformance: t.conformance ? 1 : 0,
      created_at: t.createdAt,
    })
    .execute();
  await bumpCacheVersion(db, t.id, 'tenant');
}

/** Finds a tenant by its id (GUID) or its slug, as URLs may use either. */
export async function findTenant(db: Db, idOrSlug: string): Promise<Tenant | undefined> {
  const row = await db
    .selectFrom('tenants')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
    .executeTakeFirst();
  return row && toTenant(row);
}

export async function listTenants(db: Db): Promise<Tenant[]> {
  return (await db.selectFrom('tenants').selectAll().orderBy('created_at').execute()).map(toTenant);
}

export async function hasTenants(db: Db): Promise<boolean> {
  return (await db.selectFrom('tenants').select('id').limit(1).executeTakeFirst()) !== undefined;
}
