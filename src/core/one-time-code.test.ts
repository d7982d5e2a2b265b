import { describe, expect, it } from 'vitest';
import {
  EMAIL_CODE_LIFETIME_MS,
  type EmailCodeRecord,
  emailCodeFrom,
  evaluateEmailCode,
  evaluateResend,
  isEmailAddress,
  maskEmail,
  needsSecondFactor,
} from './one-time-code.ts';

const T0 = Date.parse('2026-12-01T12:00:00Z');
const fresh = (over: Partial<EmailCodeRecord> = {}): EmailCodeRecord => ({
  createdAt: T0,
  expiresAt: T0 + EMAIL_CODE_LIFETIME_MS,
  wrongAttempts: 0,
  usedAt: null,
  ...over,
});

describe('email one-time codes', () => {
  it('are six digits, leading zeros kept, from the random bytes given', () => {
    expect(emailCodeFrom(Uint8Array.of(0, 0, 0, 7))).toBe('000007');
    expect(emailCodeFrom(Uint8Array.of(0, 0x0f, 0x42, 0x40))).toBe('000000'); // 1,000,000 mod 10^6
    for (let i = 0; i < 50; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      expect(emailCodeFrom(bytes)).toMatch(/^\d{6}$/);
    }
  });

  it('skip the biased top of the 32-bit range instead of folding it in', () => {
    // 0xFFFFFFFF is above the last whole multiple of 10^6: the next four bytes are used.
    expect(emailCodeFrom(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 42))).toBe('000042');
    expect(() => emailCodeFrom(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(/more random bytes/);
  });

  it('work for 10 minutes, once, and not after 5 wrong attempts', () => {
    expect(evaluateEmailCode(fresh(), T0).ok).toBe(true);
    expect(evaluateEmailCode(fresh(), T0 + EMAIL_CODE_LIFETIME_MS - 1).ok).toBe(true);
    expect(evaluateEmailCode(fresh(), T0 + EMAIL_CODE_LIFETIME_MS)).toMatchObject({ code: 'OTP_CODE_EXPIRED' });
    expect(evaluateEmailCode(fresh({ usedAt: T0 }), T0)).toMatchObject({ code: 'OTP_CODE_ALREADY_USED' });
    expect(evaluateEmailCode(fresh({ wrongAttempts: 4 }), T0).ok).toBe(true);
    expect(evaluateEmailCode(fresh({ wrongAttempts: 5 }), T0)).toMatchObject({ code: 'OTP_CODE_ATTEMPTS_EXCEEDED' });
    expect(evaluateEmailCode(undefined, T0)).toMatchObject({ code: 'OTP_CODE_NOT_SENT' });
  });

  it('may be sent again after a minute, or at once when the last one was spent', () => {
    expect(evaluateResend(undefined, T0).ok).toBe(true);
    expect(evaluateResend(fresh(), T0 + 59_000)).toEqual({
      ok: false,
      code: 'OTP_RESEND_TOO_SOON',
      detail: { retryAfterSeconds: '1' },
    });
    expect(evaluateResend(fresh(), T0 + 60_000).ok).toBe(true);
    expect(evaluateResend(fresh({ usedAt: T0 + 1000 }), T0 + 2000).ok).toBe(true);
  });

  it('mask the address and accept only a plain one', () => {
    expect(maskEmail('jane.doe@example.com')).toBe('j•••@example.com');
    expect(isEmailAddress('jane@example.com')).toBe(true);
    for (const bad of ['jane', 'jane@', '@example.com', 'a b@example.com', 'Jane <jane@example.com>', 'a@b'])
      expect(isEmailAddress(bad), bad).toBe(false);
    expect(isEmailAddress(`${'a'.repeat(250)}@example.com`)).toBe(false);
  });
});

describe('the second-factor step', () => {
  it('is pending for a password-only session only', () => {
    expect(needsSecondFactor(['pwd'])).toBe(true);
    expect(needsSecondFactor(['pwd', 'otp', 'mfa'])).toBe(false);
    expect(needsSecondFactor(['fido', 'mfa'])).toBe(false);
    expect(needsSecondFactor(['tap'])).toBe(false);
  });
});
