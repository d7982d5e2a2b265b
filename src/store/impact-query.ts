// The policy impact preview's reads (flows/policy-impact.ts): a tenant's users with their passkeys (and, when asked,
// their group memberships), streamed in keyset-paged batches of users in id order, never one array of the whole
// tenant. Per batch three range reads, each on an index: users by (tenant_id, id), passkeys by
// (tenant_id, user_id) and memberships by (tenant_id, user_id), bounded by the batch's first and last user id.
import type { AttestationTrust } from '../core/passkey-profile.ts';
import type { Db } from './db.ts';

export interface ImpactUserRow {
  id: string;
  userPrincipalName: string;
  displayName: string;
  enabled: boolean;
  groupIds: string[];
  passkeys: ImpactPasskeyRow[];
}

export interface ImpactPasskeyRow {
  id: string;
  displayName: string;
  aaguid: string;
  backupEligible: boolean;
  attestationTrust: AttestationTrust;
  cloneSuspected: boolean;
}

export const IMPACT_BATCH_USERS = 5000;

interface Batch {
  rows: ImpactUserRow[];
  /** The last user id of the batch; undefined when it was the last (short) batch. */
  next: string | undefined;
}

/** One batch: `size` users after `after`, then their passkeys and (withGroups) memberships, read side by side. */
async function loadBatch(
  db: Db,
  tenantId: string,
  after: string | undefined,
  size: number,
  withGroups: boolean,
): Promise<Batch> {
  let q = db
    .selectFrom('users')
    .select(['id', 'user_principal_name', 'display_name', 'enabled'])
    .where('tenant_id', '=', tenantId);
  if (after !== undefined) q = q.where('id', '>', after);
  const users = await q.orderBy('id').limit(size).execute();
  if (users.length === 0) return { rows: [], next: undefined };
  const first = users[0]!.id;
  const last = users.at(-1)!.id;
  const byId = new Map<string, ImpactUserRow>();
  const rows: ImpactUserRow[] = users.map((u) => {
    const row: ImpactUserRow = {
      id: u.id,
      userPrincipalName: u.user_principal_name,
      displayName: u.display_name,
      enabled: u.enabled === 1,
      groupIds: [],
      passkeys: [],
    };
    byId.set(u.id, row);
    return row;
  });
  const [passkeys, members] = await Promise.all([
    db
      .selectFrom('passkeys')
      .select(['id', 'user_id', 'display_name', 'aaguid', 'backup_eligible', 'attestation_trust', 'clone_suspected_at'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '>=', first)
      .where('user_id', '<=', last)
      .execute(),
    withGroups
      ? db
          .selectFrom('group_members')
          .select(['user_id', 'group_id'])
          .where('tenant_id', '=', tenantId)
          .where('user_id', '>=', first)
          .where('user_id', '<=', last)
          .execute()
      : [],
  ]);
  for (const p of passkeys)
    byId.get(p.user_id)?.passkeys.push({
      id: p.id,
      displayName: p.display_name,
      aaguid: p.aaguid,
      backupEligible: p.backup_eligible === 1,
      attestationTrust: p.attestation_trust as AttestationTrust,
      cloneSuspected: p.clone_suspected_at !== null,
    });
  for (const m of members) byId.get(m.user_id)?.groupIds.push(m.group_id);
  return { rows, next: users.length < size ? undefined : last };
}

/**
 * The tenant's users in id order, `batch` at a time, each with their passkeys and (withGroups) their groups. The
 * next batch is read while the caller works on this one (PostgreSQL answers meanwhile); at most two are held.
 */
export async function* impactBatches(
  db: Db,
  tenantId: string,
  opts: { withGroups: boolean; batch?: number },
): AsyncGenerator<ImpactUserRow[]> {
  const size = opts.batch ?? IMPACT_BATCH_USERS;
  let pending: Promise<Batch> | undefined = loadBatch(db, tenantId, undefined, size, opts.withGroups);
  while (pending) {
    const batch: Batch = await pending;
    pending = batch.next === undefined ? undefined : loadBatch(db, tenantId, batch.next, size, opts.withGroups);
    // A read started ahead must not be left unobserved if the caller stops early.
    pending?.catch(() => undefined);
    if (batch.rows.length > 0) yield batch.rows;
  }
}

/** The display names of these groups of the tenant (the preview's affected groups). */
export async function groupNames(db: Db, tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('groups')
      .select(['id', 'display_name'])
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.id, r.display_name);
  }
  return out;
}

/** Which of these group and user ids are objects of the tenant (lower case), for the targets rule. */
export async function existingTargetIds(
  db: Db,
  tenantId: string,
  ids: { groups: readonly string[]; users: readonly string[] },
): Promise<Set<string>> {
  const found = new Set<string>();
  if (ids.groups.length > 0)
    for (const g of await db
      .selectFrom('groups')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids.groups])
      .execute())
      found.add(g.id.toLowerCase());
  if (ids.users.length > 0)
    for (const u of await db
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids.users])
      .execute())
      found.add(u.id.toLowerCase());
  return found;
}
