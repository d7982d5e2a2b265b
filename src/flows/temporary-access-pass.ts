// Temporary Access Pass: issued by an administrator (or `signet init`), shown once, stored as an HMAC;
// signing in with it is strong authentication that allows registering a passkey (SPEC §2.4).
import { SignetError } from '../core/errors.ts';
import { evaluateLockout, recordFailure, TAP_LOCKOUT } from '../core/lockout.ts';
import { evaluateTap, formatTap, TAP_DEFAULT_LIFETIME_MINUTES, validateTapLifetime } from '../core/tap.ts';
import { clearLockout, clearLockoutsStartingWith, compareAndSetLockout, loadLockout } from '../store/lockouts.ts';
import { insertAudit } from '../store/logs.ts';
import { consumeTap, findTapOfUser, replaceTap } from '../store/taps.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserByName, type User } from '../store/users.ts';
import { type Ctx, hashSecret, secretMatches } from './context.ts';
import { type ClientInfo, recordSignIn } from './record-sign-in.ts';
import { startSession } from './sessions.ts';
import type { SignedIn } from './sign-in-passkey.ts';

export interface IssuedTap {
  pass: string;
  startsAt: number;
  expiresAt: number;
  oneTime: boolean;
}

export async function issueTap(
  ctx: Ctx,
  tenant: Tenant,
  user: User,
  p: { lifetimeMinutes?: number; oneTime?: boolean; actor: { type: 'user' | 'app' | 'system'; id: string | null } },
): Promise<IssuedTap> {
  const minutes = p.lifetimeMinutes ?? TAP_DEFAULT_LIFETIME_MINUTES;
  const lifetime = validateTapLifetime(minutes);
  if (!lifetime.ok) throw new SignetError(lifetime.code, lifetime.detail);
  const pass = formatTap(ctx.randomBytes(64));
  const now = ctx.now();
  const issued = { pass, startsAt: now, expiresAt: now + minutes * 60_000, oneTime: p.oneTime ?? true };
  await ctx.db.transaction().execute(async (trx) => {
    await replaceTap(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      userId: user.id,
      hash: hashSecret(ctx, 'tap', pass),
      oneTime: issued.oneTime,
      createdAt: now,
      startsAt: issued.startsAt,
      expiresAt: issued.expiresAt,
      usedAt: null,
    });
    await clearLockoutsStartingWith(trx, tenant.id, `tap:${user.id}:`);
    await insertAudit(trx, {
      id: ctx.newId(),
      tenantId: tenant.id,
      createdAt: now,
      actorType: p.actor.type,
      actorId: p.actor.id,
      activity: 'Issue Temporary Access Pass',
      targetType: 'user',
      targetId: user.id,
      detail: { lifetimeInMinutes: String(minutes), isUsableOnce: String(issued.oneTime) },
    });
  });
  return issued;
}

/** Counts one attempt against the lockout (compare-and-set, retried on a race); false when locked. */
async function countAttempt(ctx: Ctx, tenantId: string, key: string, now: number): Promise<boolean> {
  for (;;) {
    const current = await loadLockout(ctx.db, tenantId, key);
    if (!evaluateLockout(current, now).ok) return false;
    const next = recordFailure(current, TAP_LOCKOUT, now);
    if (await compareAndSetLockout(ctx.db, tenantId, key, current, next)) return true;
  }
}

export async function signInWithTap(
  ctx: Ctx,
  tenant: Tenant,
  p: { username: string; pass: string },
  client: ClientInfo & { previousSessionToken?: string } = {},
): Promise<SignedIn> {
  const user = await findUserByName(ctx.db, tenant.id, p.username);
  const fail = async (
    code: 'TAP_INVALID' | 'TAP_EXPIRED' | 'TAP_ALREADY_USED' | 'TAP_LOCKED_OUT' | 'SIGNIN_USER_DISABLED',
  ) => {
    await recordSignIn(ctx, ctx.db, {
      tenantId: tenant.id,
      method: 'temporaryAccessPass',
      userId: user?.id ?? null,
      userPrincipalName: user?.userPrincipalName ?? p.username.slice(0, 256),
      errorCode: code,
      client,
    });
    return new SignetError(code);
  };
  // The candidate is hashed whether or not the account exists: no timing difference between the two.
  const candidate = hashSecret(ctx, 'tap', p.pass);
  // Every attempt is counted before the pass is compared, so parallel guesses cannot exceed the threshold;
  // names without an account are counted too, so the lockout does not tell them apart.
  // Counted per account and source address: a stranger elsewhere cannot lock the owner's pass, and with
  // 16 characters from 57 a pass is out of reach of guessing from any number of addresses.
  const who = user ? `tap:${user.id}` : `tap-name:${hashSecret(ctx, 'tap-name', p.username.toLowerCase())}`;
  const key = `${who}:${client.ip ?? 'unknown'}`;
  const now = ctx.now();
  if (!(await countAttempt(ctx, tenant.id, key, now))) throw await fail('TAP_LOCKED_OUT');
  if (!user) throw await fail('TAP_INVALID');
  const tap = await findTapOfUser(ctx.db, tenant.id, user.id);
  if (!tap || !secretMatches(tap.hash, candidate)) throw await fail('TAP_INVALID');
  const usable = evaluateTap(tap, now);
  if (!usable.ok) throw await fail(usable.code as 'TAP_INVALID' | 'TAP_EXPIRED' | 'TAP_ALREADY_USED');
  if (!user.enabled) throw await fail('SIGNIN_USER_DISABLED');
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      // One conditional write: racing requests cannot both spend a one-time pass.
      if (tap.oneTime && !(await consumeTap(trx, tenant.id, tap.id, now))) throw new SignetError('TAP_ALREADY_USED');
      const { token, session } = await startSession(ctx, trx, {
        tenantId: tenant.id,
        userId: user.id,
        method: 'temporaryAccessPass',
        previousToken: client.previousSessionToken,
      });
      await clearLockout(trx, tenant.id, key);
      await recordSignIn(ctx, trx, {
        tenantId: tenant.id,
        method: 'temporaryAccessPass',
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        client,
      });
      return { user, token, session };
    });
  } catch (err) {
    if (err instanceof SignetError && err.code === 'TAP_ALREADY_USED') throw await fail('TAP_ALREADY_USED');
    throw err;
  }
}
