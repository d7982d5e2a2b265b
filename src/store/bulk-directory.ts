// The directory in bulk, for `signet import` and the CLI's lookups by name: many users, memberships and audit rows
// written with one multi-row INSERT per kind (chunked well under both engines' parameter limits), and the
// lookups an import makes per batch (users by name, groups by id or name, existing memberships) in one query each.
import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { Group } from './groups.ts';
import { type AuditRecord, auditValues } from './logs.ts';
import { toUser, type User, userValues } from './users.ts';

// SQLite allows 32,766 bound parameters and PostgreSQL 65,535: 500 rows of at most 9 columns stay far below.
const CHUNK = 500;
function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** The tenant's users among `upns` (compared case-insensitively, as sign-in does). */
export async function findUsersByNames(db: Db, tenantId: string, upns: readonly string[]): Promise<User[]> {
  const out: User[] = [];
  for (const part of chunks([...new Set(upns.map((u) => u.toLowerCase()))])) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('upn_lower', 'in', part)
      .execute();
    out.push(...rows.map(toUser));
  }
  return out;
}

/** The tenant's groups whose id is one of `keys` or whose display name is one of them (case-insensitively). */
export async function findGroupsByKeys(db: Db, tenantId: string, keys: readonly string[]): Promise<Group[]> {
  const out = new Map<string, Group>();
  for (const part of chunks([...new Set(keys)])) {
    if (part.length === 0) continue;
    const lower = part.map((k) => k.toLowerCase());
    const rows = await db
      .selectFrom('groups')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', 'in', part), eb(sql<string>`lower(display_name)`, 'in', lower)]))
      .execute();
    for (const r of rows)
      out.set(r.id, { id: r.id, tenantId: r.tenant_id, displayName: r.display_name, createdAt: r.created_at });
  }
  return [...out.values()];
}

/** Which of `userIds` are already members of which groups: `groupId userId` strings. */
export async function membershipsOf(db: Db, tenantId: string, userIds: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunks(userIds)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('group_members')
      .select(['group_id', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', 'in', part)
      .execute();
    for (const r of rows) out.add(`${r.group_id} ${r.user_id}`);
  }
  return out;
}

export async function insertUsers(db: Db, users: readonly User[]): Promise<void> {
  for (const part of chunks(users)) await db.insertInto('users').values(part.map(userValues)).execute();
}

/** Adds the memberships; one that exists already is left as it is. */
export async function insertMemberships(
  db: Db,
  tenantId: string,
  pairs: ReadonlyArray<{ groupId: string; userId: string }>,
): Promise<void> {
  for (const part of chunks(pairs))
    await db
      .insertInto('group_members')
      .values(part.map((p) => ({ tenant_id: tenantId, group_id: p.groupId, user_id: p.userId })))
      .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
      .execute();
}

export async function insertAudits(db: Db, audits: readonly AuditRecord[]): Promise<void> {
  for (const part of chunks(audits)) await db.insertInto('audit_logs').values(part.map(auditValues)).execute();
}

export async function countGroupMembers(db: Db, tenantId: string, groupId: string): Promise<number> {
  const r = await db
    .selectFrom('group_members')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
