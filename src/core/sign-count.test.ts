import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import { evaluateSignCount } from './sign-count.ts';

const code = (d: Decision) => (d.ok ? 'ok' : d.code);

describe('evaluateSignCount', () => {
  it('accepts a counter that stays at 0, as synced passkeys report', () => {
    expect(evaluateSignCount(0, 0)).toEqual({ ok: true });
  });

  it('accepts a counter that goes up by one', () => {
    expect(evaluateSignCount(5, 6).ok).toBe(true);
  });

  it('accepts a counter that jumps forward', () => {
    expect(evaluateSignCount(5, 500).ok).toBe(true);
  });

  it('accepts a first non-zero counter after a stored 0', () => {
    expect(evaluateSignCount(0, 5).ok).toBe(true);
  });

  it('refuses a counter that repeats a non-zero value as a possible clone', () => {
    expect(code(evaluateSignCount(5, 5))).toBe('SIGNIN_COUNTER_REGRESSION');
  });

  it('refuses a counter that goes backwards as a possible clone', () => {
    expect(code(evaluateSignCount(5, 3))).toBe('SIGNIN_COUNTER_REGRESSION');
  });

  it('refuses a counter that falls back to 0 after a non-zero value', () => {
    expect(code(evaluateSignCount(5, 0))).toBe('SIGNIN_COUNTER_REGRESSION');
  });

  it('refuses a regression at the top of the 32-bit counter range', () => {
    expect(code(evaluateSignCount(0xffffffff, 0xfffffffe))).toBe('SIGNIN_COUNTER_REGRESSION');
    expect(evaluateSignCount(0xfffffffe, 0xffffffff).ok).toBe(true);
  });

  it('records the stored and received counters in the detail', () => {
    expect(evaluateSignCount(5, 3)).toMatchObject({ ok: false, detail: { stored: '5', received: '3' } });
  });
});
