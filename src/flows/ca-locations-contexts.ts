// Named locations and authentication contexts as administrators read and change them, each write audit-logged.
import type { Principal } from '../core/authorization.ts';
import { type AuthContext, judgeAuthContext, judgeNamedLocation } from '../core/ca-location-schemas.ts';
import type { CaPolicy } from '../core/conditional-access.ts';
import { SignetError } from '../core/errors.ts';
import * as store from '../store/conditional-access.ts';
import { insertAudit } from '../store/logs.ts';
import type { Tenant } from '../store/tenants.ts';
import { auditOf, caSnapshotOf, forgetCaSnapshot, notFound } from './conditional-access.ts';
import type { Ctx } from './context.ts';

/** The policies naming something, by display name (for a refusal to delete it). */
const naming = (policies: readonly CaPolicy[], names: (p: CaPolicy) => readonly string[], id: string) =>
  policies.filter((p) => names(p).some((x) => x.toLowerCase() === id.toLowerCase())).map((p) => p.displayName);

export async function getNamedLocation(ctx: Ctx, tenantId: string, id: string): Promise<store.StoredNamedLocation> {
  const l = (await caSnapshotOf(ctx, tenantId)).namedLocations.find((x) => x.id === id.toLowerCase());
  if (!l) throw notFound('namedLocation');
  return l;
}

export async function createNamedLocation(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  body: unknown,
): Promise<store.StoredNamedLocation> {
  const j = judgeNamedLocation(body);
  if (!j.ok) throw new SignetError(j.code, j.detail);
  const now = ctx.now();
  const l: store.StoredNamedLocation = { ...j.value, id: ctx.newId().toLowerCase(), createdAt: now, modifiedAt: now };
  await ctx.db.transaction().execute(async (trx) => {
    await store.insertNamedLocation(trx, tenant.id, l);
    await insertAudit(
      trx,
      auditOf(ctx, tenant.id, by, 'Add named location', l.id, {
        displayName: l.displayName,
        isTrusted: String(l.isTrusted),
        ipRanges: l.ipRanges.join(' '),
      }),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
  return l;
}

export async function updateNamedLocation(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  body: unknown,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const current = (await store.loadCaDocuments(trx, tenant.id)).namedLocations.find((x) => x.id === id.toLowerCase());
    if (!current) throw notFound('namedLocation');
    const j = judgeNamedLocation(body, current);
    if (!j.ok) throw new SignetError(j.code, j.detail);
    const next = { ...current, ...j.value, modifiedAt: ctx.now() };
    await store.updateNamedLocation(trx, tenant.id, next);
    await insertAudit(
      trx,
      auditOf(ctx, tenant.id, by, 'Update named location', next.id, {
        'displayName.oldValue': current.displayName,
        'displayName.newValue': next.displayName,
        'isTrusted.newValue': String(next.isTrusted),
        'ipRanges.newValue': next.ipRanges.join(' '),
      }),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
}

export async function deleteNamedLocation(ctx: Ctx, tenant: Tenant, by: Principal, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const docs = await store.loadCaDocuments(trx, tenant.id);
    const current = docs.namedLocations.find((x) => x.id === id.toLowerCase());
    if (!current) throw notFound('namedLocation');
    const users = naming(
      docs.policies,
      (p) => [...(p.conditions.locations?.includeLocations ?? []), ...(p.conditions.locations?.excludeLocations ?? [])],
      current.id,
    );
    if (users.length > 0)
      throw new SignetError('CA_LOCATION_IN_USE', { namedLocation: current.id, policies: users.join('; ') });
    await store.deleteNamedLocation(trx, tenant.id, current.id);
    await insertAudit(
      trx,
      auditOf(ctx, tenant.id, by, 'Delete named location', current.id, { 'displayName.oldValue': current.displayName }),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
}

export async function getAuthContext(ctx: Ctx, tenantId: string, id: string): Promise<AuthContext> {
  const c = (await caSnapshotOf(ctx, tenantId)).authContexts.find((x) => x.id === id.toLowerCase());
  if (!c) throw notFound('authenticationContextClassReference');
  return c;
}

/** PATCH …/authenticationContextClassReferences/{id}: creates it when the id is not used yet, as Graph does. */
export async function upsertAuthContext(
  ctx: Ctx,
  tenant: Tenant,
  by: Principal,
  id: string,
  body: unknown,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const current = (await store.loadCaDocuments(trx, tenant.id)).authContexts.find((x) => x.id === id.toLowerCase());
    // Graph creates by PATCH: a body that could only update (no displayName) finds nothing to update.
    if (!current && !(typeof body === 'object' && body !== null && 'displayName' in body))
      throw notFound('authenticationContextClassReference');
    const j = judgeAuthContext(id, body, current);
    if (!j.ok) throw new SignetError(j.code, j.detail);
    if (current && JSON.stringify(current) === JSON.stringify(j.value)) return;
    await store.upsertAuthContext(trx, tenant.id, j.value);
    await insertAudit(
      trx,
      auditOf(
        ctx,
        tenant.id,
        by,
        current ? 'Update authentication context' : 'Add authentication context',
        j.value.id,
        {
          displayName: j.value.displayName,
          description: j.value.description,
          isAvailable: String(j.value.isAvailable),
        },
      ),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
}

export async function deleteAuthContext(ctx: Ctx, tenant: Tenant, by: Principal, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const docs = await store.loadCaDocuments(trx, tenant.id);
    const current = docs.authContexts.find((x) => x.id === id.toLowerCase());
    if (!current) throw notFound('authenticationContextClassReference');
    const users = naming(
      docs.policies,
      (p) => p.conditions.applications.includeAuthenticationContextClassReferences,
      current.id,
    );
    if (users.length > 0)
      throw new SignetError('CA_CONTEXT_IN_USE', { authenticationContext: current.id, policies: users.join('; ') });
    await store.deleteAuthContext(trx, tenant.id, current.id);
    await insertAudit(
      trx,
      auditOf(ctx, tenant.id, by, 'Delete authentication context', current.id, {
        'displayName.oldValue': current.displayName,
      }),
    );
  });
  forgetCaSnapshot(ctx.db, tenant.id);
}
