// Who may call a Graph route: a pure decision over the caller (an app's token or a signed-in user's) and the
// permission the route declares. The Graph plugin (src/http/graph) asks it for every request; the What If of
// "who may do this" is this call too.
import { allow, type Decision, deny } from './errors.ts';

/** Entra's directory role template ids (the `wids` claim; the same in every tenant). */
export const ROLE_TEMPLATE_IDS = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Privileged Authentication Administrator': '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
  'Authentication Administrator': 'c4e39bd9-1100-46d3-8c65-fb160da0071f',
  'Authentication Policy Administrator': '0526716b-113d-4c15-b2c8-68e3c22b9f80',
  'Conditional Access Administrator': 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
  'Reports Reader': '4a5d8f65-41da-4de4-8968-e035b65339cf',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
} as const;
export type RoleName = keyof typeof ROLE_TEMPLATE_IDS;

/** The application permissions an app can be granted (the `roles` claim of its client-credentials tokens). */
export const APPLICATION_PERMISSIONS = [
  'User.ReadWrite.All',
  'User.Read.All',
  'Group.ReadWrite.All',
  'UserAuthenticationMethod.ReadWrite.All',
  'UserAuthMethod-Passkey.ReadWrite.All',
  'Policy.ReadWrite.AuthenticationMethod',
  'Policy.Read.All',
  'Policy.ReadWrite.ConditionalAccess',
  'Policy.Read.ConditionalAccess',
  'AuditLog.Read.All',
  'Reports.Read.All',
  'Application.ReadWrite.All',
  'Organization.Read.All',
  'RoleManagement.ReadWrite.Directory',
] as const;
export type ApplicationPermission = (typeof APPLICATION_PERMISSIONS)[number];

/** The permission's canonical spelling (Graph's names are case-insensitive), or undefined for an unknown one. */
export function canonicalPermission(name: string): ApplicationPermission | undefined {
  const lower = name.toLowerCase();
  return APPLICATION_PERMISSIONS.find((p) => p.toLowerCase() === lower);
}

/**
 * The delegated scopes Signet knows (the `scp` claim of a signed-in user's token): every Graph permission name,
 * Graph's `User.Read` (the user's own profile), and our own low-privilege `UserAuthenticationMethod.ReadWrite`
 * (the user's own methods). A scope only opens a route together with one of the user's roles.
 */
export const DELEGATED_SCOPES = [
  'User.Read',
  'UserAuthenticationMethod.ReadWrite',
  ...APPLICATION_PERMISSIONS,
] as const;
export type DelegatedScope = (typeof DELEGATED_SCOPES)[number];

/** The delegated scope's canonical spelling, or undefined for one Signet does not know. */
export function canonicalDelegatedScope(name: string): DelegatedScope | undefined {
  const lower = name.toLowerCase();
  return DELEGATED_SCOPES.find((s) => s.toLowerCase() === lower);
}

/** The role template ids (`wids`) of a user's roles, sorted; names that are not a known role are left out. */
export function roleTemplateIdsOf(roleNames: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const r of roleNames) if (Object.hasOwn(ROLE_TEMPLATE_IDS, r)) ids.add(ROLE_TEMPLATE_IDS[r as RoleName]);
  return [...ids].sort();
}

/** What a route declares: the application permissions, and the delegated scopes plus roles, that allow it. */
export interface RoutePermission {
  application: readonly ApplicationPermission[];
  delegated: {
    scopes: readonly string[];
    /** Any of these roles (Global Administrator always counts); `anyUser`: no directory role needed. */
    roles: readonly RoleName[] | 'anyUser';
  };
}

export type Principal =
  | { kind: 'application'; tenantId: string; appId: string; roles: readonly string[] }
  | {
      kind: 'delegated';
      tenantId: string;
      userId: string;
      scopes: readonly string[];
      roleTemplateIds: readonly string[];
      /** The app the user signed in to (the token's `azp`). */
      clientId?: string;
      /** The Signet session the token was issued from (`signet_sid`), when the token carries it. */
      sessionId?: string;
    };

const lowerSet = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));

/** Why a declaration allows nobody (the server refuses to start with one), or undefined when it is sound. */
export function declarationProblem(p: RoutePermission | undefined): string | undefined {
  if (!p) return 'no permission declared';
  if (p.application.length === 0 && p.delegated.scopes.length === 0) return 'no permission allows it';
  if (p.delegated.scopes.length > 0 && Array.isArray(p.delegated.roles) && p.delegated.roles.length === 0)
    return 'delegated scopes without any role';
  for (const a of p.application) if (!canonicalPermission(a)) return `unknown application permission ${a}`;
  for (const d of p.delegated.scopes) if (!canonicalDelegatedScope(d)) return `unknown delegated scope ${d}`;
  return undefined;
}

/**
 * Allows the call when the principal belongs to the tenant the route acts on and carries what the route
 * declares: for an app, one of the application permissions; for a user, one of the scopes and one of the roles.
 */
export function authorize(principal: Principal, tenantId: string, permission: RoutePermission): Decision {
  if (principal.tenantId !== tenantId) return deny('GRAPH_TOKEN_INVALID', { reason: 'token of another tenant' });
  if (principal.kind === 'application') {
    const held = lowerSet(principal.roles);
    if (permission.application.some((p) => held.has(p.toLowerCase()))) return allow;
    if (!permission.application.length)
      // No permission to grant would help (Graph answers "/me request is only valid with delegated authentication flow").
      return deny('GRAPH_PERMISSION_DENIED', {
        required: '(delegated access only)',
        reason: 'this route acts for the signed-in user: call it with a token from a user sign-in, or use /users/{id}',
      });
    return deny('GRAPH_PERMISSION_DENIED', { required: permission.application.join(' or ') });
  }
  const scopes = lowerSet(principal.scopes);
  if (!permission.delegated.scopes.some((s) => scopes.has(s.toLowerCase())))
    return deny('GRAPH_PERMISSION_DENIED', {
      required: permission.delegated.scopes.length ? permission.delegated.scopes.join(' or ') : '(application only)',
    });
  const { roles } = permission.delegated;
  if (roles === 'anyUser') return allow;
  const wids = new Set(principal.roleTemplateIds.map((w) => w.toLowerCase()));
  if (wids.has(ROLE_TEMPLATE_IDS['Global Administrator'])) return allow;
  if (roles.some((r) => wids.has(ROLE_TEMPLATE_IDS[r]))) return allow;
  return deny('GRAPH_PERMISSION_DENIED', { requiredRole: roles.join(' or ') });
}
