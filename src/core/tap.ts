import { allow, type Decision, deny } from './errors.ts';

export const TAP_DEFAULT_LIFETIME_MINUTES = 60;
export const TAP_MIN_LIFETIME_MINUTES = 10;
export const TAP_MAX_LIFETIME_MINUTES = 43_200; // 30 days
export const TAP_LENGTH = 16;
/** No 0/O, 1/l/I: passes are read aloud and typed by hand. */
export const TAP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export interface TapRecord {
  oneTime: boolean;
  startsAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export function validateTapLifetime(minutes: number): Decision {
  if (!Number.isInteger(minutes) || minutes < TAP_MIN_LIFETIME_MINUTES || minutes > TAP_MAX_LIFETIME_MINUTES)
    return deny('REQUEST_INVALID', {
      field: 'lifetimeInMinutes',
      reason: `must be a whole number from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`,
    });
  return allow;
}

/** Is a pass whose secret already matched usable now? */
export function evaluateTap(t: TapRecord, now: number): Decision {
  if (t.oneTime && t.usedAt !== null) return deny('TAP_ALREADY_USED');
  if (now < t.startsAt) return deny('TAP_INVALID', { reason: 'not yet valid' });
  if (now >= t.expiresAt) return deny('TAP_EXPIRED');
  return allow;
}

/** Turns random bytes into a pass from the unambiguous alphabet (rejection sampling keeps it uniform). */
export function formatTap(random: Uint8Array): string {
  const n = TAP_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = '';
  for (const b of random) {
    if (b >= limit) continue;
    out += TAP_ALPHABET[b % n];
    if (out.length === TAP_LENGTH) return out;
  }
  throw new Error('formatTap needs more random bytes');
}
