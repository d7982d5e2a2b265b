// The directory roles assigned to a user (role names, as `signet user create --role` stores them).
import type { Db } from './db.ts';

export async function roleNamesOf(db: Db, tenantId: string, userId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('role_assignments')
    .select('role')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.role);
}
