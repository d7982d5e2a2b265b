// A user's password at rest: argon2id (@node-rs/argon2) at OWASP's parameters (19 MiB, 2 passes, 1 lane), with a
// salt of its own, kept in PHC form `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` so that the parameters travel
// with the hash. Hashes written before argon2id (salted scrypt, `$scrypt$ln=15,r=8,p=3$…`) still verify, and a
// successful sign-in replaces them, or an argon2id hash of other parameters, with one of today's (needsRehash,
// rehashPasswordCredential). The password itself is never stored, logged or audited.
import { scrypt, timingSafeEqual } from 'node:crypto';
import { type Algorithm, hash as argon2Hash, verify as argon2Verify, parseOptions } from '@node-rs/argon2';
import type { Db } from './db.ts';

/** OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB (19456 KiB), t=2, p=1; a 32-byte hash. */
export const ARGON2_PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;
/** Algorithm.Argon2id: the package's enum is a const enum, which type stripping cannot inline. */
const ARGON2ID = 2 as Algorithm;
const SALT_BYTES = 16;

/** The scrypt parameters of the hashes written before argon2id, for reading them back. */
const SCRYPT_KEY_BYTES = 32;

function deriveScrypt(password: string, salt: Buffer, p: { ln: number; r: number; p: number }): Promise<Buffer> {
  const N = 2 ** p.ln;
  return new Promise((resolve, reject) =>
    // maxmem above the 128·N·r bytes scrypt needs (Node's default of 32 MiB is exactly that, too tight).
    scrypt(password, salt, SCRYPT_KEY_BYTES, { N, r: p.r, p: p.p, maxmem: 256 * N * p.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** The PHC string of a fresh argon2id hash of `password` with the given random salt (at least 16 bytes). */
export async function hashPassword(password: string, salt: Buffer): Promise<string> {
  if (salt.length < SALT_BYTES) throw new Error('hashPassword: the salt must be at least 16 bytes');
  return argon2Hash(password, { ...ARGON2_PARAMETERS, algorithm: ARGON2ID, salt });
}

const SCRYPT_PHC = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

async function verifyScrypt(password: string, phc: string): Promise<boolean> {
  const m = SCRYPT_PHC.exec(phc);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 10 || ln > 22 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await deriveScrypt(password, Buffer.from(m[4]!, 'base64url'), { ln, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Whether `password` is the one hashed in `phc` (argon2id, or the older scrypt), with the parameters written there. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  if (phc.startsWith('$scrypt$')) return verifyScrypt(password, phc);
  if (!phc.startsWith('$argon2id$')) return false;
  try {
    // Memory is bounded before the hash's own parameters are trusted: a stored row is ours, but cheap to check.
    const o = parseOptions(phc);
    if (o.memoryCost > 1_048_576 || o.timeCost > 16 || o.parallelism > 16) return false;
    return await argon2Verify(phc, password);
  } catch {
    return false;
  }
}

/** Whether a hash that just verified should be replaced by one of today's: scrypt, or argon2id of other parameters. */
export function needsRehash(phc: string): boolean {
  if (!phc.startsWith('$argon2id$')) return true;
  try {
    const o = parseOptions(phc);
    return (
      o.memoryCost !== ARGON2_PARAMETERS.memoryCost ||
      o.timeCost !== ARGON2_PARAMETERS.timeCost ||
      o.parallelism !== ARGON2_PARAMETERS.parallelism ||
      o.outputLen !== ARGON2_PARAMETERS.outputLen ||
      o.saltLen < SALT_BYTES
    );
  } catch {
    return true;
  }
}

/**
 * A password for users without one, and names without an account: verifying against it spends the time a real
 * verification spends, so that the answer's timing does not tell those cases from a wrong password.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword("signet decoy password, never anyone's", Buffer.alloc(SALT_BYTES, 7));
  return decoyHash;
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

/**
 * Replaces the hash that just verified with a new one, in one conditional write: only while the row still holds
 * `previousHash`, so a password set meanwhile (by an administrator) is never overwritten. True when replaced.
 */
export async function rehashPasswordCredential(
  db: Db,
  tenantId: string,
  userId: string,
  previousHash: string,
  hash: string,
): Promise<boolean> {
  const r = await db
    .updateTable('password_credentials')
    .set({ hash })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('hash', '=', previousHash)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
