// Custom authentication strengths (table authentication_strengths: the name and times in columns, the rest as the
// JSON document of core/strength-schemas.ts) and the Conditional Access policies that require one (ca_policies,
// written by the Conditional Access flows). Every write bumps the tenant's 'conditional-access' cache version in its
// transaction, so every process's copy of the strengths (flows/strengths.ts) is read again.
import { readStrengthDocument } from '../core/strength-schemas.ts';
import { type AuthenticationStrength, requirementsOf } from '../core/strengths.ts';
import { bumpCacheVersion } from './cache-versions.ts';
import type { Db } from './db.ts';
import type { Database } from './schema.ts';

interface StrengthLog {
  error(obj: Record<string, unknown>, msg?: string): void;
}

type Row = Database['authentication_strengths'];

function strengthOf(r: Row, log?: StrengthLog): AuthenticationStrength | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(r.document);
  } catch {
    raw = undefined;
  }
  const read = readStrengthDocument(raw);
  if (!read.ok) {
    // A damaged row is left out (a policy requiring it then cannot be satisfied), never a crash.
    log?.error(
      { tenant: r.tenant_id, strength: r.id, ...read.detail },
      'stored authentication strength fails its schema: it is left out until it is written again',
    );
    return undefined;
  }
  const d = read.value;
  return {
    id: r.id,
    displayName: r.display_name,
    description: d.description,
    policyType: 'custom',
    requirementsSatisfied: requirementsOf(d.allowedCombinations),
    allowedCombinations: d.allowedCombinations,
    combinationConfigurations: d.combinationConfigurations,
    createdAt: Number(r.created_at),
    modifiedAt: Number(r.modified_at),
  };
}

const documentOf = (s: AuthenticationStrength) =>
  JSON.stringify({
    description: s.description,
    allowedCombinations: s.allowedCombinations,
    combinationConfigurations: s.combinationConfigurations,
  });

/** The tenant's custom strengths, oldest first. */
export async function listCustomStrengths(
  db: Db,
  tenantId: string,
  log?: StrengthLog,
): Promise<AuthenticationStrength[]> {
  const rows = await db
    .selectFrom('authentication_strengths')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => strengthOf(r, log)).filter((s) => s !== undefined);
}

export async function findCustomStrength(
  db: Db,
  tenantId: string,
  id: string,
  log?: StrengthLog,
): Promise<AuthenticationStrength | undefined> {
  const r = await db
    .selectFrom('authentication_strengths')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id.toLowerCase())
    .executeTakeFirst();
  return r ? strengthOf(r, log) : undefined;
}

export async function countCustomStrengths(db: Db, tenantId: string): Promise<number> {
  const r = await db
    .selectFrom('authentication_strengths')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Whether another custom strength of the tenant has this name, in any letter case. */
export async function strengthNameTaken(db: Db, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db
    .selectFrom('authentication_strengths')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb(eb.fn('lower', ['display_name']), '=', name.toLowerCase()));
  if (exceptId) q = q.where('id', '<>', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function insertStrength(db: Db, tenantId: string, s: AuthenticationStrength): Promise<void> {
  await db
    .insertInto('authentication_strengths')
    .values({
      tenant_id: tenantId,
      id: s.id,
      display_name: s.displayName,
      document: documentOf(s),
      created_at: s.createdAt,
      modified_at: s.modifiedAt,
    })
    .execute();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
}

/** Writes the strength's name, document and modified time; false when it is gone. */
export async function updateStrength(db: Db, tenantId: string, s: AuthenticationStrength): Promise<boolean> {
  const r = await db
    .updateTable('authentication_strengths')
    .set({ display_name: s.displayName, document: documentOf(s), modified_at: s.modifiedAt })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', s.id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numUpdatedRows) === 1;
}

/** Deletes the strength; false when there was none. */
export async function deleteStrength(db: Db, tenantId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('authentication_strengths')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst();
  await bumpCacheVersion(db, tenantId, 'conditional-access');
  return Number(r.numDeletedRows) === 1;
}

export interface StrengthReference {
  id: string;
  displayName: string;
  state: string;
  /** The policy's Graph document as Conditional Access stores it, or undefined when it is not JSON. */
  document: Record<string, unknown> | undefined;
}

/** The Conditional Access policies whose grant requires the strength (ca_policies.strength_id), by name. */
export async function strengthReferences(db: Db, tenantId: string, strengthId: string): Promise<StrengthReference[]> {
  const rows = await db
    .selectFrom('ca_policies')
    .select(['id', 'display_name', 'state', 'document'])
    .where('tenant_id', '=', tenantId)
    .where('strength_id', '=', strengthId.toLowerCase())
    .orderBy('display_name')
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    let document: Record<string, unknown> | undefined;
    try {
      const d = JSON.parse(r.document) as unknown;
      document = typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Record<string, unknown>) : undefined;
    } catch {
      document = undefined;
    }
    return { id: r.id, displayName: r.display_name, state: r.state, document };
  });
}
