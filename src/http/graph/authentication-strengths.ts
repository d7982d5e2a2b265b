// Graph's authentication strengths (graph.md §4): the policies under both roots Graph has them
// (`policies/authenticationStrengthPolicies` and `identity/conditionalAccess/authenticationStrength/policies`), their
// updateAllowedCombinations action, usage and fido2 combination configurations, and the valid combinations and
// method modes. Writes go through flows/strengths.ts.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { type StrengthFilter, strengthFilterOf } from '../../core/strength-filter.ts';
import { toGraphCombinationConfiguration, toGraphStrength } from '../../core/strength-schemas.ts';
import { type MethodMode, methodOfMode, VALID_COMBINATIONS } from '../../core/strengths.ts';
import {
  addCombinationConfiguration,
  createStrength,
  deleteCombinationConfiguration,
  deleteCustomStrength,
  getCombinationConfiguration,
  getStrength,
  listStrengths,
  strengthUsage,
  updateAllowedCombinations,
  updateCombinationConfiguration,
  updateStrengthProperties,
} from '../../flows/strengths.ts';
import type { GraphCall, GraphRoute } from './route.ts';

// Graph: reading takes Policy.Read.AuthenticationMethod (which Signet does not grant), Policy.Read.All,
// Policy.ReadWrite.AuthenticationMethod or Policy.ReadWrite.ConditionalAccess; writing one of the two ReadWrite
// permissions (authenticationstrengthpolicy-usage and -post docs). Delegated, the roles Entra names that Signet has.
const READ: RoutePermission = {
  application: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod'],
  delegated: {
    scopes: ['Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod'],
    roles: ['Global Reader', 'Conditional Access Administrator', 'Authentication Policy Administrator'],
  },
};
const WRITE: RoutePermission = {
  application: ['Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod'],
  delegated: {
    scopes: ['Policy.ReadWrite.ConditionalAccess', 'Policy.ReadWrite.AuthenticationMethod'],
    roles: ['Conditional Access Administrator', 'Authentication Policy Administrator'],
  },
};

const ROOTS = [
  { path: '/policies/authenticationStrengthPolicies', context: 'policies/authenticationStrengthPolicies' },
  {
    path: '/identity/conditionalAccess/authenticationStrength/policies',
    context: 'identity/conditionalAccess/authenticationStrength/policies',
  },
];
const STRENGTH_ROOT = '/identity/conditionalAccess/authenticationStrength';

/** authenticationMethodModeDetail of each mode (Graph's names where its docs give them, else its enum's words). */
const MODE_NAMES: Record<MethodMode, string> = {
  password: 'Password',
  softwareOath: 'Software OATH token',
  fido2: 'FIDO2 Security Key',
  temporaryAccessPassOneTime: 'Temporary Access Pass (one-time use)',
  temporaryAccessPassMultiUse: 'Temporary Access Pass (multi-use)',
  email: 'Email OTP',
};
/** Graph's baseAuthenticationMethod of a mode (the mode-detail doc writes fido2 as `fido2`). */
const BASE_METHOD: Record<ReturnType<typeof methodOfMode>, string> = {
  passkey: 'fido2',
  temporaryAccessPass: 'temporaryAccessPass',
  password: 'password',
  softwareOath: 'softwareOath',
  email: 'email',
};

/** The list's `$filter` (core/strength-schemas.ts strengthFilterOf); no other query option is supported. */
function filterOf(call: GraphCall): StrengthFilter {
  const q = call.req.query as Record<string, unknown>;
  const unsupported = Object.keys(q).filter((k) => k.startsWith('$') && k !== '$filter');
  if (unsupported.length > 0)
    throw new SignetError('GRAPH_QUERY_INVALID', {
      parameter: unsupported.join(', '),
      reason: 'this collection supports only $filter',
    });
  if (q.$filter === undefined) return () => true;
  const f =
    typeof q.$filter === 'string' ? strengthFilterOf(q.$filter) : { ok: false as const, reason: 'give $filter once' };
  if (!f.ok) throw new SignetError('GRAPH_QUERY_INVALID', { parameter: '$filter', reason: f.reason });
  return f.value;
}

function rootRoutes(root: (typeof ROOTS)[number]): GraphRoute[] {
  const one = `${root.path}/:id`;
  const configs = `${one}/combinationConfigurations`;
  const entity = (base: string) => `${base}/$metadata#${root.context}/$entity`;
  const configContext = (call: GraphCall) =>
    `${call.base}/$metadata#${root.context}('${call.params.id}')/combinationConfigurations`;
  return [
    {
      method: 'GET',
      path: root.path,
      permission: READ,
      handler: async (call) => {
        const keep = filterOf(call);
        const all = await listStrengths(call.ctx, call.tenant.id);
        return {
          body: {
            '@odata.context': `${call.base}/$metadata#${root.context}`,
            value: all.filter(keep).map(toGraphStrength),
          },
        };
      },
    },
    {
      method: 'POST',
      path: root.path,
      permission: WRITE,
      handler: async (call) => {
        const s = await createStrength(call.ctx, call.tenant, call.principal, call.req.body);
        return { status: 201, body: { '@odata.context': entity(call.base), ...toGraphStrength(s) } };
      },
    },
    {
      method: 'GET',
      path: one,
      permission: READ,
      handler: async (call) => {
        const s = await getStrength(call.ctx.db, call.tenant.id, call.params.id ?? '', call.ctx.log);
        return { body: { '@odata.context': entity(call.base), ...toGraphStrength(s) } };
      },
    },
    {
      method: 'PATCH',
      path: one,
      permission: WRITE,
      handler: async (call) => {
        await updateStrengthProperties(call.ctx, call.tenant, call.principal, call.params.id ?? '', call.req.body);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: one,
      permission: WRITE,
      handler: async (call) => {
        await deleteCustomStrength(call.ctx, call.tenant, call.principal, call.params.id ?? '');
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: `${one}/updateAllowedCombinations`,
      permission: WRITE,
      handler: async (call) => {
        const r = await updateAllowedCombinations(
          call.ctx,
          call.tenant,
          call.principal,
          call.params.id ?? '',
          call.req.body,
        );
        return {
          body: {
            '@odata.context': `${call.base}/$metadata#microsoft.graph.updateAllowedCombinationsResult`,
            ...r,
          },
        };
      },
    },
    {
      method: 'GET',
      path: `${one}/usage`,
      permission: READ,
      handler: async (call) => {
        const u = await strengthUsage(call.ctx, call.tenant.id, call.params.id ?? '');
        return {
          body: { '@odata.context': `${call.base}/$metadata#microsoft.graph.authenticationStrengthUsage`, ...u },
        };
      },
    },
    {
      method: 'GET',
      path: configs,
      permission: READ,
      handler: async (call) => {
        const s = await getStrength(call.ctx.db, call.tenant.id, call.params.id ?? '', call.ctx.log);
        return {
          body: {
            '@odata.context': configContext(call),
            value: s.combinationConfigurations.map(toGraphCombinationConfiguration),
          },
        };
      },
    },
    {
      method: 'POST',
      path: configs,
      permission: WRITE,
      handler: async (call) => {
        const c = await addCombinationConfiguration(
          call.ctx,
          call.tenant,
          call.principal,
          call.params.id ?? '',
          call.req.body,
        );
        return {
          status: 201,
          body: { '@odata.context': `${configContext(call)}/$entity`, ...toGraphCombinationConfiguration(c) },
        };
      },
    },
    {
      method: 'GET',
      path: `${configs}/:configId`,
      permission: READ,
      handler: async (call) => {
        const c = await getCombinationConfiguration(
          call.ctx,
          call.tenant.id,
          call.params.id ?? '',
          call.params.configId ?? '',
        );
        return { body: { '@odata.context': `${configContext(call)}/$entity`, ...toGraphCombinationConfiguration(c) } };
      },
    },
    {
      method: 'PATCH',
      path: `${configs}/:configId`,
      permission: WRITE,
      handler: async (call) => {
        await updateCombinationConfiguration(
          call.ctx,
          call.tenant,
          call.principal,
          call.params.id ?? '',
          call.params.configId ?? '',
          call.req.body,
        );
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: `${configs}/:configId`,
      permission: WRITE,
      handler: async (call) => {
        await deleteCombinationConfiguration(
          call.ctx,
          call.tenant,
          call.principal,
          call.params.id ?? '',
          call.params.configId ?? '',
        );
        return { status: 204 };
      },
    },
  ];
}

export const authenticationStrengthRoutes: GraphRoute[] = [
  ...ROOTS.flatMap(rootRoutes),
  {
    method: 'GET',
    path: `${STRENGTH_ROOT}/combinations`,
    permission: READ,
    handler: async ({ base }) => ({
      body: {
        '@odata.context': `${base}/$metadata#Collection(microsoft.graph.authenticationMethodModes)`,
        value: VALID_COMBINATIONS,
      },
    }),
  },
  {
    method: 'GET',
    path: `${STRENGTH_ROOT}/authenticationMethodModes`,
    permission: READ,
    handler: async ({ base }) => ({
      body: {
        '@odata.context': `${base}/$metadata#identity/conditionalAccess/authenticationStrength/authenticationMethodModes`,
        value: (Object.keys(MODE_NAMES) as MethodMode[]).map((id) => ({
          id,
          displayName: MODE_NAMES[id],
          authenticationMethod: BASE_METHOD[methodOfMode(id)],
        })),
      },
    }),
  },
];
