import { allow, type Decision, deny } from './errors.ts';

export interface LockoutState {
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export interface LockoutRule {
  threshold: number;
  windowMs: number;
  lockMs: number;
}

export const TAP_LOCKOUT: LockoutRule = { threshold: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export function evaluateLockout(state: LockoutState | undefined, now: number): Decision {
  if (state && state.lockedUntil > now)
    return deny('TAP_LOCKED_OUT', { until: new Date(state.lockedUntil).toISOString() });
  return allow;
}

/** The state after one more failure: a new window when the old one has passed, a lock at the threshold. */
export function recordFailure(state: LockoutState | undefined, rule: LockoutRule, now: number): LockoutState {
  const fresh = !state || now - state.windowStart > rule.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStart = fresh ? now : state.windowStart;
  const lockedUntil = failures >= rule.threshold ? now + rule.lockMs : (state?.lockedUntil ?? 0);
  return { failures, windowStart, lockedUntil };
}
