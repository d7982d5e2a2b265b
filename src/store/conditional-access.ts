// Conditional Access documents: policies (ca_policies, with the strength their grant requires in strength_id),
// named locations and authentication contexts. Every query is in one tenant; every write bumps the tenant's
// 'conditional-access' cache version in its transaction (flows/conditional-access.ts keeps the documents in memory).
import { sql } from 'kysely';
import { ROLE_TEMPLATE_IDS, roleTemplateIdsOf } from '../core/authorization.ts';
import type { AuthContext } from '../core/ca-location-schemas.ts';
import { type CaPolicyFields, readPolicyDocument } from '../core/ca-policy-schemas.ts';
import type { CaPolicy, NamedLocation } from '../core/conditional-access.ts';
import type { AvailableMethod } from '../core/strengths.ts';
import { bumpCacheVersion } from './cache-versions.ts';
import type { Db } from './db.ts';

interface StoreLog {
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** A named location with the times Graph answers. */
export type StoredNamedLocation = NamedLocation & { createdAt: number; modifiedAt: number };

export interface CaDocuments {
  policies: CaPolicy[];
  namedLocations: StoredNamedLocation[];
  authContexts: AuthContext[];
}

const parse = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};

/**
 * Everything of the tenant, in three primary-key range reads. A policy row that fails its reading is logged loudly
 * and read as a block of everyone (fail closed) under its own name, never skipped: a broken policy must not open
 * the door it was meant to guard.
 */
export async function loadCaDocuments(db: Db, tenantId: string, log?: StoreLog): Promise<CaDocuments> {
  const [policyRows, locationRows, contextRows] = await Promise.all([
    db
      .selectFrom('ca_policies')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('named_locations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
    db.selectFrom('auth_contexts').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute(),
  ]);
  const policies = policyRows.map((r): CaPolicy => {
    const read = readPolicyDocument(parse(r.document));
    const times = {
      id: r.id,
      createdAt: Number(r.created_at),
      modifiedAt: r.modified_at === null ? null : Number(r.modified_at),
    };
    if (read.ok) return { ...read.value, ...times };
    log?.error(
      { tenant: tenantId, policy: r.id },
      'stored Conditional Access policy fails its reading: it blocks everyone until written again',
    );
    return { ...failClosed(r.display_name, r.state), ...times };
  });
  const namedLocations = locationRows.flatMap((r): StoredNamedLocation[] => {
    const d = parse(r.document) as Partial<NamedLocation> | undefined;
    if (!d || !Array.isArray(d.ipRanges)) {
      log?.error(
        { tenant: tenantId, namedLocation: r.id },
        'stored named location fails its reading: it holds no address',
      );
      return [
        {
          id: r.id,
          displayName: r.display_name,
          ipRanges: [],
          isTrusted: false,
          createdAt: Number(r.created_at),
          modifiedAt: Number(r.modified_at),
        },
      ];
    }
    return [
      {
        id: r.id,
        displayName: r.display_name,
        ipRanges: d.ipRanges,
        isTrusted: d.isTrusted === true,
        createdAt: Number(r.created_at),
        modifiedAt: Number(r.modified_at),
      },
    ];
  });
  const authContexts = contextRows.map((r) => ({
    id: r.id,
    displayName: r.display_name,
    description: r.description,
    isAvailable: Number(r.is_available) === 1,
  }));
  return { policies, namedLocations, authContexts };
}

function failClosed(displayName: string, state: string): CaPolicyFields {
  return {
    displayName,
    state: state === 'disabled' || state === 'enabledForReportingButNotEnforced' ? state : 'enabled',
    conditions: {
      users: {
        includeUsers: ['All'],
        excludeUsers: [],
        includeGroups: [],
        excludeGroups: [],
        includeRoles: [],
        excludeRoles: [],
      },
      applications: {
        includeApplications: ['All'],
        excludeApplications: [],
        includeAuthenticationContextClassReferences: [],
        includeUserActions: [],
      },
      clientAppTypes: ['all'],
      locations: null,
    },
    grantControls: { operator: 'OR', builtInControls: ['block'], authenticationStrengthId: null },
    sessionControls: null,
  };
}

const documentOf = (p: CaPolicy) => {
  const { id: _id, createdAt: _c, modifiedAt: _m, ...fields } = p;
  return JSON.stringify(fields);
};

export async function insertPolicy(db: Db, tenantId: string, p: CaPolicy): Promise<void> {
  await db
    .insertInto('ca_policies')
    .values({
      tenant_id: tenantId,
      id: p.id,
      display_name: p.displayName,
      state: p.state,
      strength_id: p.grantControls?.authenticationStrengthId ?? null,
      document: documentOf(p),
      created_at: p.createdAt,
      modified_at: p.modifiedAt,
    })
    .execute();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
}

export async function updatePolicy(db: Db, tenantId: string, p: CaPolicy): Promise<boolean> {
  const r = await db
    .updateTable('ca_policies')
    .set({
      display_name: p.displayName,
      state: p.state,
      strength_id: p.grantControls?.authenticationStrengthId ?? null,
      document: documentOf(p),
      modified_at: p.modifiedAt,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', p.id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numUpdatedRows) === 1;
}

export async function deletePolicy(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('ca_policies')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numDeletedRows) === 1;
}

export async function insertNamedLocation(db: Db, tenantId: string, l: StoredNamedLocation): Promise<void> {
  await db
    .insertInto('named_locations')
    .values({
      tenant_id: tenantId,
      id: l.id,
      display_name: l.displayName,
      document: JSON.stringify({ ipRanges: l.ipRanges, isTrusted: l.isTrusted }),
      created_at: l.createdAt,
      modified_at: l.modifiedAt,
    })
    .execute();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
}

export async function updateNamedLocation(db: Db, tenantId: string, l: StoredNamedLocation): Promise<boolean> {
  const r = await db
    .updateTable('named_locations')
    .set({
      display_name: l.displayName,
      document: JSON.stringify({ ipRanges: l.ipRanges, isTrusted: l.isTrusted }),
      modified_at: l.modifiedAt,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', l.id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteNamedLocation(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('named_locations')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numDeletedRows) === 1;
}

export async function upsertAuthContext(db: Db, tenantId: string, c: AuthContext): Promise<void> {
  const values = { display_name: c.displayName, description: c.description, is_available: c.isAvailable ? 1 : 0 };
  await db
    .insertInto('auth_contexts')
    .values({ tenant_id: tenantId, id: c.id, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'id']).doUpdateSet(values))
    .execute();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
}

export async function deleteAuthContext(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('auth_contexts')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numDeletedRows) === 1;
}

/** The ids (lower case) among `ids` of this tenant's users, or of its groups. */
export async function existingIds(
  db: Db,
  tenantId: string,
  table: 'users' | 'groups',
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.id.toLowerCase()));
}

/** A user's groups (direct: Signet's groups hold users only, so these are the transitive ones) and roles, in one query. */
export async function groupsAndRolesOf(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<{ groupIds: string[]; roleTemplateIds: string[] }> {
  const rows = await db
    .selectFrom('group_members')
    .select([sql<string>`lower(group_id)`.as('v'), sql<string>`'g'`.as('kind')])
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .unionAll(
      db
        .selectFrom('role_assignments')
        .select(['role as v', sql<string>`'r'`.as('kind')])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId),
    )
    .execute();
  return {
    groupIds: rows.filter((r) => r.kind === 'g').map((r) => r.v),
    roleTemplateIds: roleTemplateIdsOf(rows.filter((r) => r.kind === 'r').map((r) => r.v)),
  };
}

/** The enabled Global Administrators with their groups and registered methods (for the lockout guard). */
export async function globalAdministrators(
  db: Db,
  tenantId: string,
  now: number,
): Promise<{ userId: string; groupIds: string[]; roleTemplateIds: string[]; available: AvailableMethod[] }[]> {
  const admins = await db
    .selectFrom('role_assignments')
    .innerJoin('users', (j) =>
      j.onRef('users.id', '=', 'role_assignments.user_id').onRef('users.tenant_id', '=', 'role_assignments.tenant_id'),
    )
    .select('users.id')
    .where('role_assignments.tenant_id', '=', tenantId)
    .where('role_assignments.role', '=', 'Global Administrator')
    .where('users.enabled', '=', 1)
    .execute();
  const out = [];
  for (const { id } of admins) {
    const [gr, passkeys, password, totp, email, taps] = await Promise.all([
      groupsAndRolesOf(db, tenantId, id),
      db
        .selectFrom('passkeys')
        .select(['aaguid', 'backup_eligible', 'attestation_trust'])
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', id)
        .execute(),
      db
        .selectFrom('password_credentials')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', id)
        .executeTakeFirst(),
      db
        .selectFrom('totp_methods')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', id)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst(),
      db
        .selectFrom('email_methods')
        .select('user_id')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', id)
        .executeTakeFirst(),
      db
        .selectFrom('taps')
        .select('one_time')
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .execute(),
    ]);
    const available: AvailableMethod[] = passkeys.map((p) => ({
      method: 'passkey' as const,
      passkey: {
        aaguid: p.aaguid.toLowerCase(),
        type: Number(p.backup_eligible) === 1 ? ('synced' as const) : ('deviceBound' as const),
        attestation: p.attestation_trust as NonNullable<AvailableMethod['passkey']>['attestation'],
      },
    }));
    if (password) available.push({ method: 'password' });
    if (totp) available.push({ method: 'softwareOath' });
    if (email) available.push({ method: 'email' });
    for (const t of taps) available.push({ method: 'temporaryAccessPass', tap: { oneTime: Number(t.one_time) === 1 } });
    out.push({
      userId: id,
      ...gr,
      roleTemplateIds: gr.roleTemplateIds.length ? gr.roleTemplateIds : [ROLE_TEMPLATE_IDS['Global Administrator']],
      available,
    });
  }
  return out;
}
