import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from '../core/passkey-method.ts';
import type { Db } from './db.ts';

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
