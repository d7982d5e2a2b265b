// The authentication methods policy as an administrator changes it (the admin API's PATCH routes and
// `signet policy set`): one transaction per write holding the lock (the tenant's cache version, bumped first so
// concurrent writes take turns), the stored document, the rules, the targets looked up in the tenant, the new
// document and an audit row of what changed; then this process's cached copy is dropped (others see the version).
import type { Principal } from '../core/authorization.ts';
import { SignetError } from '../core/errors.ts';
import {
  applyMethodPatch,
  applyPolicyRootPatch,
  campaignTargetReferences,
  changedProperties,
  checkMethodConfig,
  checkTargetsExist,
  type TargetReference,
  targetReferences,
} from '../core/method-policy-rules.ts';
import {
  judgeMethodPatch,
  judgePolicyRootPatch,
  type MethodId,
  STORED_METHOD_KEYS,
} from '../core/method-policy-schemas.ts';
import { bumpCacheVersion } from '../store/cache-versions.ts';
import type { Db } from '../store/db.ts';
import { insertAudit } from '../store/logs.ts';
import { saveMethodDocument } from '../store/policies.ts';
import {
  forgetMethodPolicies,
  loadMethodPolicies,
  type MethodPolicies,
  methodPoliciesOf,
} from '../store/policy-cache.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';
import { actorOf } from './users.ts';

/** The tenant's policies as the gates see them (cached per process). */
export function methodPolicies(ctx: Ctx, tenantId: string): Promise<MethodPolicies> {
  return methodPoliciesOf(ctx, tenantId);
}

/** Each referenced group or user must be one of this tenant's: another tenant's is as absent as a made-up id. */
async function assertTargetsExist(db: Db, tenantId: string, refs: readonly TargetReference[]): Promise<void> {
  const ids = (kind: TargetReference['kind']) => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
  const [groups, users] = [ids('group'), ids('user')];
  const found = new Set<string>();
  if (groups.length > 0)
    for (const g of await db
      .selectFrom('groups')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', groups)
      .execute())
      found.add(g.id.toLowerCase());
  if (users.length > 0)
    for (const u of await db
      .selectFrom('users')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', users)
      .execute())
      found.add(u.id.toLowerCase());
  const d = checkTargetsExist(refs, found);
  if (!d.ok) throw new SignetError(d.code, d.detail);
}

/**
 * PATCH …/authenticationMethodConfigurations/{id}: the properties sent replace their own, the rest stays. Nothing is
 * written (nor audited) when nothing changes.
 */
export async function updateMethodConfiguration(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  method: MethodId,
  body: unknown,
): Promise<void> {
  const patch = judgeMethodPatch(method, body);
  if (!patch.ok) throw new SignetError(patch.code, patch.detail);
  await ctx.db.transaction().execute(async (trx) => {
    await bumpCacheVersion(trx, tenant.id, 'method-policies');
    const current = (await loadMethodPolicies(trx, tenant.id, ctx.log)).methods[method];
    const checked = checkMethodConfig(method, applyMethodPatch(method, current, patch.value), current);
    if (!checked.ok) throw new SignetError(checked.code, checked.detail);
    await assertTargetsExist(trx, tenant.id, targetReferences(checked.value));
    const changes = changedProperties(current, checked.value);
    if (Object.keys(changes).length === 0) return;
    const now = ctx.now();
    await saveMethodDocument(trx, tenant.id, STORED_METHOD_KEYS[method], checked.value, now);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      ...actorOf(by),
      activity: 'Update authentication method configuration',
      targetType: 'policy',
      targetId: method,
      detail: changes,
    });
  });
  forgetMethodPolicies(ctx.db, tenant.id);
}

/** PATCH /policies/authenticationMethodsPolicy: the registration campaign, merged property by property. */
export async function updatePolicyRoot(ctx: Ctx, tenant: Tenant, by: Principal, body: unknown): Promise<void> {
  const patch = judgePolicyRootPatch(body);
  if (!patch.ok) throw new SignetError(patch.code, patch.detail);
  await ctx.db.transaction().execute(async (trx) => {
    await bumpCacheVersion(trx, tenant.id, 'method-policies');
    const current = (await loadMethodPolicies(trx, tenant.id, ctx.log)).root;
    const next = applyPolicyRootPatch(current, patch.value);
    await assertTargetsExist(trx, tenant.id, campaignTargetReferences(next));
    const changes = changedProperties(current, next);
    if (Object.keys(changes).length === 0) return;
    const now = ctx.now();
    await saveMethodDocument(trx, tenant.id, STORED_METHOD_KEYS.policy, next, now);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      ...actorOf(by),
      activity: 'Update authentication methods policy',
      targetType: 'policy',
      targetId: 'authenticationMethodsPolicy',
      detail: changes,
    });
  });
  forgetMethodPolicies(ctx.db, tenant.id);
}
