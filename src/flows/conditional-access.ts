// Conditional Access as administrators change it (the admin API and the CLI) and as the sign-in path reads it: the
// tenant's policies, named locations and authentication contexts kept in this process's memory per tenant, read
// again within a second of a write through any process (the 'conditional-access' cache version, bumped in every
// write's transaction); each write judged (core/ca-policy-schemas.ts), checked against the tenant (strengths, users,
// groups, locations), guarded against locking out every Global Administrator, stored and audit-logged in one
// transaction. Named locations and authentication contexts are written by ca-locations-contexts.ts.

import type { Principal } from '../core/authorization.ts';
import { checkAdminLockout } from '../core/ca-admin-lockout.ts';
import { type CaPolicyFields, judgePolicyCreate, judgePolicyPatch } from '../core/ca-policy-schemas.ts';
import type { WhatIfRequest } from '../core/ca-whatif.ts';
import { type CacheVersions, isStale } from '../core/cache-staleness.ts';
import { type CaPolicy, type SignInContext, whatIf as whatIfCore } from '../core/conditional-access.ts';
import { SignetError } from '../core/errors.ts';
import { BUILT_IN_STRENGTHS } from '../core/strengths.ts';
import { cacheVersionWatch } from '../store/cache-versions.ts';
import * as store from '../store/conditional-access.ts';
import type { Db } from '../store/db.ts';
import { insertAudit } from '../store/logs.ts';
import { listCustomStrengths } from '../store/strengths.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';
import { strengthsOf } from './strengths.ts';
import { actorOf, findUserByKey } from './users.ts';

export type { CaDocuments } from '../store/conditional-access.ts';

interface Entry {
  versions: CacheVersions;
  docs: Promise<store.CaDocuments>;
}
const caches = new WeakMap<Db, Map<string, Entry>>();

/** The tenant's policies, named locations and authentication contexts, from this process's memory. */
export async function caSnapshotOf(ctx: Pick<Ctx, 'db' | 'log'>, tenantId: string): Promise<store.CaDocuments> {
  const current = cacheVersionWatch(ctx.db).current(tenantId);
  const versions = current instanceof Promise ? await current : current;
  let cache = caches.get(ctx.db);
  if (!cache) {
    cache = new Map();
    caches.set(ctx.db, cache);
  }
  const hit = cache.get(tenantId);
  if (hit && !isStale(hit.versions, versions, ['conditional-access'])) return hit.docs;
  const entry: Entry = { versions, docs: store.loadCaDocuments(ctx.db, tenantId, ctx.log) };
  const kept = cache;
  entry.docs.catch(() => kept.get(tenantId) === entry && kept.delete(tenantId));
  cache.set(tenantId, entry);
  return entry.docs;
}

/** Drops this process's copy after a write through `db`; other processes see the bumped version. */
export function forgetCaSnapshot(db: Db, tenantId: string): void {
  caches.get(db)?.delete(tenantId);
}

export interface SignInFacts {
  userId: string;
  appId: string | null;
  ip: string | null;
  authenticationContexts?: readonly string[];
  userAction?: string | null;
  clientAppType?: SignInContext['clientAppType'];
  /** When the authorization request began (signInFrequency everyTime); now when not given. */
  requestStartedAt?: number;
}

/** The facts Conditional Access judges a sign-in by: the user's groups and roles in one query, the rest cached. */
export async function signInContextFor(ctx: Ctx, tenant: Pick<Tenant, 'id'>, f: SignInFacts): Promise<SignInContext> {
  const [gr, docs] = await Promise.all([
    store.groupsAndRolesOf(ctx.db, tenant.id, f.userId),
    caSnapshotOf(ctx, tenant.id),
  ]);
  const now = ctx.now();
  return {
    user: { id: f.userId, groupIds: gr.groupIds, roleTemplateIds: gr.roleTemplateIds },
    appId: f.appId,
    authenticationContexts: f.authenticationContexts ?? [],
    userAction: f.userAction ?? null,
    clientAppType: f.clientAppType ?? 'browser',
    ip: f.ip,
    namedLocations: docs.namedLocations,
    now,
    requestStartedAt: f.requestStartedAt ?? now,
  };
}

export const notFound = (resource: string) => new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource });

export async function getPolicy(ctx: Ctx, tenantId: string, id: string): Promise<CaPolicy> {
  const p = (await caSnapshotOf(ctx, tenantId)).policies.find((x) => x.id === id.toLowerCase());
  if (!p) throw notFound('conditionalAccessPolicy');
  return p;
}

/** Every id the policy names must be of this tenant: the strength, users, groups and named locations. */
async function checkReferences(trx: Db, tenantId: string, p: CaPolicyFields): Promise<void> {
  const g = p.grantControls;
  if (g?.authenticationStrengthId) {
    const id = g.authenticationStrengthId;
    const custom = await listCustomStrengths(trx, tenantId);
    if (!BUILT_IN_STRENGTHS.some((s) => s.id === id) && !custom.some((s) => s.id.toLowerCase() === id))
      throw new SignetError('CA_STRENGTH_NOT_FOUND', { field: 'grantControls.authenticationStrength.id', id });
  }
  const u = p.conditions.users;
  const guids = (xs: readonly string[]) => xs.filter((x) => /^[0-9a-f-]{36}$/.test(x));
  const missing = async (table: 'users' | 'groups', field: string, ids: readonly string[]) => {
    const found = await store.existingIds(trx, tenantId, table, guids(ids));
    const absent = guids(ids).find((x) => !found.has(x));
    if (absent) throw new SignetError('CA_TARGET_NOT_FOUND', { field, id: absent });
  };
  await missing('users', 'conditions.users.includeUsers', u.includeUsers);
  await missing('users', 'conditions.users.excludeUsers', u.excludeUsers);
  await missing('groups', 'conditions.users.includeGroups', u.includeGroups);
  await missing('groups', 'conditions.users.excludeGroups', u.excludeGroups);
  const loc = p.conditions.locations;
  if (loc) {
    const have = new Set((await store.loadCaDocuments(trx, tenantId)).namedLocations.map((l) => l.id));
    for (const [field, ids] of [
      ['includeLocations', loc.includeLocations],
      ['excludeLocations', loc.excludeLocations],
    ] as const) {
      const absent = guids(ids).find((x) => !have.has(x));
      if (absent) throw new SignetError('CA_TARGET_NOT_FOUND', { field: `conditions.locations.${field}`, id: absent });
    }
  }
}

/** The lockout guard with the tenant's administrators, strengths and locations as they are in the transaction. */
async function guardLockout(ctx: Ctx, trx: Db, tenantId: string, p: CaPolicy, confirmed: boolean): Promise<void> {
  if (confirmed || p.state !== 'enabled') return;
  const [admins, custom, docs] = await Promise.all([
    store.globalAdministrators(trx, tenantId, ctx.now()),
    listCustomStrengths(trx, tenantId),
    store.loadCaDocuments(trx, tenantId),
  ]);
  const strengths = new Map([...BUILT_IN_STRENGTHS, ...custom].map((s) => [s.id, s]));
  const d = checkAdminLockout(p, admins, strengths, docs.namedLocations, false);
  if (!d.ok) throw new SignetError(d.code, d.detail);
}

export const auditOf = (
  ctx: Ctx,
  tenantId: string,
  by: Principal,
  activity: string,
  id: string,
  detail: Record<string, string>,
) => ({
  id: ctx.newId(),
  tenantId,
  createdAt: ctx.now(),
  ...actorOf(by),
  activity,
  targetType: 'policy',
  targetId: id,
  detail,
});

const summary = (p: CaPolicyFields) => ({
  displayName: p.displayName,
  state: p.state,
  document: JSON.stringify({
    conditions: p.conditions,
    grantControls: p.grantControls,
    sessionControls: p.sessionControls,
  }),
});

export interface WriteOptions {
  /** Signet's, beyond Graph: save even though every Global Administrator would be locked out. */
  confirmLockout?: boolean;
}

export async function createPolicy(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  body: unknown,
  o: WriteOptions = {},
): Promise<CaPolicy> {
  const j = judgePolicyCreate(body);
  if (!j.ok) throw new SignetError(j.code, j.detail);
  const p: CaPolicy = { ...j.value, id: ctx.newId().toLowerCase(), createdAt: ctx.now(), modifiedAt: null };
  await ctx.db.transaction().execute(async (trx) => {
    await checkReferences(trx, tenant.id, p);
    await guardLockout(ctx, trx, tenant.id, p, o.confirmLockout === true);
    await store.insertPolicy(trx, tenant.id, p);
    await insertAudit(
      trx,
      auditOf(ctx, tenant.id, by, 'Add conditional access policy', p.id, {
        ...summary(p),
        ...(o.confirmLockout ? { confirmedLockout: 'true' } : {}),
      }),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
  return p;
}

/** PATCH: nothing is written (nor audited) when nothing changes. */
export async function updatePolicy(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  body: unknown,
  o: WriteOptions = {},
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const current = (await store.loadCaDocuments(trx, tenant.id)).policies.find((x) => x.id === id.toLowerCase());
    if (!current) throw notFound('conditionalAccessPolicy');
    const j = judgePolicyPatch(body, current);
    if (!j.ok) throw new SignetError(j.code, j.detail);
    const before = summary(current);
    const after = summary(j.value);
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    const next: CaPolicy = { ...j.value, id: current.id, createdAt: current.createdAt, modifiedAt: ctx.now() };
    await checkReferences(trx, tenant.id, next);
    await guardLockout(ctx, trx, tenant.id, next, o.confirmLockout === true);
    await store.updatePolicy(trx, tenant.id, next);
    const detail: Record<string, string> = {};
    for (const k of Object.keys(after) as (keyof typeof after)[])
      if (before[k] !== after[k]) Object.assign(detail, { [`${k}.oldValue`]: before[k], [`${k}.newValue`]: after[k] });
    if (o.confirmLockout) detail.confirmedLockout = 'true';
    await insertAudit(trx, auditOf(ctx, tenant.id, by, 'Update conditional access policy', next.id, detail));
  });
  forgetCaSnapshot(ctx.db, tenant.id);
}

export async function deletePolicy(ctx: Ctx, tenant: Tenant, by: Principal, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const current = (await store.loadCaDocuments(trx, tenant.id)).policies.find((x) => x.id === id.toLowerCase());
    if (!current || !(await store.deletePolicy(trx, tenant.id, current.id))) throw notFound('conditionalAccessPolicy');
    await insertAudit(
      trx,
      auditOf(ctx, tenant.id, by, 'Delete conditional access policy', current.id, {
        'displayName.oldValue': current.displayName,
      }),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
}

/**
 * What If for a user of the tenant: the same documents, context and evaluation the sign-in path uses (only the
 * session's steps are left out: it answers what applies and what it requires).
 */
export async function evaluateWhatIf(ctx: Ctx, tenant: Tenant, r: WhatIfRequest) {
  // By object id, or userPrincipalName as Graph's /users/{id} takes it.
  const user = await findUserByKey(ctx.db, tenant.id, r.userId);
  if (!user) throw new SignetError('USER_NOT_FOUND', { user: r.userId });
  const [docs, strengths, c] = await Promise.all([
    caSnapshotOf(ctx, tenant.id),
    strengthsOf(ctx, tenant.id),
    signInContextFor(ctx, tenant, {
      userId: user.id,
      appId: r.appId,
      ip: r.ip,
      authenticationContexts: r.authenticationContexts,
      userAction: r.userAction,
      clientAppType: r.clientAppType,
    }),
  ]);
  return { results: whatIfCore(docs.policies, c, strengths, r.appliedPoliciesOnly), strengths };
}
