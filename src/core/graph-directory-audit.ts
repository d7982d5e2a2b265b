// An audit log row as Graph's `directoryAudit` resource, and the OData options `GET /auditLogs/directoryAudits`
// allows. The row's detail holds `name.oldValue` / `name.newValue` pairs for what changed; those become the target's
// `modifiedProperties` (values JSON-encoded in an array, as Entra writes them); other detail keys are
// `additionalDetails`.
import type { CollectionQuery, ResourceSpec } from './odata.ts';

/** What the mapping needs of a stored audit row (src/store/logs.ts `AuditRecord` satisfies it). */
export interface AuditFacts {
  id: string;
  /** Epoch milliseconds. */
  createdAt: number;
  actorType: 'user' | 'app' | 'system';
  actorId: string | null;
  activity: string;
  targetType: string;
  targetId: string | null;
  detail: Readonly<Record<string, string>>;
}

/** Names the row only refers to, looked up by the edge (absent when the actor or target is gone). */
export interface AuditNames {
  actor?: { displayName: string; userPrincipalName?: string };
  target?: { displayName: string; userPrincipalName?: string };
}

export const DIRECTORY_AUDIT_PROPERTIES = [
  'id',
  'activityDateTime',
  'activityDisplayName',
  'category',
  'loggedByService',
  'operationType',
  'result',
  'resultReason',
  'initiatedBy',
  'targetResources',
  'additionalDetails',
] as const;

export const directoryAuditQuerySpec: ResourceSpec = {
  properties: {
    id: { type: 'string', filter: ['eq'] },
    activityDateTime: { type: 'datetime', filter: ['eq', 'ge', 'le', 'gt', 'lt'] },
    activityDisplayName: { type: 'string', filter: ['eq', 'startswith'] },
    category: { type: 'string', filter: ['eq'] },
    'initiatedBy/user/id': { type: 'string', filter: ['eq'] },
    'initiatedBy/app/appId': { type: 'string', filter: ['eq'] },
  },
  selectable: DIRECTORY_AUDIT_PROPERTIES,
};

const TARGETS: Record<string, { type: string; category: string }> = {
  user: { type: 'User', category: 'UserManagement' },
  group: { type: 'Group', category: 'GroupManagement' },
  app: { type: 'App', category: 'ApplicationManagement' },
  role: { type: 'Role', category: 'RoleManagement' },
  policy: { type: 'Policy', category: 'Policy' },
  passkey: { type: 'User', category: 'UserManagement' },
  tap: { type: 'User', category: 'UserManagement' },
};

/** Graph's category of an audit row by what it changed; `Other` for kinds Signet adds later. */
export const auditCategory = (targetType: string) => TARGETS[targetType]?.category ?? 'Other';

/** Graph's operationType, read from the activity's verb. */
export function operationType(activity: string): 'Add' | 'Update' | 'Delete' | 'Assign' | 'Unassign' {
  const verb = activity.split(' ')[0]?.toLowerCase() ?? '';
  if (['add', 'create', 'register', 'issue'].includes(verb)) return 'Add';
  if (['delete', 'remove'].includes(verb)) return 'Delete';
  if (verb === 'grant' || verb === 'assign') return 'Assign';
  if (verb === 'revoke' || verb === 'unassign') return 'Unassign';
  return 'Update';
}

export interface ModifiedProperty {
  displayName: string;
  oldValue: string | null;
  newValue: string | null;
}

/** Splits a row's detail into changed properties (old/new pairs) and the other facts. */
export function modifiedProperties(detail: Readonly<Record<string, string>>): {
  modified: ModifiedProperty[];
  other: { key: string; value: string }[];
} {
  const modified = new Map<string, ModifiedProperty>();
  const other: { key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(detail)) {
    const m = /^(.+)\.(oldValue|newValue)$/.exec(key);
    if (!m) {
      other.push({ key, value });
      continue;
    }
    const p = modified.get(m[1]!) ?? { displayName: m[1]!, oldValue: null, newValue: null };
    p[m[2] as 'oldValue' | 'newValue'] = JSON.stringify([value]);
    modified.set(m[1]!, p);
  }
  return { modified: [...modified.values()], other };
}

export function toGraphDirectoryAudit(
  a: AuditFacts,
  names: AuditNames = {},
  select?: readonly string[],
): Record<string, unknown> {
  const { modified, other } = modifiedProperties(a.detail);
  // A creation's facts are its new values, as Entra lists them for "Add user".
  const creation = operationType(a.activity) === 'Add' && modified.length === 0;
  const initiatedBy =
    a.actorType === 'user'
      ? {
          user: {
            id: a.actorId,
            displayName: names.actor?.displayName ?? null,
            userPrincipalName: names.actor?.userPrincipalName ?? null,
            ipAddress: null,
          },
          app: null,
        }
      : a.actorType === 'app'
        ? {
            user: null,
            app: { appId: a.actorId, displayName: names.actor?.displayName ?? null, servicePrincipalId: a.actorId },
          }
        : { user: null, app: { appId: null, displayName: 'Signet', servicePrincipalId: null } };
  const full: Record<string, unknown> = {
    id: a.id,
    activityDateTime: new Date(a.createdAt).toISOString(),
    activityDisplayName: a.activity,
    category: auditCategory(a.targetType),
    loggedByService: 'Core Directory',
    operationType: operationType(a.activity),
    result: 'success',
    resultReason: '',
    initiatedBy,
    targetResources: [
      {
        id: a.targetId,
        displayName: names.target?.displayName ?? null,
        type: TARGETS[a.targetType]?.type ?? 'Other',
        userPrincipalName: names.target?.userPrincipalName ?? null,
        modifiedProperties: creation
          ? other.map((o) => ({ displayName: o.key, oldValue: null, newValue: JSON.stringify([o.value]) }))
          : modified,
      },
    ],
    additionalDetails: creation ? [] : other,
  };
  if (!select) return full;
  return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
}

export const directoryAuditCollectionContext = (graphBase: string) =>
  `${graphBase}/$metadata#auditLogs/directoryAudits`;
export const directoryAuditEntityContext = (graphBase: string) =>
  `${graphBase}/$metadata#auditLogs/directoryAudits/$entity`;

export function graphDirectoryAuditCollection(p: {
  graphBase: string;
  query: Pick<CollectionQuery, 'select'>;
  rows: readonly { record: AuditFacts; names: AuditNames }[];
  count?: number;
  nextLink?: string;
}): Record<string, unknown> {
  return {
    '@odata.context': directoryAuditCollectionContext(p.graphBase),
    ...(p.count === undefined ? {} : { '@odata.count': p.count }),
    value: p.rows.map((r) => toGraphDirectoryAudit(r.record, r.names, p.query.select)),
    ...(p.nextLink === undefined ? {} : { '@odata.nextLink': p.nextLink }),
  };
}
