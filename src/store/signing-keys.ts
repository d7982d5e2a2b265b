import { bumpCacheVersion } from './cache-versions.ts';
import type { Db } from './db.ts';

export interface SigningKey {
  kid: string;
  tenantId: string;
  alg: string;
  publicJwk: string;
  /** The private JWK sealed with the instance secret (AES-256-GCM); never stored in the clear. */
  privateJwkEncrypted: string;
  createdAt: number;
  retiredAt: number | null;
  /** When it starts signing; null: from its creation. Published (and verifying) from its creation either way. */
  signsFrom: number | null;
}

export async function insertSigningKey(db: Db, k: SigningKey): Promise<void> {
  await db
    .insertInto('signing_keys')
    .values({
      kid: k.kid,
      tenant_id: k.tenantId,
      alg: k.alg,
      public_jwk: k.publicJwk,
      private_jwk_encrypted: k.privateJwkEncrypted,
      created_at: k.createdAt,
      retired_at: k.retiredAt,
      // Left out when null, as a store from before 0021 has no such column (and null is its default).
      ...(k.signsFrom === null ? {} : { signs_from: k.signsFrom }),
    })
    .execute();
  await bumpCacheVersion(db, k.tenantId, 'signing-keys');
}

/**
 * Stops publishing and using a key (after the tokens it signed have expired); once only, so two processes
 * retiring it at the same time bump the version once. False when it was already retired (or is not there).
 */
export async function retireSigningKey(db: Db, tenantId: string, kid: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('signing_keys')
    .set({ retired_at: at })
    .where('tenant_id', '=', tenantId)
    .where('kid', '=', kid)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return false;
  await bumpCacheVersion(db, tenantId, 'signing-keys');
  return true;
}

export async function listSigningKeys(db: Db, tenantId: string): Promise<SigningKey[]> {
  const rows = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    kid: r.kid,
    tenantId: r.tenant_id,
    alg: r.alg,
    publicJwk: r.public_jwk,
    privateJwkEncrypted: r.private_jwk_encrypted,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    signsFrom: r.signs_from,
  }));
}
