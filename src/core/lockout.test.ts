import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import { evaluateLockout, type LockoutRule, type LockoutState, recordFailure, TAP_LOCKOUT } from './lockout.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const rule: LockoutRule = { threshold: 3, windowMs: 10 * MINUTE, lockMs: 5 * MINUTE };
const code = (d: Decision) => (d.ok ? 'ok' : d.code);

function failAt(times: number[], r: LockoutRule = rule, start?: LockoutState): LockoutState | undefined {
  let s = start;
  for (const t of times) s = recordFailure(s, r, t);
  return s;
}

describe('the TAP lockout rule', () => {
  it('locks after 10 failures within 15 minutes, for 15 minutes', () => {
    expect(TAP_LOCKOUT).toEqual({ threshold: 10, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE });
  });

  it('locks a user on the tenth failure in a row, not the ninth', () => {
    const times = Array.from({ length: 10 }, (_, i) => T0 + i * 1000);
    const nine = failAt(times.slice(0, 9), TAP_LOCKOUT);
    expect(evaluateLockout(nine, times[8]).ok).toBe(true);
    const ten = failAt(times, TAP_LOCKOUT);
    expect(code(evaluateLockout(ten, times[9]))).toBe('TAP_LOCKED_OUT');
  });
});

describe('evaluateLockout', () => {
  it('allows a user with no failures on record', () => {
    expect(evaluateLockout(undefined, T0)).toEqual({ ok: true });
  });

  it('allows a user with failures below the threshold', () => {
    expect(evaluateLockout(failAt([T0, T0 + 1]), T0 + 2).ok).toBe(true);
  });

  it('refuses a locked user until the lock ends', () => {
    const s: LockoutState = { failures: 3, windowStart: T0, lockedUntil: T0 + 5 * MINUTE };
    expect(code(evaluateLockout(s, T0))).toBe('TAP_LOCKED_OUT');
    expect(code(evaluateLockout(s, T0 + 5 * MINUTE - 1))).toBe('TAP_LOCKED_OUT');
  });

  it('allows the user again at the moment the lock ends', () => {
    const s: LockoutState = { failures: 3, windowStart: T0, lockedUntil: T0 + 5 * MINUTE };
    expect(evaluateLockout(s, T0 + 5 * MINUTE).ok).toBe(true);
    expect(evaluateLockout(s, T0 + 6 * MINUTE).ok).toBe(true);
  });

  it('says until when the user is locked', () => {
    const until = T0 + 5 * MINUTE;
    const s: LockoutState = { failures: 3, windowStart: T0, lockedUntil: until };
    expect(evaluateLockout(s, T0)).toMatchObject({ ok: false, detail: { until: new Date(until).toISOString() } });
  });
});

describe('recordFailure', () => {
  it('starts a window at the first failure', () => {
    expect(recordFailure(undefined, rule, T0)).toEqual({ failures: 1, windowStart: T0, lockedUntil: 0 });
  });

  it('counts failures within the window without locking below the threshold', () => {
    expect(failAt([T0, T0 + MINUTE])).toEqual({ failures: 2, windowStart: T0, lockedUntil: 0 });
  });

  it('locks for the lock duration from the failure that reaches the threshold', () => {
    const s = failAt([T0, T0 + MINUTE, T0 + 2 * MINUTE]);
    expect(s).toEqual({ failures: 3, windowStart: T0, lockedUntil: T0 + 2 * MINUTE + rule.lockMs });
    expect(code(evaluateLockout(s, T0 + 2 * MINUTE))).toBe('TAP_LOCKED_OUT');
  });

  it('lets the lock expire after the lock duration', () => {
    const s = failAt([T0, T0, T0]);
    expect(code(evaluateLockout(s, T0 + rule.lockMs - 1))).toBe('TAP_LOCKED_OUT');
    expect(evaluateLockout(s, T0 + rule.lockMs).ok).toBe(true);
  });

  it('counts a failure at exactly the end of the window in the same window', () => {
    const s = failAt([T0, T0 + 1, T0 + rule.windowMs]);
    expect(s?.failures).toBe(3);
    expect(code(evaluateLockout(s, T0 + rule.windowMs))).toBe('TAP_LOCKED_OUT');
  });

  it('starts a new window once the old one has passed, forgetting its failures', () => {
    const s = failAt([T0, T0 + 1, T0 + rule.windowMs + 1]);
    expect(s).toEqual({ failures: 1, windowStart: T0 + rule.windowMs + 1, lockedUntil: 0 });
    expect(evaluateLockout(s, T0 + rule.windowMs + 1).ok).toBe(true);
  });

  it('never locks a user whose failures are spread wider than the window', () => {
    const times = Array.from({ length: 20 }, (_, i) => T0 + i * (rule.windowMs + 1));
    let s: LockoutState | undefined;
    for (const t of times) {
      s = recordFailure(s, rule, t);
      expect(evaluateLockout(s, t).ok).toBe(true);
    }
  });

  it('keeps an existing lock when a new window starts', () => {
    const long: LockoutRule = { threshold: 2, windowMs: MINUTE, lockMs: 60 * MINUTE };
    const locked = failAt([T0, T0 + 1], long);
    const later = recordFailure(locked, long, T0 + 2 * MINUTE);
    expect(later.failures).toBe(1);
    expect(later.lockedUntil).toBe(T0 + 1 + long.lockMs);
    expect(code(evaluateLockout(later, T0 + 2 * MINUTE))).toBe('TAP_LOCKED_OUT');
  });

  it('locks at the first failure when the threshold is 1', () => {
    const one: LockoutRule = { ...rule, threshold: 1 };
    expect(code(evaluateLockout(recordFailure(undefined, one, T0), T0))).toBe('TAP_LOCKED_OUT');
  });

  it('does not change the state it is given', () => {
    const s: LockoutState = { failures: 1, windowStart: T0, lockedUntil: 0 };
    const copy = { ...s };
    recordFailure(s, rule, T0 + 1);
    expect(s).toEqual(copy);
  });
});
