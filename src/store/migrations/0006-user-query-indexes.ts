import { type Kysely, sql } from 'kysely';

// Forward only, identical on both engines: keyset paging of GET /users reads these indexes in order, so a page
// costs the same at the 100,000th user as at the first. The UPN order uses the existing unique
// (tenant_id, upn_lower); displayName sorts case-insensitively on lower(display_name), ties broken by id; the
// default order is by id within the tenant.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('users_tenant_id').on('users').columns(['tenant_id', 'id']).execute();
  await sql`CREATE INDEX users_tenant_display_name ON users (tenant_id, lower(display_name), id)`.execute(db);
}
