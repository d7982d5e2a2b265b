import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import {
  evaluateLockout,
  type LockoutRule,
  type LockoutState,
  lockDuration,
  lockoutKey,
  recordFailure,
  SMART_LOCKOUT,
  TAP_LOCKOUT,
} from './lockout.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const rule: LockoutRule = {
  threshold: 3,
  windowMs: 10 * MINUTE,
  baseLockMs: MINUTE,
  maxLockMs: 8 * MINUTE,
  forgiveMs: 60 * MINUTE,
  addresses: 'familiar',
};
const code = (d: Decision) => (d.ok ? 'ok' : d.code);

function failAt(times: number[], r: LockoutRule = rule, start?: LockoutState): LockoutState | undefined {
  let s = start;
  for (const t of times) s = recordFailure(s, r, t);
  return s;
}

/** Fails `rule.threshold` times from `at`, one second apart: one lockout. */
function lockOnce(at: number, start?: LockoutState, r: LockoutRule = rule): LockoutState {
  return failAt(
    Array.from({ length: r.threshold }, (_, i) => at + i * 1000),
    r,
    start,
  )!;
}

describe('the default smart lockout', () => {
  it('locks at 10 failures, first for a minute, doubling to at most an hour', () => {
    expect(SMART_LOCKOUT.threshold).toBe(10);
    expect(lockDuration(0, SMART_LOCKOUT)).toBe(MINUTE);
    expect(lockDuration(1, SMART_LOCKOUT)).toBe(2 * MINUTE);
    expect(lockDuration(5, SMART_LOCKOUT)).toBe(32 * MINUTE);
    expect(lockDuration(6, SMART_LOCKOUT)).toBe(60 * MINUTE);
    expect(lockDuration(1000, SMART_LOCKOUT)).toBe(60 * MINUTE);
  });

  it('locks on the tenth failure in a row, not the ninth', () => {
    const times = Array.from({ length: 10 }, (_, i) => T0 + i * 1000);
    const nine = failAt(times.slice(0, 9), SMART_LOCKOUT);
    expect(evaluateLockout(nine, 'password', times[8]!).ok).toBe(true);
    const ten = failAt(times, SMART_LOCKOUT);
    expect(code(evaluateLockout(ten, 'password', times[9]!))).toBe('PASSWORD_LOCKED_OUT');
  });
});

describe('evaluateLockout', () => {
  it('allows a user with no failures on record, or failures below the threshold', () => {
    expect(evaluateLockout(undefined, 'password', T0)).toEqual({ ok: true });
    expect(evaluateLockout(failAt([T0, T0 + 1]), 'password', T0 + 2).ok).toBe(true);
  });

  it('refuses a locked counter until the lock ends, with the code of the kind and the time to wait', () => {
    const s = lockOnce(T0);
    const d = evaluateLockout(s, 'tap', T0 + 2000);
    expect(d).toEqual({
      ok: false,
      code: 'TAP_LOCKED_OUT',
      detail: { until: new Date(T0 + 2000 + MINUTE).toISOString(), retryAfterSeconds: '60' },
    });
    expect(code(evaluateLockout(s, 'password', s.lockedUntil - 1))).toBe('PASSWORD_LOCKED_OUT');
    expect(code(evaluateLockout(s, 'email-code', s.lockedUntil - 1))).toBe('SIGNIN_LOCKED_OUT');
    expect(evaluateLockout(s, 'password', s.lockedUntil).ok).toBe(true);
  });
});

describe('recordFailure', () => {
  it('starts a new window when the old one has passed', () => {
    const s = failAt([T0, T0 + MINUTE]);
    expect(s?.failures).toBe(2);
    const later = recordFailure(s, rule, T0 + 11 * MINUTE);
    expect(later).toMatchObject({ failures: 1, windowStart: T0 + 11 * MINUTE });
    expect(evaluateLockout(later, 'password', T0 + 11 * MINUTE).ok).toBe(true);
  });

  it('doubles the lock with each lockout in a row, up to the cap', () => {
    let s = lockOnce(T0);
    const durations = [s.lockedUntil - (T0 + 2000)];
    for (let i = 0; i < 5; i++) {
      const at = s.lockedUntil;
      s = lockOnce(at, s);
      durations.push(s.lockedUntil - (at + 2000));
    }
    expect(durations).toEqual([1, 2, 4, 8, 8, 8].map((m) => m * MINUTE));
  });

  it('counts afresh after a lock: the next lock takes the threshold again, not one failure', () => {
    const locked = lockOnce(T0);
    const after = failAt([locked.lockedUntil, locked.lockedUntil + 1], rule, locked);
    expect(evaluateLockout(after, 'password', locked.lockedUntil + 2).ok).toBe(true);
  });

  it('forgives the lockouts in a row once the last lock is long past', () => {
    const twice = lockOnce(T0 + 10 * MINUTE, lockOnce(T0));
    expect(twice.lockCount).toBe(2);
    const much = twice.lockedUntil + rule.forgiveMs + 1;
    const again = lockOnce(much, twice);
    expect(again.lockedUntil - (much + 2000)).toBe(MINUTE);
  });
});

describe('lockoutKey', () => {
  it('gives each familiar address its own counter and all other addresses one', () => {
    expect(lockoutKey('password', 'u1', { address: '10.0.0.1', familiar: true })).toBe('password:u1:familiar:10.0.0.1');
    expect(lockoutKey('password', 'u1', { address: '10.0.0.2', familiar: true })).not.toBe(
      lockoutKey('password', 'u1', { address: '10.0.0.1', familiar: true }),
    );
    expect(lockoutKey('password', 'u1', { address: '203.0.113.9', familiar: false })).toBe(
      lockoutKey('password', 'u1', { address: '198.51.100.7', familiar: false }),
    );
    expect(lockoutKey('email-code', 'u1', { address: 'x', familiar: false })).not.toBe(
      lockoutKey('password', 'u1', { address: 'x', familiar: false }),
    );
  });

  it('counts every address apart for a TAP, familiar or not, so a stranger cannot keep a new user from their pass', () => {
    expect(lockoutKey('tap', 'u1', { address: '203.0.113.9', familiar: false })).toBe('tap:u1:at:203.0.113.9');
    expect(lockoutKey('tap', 'u1', { address: '198.51.100.7', familiar: false })).not.toBe(
      lockoutKey('tap', 'u1', { address: '203.0.113.9', familiar: false }),
    );
  });
});

describe('the TAP lockout', () => {
  it('locks an address at 10 wrong passes for 15 minutes first, doubling to at most 4 hours', () => {
    expect(TAP_LOCKOUT.threshold).toBe(10);
    expect(lockDuration(0, TAP_LOCKOUT)).toBe(15 * MINUTE);
    expect(lockDuration(1, TAP_LOCKOUT)).toBe(30 * MINUTE);
    expect(lockDuration(9, TAP_LOCKOUT)).toBe(240 * MINUTE);
  });
});
