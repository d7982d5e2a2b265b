// TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30-second steps, one step either side for
// clock drift. The arithmetic is otpauth's; what Signet decides is which time step a code proves and whether that
// step is later than the last one accepted for the method (a used code is refused on replay).
import { Secret, TOTP } from 'otpauth';
import { allow, type Decision, deny } from './errors.ts';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
export const TOTP_ALGORITHM = 'SHA1';
/** Steps accepted either side of now. */
export const TOTP_WINDOW = 1;
/** RFC 4226 §4 asks for at least 128 bits; 160 is SHA-1's block-friendly size and what apps expect. */
export const TOTP_SECRET_BYTES = 20;
/** A pending set-up (the key shown, no code confirmed yet) lasts this long. */
export const TOTP_SETUP_LIFETIME_MS = 10 * 60_000;
export const TOTP_METHODS_PER_USER = 5;

/** The time step `now` falls in. */
export function totpStepAt(now: number): number {
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
}

/** A code in the form apps show it: six digits (spaces a person typed are taken out first). */
export function normalizeCode(raw: string): string | undefined {
  const code = raw.replace(/[\s-]/g, '');
  return /^\d{6,10}$/.test(code) ? code : undefined;
}

/** The base32 key a person types into an app, and the otpauth:// URI an app opens. */
export function totpEnrollment(secret: Uint8Array, p: { issuer: string; account: string }) {
  const totp = new TOTP({
    issuer: p.issuer,
    label: p.account,
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
  });
  return { base32: totp.secret.base32, uri: totp.toString() };
}

/** The code of `secret` at `now` (for tests and for a person's own check; never sent anywhere). */
export function totpCodeAt(secret: Uint8Array, now: number): string {
  return TOTP.generate({
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: now,
  });
}

/** The time step the code proves (within one step of now), or undefined when it proves none. */
export function matchTotpStep(secret: Uint8Array, code: string, now: number): number | undefined {
  const token = normalizeCode(code);
  if (!token || token.length !== TOTP_DIGITS) return undefined;
  const delta = TOTP.validate({
    token,
    secret: new Secret({ buffer: Uint8Array.from(secret).buffer }),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: now,
    window: TOTP_WINDOW,
  });
  return delta === null ? undefined : totpStepAt(now) + delta;
}

/**
 * Whether a code may be accepted: it must prove a step, and a step later than the last one accepted for this
 * method — so a code seen over a shoulder, or sent twice, does not work a second time (RFC 6238 §5.2).
 */
export function evaluateTotpCode(step: number | undefined, lastUsedStep: number | null): Decision {
  if (step === undefined) return deny('OTP_CODE_INVALID');
  if (lastUsedStep !== null && step <= lastUsedStep) return deny('OTP_CODE_ALREADY_USED');
  return allow;
}
