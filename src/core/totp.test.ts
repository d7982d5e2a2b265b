import { describe, expect, it } from 'vitest';
import { evaluateTotpCode, matchTotpStep, normalizeCode, totpCodeAt, totpEnrollment, totpStepAt } from './totp.ts';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; the 8-digit values there end
// in these six digits (an app shows the last six: HOTP truncation is modulo 10^digits).
const SEED = new TextEncoder().encode('12345678901234567890');
const VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
  [20000000000, '353130'],
];

describe('TOTP', () => {
  it.each(VECTORS)('computes the RFC 6238 test vector at T=%i', (t, code) => {
    expect(totpCodeAt(SEED, t * 1000)).toBe(code);
    expect(matchTotpStep(SEED, code, t * 1000)).toBe(totpStepAt(t * 1000));
  });

  it('accepts one step either side of now, and no further', () => {
    const now = 1_700_000_000_000;
    const step = totpStepAt(now);
    expect(matchTotpStep(SEED, totpCodeAt(SEED, now - 30_000), now)).toBe(step - 1);
    expect(matchTotpStep(SEED, totpCodeAt(SEED, now + 30_000), now)).toBe(step + 1);
    expect(matchTotpStep(SEED, totpCodeAt(SEED, now - 60_000), now)).toBeUndefined();
    expect(matchTotpStep(SEED, totpCodeAt(SEED, now + 60_000), now)).toBeUndefined();
  });

  it('refuses a wrong code, and anything that is not six digits', () => {
    const now = 1_700_000_000_000;
    const right = totpCodeAt(SEED, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(matchTotpStep(SEED, wrong, now)).toBeUndefined();
    for (const bad of ['', '12345', '1234567', 'abcdef', `${right}0`])
      expect(matchTotpStep(SEED, bad, now)).toBeUndefined();
    // The spaces a person types in "123 456" do not matter.
    expect(matchTotpStep(SEED, `${right.slice(0, 3)} ${right.slice(3)}`, now)).toBe(totpStepAt(now));
    expect(normalizeCode(' 12-34 56 ')).toBe('123456');
  });

  it('refuses a code whose step is not later than the last one accepted (replay)', () => {
    expect(evaluateTotpCode(undefined, null)).toEqual({ ok: false, code: 'OTP_CODE_INVALID', detail: {} });
    expect(evaluateTotpCode(100, null).ok).toBe(true);
    expect(evaluateTotpCode(101, 100).ok).toBe(true);
    expect(evaluateTotpCode(100, 100)).toMatchObject({ ok: false, code: 'OTP_CODE_ALREADY_USED' });
    // An earlier step (the previous code, still inside the window) is a replay too.
    expect(evaluateTotpCode(99, 100)).toMatchObject({ ok: false, code: 'OTP_CODE_ALREADY_USED' });
  });

  it('gives the key as base32 and an otpauth URI with SHA1, 6 digits, 30 s', () => {
    const e = totpEnrollment(SEED, { issuer: 'Contoso', account: 'alice@contoso.com' });
    expect(e.base32).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    const uri = new URL(e.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Contoso:alice@contoso.com');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({
      secret: e.base32,
      issuer: 'Contoso',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});
