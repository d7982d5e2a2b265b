// The authentication methods policy for the Graph walks. The policy and its configurations are what every tenant
// has (another tenant's token reads its own), so tenant A's are marked with one of A's groups, excluded from its
// Email configuration (disabled, so no flow of the walks depends on it): the other tenant's answers must not hold it.
import type { Ctx } from '../../src/flows/context.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { groupFixture } from './group-fixtures.ts';

export const EMAIL_ODATA_TYPE = '#microsoft.graph.emailAuthenticationMethodConfiguration';

const marks = new WeakMap<Tenant, Promise<string>>();
/** One group of the tenant, excluded from its Email configuration (made once per tenant). */
export function markedPolicy(ctx: Ctx, tenant: Tenant): Promise<string> {
  let mark = marks.get(tenant);
  if (!mark) {
    mark = (async () => {
      const { id } = await groupFixture(ctx, tenant);
      await updateMethodConfiguration(ctx, tenant, localOperator(tenant.id), 'Email', {
        '@odata.type': EMAIL_ODATA_TYPE,
        excludeTargets: [{ id, targetType: 'group' }],
      });
      return id;
    })();
    marks.set(tenant, mark);
  }
  return mark;
}

type Route = 'root' | 'rootPatch' | 'config' | 'configPatch';

/** A request of each policy route; `configId` in Graph's own letter cases. */
export async function policyFixture(
  ctx: Ctx,
  tenant: Tenant,
  route: Route,
): Promise<{ values: Record<string, string>; body?: unknown; everyTenantHas: { notTheirs: string[] } }> {
  const everyTenantHas = { notTheirs: [await markedPolicy(ctx, tenant)] };
  switch (route) {
    case 'root':
      return { values: {}, everyTenantHas };
    case 'rootPatch':
      return {
        values: {},
        body: { registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 2 } } },
        everyTenantHas,
      };
    case 'config':
      return { values: { configId: 'email' }, everyTenantHas };
    case 'configPatch':
      return {
        values: { configId: 'Email' },
        body: { '@odata.type': EMAIL_ODATA_TYPE, allowExternalIdToUseEmailOtp: 'default' },
        everyTenantHas,
      };
  }
}
