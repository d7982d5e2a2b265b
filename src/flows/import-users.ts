// `signet import`: users and their group memberships in bulk, one batch of rows (a few hundred) at a time. Every
// row was judged on its own (src/core/import-row.ts, the parser of POST /users); here each good row's groups are
// resolved and its user looked up, so a row that fails is refused before anything is written and the batch's
// good rows go in together in one transaction: users, memberships and their audit rows (as `Add user` and
// `Add member to group` are audited one by one). A user who exists is skipped, and their missing memberships
// added. Should another writer create one of the batch's users meanwhile, the batch is retried row by row.
import type { Principal } from '../core/authorization.ts';
import type { ErrorCode } from '../core/errors.ts';
import type { ImportRow } from '../core/import-row.ts';
import {
  findGroupsByKeys,
  findUsersByNames,
  insertAudits,
  insertMemberships,
  insertUsers,
  membershipsOf,
} from '../store/bulk-directory.ts';
import { isUniqueViolation } from '../store/db.ts';
import type { Group } from '../store/groups.ts';
import type { AuditRecord } from '../store/logs.ts';
import type { Tenant } from '../store/tenants.ts';
import type { User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { addUserAudit, newUser } from './directory.ts';
import { actorOf } from './users.ts';

export interface ImportInput {
  /** Where the row starts in the file (1-based), for the report. */
  line: number;
  row: ImportRow;
}

export type ImportOutcome =
  | { line: number; status: 'created' | 'skipped'; userPrincipalName: string; userId: string; membershipsAdded: number }
  | { line: number; status: 'refused'; userPrincipalName?: string; code: ErrorCode; detail: Record<string, string> };

/** Groups by the key a row names them with (id, or lower-cased display name), kept for the whole import. */
export type GroupCache = Map<string, Group | 'ambiguous' | null>;

type Good = { line: number; user: ImportRowOk['user']; groups: string[] };
type ImportRowOk = Extract<ImportRow, { ok: true }>;

export async function importUserBatch(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  rows: readonly ImportInput[],
  groups: GroupCache,
): Promise<ImportOutcome[]> {
  const out: ImportOutcome[] = [];
  let pending: Good[] = [];
  for (const { line, row } of rows) {
    if (row.ok) pending.push({ line, user: row.user, groups: row.groups });
    else
      out.push({
        line,
        status: 'refused',
        ...(row.userPrincipalName ? { userPrincipalName: row.userPrincipalName } : {}),
        code: row.code,
        detail: row.detail,
      });
  }
  // The same user twice in one batch: the later row waits for the earlier one's write, then finds it existing.
  while (pending.length > 0) {
    const seen = new Set<string>();
    const now: Good[] = [];
    const later: Good[] = [];
    for (const g of pending) {
      const key = g.user.userPrincipalName.toLowerCase();
      (seen.has(key) ? later : now).push(g);
      seen.add(key);
    }
    out.push(...(await writeRound(ctx, tenant, by, now, groups)));
    pending = later;
  }
  return out.sort((a, b) => a.line - b.line);
}

async function writeRound(ctx: Ctx, tenant: Tenant, by: Principal, rows: Good[], cache: GroupCache) {
  try {
    return await ctx.db.transaction().execute((trx) => planAndWrite({ ...ctx, db: trx }, tenant, by, rows, cache));
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    if (rows.length === 1) {
      const r = rows[0]!;
      return [
        {
          line: r.line,
          status: 'refused',
          userPrincipalName: r.user.userPrincipalName,
          code: 'USER_ALREADY_EXISTS',
          detail: { userPrincipalName: r.user.userPrincipalName },
        } as const,
      ];
    }
    const out: ImportOutcome[] = [];
    for (const r of rows) out.push(...(await writeRound(ctx, tenant, by, [r], cache)));
    return out;
  }
}

async function resolveGroups(ctx: Ctx, tenant: Tenant, rows: readonly Good[], cache: GroupCache) {
  const keyOf = (name: string) => name.toLowerCase();
  const missing = [...new Set(rows.flatMap((r) => r.groups))].filter((g) => !cache.has(keyOf(g)) && !cache.has(g));
  if (missing.length === 0) return;
  const found = await findGroupsByKeys(ctx.db, tenant.id, missing);
  for (const name of missing) {
    const byId = found.find((g) => g.id === name);
    if (byId) {
      cache.set(name, byId);
      continue;
    }
    const byName = found.filter((g) => g.displayName.toLowerCase() === keyOf(name));
    cache.set(keyOf(name), byName.length === 1 ? byName[0]! : byName.length === 0 ? null : 'ambiguous');
  }
}

const cached = (cache: GroupCache, name: string) => cache.get(name) ?? cache.get(name.toLowerCase()) ?? null;

async function planAndWrite(ctx: Ctx, tenant: Tenant, by: Principal, rows: Good[], cache: GroupCache) {
  const out: ImportOutcome[] = [];
  await resolveGroups(ctx, tenant, rows, cache);
  const existing = new Map(
    (
      await findUsersByNames(
        ctx.db,
        tenant.id,
        rows.map((r) => r.user.userPrincipalName),
      )
    ).map((u) => [u.userPrincipalName.toLowerCase(), u]),
  );
  const existingIds = [...existing.values()].map((u) => u.id);
  const memberships = existingIds.length ? await membershipsOf(ctx.db, tenant.id, existingIds) : new Set<string>();
  const at = ctx.now();
  const actor = actorOf(by);
  const users: User[] = [];
  const pairs: { groupId: string; userId: string }[] = [];
  const audits: AuditRecord[] = [];
  for (const r of rows) {
    const upn = r.user.userPrincipalName;
    const targets: Group[] = [];
    let refusal: { code: ErrorCode; detail: Record<string, string> } | undefined;
    for (const name of r.groups) {
      const g = cached(cache, name);
      if (g === null)
        refusal = {
          code: 'GROUP_NOT_FOUND',
          detail: { group: name, reason: `no group of the tenant is named ${name} or has it as id` },
        };
      else if (g === 'ambiguous')
        refusal = {
          code: 'GROUP_NAME_AMBIGUOUS',
          detail: { group: name, reason: `more than one group is named ${name}; name it by id` },
        };
      else if (!targets.some((t) => t.id === g.id)) targets.push(g);
      if (refusal) break;
    }
    if (refusal) {
      out.push({ line: r.line, status: 'refused', userPrincipalName: upn, ...refusal });
      continue;
    }
    const found = existing.get(upn.toLowerCase());
    const user: User =
      found ??
      newUser(
        ctx,
        tenant,
        { userPrincipalName: upn, displayName: r.user.displayName, enabled: r.user.accountEnabled },
        at,
      );
    if (!found) {
      users.push(user);
      audits.push(addUserAudit(ctx, user, actor, [], { source: 'import' }));
    }
    let added = 0;
    for (const g of targets) {
      if (memberships.has(`${g.id} ${user.id}`)) continue;
      memberships.add(`${g.id} ${user.id}`);
      pairs.push({ groupId: g.id, userId: user.id });
      added++;
      audits.push({
        id: ctx.newId(),
        tenantId: tenant.id,
        createdAt: at,
        ...actor,
        activity: 'Add member to group',
        targetType: 'group',
        targetId: g.id,
        detail: {
          'group.displayName': g.displayName,
          'member.id': user.id,
          'member.userPrincipalName': user.userPrincipalName,
        },
      });
    }
    out.push({
      line: r.line,
      status: found ? 'skipped' : 'created',
      userPrincipalName: user.userPrincipalName,
      userId: user.id,
      membershipsAdded: added,
    });
  }
  await insertUsers(ctx.db, users);
  await insertMemberships(ctx.db, tenant.id, pairs);
  await insertAudits(ctx.db, audits);
  return out;
}
