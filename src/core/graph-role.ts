// Directory roles and role assignments in Graph's shapes (directoryRole, unifiedRoleAssignment). Signet's roles
// are the Entra roles of SPEC §6, each with Entra's role template id. A directoryRole's `id` is an object of the
// tenant, as in Entra: derived from the tenant and the template id, so another tenant's id is never this one's.
// An assignment's `id` names the role and the user (base64url), so no table column is needed for it.
import { createHash } from 'node:crypto';
import { ROLE_TEMPLATE_IDS, type RoleName } from './authorization.ts';
import type { ResourceSpec } from './odata.ts';

export const ROLE_DESCRIPTIONS: Record<RoleName, string> = {
  'Global Administrator':
    'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
  'Privileged Authentication Administrator':
    'Can access to view, set and reset authentication method information for any user (admin or non-admin).',
  'Authentication Administrator':
    'Can access to view, set and reset authentication method information for any non-admin user.',
  'Authentication Policy Administrator':
    'Can create and manage the authentication methods policy, tenant-wide MFA settings, password protection policy, and verifiable credentials.',
  'Conditional Access Administrator': 'Can manage Conditional Access capabilities.',
  'Reports Reader': 'Can read sign-in and audit reports.',
  'Global Reader': 'Can read everything that a Global Administrator can, but not update anything.',
};

export const ROLE_NAMES = Object.keys(ROLE_TEMPLATE_IDS) as RoleName[];

/** The role of a template id (case-insensitive), or undefined. */
export function roleOfTemplateId(templateId: string): RoleName | undefined {
  const lower = templateId.toLowerCase();
  return ROLE_NAMES.find((r) => ROLE_TEMPLATE_IDS[r] === lower);
}

/** The tenant's directoryRole object id for a role: a stable GUID of (tenant, template id). */
export function directoryRoleId(tenantId: string, role: RoleName): string {
  const h = createHash('sha256').update(`signet directoryRole\0${tenantId}\0${ROLE_TEMPLATE_IDS[role]}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The role whose directoryRole id (of this tenant) this is, or undefined. */
export function roleOfDirectoryRoleId(tenantId: string, id: string): RoleName | undefined {
  const lower = id.toLowerCase();
  return ROLE_NAMES.find((r) => directoryRoleId(tenantId, r) === lower);
}

export function toGraphDirectoryRole(tenantId: string, role: RoleName) {
  return {
    id: directoryRoleId(tenantId, role),
    deletedDateTime: null,
    description: ROLE_DESCRIPTIONS[role],
    displayName: role,
    roleTemplateId: ROLE_TEMPLATE_IDS[role],
  };
}

export interface RoleAssignmentFacts {
  userId: string;
  role: RoleName;
}

/** The assignment id: base64url of `{template id}:{user id}`. */
export function roleAssignmentId(a: RoleAssignmentFacts): string {
  return Buffer.from(`${ROLE_TEMPLATE_IDS[a.role]}:${a.userId}`).toString('base64url');
}

/** The role and user an assignment id names, or undefined for one that is not an assignment id. */
export function parseRoleAssignmentId(id: string): RoleAssignmentFacts | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(id)) return undefined;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const [template, userId, ...rest] = text.split(':');
  const role = template ? roleOfTemplateId(template) : undefined;
  if (!role || !userId || rest.length > 0 || roleAssignmentId({ role, userId }) !== id) return undefined;
  return { role, userId };
}

const ROLE_ASSIGNMENT_PROPERTIES = ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId'] as const;

/**
 * `$top`, `$skiptoken` and `$select` of the assignments list; its `$filter` (principalId eq, roleDefinitionId eq,
 * as Graph allows) is parseRoleAssignmentFilter's, so none is declared here.
 */
export const roleAssignmentQuerySpec: ResourceSpec = { properties: {}, selectable: [...ROLE_ASSIGNMENT_PROPERTIES] };

export function toGraphRoleAssignment(a: RoleAssignmentFacts, select?: readonly string[]) {
  const full = {
    id: roleAssignmentId(a),
    principalId: a.userId,
    roleDefinitionId: ROLE_TEMPLATE_IDS[a.role],
    directoryScopeId: '/',
  };
  if (!select) return full;
  return Object.fromEntries(ROLE_ASSIGNMENT_PROPERTIES.filter((k) => select.includes(k)).map((k) => [k, full[k]]));
}

type Refusal = { ok: false; code: 'REQUEST_INVALID' | 'GRAPH_QUERY_INVALID'; detail: Record<string, string> };

/** POST /roleManagement/directory/roleAssignments: principalId, roleDefinitionId (a template id), scope "/". */
export function parseRoleAssignmentCreate(body: unknown): { ok: true; value: RoleAssignmentFacts } | Refusal {
  const invalid = (field: string, reason: string): Refusal => ({
    ok: false,
    code: 'REQUEST_INVALID',
    detail: { field, reason },
  });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('body', 'not an object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b))
    if (!['@odata.type', 'principalId', 'roleDefinitionId', 'directoryScopeId'].includes(k))
      return invalid(k, 'not a property Signet accepts here');
  if (typeof b.principalId !== 'string' || b.principalId === '') return invalid('principalId', 'required string');
  if (typeof b.roleDefinitionId !== 'string') return invalid('roleDefinitionId', 'required string');
  const role = roleOfTemplateId(b.roleDefinitionId);
  if (!role) return invalid('roleDefinitionId', `not a role template id of ${ROLE_NAMES.join(', ')}`);
  if (b.directoryScopeId !== undefined && b.directoryScopeId !== '/')
    return invalid('directoryScopeId', 'only "/" (the whole tenant) is supported');
  return { ok: true, value: { userId: b.principalId, role } };
}

export interface RoleAssignmentFilter {
  principalId?: string;
  role?: RoleName;
  /** A roleDefinitionId that names no role: nothing matches. */
  none?: true;
}

/** `$filter=principalId eq '…'`, `roleDefinitionId eq '…'`, or both joined by `and`. */
export function parseRoleAssignmentFilter(filter: unknown): { ok: true; value: RoleAssignmentFilter } | Refusal {
  const bad = (reason: string): Refusal => ({
    ok: false,
    code: 'GRAPH_QUERY_INVALID',
    detail: { parameter: '$filter', reason },
  });
  if (filter === undefined) return { ok: true, value: {} };
  if (typeof filter !== 'string') return bad('given more than once');
  const out: RoleAssignmentFilter = {};
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const m = /^(principalId|roleDefinitionId)\s+eq\s+'((?:[^']|'')*)'$/i.exec(clause.trim());
    if (!m) return bad("only principalId eq '…' and roleDefinitionId eq '…', joined by and, are supported");
    const value = m[2]!.replaceAll("''", "'");
    if (m[1]!.toLowerCase() === 'principalid') out.principalId = value;
    else {
      const role = roleOfTemplateId(value);
      if (role) out.role = role;
      else out.none = true;
    }
  }
  return { ok: true, value: out };
}
