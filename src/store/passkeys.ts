import type { Insertable, Selectable } from 'kysely';
import type { AttestationTrust } from '../core/passkey-profile.ts';
import type { Db } from './db.ts';
import { hotInsert } from './hot-insert.ts';
import type { PasskeysTable } from './schema.ts';

export interface Passkey {
  id: string;
  tenantId: string;
  userId: string;
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  alg: number;
  counter: number;
  aaguid: string;
  transports: string[];
  backupEligible: boolean;
  backupState: boolean;
  attestationFormat: string;
  attestationTrust: AttestationTrust;
  displayName: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Set when a verified assertion carried a counter that went backwards: refused until deleted. */
  cloneSuspectedAt: number | null;
}

type Row = Selectable<PasskeysTable>;

const toPasskey = (r: Row): Passkey => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  credentialId: r.credential_id,
  publicKey: r.public_key,
  alg: r.alg,
  counter: r.counter,
  aaguid: r.aaguid,
  transports: JSON.parse(r.transports) as string[],
  backupEligible: r.backup_eligible === 1,
  backupState: r.backup_state === 1,
  attestationFormat: r.attestation_format,
  attestationTrust: r.attestation_trust as AttestationTrust,
  displayName: r.display_name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  cloneSuspectedAt: r.clone_suspected_at,
});

export async function insertPasskey(db: Db, p: Passkey): Promise<void> {
  // On the registration's hot path: compiled once, then only executed.
  await hotInsert(db, 'passkeys', {
    id: p.id,
    tenant_id: p.tenantId,
    user_id: p.userId,
    credential_id: p.credentialId,
    public_key: p.publicKey,
    alg: p.alg,
    counter: p.counter,
    aaguid: p.aaguid,
    transports: JSON.stringify(p.transports),
    backup_eligible: p.backupEligible ? 1 : 0,
    backup_state: p.backupState ? 1 : 0,
    attestation_format: p.attestationFormat,
    attestation_trust: p.attestationTrust,
    display_name: p.displayName,
    created_at: p.createdAt,
    last_used_at: p.lastUsedAt,
  } satisfies Insertable<PasskeysTable>);
}

export async function listPasskeys(db: Db, tenantId: string, userId: string): Promise<Passkey[]> {
  const rows = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
  return rows.map(toPasskey);
}

export async function countPasskeys(db: Db, tenantId: string, userId: string): Promise<number> {
  const r = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findPasskeyByCredentialId(
  db: Db,
  tenantId: string,
  credentialId: string,
): Promise<Passkey | undefined> {
  const r = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return r && toPasskey(r);
}

/**
 * Records a sign-in: compare-and-set on the counter, so two racing assertions with the same counter cannot
 * both advance it. Returns false when the stored counter changed underneath us.
 */
export async function recordPasskeyUse(
  db: Db,
  tenantId: string,
  id: string,
  expectedCounter: number,
  update: { counter: number; backupState: boolean; at: number },
): Promise<boolean> {
  const r = await db
    .updateTable('passkeys')
    .set({ counter: update.counter, backup_state: update.backupState ? 1 : 0, last_used_at: update.at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('counter', '=', expectedCounter)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function markCloneSuspected(db: Db, tenantId: string, id: string, at: number): Promise<void> {
  await db
    .updateTable('passkeys')
    .set({ clone_suspected_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('clone_suspected_at', 'is', null)
    .execute();
}

export async function renamePasskey(
  db: Db,
  tenantId: string,
  userId: string,
  id: string,
  name: string,
): Promise<boolean> {
  const r = await db
    .updateTable('passkeys')
    .set({ display_name: name })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deletePasskey(db: Db, tenantId: string, userId: string, id: string): Promise<boolean> {
  const r = await db
    .deleteFrom('passkeys')
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}
