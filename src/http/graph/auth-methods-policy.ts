// Graph's authentication methods policy: the root (`policies/authenticationMethodsPolicy`, its configurations
// expanded as Graph does) and each method's configuration (Fido2, TemporaryAccessPass, Email, SoftwareOath,
// Password; the id in any letter case). GET reads the tenant's cached documents; PATCH (204) goes through
// flows/method-policy.ts, which judges the body with the method's schema and rules.
import type { RoutePermission } from '../../core/authorization.ts';
import { SignetError } from '../../core/errors.ts';
import { isoUtc } from '../../core/graph-user.ts';
import {
  METHOD_IDS,
  type MethodDocuments,
  type MethodId,
  methodIdOf,
  toGraphMethodConfiguration,
} from '../../core/method-policy-schemas.ts';
import { methodPolicies, updateMethodConfiguration, updatePolicyRoot } from '../../flows/method-policy.ts';
import type { GraphCall, GraphRoute } from './route.ts';

// Graph: Policy.Read.AuthenticationMethod (which Signet does not grant), Policy.ReadWrite.AuthenticationMethod and
// Policy.Read.All read; delegated with Global Reader or Authentication Policy Administrator, and Entra lets
// Authentication Administrators see the policy too. Writes: Policy.ReadWrite.AuthenticationMethod with
// Authentication Policy Administrator (Global Administrator always counts).
export const READ: RoutePermission = {
  application: ['Policy.ReadWrite.AuthenticationMethod', 'Policy.Read.All'],
  delegated: {
    scopes: ['Policy.ReadWrite.AuthenticationMethod', 'Policy.Read.All'],
    roles: ['Global Reader', 'Authentication Policy Administrator', 'Authentication Administrator'],
  },
};
const WRITE: RoutePermission = {
  application: ['Policy.ReadWrite.AuthenticationMethod'],
  delegated: { scopes: ['Policy.ReadWrite.AuthenticationMethod'], roles: ['Authentication Policy Administrator'] },
};

const ROOT = '/policies/authenticationMethodsPolicy';
const CONFIG = `${ROOT}/authenticationMethodConfigurations/:configId`;
const DESCRIPTION =
  'The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings';

function methodOf(call: GraphCall): MethodId {
  const m = methodIdOf(call.params.configId ?? '');
  if (!m) throw new SignetError('GRAPH_RESOURCE_NOT_FOUND', { resource: 'authenticationMethodConfiguration' });
  return m;
}

const configurationsContext = (base: string) =>
  `${base}/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations`;

export const authMethodsPolicyRoutes: GraphRoute[] = [
  {
    method: 'GET',
    path: ROOT,
    permission: READ,
    handler: async ({ ctx, tenant, base }) => {
      const p = await methodPolicies(ctx, tenant.id);
      return {
        body: {
          '@odata.context': `${base}/$metadata#policies/authenticationMethodsPolicy`,
          id: 'authenticationMethodsPolicy',
          displayName: 'Authentication Methods Policy',
          description: DESCRIPTION,
          lastModifiedDateTime: isoUtc(p.lastModifiedAt ?? tenant.createdAt),
          policyVersion: '1.5',
          // Signet has no legacy MFA and SSPR policies to migrate from.
          policyMigrationState: 'migrationComplete',
          registrationEnforcement: p.root.registrationEnforcement,
          'authenticationMethodConfigurations@odata.context': configurationsContext(base),
          authenticationMethodConfigurations: METHOD_IDS.map((m) =>
            toGraphMethodConfiguration(m, p.methods[m] as MethodDocuments[typeof m]),
          ),
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: ROOT,
    permission: WRITE,
    handler: async ({ ctx, tenant, principal, req }) => {
      await updatePolicyRoot(ctx, tenant, principal, req.body);
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    path: CONFIG,
    permission: READ,
    handler: async (call) => {
      const m = methodOf(call);
      const p = await methodPolicies(call.ctx, call.tenant.id);
      return {
        body: {
          '@odata.context': `${configurationsContext(call.base)}/$entity`,
          ...toGraphMethodConfiguration(m, p.methods[m]),
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: CONFIG,
    permission: WRITE,
    handler: async (call) => {
      await updateMethodConfiguration(call.ctx, call.tenant, call.principal, methodOf(call), call.req.body);
      return { status: 204 };
    },
  },
];
