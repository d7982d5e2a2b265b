// Email one-time codes: the format, lifetime, attempts and resend rules. Codes come from the caller's random bytes
// (a cryptographic source in the flows), are stored only as an HMAC, and are spent with one conditional write.
import { allow, type Decision, deny } from './errors.ts';

export const EMAIL_CODE_DIGITS = 6;
export const EMAIL_CODE_LIFETIME_MS = 10 * 60_000;
/** Wrong codes a single code survives; the next attempt after these is refused even with the right code. */
export const EMAIL_CODE_MAX_WRONG = 5;
export const EMAIL_CODE_RESEND_MS = 60_000;

/** Six decimal digits from random bytes, uniformly (rejection sampling over 32-bit values). */
export function emailCodeFrom(random: Uint8Array, digits = EMAIL_CODE_DIGITS): string {
  const space = 10 ** digits;
  const limit = 2 ** 32 - (2 ** 32 % space);
  for (let i = 0; i + 4 <= random.length; i += 4) {
    const v = ((random[i]! << 24) >>> 0) + (random[i + 1]! << 16) + (random[i + 2]! << 8) + random[i + 3]!;
    if (v < limit) return String(v % space).padStart(digits, '0');
  }
  throw new Error('emailCodeFrom needs more random bytes');
}

export interface EmailCodeRecord {
  createdAt: number;
  expiresAt: number;
  wrongAttempts: number;
  usedAt: number | null;
}

/** Whether a code that matched may still be used now (spending it is the store's conditional write). */
export function evaluateEmailCode(c: EmailCodeRecord | undefined, now: number): Decision {
  if (!c) return deny('OTP_CODE_NOT_SENT');
  if (c.usedAt !== null) return deny('OTP_CODE_ALREADY_USED');
  if (c.wrongAttempts >= EMAIL_CODE_MAX_WRONG) return deny('OTP_CODE_ATTEMPTS_EXCEEDED');
  if (now >= c.expiresAt) return deny('OTP_CODE_EXPIRED');
  return allow;
}

/** A new code may be sent when none was sent within the last minute (a spent or dead code does not hold it back). */
export function evaluateResend(c: EmailCodeRecord | undefined, now: number): Decision {
  if (!c || c.usedAt !== null) return allow;
  const wait = c.createdAt + EMAIL_CODE_RESEND_MS - now;
  if (wait > 0) return deny('OTP_RESEND_TOO_SOON', { retryAfterSeconds: String(Math.ceil(wait / 1000)) });
  return allow;
}

/** An address as a person recognises it without the page giving it away whole: j•••@example.com. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${address[0]}•••${address.slice(at)}`;
}

/** A plain address: one @, no spaces or angle brackets, within RFC 5321's 254 characters. */
export function isEmailAddress(s: string): boolean {
  return s.length <= 254 && /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/.test(s);
}

/** A session waits for a second factor when it holds a password (RFC 8176 `pwd`) and nothing multi-factor yet. */
export function needsSecondFactor(amr: readonly string[]): boolean {
  return amr.includes('pwd') && !amr.includes('mfa');
}
