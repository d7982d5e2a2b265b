// Authentication strengths as an administrator manages them (Graph's authenticationStrengthPolicies) and as the
// sign-in path reads them (strengthsOf). Each write is one transaction that first bumps the tenant's
// 'conditional-access' version (so concurrent writes of strengths and Conditional Access policies take turns),
// reads, applies the rules, writes and audits what changed; then this process's cached copy is dropped.
import type { Principal } from '../core/authorization.ts';
import { type ErrorCode, SignetError } from '../core/errors.ts';
import { changedProperties } from '../core/method-policy-rules.ts';
import {
  type ConfigurationCreate,
  checkStrengthRules,
  judgeConfigurationCreate,
  judgeConfigurationPatch,
  judgeStrengthCreate,
  judgeStrengthPatch,
  judgeUpdateAllowedCombinations,
  toGraphStrength,
} from '../core/strength-schemas.ts';
import {
  type AuthenticationStrength,
  BUILT_IN_STRENGTHS,
  type Fido2CombinationConfiguration,
  isBuiltInStrengthId,
  requirementsOf,
} from '../core/strengths.ts';
import { bumpCacheVersion } from '../store/cache-versions.ts';
import type { Db } from '../store/db.ts';
import { insertAudit } from '../store/logs.ts';
import {
  countCustomStrengths,
  deleteStrength,
  findCustomStrength,
  insertStrength,
  listCustomStrengths,
  type StrengthReference,
  strengthNameTaken,
  strengthReferences,
  updateStrength,
} from '../store/strengths.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';
import { forgetStrengths } from './strengths-cache.ts';

export { forgetStrengths, strengthsOf } from './strengths-cache.ts';

import { actorOf } from './users.ts';

/** Entra's limit on custom strengths per tenant. */
export const MAX_CUSTOM_STRENGTHS = 15;

const notFound = (resource = 'authenticationStrengthPolicy') =>
  new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource });
const fail = (d: { code: ErrorCode; detail: Record<string, string> }) => new SignetError(d.code, d.detail);

// ---- reads ------------------------------------------------------------------------------------------------------

/** Built-ins first, then the tenant's custom strengths, oldest first (read from the database: the admin view). */
export async function listStrengths(ctx: Ctx, tenantId: string): Promise<AuthenticationStrength[]> {
  return [...BUILT_IN_STRENGTHS, ...(await listCustomStrengths(ctx.db, tenantId, ctx.log))];
}

export async function getStrength(db: Db, tenantId: string, id: string, log?: Ctx['log']) {
  const lower = id.toLowerCase();
  const s = BUILT_IN_STRENGTHS.find((b) => b.id === lower) ?? (await findCustomStrength(db, tenantId, lower, log));
  if (!s) throw notFound();
  return s;
}

/**
 * GET …/{id}/usage: Graph's authenticationStrengthUsage — the Conditional Access policies requiring the strength, in
 * `mfa` when the strength satisfies MFA and in `none` otherwise (Graph's resource "authenticationStrengthUsage":
 * "policies that reference the specified authentication strength policy and that require an MFA claim" / "that do
 * not"; learn.microsoft.com/graph/api/resources/authenticationstrengthusage).
 */
export async function strengthUsage(ctx: Ctx, tenantId: string, id: string) {
  const s = await getStrength(ctx.db, tenantId, id, ctx.log);
  const policies = (await strengthReferences(ctx.db, tenantId, s.id)).map(policyReference);
  return s.requirementsSatisfied === 'mfa' ? { mfa: policies, none: [] } : { mfa: [], none: policies };
}

/** A conditionalAccessPolicy as Conditional Access stored it, with the columns' id, name and state in force. */
function policyReference(r: StrengthReference) {
  return { ...(r.document ?? {}), id: r.id, displayName: r.displayName, state: r.state };
}

// ---- writes -----------------------------------------------------------------------------------------------------

type Trx = Db;

/** The write's frame: the lock (version bump), the custom strength (built-ins refused), then `work`. */
async function withCustomStrength<T>(
  ctx: Ctx,
  tenant: Tenant,
  id: string,
  work: (trx: Trx, s: AuthenticationStrength) => Promise<T>,
): Promise<T> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    await bumpCacheVersion(trx, tenant.id, 'conditional-access');
    if (isBuiltInStrengthId(id.toLowerCase())) throw new SignetError('STRENGTH_BUILT_IN_READ_ONLY', { id });
    const s = await findCustomStrength(trx, tenant.id, id, ctx.log);
    if (!s) throw notFound();
    return work(trx, s);
  });
  forgetStrengths(ctx.db, tenant.id);
  return result;
}

async function assertNameFree(trx: Trx, tenantId: string, name: string, exceptId?: string): Promise<void> {
  const lower = name.toLowerCase();
  if (
    BUILT_IN_STRENGTHS.some((b) => b.displayName.toLowerCase() === lower) ||
    (await strengthNameTaken(trx, tenantId, name, exceptId))
  )
    throw new SignetError('STRENGTH_NAME_TAKEN', { displayName: name });
}

function assertRules(s: AuthenticationStrength): void {
  const r = checkStrengthRules(s);
  if (!r.ok) throw new SignetError(r.code, r.detail);
}

async function audit(
  ctx: Ctx,
  trx: Trx,
  tenant: Tenant,
  by: Principal,
  activity: string,
  targetId: string,
  detail: Record<string, string>,
  at: number,
): Promise<void> {
  await insertAudit(trx, {
    id: ctx.newId(),
    tenantId: tenant.id,
    createdAt: at,
    ...actorOf(by),
    activity,
    targetType: 'policy',
    targetId,
    detail,
  });
}

/** What an audit row compares: the Graph shape without its times. */
const audited = (s: AuthenticationStrength) => {
  const { createdDateTime: _c, modifiedDateTime: _m, ...rest } = toGraphStrength(s);
  return rest;
};

const configuration = (ctx: Ctx, c: ConfigurationCreate): Fido2CombinationConfiguration => ({
  ...c,
  id: ctx.newId().toLowerCase(),
});

/** POST …/authenticationStrengthPolicies → the new strength (201). */
export async function createStrength(ctx: Ctx, tenant: Tenant, by: Principal, body: unknown) {
  const j = judgeStrengthCreate(body);
  if (!j.ok) throw fail(j);
  const now = ctx.now();
  const s: AuthenticationStrength = {
    id: ctx.newId().toLowerCase(),
    displayName: j.value.displayName,
    description: j.value.description,
    policyType: 'custom',
    requirementsSatisfied: requirementsOf(j.value.allowedCombinations),
    allowedCombinations: j.value.allowedCombinations,
    combinationConfigurations: j.value.combinationConfigurations.map((c) => configuration(ctx, c)),
    createdAt: now,
    modifiedAt: now,
  };
  assertRules(s);
  await ctx.db.transaction().execute(async (trx) => {
    await bumpCacheVersion(trx, tenant.id, 'conditional-access');
    if ((await countCustomStrengths(trx, tenant.id)) >= MAX_CUSTOM_STRENGTHS)
      throw new SignetError('STRENGTH_LIMIT_REACHED', { limit: String(MAX_CUSTOM_STRENGTHS) });
    await assertNameFree(trx, tenant.id, s.displayName);
    await insertStrength(trx, tenant.id, s);
    await audit(
      ctx,
      trx,
      tenant,
      by,
      'Add authentication strength policy',
      s.id,
      changedProperties({}, audited(s)),
      now,
    );
  });
  forgetStrengths(ctx.db, tenant.id);
  return s;
}

/** Writes `next` (when it differs from `s`) with its rules checked and an audit row of what changed. */
async function save(
  ctx: Ctx,
  trx: Trx,
  tenant: Tenant,
  by: Principal,
  activity: string,
  s: AuthenticationStrength,
  next: AuthenticationStrength,
): Promise<AuthenticationStrength> {
  assertRules(next);
  const changes = changedProperties(audited(s), audited(next));
  if (Object.keys(changes).length === 0) return s;
  const now = ctx.now();
  const saved = { ...next, modifiedAt: now };
  if (!(await updateStrength(trx, tenant.id, saved))) throw notFound();
  await audit(ctx, trx, tenant, by, activity, s.id, changes, now);
  return saved;
}

/** PATCH …/{id}: displayName and description (204). */
export async function updateStrengthProperties(ctx: Ctx, tenant: Tenant, by: Principal, id: string, body: unknown) {
  const j = judgeStrengthPatch(body);
  if (!j.ok) throw fail(j);
  return withCustomStrength(ctx, tenant, id, async (trx, s) => {
    if (j.value.displayName !== undefined && j.value.displayName.toLowerCase() !== s.displayName.toLowerCase())
      await assertNameFree(trx, tenant.id, j.value.displayName, s.id);
    return save(ctx, trx, tenant, by, 'Update authentication strength policy', s, { ...s, ...j.value });
  });
}

/**
 * POST …/{id}/updateAllowedCombinations → Graph's updateAllowedCombinationsResult. A strength that Conditional Access
 * policies require as multi-factor cannot be changed to allow a single factor (Graph's usage: such policies are
 * "restricted in what kinds of changes may be made to them to prevent undermining the MFA requirement").
 */
export async function updateAllowedCombinations(ctx: Ctx, tenant: Tenant, by: Principal, id: string, body: unknown) {
  const j = judgeUpdateAllowedCombinations(body);
  if (!j.ok) throw fail(j);
  return withCustomStrength(ctx, tenant, id, async (trx, s) => {
    const refs = await strengthReferences(trx, tenant.id, s.id);
    const requirements = requirementsOf(j.value);
    if (s.requirementsSatisfied === 'mfa' && requirements === 'none' && refs.length > 0)
      throw new SignetError('STRENGTH_MFA_REQUIRED_BY_POLICIES', {
        policies: refs.map((r) => `${r.displayName} (${r.id})`).join('; '),
        singleFactor: j.value.filter((c) => requirementsOf([c]) === 'none').join('; '),
      });
    const next = { ...s, allowedCombinations: j.value, requirementsSatisfied: requirements };
    await save(ctx, trx, tenant, by, 'Update allowed combinations of authentication strength policy', s, next);
    return {
      previousCombinations: s.allowedCombinations,
      currentCombinations: next.allowedCombinations,
      conditionalAccessReferences: refs.map((r) => r.id),
      additionalInformation:
        refs.length > 0
          ? `The new combinations are in force for ${refs.length} Conditional Access ${refs.length === 1 ? 'policy' : 'policies'} within a second.`
          : '',
    };
  });
}

/** DELETE …/{id} (204): only a custom strength no Conditional Access policy requires. */
export async function deleteCustomStrength(ctx: Ctx, tenant: Tenant, by: Principal, id: string): Promise<void> {
  await withCustomStrength(ctx, tenant, id, async (trx, s) => {
    const refs = await strengthReferences(trx, tenant.id, s.id);
    if (refs.length > 0)
      throw new SignetError('STRENGTH_IN_USE', { policies: refs.map((r) => `${r.displayName} (${r.id})`).join('; ') });
    if (!(await deleteStrength(trx, tenant.id, s.id))) throw notFound();
    await audit(
      ctx,
      trx,
      tenant,
      by,
      'Delete authentication strength policy',
      s.id,
      changedProperties(audited(s), {}),
      ctx.now(),
    );
  });
}

/** POST …/{id}/combinationConfigurations → the new configuration (201). */
export async function addCombinationConfiguration(ctx: Ctx, tenant: Tenant, by: Principal, id: string, body: unknown) {
  if (isBuiltInStrengthId(id.toLowerCase())) throw new SignetError('STRENGTH_BUILT_IN_READ_ONLY', { id });
  const j = judgeConfigurationCreate(body);
  if (!j.ok) throw fail(j);
  const c = configuration(ctx, j.value);
  return withCustomStrength(ctx, tenant, id, async (trx, s) => {
    const existing = s.combinationConfigurations[0];
    if (existing) throw new SignetError('STRENGTH_CONFIGURATION_EXISTS', { id: existing.id });
    const next = { ...s, combinationConfigurations: [c] };
    await save(ctx, trx, tenant, by, 'Add combination configuration to authentication strength policy', s, next);
    return c;
  });
}

function configurationOf(s: AuthenticationStrength, configId: string): Fido2CombinationConfiguration {
  const c = s.combinationConfigurations.find((x) => x.id === configId.toLowerCase());
  if (!c) throw notFound('authenticationCombinationConfiguration');
  return c;
}

/** GET …/{id}/combinationConfigurations[/{configId}]. */
export async function getCombinationConfiguration(ctx: Ctx, tenantId: string, id: string, configId: string) {
  return configurationOf(await getStrength(ctx.db, tenantId, id, ctx.log), configId);
}

/** PATCH …/{id}/combinationConfigurations/{configId} (204). */
export async function updateCombinationConfiguration(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  configId: string,
  body: unknown,
): Promise<void> {
  const j = judgeConfigurationPatch(body);
  if (!j.ok) throw fail(j);
  await withCustomStrength(ctx, tenant, id, async (trx, s) => {
    const c = configurationOf(s, configId);
    const updated = { ...c, ...j.value, id: c.id, appliesToCombinations: ['fido2'] as ['fido2'] };
    const next = {
      ...s,
      combinationConfigurations: s.combinationConfigurations.map((x) => (x.id === c.id ? updated : x)),
    };
    await save(ctx, trx, tenant, by, 'Update combination configuration of authentication strength policy', s, next);
  });
}

/** DELETE …/{id}/combinationConfigurations/{configId} (204). */
export async function deleteCombinationConfiguration(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  configId: string,
): Promise<void> {
  await withCustomStrength(ctx, tenant, id, async (trx, s) => {
    const c = configurationOf(s, configId);
    const next = { ...s, combinationConfigurations: s.combinationConfigurations.filter((x) => x.id !== c.id) };
    await save(ctx, trx, tenant, by, 'Delete combination configuration of authentication strength policy', s, next);
  });
}
