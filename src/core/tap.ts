// Temporary Access Pass rules (SPEC §2.4, graph.md §2.3 and §3.3): what a new pass may be under the tenant's TAP
// method configuration, whether a pass can sign in now, and Graph's isUsable / methodUsabilityReason — all
// from one decision, so the admin API says exactly what sign-in will do. Pure: the clock and random bytes come in.
import { allow, type Decision, deny, type ErrorCode } from './errors.ts';
import type { TapDocument } from './method-policy-schemas.ts';

export const TAP_DEFAULT_LIFETIME_MINUTES = 60;
export const TAP_MIN_LIFETIME_MINUTES = 10;
export const TAP_MAX_LIFETIME_MINUTES = 43_200; // 30 days
/** The policy's defaultLength bounds (Graph: 8–48 characters). */
export const TAP_LENGTH_RANGE = { min: 8, max: 48 } as const;
/** A pass may start at most this far ahead (its lifetime then runs from the start). */
export const TAP_MAX_START_AHEAD_MS = 30 * 24 * 60 * 60_000;
/** No 0/O, 1/l/I: passes are read aloud and typed by hand. */
export const TAP_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export interface TapRecord {
  oneTime: boolean;
  startsAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/** What the TAP method configuration says about one user: its state, and whether its targets cover them. */
export interface TapPolicyFacts {
  state: 'enabled' | 'disabled';
  targeted: boolean;
}

export type TapPolicy = Pick<
  TapDocument,
  | 'state'
  | 'defaultLifetimeInMinutes'
  | 'minimumLifetimeInMinutes'
  | 'maximumLifetimeInMinutes'
  | 'isUsableOnce'
  | 'defaultLength'
>;

export function validateTapLifetime(minutes: number): Decision {
  if (!Number.isInteger(minutes) || minutes < TAP_MIN_LIFETIME_MINUTES || minutes > TAP_MAX_LIFETIME_MINUTES)
    return deny('REQUEST_INVALID', {
      field: 'lifetimeInMinutes',
      reason: `must be a whole number from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`,
    });
  return allow;
}

function policyAllows(p: TapPolicyFacts): Decision {
  if (p.state !== 'enabled') return deny('TAP_METHOD_DISABLED');
  if (!p.targeted) return deny('TAP_METHOD_NOT_TARGETED');
  return allow;
}

export interface TapRequest {
  lifetimeMinutes?: number;
  oneTime?: boolean;
  startsAt?: number;
}

export interface TapPlan {
  lifetimeMinutes: number;
  oneTime: boolean;
  startsAt: number;
  expiresAt: number;
  /** Characters of the pass: the policy's defaultLength. */
  length: number;
}

export type Planned = { ok: true; value: TapPlan } | { ok: false; code: ErrorCode; detail: Record<string, string> };
const refuse = (code: ErrorCode, detail: Record<string, string> = {}): Planned => ({ ok: false, code, detail });

/**
 * A new pass as the policy allows it, in this order: the method on and targeting the user; the lifetime (the
 * policy's default when none is asked) a whole number of minutes within 10 minutes..30 days and within the
 * policy's minimum..maximum; one-time unless multi-use is asked for, and multi-use refused when the policy makes
 * every pass one-time (Entra: `isUsableOnce: true` ⇒ all passes in the tenant are one-time); the start now or
 * later (a start in the past means now), at most 30 days ahead; the length from the policy.
 */
export function planTap(policy: TapPolicy, targeted: boolean, req: TapRequest, now: number): Planned {
  const on = policyAllows({ state: policy.state, targeted });
  if (!on.ok) return refuse(on.code, on.detail);
  const minutes = req.lifetimeMinutes ?? policy.defaultLifetimeInMinutes;
  const shape = validateTapLifetime(minutes);
  if (!shape.ok) return refuse(shape.code, shape.detail);
  if (minutes < policy.minimumLifetimeInMinutes || minutes > policy.maximumLifetimeInMinutes)
    return refuse('TAP_LIFETIME_OUT_OF_POLICY', {
      field: 'lifetimeInMinutes',
      lifetimeInMinutes: String(minutes),
      minimumLifetimeInMinutes: String(policy.minimumLifetimeInMinutes),
      maximumLifetimeInMinutes: String(policy.maximumLifetimeInMinutes),
    });
  if (policy.isUsableOnce && req.oneTime === false)
    return refuse('TAP_MULTI_USE_NOT_ALLOWED', { field: 'isUsableOnce' });
  if (req.startsAt !== undefined && !Number.isFinite(req.startsAt))
    return refuse('REQUEST_INVALID', { field: 'startDateTime', reason: 'must be a date and time' });
  const startsAt = Math.max(req.startsAt ?? now, now);
  if (startsAt > now + TAP_MAX_START_AHEAD_MS)
    return refuse('REQUEST_INVALID', { field: 'startDateTime', reason: 'must be at most 30 days ahead' });
  return {
    ok: true,
    value: {
      lifetimeMinutes: minutes,
      oneTime: req.oneTime ?? true,
      startsAt,
      expiresAt: startsAt + minutes * 60_000,
      length: Math.min(Math.max(policy.defaultLength, TAP_LENGTH_RANGE.min), TAP_LENGTH_RANGE.max),
    },
  };
}

/** Is a pass whose secret already matched usable now, by itself (its use, start and end)? */
export function evaluateTap(t: TapRecord, now: number): Decision {
  if (t.oneTime && t.usedAt !== null) return deny('TAP_ALREADY_USED');
  if (now < t.startsAt) return deny('TAP_INVALID', { reason: 'not yet valid' });
  if (now >= t.expiresAt) return deny('TAP_EXPIRED');
  return allow;
}

/** May this pass sign in now: the method still on and targeting the user (a later policy change counts), then the pass. */
export function evaluateTapUse(t: TapRecord, policy: TapPolicyFacts, now: number): Decision {
  const on = policyAllows(policy);
  if (!on.ok) return on;
  return evaluateTap(t, now);
}

export type TapUsabilityReason = 'EnabledByPolicy' | 'DisabledByPolicy' | 'Expired' | 'NotYetValid' | 'OneTimeUsed';

/** Graph's isUsable and methodUsabilityReason: the sign-in decision above, in Graph's words. */
export function tapUsability(
  t: TapRecord,
  policy: TapPolicyFacts,
  now: number,
): { isUsable: boolean; methodUsabilityReason: TapUsabilityReason } {
  const d = evaluateTapUse(t, policy, now);
  if (d.ok) return { isUsable: true, methodUsabilityReason: 'EnabledByPolicy' };
  const reason: TapUsabilityReason =
    d.code === 'TAP_METHOD_DISABLED' || d.code === 'TAP_METHOD_NOT_TARGETED'
      ? 'DisabledByPolicy'
      : d.code === 'TAP_ALREADY_USED'
        ? 'OneTimeUsed'
        : d.code === 'TAP_EXPIRED'
          ? 'Expired'
          : 'NotYetValid';
  return { isUsable: false, methodUsabilityReason: reason };
}

/**
 * Turns random bytes into a pass of `length` characters from the unambiguous alphabet (rejection sampling keeps
 * it uniform); null when the bytes run out first (the caller draws more).
 */
export function formatTap(random: Uint8Array, length: number): string | null {
  const n = TAP_ALPHABET.length;
  const limit = 256 - (256 % n);
  let out = '';
  for (const b of random) {
    if (b >= limit) continue;
    out += TAP_ALPHABET[b % n];
    if (out.length === length) return out;
  }
  return null;
}

/** Bytes enough for a pass of `length` characters nearly always (about one in nine bytes is rejected). */
export const tapRandomBytesFor = (length: number) => 2 * length + 16;
