// Smart lockout (SPEC §2.4, issue 8): after `threshold` failures a counter locks for a window that starts at
// a minute and doubles with each lockout in a row, up to a cap; a lockout forgiven a day after it ended starts
// the doubling again. Counters are kept per user and per kind of secret (password, TAP, one-time codes) and per
// source, as Entra's smart lockout keeps familiar and unfamiliar locations apart: for a guessable secret (a
// password, a six-digit code) each address the user has signed in from successfully has a counter of its own,
// and every other address shares one. A stranger can thus lock the user out of unfamiliar places (where the
// stranger is) but not out of the user's own, and guessing from many unfamiliar addresses still meets one
// threshold. A TAP (16 characters of 57, out of reach of guessing) counts every address apart instead: its holder
// is often at a new place (a new user, a lost device), where a shared counter would let a stranger keep them out.
// Pure: the clock comes in.
import { allow, type Decision, deny, type ErrorCode } from './errors.ts';

export interface LockoutState {
  /** Failures counted in the current window (reset by a lockout and by a success). */
  failures: number;
  windowStart: number;
  /** 0 when never locked; else when the last lock ends (or ended). */
  lockedUntil: number;
  /** Lockouts in a row: the next lock lasts baseLockMs · 2^lockCount (capped). */
  lockCount: number;
}

export interface LockoutRule {
  threshold: number;
  /** Failures older than this (from the window's first) no longer count. */
  windowMs: number;
  baseLockMs: number;
  maxLockMs: number;
  /** A lock this long past its end no longer makes the next one longer. */
  forgiveMs: number;
  /** `familiar`: familiar addresses apart, the others share one counter; `each`: every address apart. */
  addresses: 'familiar' | 'each';
}

const MINUTE = 60_000;

/** Entra's default threshold of 10 and first lock of a minute; doubling to at most an hour. */
export const SMART_LOCKOUT: LockoutRule = {
  threshold: 10,
  windowMs: 60 * MINUTE,
  baseLockMs: MINUTE,
  maxLockMs: 60 * MINUTE,
  forgiveMs: 24 * 60 * MINUTE,
  addresses: 'familiar',
};

/** The TAP's: 10 wrong passes from one address lock that address out for 15 minutes, doubling to 4 hours. */
export const TAP_LOCKOUT: LockoutRule = {
  threshold: 10,
  windowMs: 15 * MINUTE,
  baseLockMs: 15 * MINUTE,
  maxLockMs: 4 * 60 * MINUTE,
  forgiveMs: 24 * 60 * MINUTE,
  addresses: 'each',
};

/** What is guessed: each kind has its own counters, so failed passwords do not lock out a TAP (recovery). */
export type LockoutKind = 'password' | 'tap' | 'email-code' | 'totp';

export const LOCKOUT_RULES: Record<LockoutKind, LockoutRule> = {
  password: SMART_LOCKOUT,
  tap: TAP_LOCKOUT,
  'email-code': SMART_LOCKOUT,
  totp: SMART_LOCKOUT,
};

export const LOCKED_OUT_CODES: Record<LockoutKind, ErrorCode> = {
  password: 'PASSWORD_LOCKED_OUT',
  tap: 'TAP_LOCKED_OUT',
  'email-code': 'SIGNIN_LOCKED_OUT',
  totp: 'SIGNIN_LOCKED_OUT',
};

/**
 * The counter an attempt is counted on: a familiar source (one the user signed in from) has its own, the rest
 * share one, unless the rule counts every address apart. `subject` is the user's id, or a stand-in for a name
 * without an account (counted alike).
 */
export function lockoutKey(
  kind: LockoutKind,
  subject: string,
  source: { address: string; familiar: boolean },
  rule: LockoutRule = LOCKOUT_RULES[kind],
): string {
  if (rule.addresses === 'each') return `${kind}:${subject}:at:${source.address}`;
  return source.familiar ? `${kind}:${subject}:familiar:${source.address}` : `${kind}:${subject}:unfamiliar`;
}

export function lockDuration(lockCount: number, rule: Pick<LockoutRule, 'baseLockMs' | 'maxLockMs'>): number {
  return Math.min(rule.baseLockMs * 2 ** Math.min(lockCount, 30), rule.maxLockMs);
}

export function evaluateLockout(state: LockoutState | undefined, kind: LockoutKind, now: number): Decision {
  if (state && state.lockedUntil > now)
    return deny(LOCKED_OUT_CODES[kind], {
      until: new Date(state.lockedUntil).toISOString(),
      retryAfterSeconds: String(Math.ceil((state.lockedUntil - now) / 1000)),
    });
  return allow;
}

/**
 * The state after one more attempt that may fail (counted before the secret is compared, so that parallel
 * guesses cannot pass the threshold): a new window when the old one passed, a lock at the threshold.
 */
export function recordFailure(
  state: LockoutState | undefined,
  rule: Omit<LockoutRule, 'addresses'>,
  now: number,
): LockoutState {
  const forgiven = !state || (state.lockedUntil > 0 && now - state.lockedUntil > rule.forgiveMs);
  const lockCount = forgiven ? 0 : state.lockCount;
  const fresh = !state || now - state.windowStart > rule.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStart = fresh ? now : state.windowStart;
  if (failures >= rule.threshold)
    return {
      failures: 0,
      windowStart: now,
      lockedUntil: now + lockDuration(lockCount, rule),
      lockCount: lockCount + 1,
    };
  return { failures, windowStart, lockedUntil: state?.lockedUntil ?? 0, lockCount };
}
