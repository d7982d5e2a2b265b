// Graph's identity/conditionalAccess (graph.md §5): policies (the grant's strength expanded, as Graph answers it),
// named locations (ipNamedLocation), authentication context class references (created by PATCH, as Graph does) and
// What If (evaluate). Reads come from the tenant's cached documents; writes go through flows/conditional-access.ts.
// Signet's one addition: `?signetConfirmLockout=true` on a policy POST or PATCH saves a policy that would lock out
// every Global Administrator (Graph has no such guard, so it has no such parameter).
import type { RoutePermission } from '../../core/authorization.ts';
import { toGraphAuthContext, toGraphNamedLocation } from '../../core/ca-location-schemas.ts';
import { toGraphPolicy } from '../../core/ca-policy-schemas.ts';
import { analysisReasonsText, judgeWhatIfRequest } from '../../core/ca-whatif.ts';
import type { CaPolicy } from '../../core/conditional-access.ts';
import { SignetError } from '../../core/errors.ts';
import { toGraphStrength } from '../../core/strength-schemas.ts';
import type { AuthenticationStrength } from '../../core/strengths.ts';
import {
  createNamedLocation,
  deleteAuthContext,
  deleteNamedLocation,
  getAuthContext,
  getNamedLocation,
  updateNamedLocation,
  upsertAuthContext,
} from '../../flows/ca-locations-contexts.ts';
import * as ca from '../../flows/conditional-access.ts';
import { strengthsOf } from '../../flows/strengths.ts';
import type { GraphCall, GraphRoute } from './route.ts';

// Graph: Policy.Read.ConditionalAccess (least), Policy.Read.All, Policy.ReadWrite.ConditionalAccess read, delegated
// with Global Reader or Conditional Access Administrator (Security Reader and Security Administrator are roles
// Signet does not have); writes Policy.ReadWrite.ConditionalAccess with Conditional Access Administrator (Global
// Administrator always counts).
const READ: RoutePermission = {
  application: ['Policy.Read.ConditionalAccess', 'Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'],
  delegated: {
    scopes: ['Policy.Read.ConditionalAccess', 'Policy.Read.All', 'Policy.ReadWrite.ConditionalAccess'],
    roles: ['Global Reader', 'Conditional Access Administrator'],
  },
};
const WRITE: RoutePermission = {
  application: ['Policy.ReadWrite.ConditionalAccess'],
  delegated: { scopes: ['Policy.ReadWrite.ConditionalAccess'], roles: ['Conditional Access Administrator'] },
};
const VERSIONS = ['v1.0', 'beta'] as const;
const ROOT = '/identity/conditionalAccess';

const graphPolicy = (p: CaPolicy, strengths: ReadonlyMap<string, AuthenticationStrength>) =>
  toGraphPolicy(p, (id) => {
    const s = strengths.get(id);
    return s ? toGraphStrength(s) : null;
  });

function confirmed(call: GraphCall): boolean {
  const q = (call.req.query ?? {}) as Record<string, unknown>;
  return String(q.signetConfirmLockout ?? '').toLowerCase() === 'true';
}

export const conditionalAccessRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: `${ROOT}/policies`,
    versions: VERSIONS,
    permission: READ,
    handler: async ({ ctx, tenant, base }) => {
      const [docs, strengths] = await Promise.all([ca.caSnapshotOf(ctx, tenant.id), strengthsOf(ctx, tenant.id)]);
      return {
        body: {
          '@odata.context': `${base}/$metadata#identity/conditionalAccess/policies`,
          value: docs.policies.map((p) => graphPolicy(p, strengths)),
        },
      };
    },
  },
  {
    method: 'POST',
    path: `${ROOT}/policies`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      const p = await ca.createPolicy(call.ctx, call.tenant, call.principal, call.req.body, {
        confirmLockout: confirmed(call),
      });
      const strengths = await strengthsOf(call.ctx, call.tenant.id);
      return {
        status: 201,
        body: {
          '@odata.context': `${call.base}/$metadata#identity/conditionalAccess/policies/$entity`,
          ...graphPolicy(p, strengths),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/policies/:id`,
    versions: VERSIONS,
    permission: READ,
    handler: async ({ ctx, tenant, base, params }) => {
      const [p, strengths] = await Promise.all([
        ca.getPolicy(ctx, tenant.id, params.id ?? ''),
        strengthsOf(ctx, tenant.id),
      ]);
      return {
        body: {
          '@odata.context': `${base}/$metadata#identity/conditionalAccess/policies/$entity`,
          ...graphPolicy(p, strengths),
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: `${ROOT}/policies/:id`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      await ca.updatePolicy(call.ctx, call.tenant, call.principal, call.params.id ?? '', call.req.body, {
        confirmLockout: confirmed(call),
      });
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/policies/:id`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      await ca.deletePolicy(call.ctx, call.tenant, call.principal, call.params.id ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/namedLocations`,
    versions: VERSIONS,
    permission: READ,
    handler: async ({ ctx, tenant, base }) => {
      const docs = await ca.caSnapshotOf(ctx, tenant.id);
      return {
        body: {
          '@odata.context': `${base}/$metadata#identity/conditionalAccess/namedLocations`,
          value: docs.namedLocations.map((l) => toGraphNamedLocation(l, l.createdAt, l.modifiedAt)),
        },
      };
    },
  },
  {
    method: 'POST',
    path: `${ROOT}/namedLocations`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      const l = await createNamedLocation(call.ctx, call.tenant, call.principal, call.req.body);
      return {
        status: 201,
        body: {
          '@odata.context': `${call.base}/$metadata#identity/conditionalAccess/namedLocations/$entity`,
          ...toGraphNamedLocation(l, l.createdAt, l.modifiedAt),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/namedLocations/:id`,
    versions: VERSIONS,
    permission: READ,
    handler: async ({ ctx, tenant, base, params }) => {
      const l = await getNamedLocation(ctx, tenant.id, params.id ?? '');
      return {
        body: {
          '@odata.context': `${base}/$metadata#identity/conditionalAccess/namedLocations/$entity`,
          ...toGraphNamedLocation(l, l.createdAt, l.modifiedAt),
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: `${ROOT}/namedLocations/:id`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      await updateNamedLocation(call.ctx, call.tenant, call.principal, call.params.id ?? '', call.req.body);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/namedLocations/:id`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      await deleteNamedLocation(call.ctx, call.tenant, call.principal, call.params.id ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/authenticationContextClassReferences`,
    versions: VERSIONS,
    permission: READ,
    handler: async ({ ctx, tenant, base }) => {
      const docs = await ca.caSnapshotOf(ctx, tenant.id);
      return {
        body: {
          '@odata.context': `${base}/$metadata#identity/conditionalAccess/authenticationContextClassReferences`,
          value: docs.authContexts.map(toGraphAuthContext),
        },
      };
    },
  },
  {
    method: 'GET',
    path: `${ROOT}/authenticationContextClassReferences/:id`,
    versions: VERSIONS,
    permission: READ,
    handler: async ({ ctx, tenant, base, params }) => {
      const c = await getAuthContext(ctx, tenant.id, params.id ?? '');
      return {
        body: {
          '@odata.context': `${base}/$metadata#identity/conditionalAccess/authenticationContextClassReferences/$entity`,
          ...toGraphAuthContext(c),
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: `${ROOT}/authenticationContextClassReferences/:id`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      await upsertAuthContext(call.ctx, call.tenant, call.principal, call.params.id ?? '', call.req.body);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    path: `${ROOT}/authenticationContextClassReferences/:id`,
    versions: VERSIONS,
    permission: WRITE,
    handler: async (call) => {
      await deleteAuthContext(call.ctx, call.tenant, call.principal, call.params.id ?? '');
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    path: `${ROOT}/evaluate`,
    versions: VERSIONS,
    permission: READ,
    handler: async (call) => {
      const r = judgeWhatIfRequest(call.req.body);
      if (!r.ok) throw new SignetError(r.code, r.detail);
      const { results, strengths } = await ca.evaluateWhatIf(call.ctx, call.tenant, r.value);
      return {
        body: {
          '@odata.context': `${call.base}/$metadata#Collection(microsoft.graph.whatIfAnalysisResult)`,
          value: results.map((w) => ({
            ...graphPolicy(w.policy, strengths),
            policyApplies: w.policyApplies,
            analysisReasons: analysisReasonsText(w.analysisReasons),
          })),
        },
      };
    },
  },
];
