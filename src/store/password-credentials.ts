// A user's password at rest: a memory-hard scrypt hash (node:crypto) with a salt of its own, kept in PHC form
// `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` so that the parameters travel with the hash and can be raised later
// (a hash with older parameters still verifies, and can be replaced at the next sign-in). The password itself
// is never stored, logged or audited. No sign-in uses it yet: the password method is a later issue; until then
// the hash is only kept, so a user created with a password by a Graph script has it when that method comes.
import { scrypt, timingSafeEqual } from 'node:crypto';
import type { Db } from './db.ts';

/** OWASP's scrypt choice of N=2^15 (32 MiB), r=8, p=3, a 16-byte salt and a 32-byte key. */
export const SCRYPT_PARAMETERS = { ln: 15, r: 8, p: 3 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, p: { ln: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** p.ln;
  return new Promise((resolve, reject) =>
    // maxmem above the 128·N·r bytes scrypt needs (Node's default of 32 MiB is exactly that, too tight).
    scrypt(password, salt, KEY_BYTES, { N, r: p.r, p: p.p, maxmem: 256 * N * p.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** The PHC string of a fresh hash of `password` with the given random salt (at least 16 bytes). */
export async function hashPassword(password: string, salt: Buffer): Promise<string> {
  if (salt.length < SALT_BYTES) throw new Error('hashPassword: the salt must be at least 16 bytes');
  const key = await derive(password, salt, SCRYPT_PARAMETERS);
  const { ln, r, p } = SCRYPT_PARAMETERS;
  return `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** Whether `password` is the one hashed in `phc` (with the parameters written there), in constant time. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const m = PHC.exec(phc);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 10 || ln > 22 || r < 1 || p < 1) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await derive(password, Buffer.from(m[4]!, 'base64url'), { ln, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export interface PasswordCredential {
  tenantId: string;
  userId: string;
  /** PHC string (hashPassword). */
  hash: string;
  forceChangeNextSignIn: boolean;
  forceChangeWithMfa: boolean;
  /** When the password was set: Graph's passwordAuthenticationMethod createdDateTime. */
  createdAt: number;
}

/** Sets the user's password, replacing the one before (a user has at most one). */
export async function savePasswordCredential(db: Db, c: PasswordCredential): Promise<void> {
  await db
    .deleteFrom('password_credentials')
    .where('tenant_id', '=', c.tenantId)
    .where('user_id', '=', c.userId)
    .execute();
  await db
    .insertInto('password_credentials')
    .values({
      tenant_id: c.tenantId,
      user_id: c.userId,
      hash: c.hash,
      force_change_next_sign_in: c.forceChangeNextSignIn ? 1 : 0,
      force_change_with_mfa: c.forceChangeWithMfa ? 1 : 0,
      created_at: c.createdAt,
    })
    .execute();
}

/** The user's password credential, or undefined for a passwordless user. */
export async function findPasswordCredential(
  db: Db,
  tenantId: string,
  userId: string,
): Promise<PasswordCredential | undefined> {
  const r = await db
    .selectFrom('password_credentials')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (
    r && {
      tenantId: r.tenant_id,
      userId: r.user_id,
      hash: r.hash,
      forceChangeNextSignIn: r.force_change_next_sign_in === 1,
      forceChangeWithMfa: r.force_change_with_mfa === 1,
      createdAt: Number(r.created_at),
    }
  );
}
