// Smart lockout for every sign-in that checks a guessable secret (password, TAP, email and authenticator-app codes;
// SPEC §2.4, core/lockout.ts for the rule). How a flow uses it:
//
//   const attempt = await countAttempt(ctx, { tenantId, kind: 'password', userId, username, address: client.ip });
//   //   ↑ before the secret is compared: throws SignetError(PASSWORD_LOCKED_OUT | TAP_LOCKED_OUT |
//   //     SIGNIN_LOCKED_OUT) when this counter is locked; otherwise the attempt is already counted, so any
//   //     number of parallel guesses, in any number of processes, reach the comparison at most `threshold` times.
//   ... compare the secret; on a mismatch nothing more is needed (the attempt was counted) ...
//   await recordSuccess(ctx, trx, attempt); // on success, in the flow's transaction: clears the counter and
//   //                                         makes this address familiar for the user.
//
// `assertNotLockedOut` only reads (for a flow that must refuse a locked user without counting anything).
// Names without an account are counted on a stand-in key of their own, so that a lockout does not tell them apart.
import { SignetError } from '../core/errors.ts';
import {
  evaluateLockout,
  LOCKOUT_RULES,
  type LockoutKind,
  type LockoutRule,
  lockoutKey,
  recordFailure,
} from '../core/lockout.ts';
import type { Db } from '../store/db.ts';
import {
  clearLockout,
  compareAndSetLockout,
  isFamiliarSource,
  loadLockout,
  markFamiliarSource,
} from '../store/lockouts.ts';
import { type Ctx, hashSecret } from './context.ts';

/** An address stays familiar for 90 days after the last successful sign-in from it. */
export const FAMILIAR_FOR_MS = 90 * 24 * 60 * 60 * 1000;

export interface AttemptSubject {
  tenantId: string;
  kind: LockoutKind;
  /** The account, when the name has one. */
  userId?: string;
  /** The name typed: the stand-in key of a name without an account. */
  username: string;
  /** The client address (as resolved behind trusted proxies); undefined counts as an unfamiliar source. */
  address?: string;
}

export interface CountedAttempt {
  tenantId: string;
  userId?: string;
  address?: string;
  key: string;
}

async function keyOf(ctx: Ctx, s: AttemptSubject, rule: LockoutRule): Promise<string> {
  const subject = s.userId ?? `name-${hashSecret(ctx, 'lockout-name', s.username.toLowerCase())}`;
  const address = s.address ?? 'unknown';
  const familiar =
    rule.addresses === 'familiar' &&
    s.userId !== undefined &&
    s.address !== undefined &&
    (await isFamiliarSource(ctx.db, s.tenantId, s.userId, s.address, ctx.now() - FAMILIAR_FOR_MS));
  return lockoutKey(s.kind, subject, { address, familiar }, rule);
}

/** Refuses (throws) when the subject's counter for this source is locked; counts nothing. */
export async function assertNotLockedOut(
  ctx: Ctx,
  s: AttemptSubject,
  rule: LockoutRule = LOCKOUT_RULES[s.kind],
): Promise<void> {
  const key = await keyOf(ctx, s, rule);
  const d = evaluateLockout(await loadLockout(ctx.db, s.tenantId, key), s.kind, ctx.now());
  if (!d.ok) throw new SignetError(d.code, d.detail);
}

/**
 * Counts one attempt before its secret is compared (compare-and-set, retried on a race), or refuses when locked.
 * The attempt counts as a failure unless `recordSuccess` follows.
 */
export async function countAttempt(
  ctx: Ctx,
  s: AttemptSubject,
  rule: LockoutRule = LOCKOUT_RULES[s.kind],
): Promise<CountedAttempt> {
  const key = await keyOf(ctx, s, rule);
  for (;;) {
    const now = ctx.now();
    const current = await loadLockout(ctx.db, s.tenantId, key);
    const d = evaluateLockout(current, s.kind, now);
    if (!d.ok) throw new SignetError(d.code, d.detail);
    if (await compareAndSetLockout(ctx.db, s.tenantId, key, current, recordFailure(current, rule, now)))
      return { tenantId: s.tenantId, userId: s.userId, address: s.address, key };
  }
}

/** The secret was right: the counter starts again and the address becomes (or stays) familiar. */
export async function recordSuccess(ctx: Ctx, db: Db, a: CountedAttempt): Promise<void> {
  await clearLockout(db, a.tenantId, a.key);
  if (a.userId !== undefined && a.address !== undefined)
    await markFamiliarSource(db, a.tenantId, a.userId, a.address, ctx.now());
}
