import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from '../core/passkey-method.ts';
import { bumpCacheVersion } from './cache-versions.ts';
import type { Db } from './db.ts';
import { forgetMethodPolicies } from './policy-cache.ts';

export async function savePasskeyMethodConfig(
  db: Db,
  tenantId: string,
  c: PasskeyMethodConfig,
  at: number,
): Promise<void> {
  const { state, ...config } = c;
  await db
    .insertInto('method_policies')
    .values({ tenant_id: tenantId, method: 'fido2', state, config: JSON.stringify(config), updated_at: at })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'method']).doUpdateSet({ state, config: JSON.stringify(config), updated_at: at }),
    )
    .execute();
  // Every process's copy of the tenant's policies is stale now (store/policy-cache.ts).
  await bumpCacheVersion(db, tenantId, 'method-policies');
  forgetMethodPolicies(db, tenantId);
}

/**
 * One method's document, or the root (`method`: its key in STORED_METHOD_KEYS), stored as savePasskeyMethodConfig
 * stores the Fido2 one: `state` in its column, the rest as JSON. Call it in the transaction of the write.
 */
export async function saveMethodDocument(
  db: Db,
  tenantId: string,
  method: string,
  doc: object,
  at: number,
): Promise<void> {
  const { state = 'enabled', ...config } = doc as { state?: string };
  const json = JSON.stringify(config);
  await db
    .insertInto('method_policies')
    .values({ tenant_id: tenantId, method, state, config: json, updated_at: at })
    .onConflict((oc) => oc.columns(['tenant_id', 'method']).doUpdateSet({ state, config: json, updated_at: at }))
    .execute();
  await bumpCacheVersion(db, tenantId, 'method-policies');
  forgetMethodPolicies(db, tenantId);
}

export async function loadPasskeyMethodConfig(db: Db, tenantId: string): Promise<PasskeyMethodConfig> {
  const r = await db
    .selectFrom('method_policies')
    .select(['state', 'config'])
    .where('tenant_id', '=', tenantId)
    .where('method', '=', 'fido2')
    .executeTakeFirst();
  if (!r) return { ...defaultPasskeyMethodConfig(), state: 'disabled' };
  return {
    ...(JSON.parse(r.config) as Omit<PasskeyMethodConfig, 'state'>),
    state: r.state as PasskeyMethodConfig['state'],
  };
}
