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
import { SignetError } from '../core/errors.ts';
import {
  KEY_PUBLICATION_LEAD_MS,
  KEY_RETIREMENT_DELAY_MS,
  keysDueForRetirement,
  keysInForce,
  signingKids,
} from '../core/signing-key-schedule.ts';
import { cacheVersionWatch } from '../store/cache-versions.ts';
import type { Db } from '../store/db.ts';
import { insertSigningKey, listSigningKeys, retireSigningKey } from '../store/signing-keys.ts';
import { listTenants, type Tenant } from '../store/tenants.ts';
import type { Ctx } from './context.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
// RS256 is every OIDC client's default; ES256 is there for clients that ask for it.
const SIGNING_ALGS = ['RS256', 'ES256'] as const;

function sealingKey(secret: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'signet', 'signing-key-encryption', 32));
}

/** A new key of each algorithm, published at once and signing from `signsFrom` (from its creation unless told). */
export async function createSigningKeys(ctx: Ctx, db: Db, tenantId: string, signsFrom?: number): Promise<void> {
  const key = sealingKey(ctx.config.secret);
  for (const alg of SIGNING_ALGS) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = ctx.randomBytes(16).toString('base64url');
    const priv = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
    const pub = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(priv)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
      .encrypt(key);
    const createdAt = ctx.now();
    await insertSigningKey(db, {
      kid,
      tenantId,
      alg,
      publicJwk: JSON.stringify(pub),
      privateJwkEncrypted: sealed,
      createdAt,
      retiredAt: null,
      // Null (the column's meaning: from its creation) unless it waits.
      signsFrom: signsFrom !== undefined && signsFrom > createdAt ? signsFrom : null,
    });
  }
}

/**
 * The tenant's keys in force now, decrypted, those signing now first (oidc-provider's `jwks`), and when that set
 * next changes by itself (a key starts signing, a rotated-out key falls due): one read, so the two agree.
 */
export async function loadSigningKeysInForce(
  ctx: Ctx,
  tenantId: string,
): Promise<{ jwks: JWK[]; nextChangeAt?: number }> {
  const key = sealingKey(ctx.config.secret);
  // A rotated-out key whose tokens have all expired is left out even before it is marked retired.
  const { keys, nextChangeAt } = keysInForce(await listSigningKeys(ctx.db, tenantId), ctx.now());
  const out: JWK[] = [];
  for (const r of keys) {
    const { plaintext } = await compactDecrypt(r.privateJwkEncrypted, key, { keyManagementAlgorithms: ['dir'] });
    out.push(JSON.parse(new TextDecoder().decode(plaintext)) as JWK);
  }
  // In keysInForce's order: the keys signing now first (oidc-provider signs with the first key of an algorithm).
  return { jwks: out, ...(nextChangeAt === undefined ? {} : { nextChangeAt }) };
}

/** The tenant's private JWKs in force, those signing now first, for oidc-provider's `jwks` setting. */
export async function loadPrivateJwks(ctx: Ctx, tenantId: string): Promise<JWK[]> {
  return (await loadSigningKeysInForce(ctx, tenantId)).jwks;
}

/**
 * Rotation (`signet keys rotate`): a new key of each algorithm, published at once and signing from a lead later
 * (KEY_PUBLICATION_LEAD_MS; `immediately` for a key you must stop signing with now, at the cost of verifiers that
 * cached the key set refusing new tokens until they fetch it again). The old keys sign until then, stay published
 * (and verify) until every token they signed has expired (core/signing-key-schedule.ts), then are retired, here at
 * the next rotation or by the maintenance pass — or, with `retireOld` (a key believed compromised; only with
 * `immediately`), at once, so that nothing they signed verifies any longer. Every process publishes the new keys
 * and drops retired ones within a second (the tenant's `signing-keys` version) and signs from `signsFrom` on.
 */
export async function rotateSigningKeys(
  ctx: Ctx,
  tenant: Tenant,
  opts: { immediately?: boolean; retireOld?: boolean } = {},
): Promise<{ kids: string[]; retired: string[]; signsFrom: number; oldKeysUntil: number }> {
  if (opts.retireOld && !opts.immediately)
    throw new SignetError('REQUEST_INVALID', {
      field: '--retire-old',
      reason: 'only with --now: the old keys cannot stop verifying before the new ones sign',
    });
  const now = ctx.now();
  const existing = await listSigningKeys(ctx.db, tenant.id);
  const before = new Set(existing.map((k) => k.kid));
  // With no key of an algorithm signing now (none ever made, or every one withdrawn), there is nothing to wait for.
  const signing = new Set(signingKids(existing, now));
  const everyAlgSigns = SIGNING_ALGS.every((alg) => existing.some((k) => k.alg === alg && signing.has(k.kid)));
  const immediately = opts.immediately === true || !everyAlgSigns;
  const signsFrom = now + (immediately ? 0 : KEY_PUBLICATION_LEAD_MS);
  const made = await ctx.db.transaction().execute(async (trx) => {
    await createSigningKeys(ctx, trx, tenant.id, immediately ? undefined : signsFrom);
    // Signing at once, the new keys end the wait of keys an earlier rotation published: those signed nothing yet, and
    // left in force they would take over when their time came. With retireOld, every earlier key goes.
    const withdraw = existing.filter(
      (k) => k.retiredAt === null && (opts.retireOld || (immediately && (k.signsFrom ?? k.createdAt) > now)),
    );
    const withdrawn: string[] = [];
    for (const k of withdraw) if (await retireSigningKey(trx, tenant.id, k.kid, now)) withdrawn.push(k.kid);
    const kids = (await listSigningKeys(trx, tenant.id)).filter((k) => !before.has(k.kid)).map((k) => k.kid);
    return { kids, withdrawn };
  });
  const retired = [...made.withdrawn, ...(opts.retireOld ? [] : await retireExpiredSigningKeys(ctx, tenant.id))];
  return {
    kids: made.kids,
    retired,
    signsFrom,
    oldKeysUntil: opts.retireOld ? signsFrom : signsFrom + KEY_RETIREMENT_DELAY_MS,
  };
}

/** Marks retired the tenant's rotated-out keys whose tokens have all expired; their kids. */
export async function retireExpiredSigningKeys(ctx: Ctx, tenantId: string): Promise<string[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const retired: string[] = [];
    for (const kid of keysDueForRetirement(await listSigningKeys(trx, tenantId), ctx.now()))
      if (await retireSigningKey(trx, tenantId, kid, ctx.now())) retired.push(kid);
    return retired;
  });
}

/** The maintenance pass: every tenant's expired rotated-out keys; how many were retired. */
export async function retireExpiredSigningKeysOfEveryTenant(ctx: Ctx): Promise<number> {
  let n = 0;
  for (const t of await listTenants(ctx.db)) n += (await retireExpiredSigningKeys(ctx, t.id)).length;
  return n;
}

const toPublic = (key: JWK): JWK => {
  const pub: JWK = { ...key };
  for (const m of PRIVATE_MEMBERS) delete (pub as Record<string, unknown>)[m];
  return pub;
};

/** The public half of the tenant's keys in force (what the JWKS endpoint publishes). */
export async function loadPublicJwks(ctx: Ctx, tenantId: string): Promise<JWK[]> {
  return (await loadPrivateJwks(ctx, tenantId)).map(toPublic);
}

interface KeySet {
  versions: CacheVersions;
  /** When a rotated-out key of the set falls due (ctx.now() time): the set is read again from then on. */
  until: number;
  keys: Promise<JWTVerifyGetKey>;
}
const keySets = new WeakMap<Ctx, Map<string, KeySet>>();

/**
 * The tenant's public keys for jose's jwtVerify, kept in memory per process and dropped within a second of a
 * rotation or retirement through any process (checked at most once a second per tenant), and at once when a
 * rotated-out key's tokens have all expired, so it verifies nothing more even before it is marked retired.
 */
export async function verificationKeySet(ctx: Ctx, tenantId: string): Promise<JWTVerifyGetKey> {
  let sets = keySets.get(ctx);
  if (!sets) {
    sets = new Map();
    keySets.set(ctx, sets);
  }
  const versions = await cacheVersionWatch(ctx.db).current(tenantId);
  const hit = sets.get(tenantId);
  if (hit && !isStale(hit.versions, versions, ['signing-keys']) && ctx.now() < hit.until) return hit.keys;
  const loading = loadSigningKeysInForce(ctx, tenantId);
  const keys = loading.then((k) => createLocalJWKSet({ keys: k.jwks.map(toPublic) }));
  const entry: KeySet = { versions, until: Number.POSITIVE_INFINITY, keys };
  loading.then(
    (k) => {
      if (k.nextChangeAt !== undefined) entry.until = k.nextChangeAt;
    },
    () => undefined,
  );
  keys.catch(() => sets.get(tenantId) === entry && sets.delete(tenantId));
  sets.set(tenantId, entry);
  return keys;
}
