// Per-tenant token signing keys, sealed at rest with a key derived from the instance secret (JWE, dir+A256GCM).
import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Db } from '../store/db.ts';
import { insertSigningKey, listSigningKeys } from '../store/signing-keys.ts';
import type { Ctx } from './context.ts';

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
