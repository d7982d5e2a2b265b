// Per-tenant token signing keys, sealed at rest with a key derived from the instance secret (JWE, dir+A256GCM).
import { hkdfSync } from 'node:crypto';
import {
  CompactEncrypt,
  compactDecrypt,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { type CacheVersions, isStale } from '../core/cache-staleness.ts';
import { cacheVersionWatch } from '../store/cache-versions.ts';
import type { Db } from '../store/db.ts';
import { insertSigningKey, listSigningKeys } from '../store/signing-keys.ts';
import type { Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

function sealingKey(secret: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'signet', 'signing-key-encryption', 32));
}

export async function createSigningKeys(ctx: Ctx, db: Db, tenantId: string): Promise<void> {
  const key = sealingKey(ctx.config.secret);
  // RS256 is every OIDC client's default; ES256 is there for clients that ask for it.
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = ctx.randomBytes(16).toString('base64url');
    const priv = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
    const pub = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(priv)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
      .encrypt(key);
    await insertSigningKey(db, {
      kid,
      tenantId,
      alg,
      publicJwk: JSON.stringify(pub),
      privateJwkEncrypted: sealed,
      createdAt: ctx.now(),
      retiredAt: null,
    });
  }
}

/** The tenant's private JWKs, newest first, for oidc-provider's `jwks` setting. */
export async function loadPrivateJwks(ctx: Ctx, tenantId: string): Promise<JWK[]> {
  const key = sealingKey(ctx.config.secret);
  const rows = await listSigningKeys(ctx.db, tenantId);
  const out: JWK[] = [];
  for (const r of rows) {
    if (r.retiredAt !== null) continue;
    const { plaintext } = await compactDecrypt(r.privateJwkEncrypted, key, { keyManagementAlgorithms: ['dir'] });
    out.push(JSON.parse(new TextDecoder().decode(plaintext)) as JWK);
  }
  // RS256 first: oidc-provider signs with the first key of the requested alg.
  return out.sort((a, b) => (a.alg === 'RS256' ? -1 : 0) - (b.alg === 'RS256' ? -1 : 0));
}

/**
 * Rotation (`signet keys rotate`): a new key of each algorithm becomes the one tokens are signed with; the old
 * ones stay published (and verify) until retired, so tokens they signed keep working until they expire. Every
 * process signs with and publishes the new keys within a second (the tenant's `signing-keys` version).
 */
export async function rotateSigningKeys(ctx: Ctx, tenant: Tenant): Promise<{ kids: string[] }> {
  const before = new Set((await listSigningKeys(ctx.db, tenant.id)).map((k) => k.kid));
  await ctx.db.transaction().execute((trx) => createSigningKeys(ctx, trx, tenant.id));
  const kids = (await listSigningKeys(ctx.db, tenant.id)).filter((k) => !before.has(k.kid)).map((k) => k.kid);
  return { kids };
}

/** The public half of the tenant's keys (what the JWKS endpoint publishes). */
export async function loadPublicJwks(ctx: Ctx, tenantId: string): Promise<JWK[]> {
  return (await loadPrivateJwks(ctx, tenantId)).map((key) => {
    const pub: JWK = { ...key };
    for (const m of PRIVATE_MEMBERS) delete (pub as Record<string, unknown>)[m];
    return pub;
  });
}

interface KeySet {
  versions: CacheVersions;
  keys: Promise<JWTVerifyGetKey>;
}
const keySets = new WeakMap<Ctx, Map<string, KeySet>>();

/**
 * The tenant's public keys for jose's jwtVerify, kept in memory per process and dropped within a second of a
 * rotation through any process (checked at most once a second per tenant).
 */
export async function verificationKeySet(ctx: Ctx, tenantId: string): Promise<JWTVerifyGetKey> {
  let sets = keySets.get(ctx);
  if (!sets) {
    sets = new Map();
    keySets.set(ctx, sets);
  }
  const versions = await cacheVersionWatch(ctx.db).current(tenantId);
  const hit = sets.get(tenantId);
  if (hit && !isStale(hit.versions, versions, ['signing-keys'])) return hit.keys;
  const keys = loadPublicJwks(ctx, tenantId).then((k) => createLocalJWKSet({ keys: k }));
  const entry = { versions, keys };
  keys.catch(() => sets.get(tenantId) === entry && sets.delete(tenantId));
  sets.set(tenantId, entry);
  return keys;
}
