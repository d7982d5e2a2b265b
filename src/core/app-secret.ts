// An app's client secrets (Graph's passwordCredentials): when one may be added, and what a presented secret is
// worth at the token endpoint. The caller finds which stored secret (if any) the presented one matches; these
// rules decide from that row and the clock alone.
import type { ErrorCode } from './errors.ts';

/** How many live (not removed, not expired) secrets an app may hold: enough to rotate with overlap. */
export const APP_SECRET_LIMIT = 5;
/** Graph's default lifetime of a secret made by addPassword without an endDateTime: two years. */
export const APP_SECRET_DEFAULT_LIFETIME_MS = 2 * 365 * 24 * 60 * 60 * 1000;

export interface AppSecretFacts {
  keyId: string;
  displayName: string | null;
  /** The first three characters of the text (Graph's `hint`); null for secrets made before Signet kept it. */
  hint: string | null;
  startAt: number;
  /** null: no end (the secret `signet app create` prints, and those migrated from before 0010). */
  endAt: number | null;
  removedAt: number | null;
}

type Refusal = { ok: false; code: ErrorCode; detail: Record<string, string> };

/** In force now: not removed, started, not yet ended (start ≤ now < end). */
export function isSecretCurrent(s: AppSecretFacts, now: number): boolean {
  return s.removedAt === null && s.startAt <= now && (s.endAt === null || now < s.endAt);
}

/** A secret that still counts towards the limit: not removed and not ended (a future one counts). */
const isLive = (s: AppSecretFacts, now: number) => s.removedAt === null && (s.endAt === null || now < s.endAt);

/**
 * addPassword: the new secret's validity (start defaults to now, end to two years after the start) and the
 * limit on live secrets.
 */
export function judgeSecretAdd(
  existing: readonly AppSecretFacts[],
  now: number,
  asked: { startAt?: number; endAt?: number },
): { ok: true; startAt: number; endAt: number } | Refusal {
  const startAt = asked.startAt ?? now;
  const endAt = asked.endAt ?? startAt + APP_SECRET_DEFAULT_LIFETIME_MS;
  if (endAt <= startAt)
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'passwordCredential.endDateTime', reason: 'must be after startDateTime' },
    };
  if (endAt <= now)
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'passwordCredential.endDateTime', reason: 'must be in the future' },
    };
  const live = existing.filter((s) => isLive(s, now)).length;
  if (live >= APP_SECRET_LIMIT)
    return { ok: false, code: 'APP_SECRET_LIMIT_REACHED', detail: { limit: String(APP_SECRET_LIMIT) } };
  return { ok: true, startAt, endAt };
}

/**
 * The token endpoint's verdict on a presented secret, given the stored secret it matched (undefined: none).
 * A refusal names why, for the sign-in log; the client sees only `invalid_client`.
 */
export function judgePresentedSecret(
  matched: AppSecretFacts | undefined,
  now: number,
): { ok: true; keyId: string } | Refusal {
  if (!matched) return { ok: false, code: 'APP_SECRET_INVALID', detail: {} };
  const keyId = matched.keyId;
  if (matched.removedAt !== null) return { ok: false, code: 'APP_SECRET_REMOVED', detail: { keyId } };
  if (now < matched.startAt) return { ok: false, code: 'APP_SECRET_NOT_YET_VALID', detail: { keyId } };
  if (matched.endAt !== null && now >= matched.endAt)
    return { ok: false, code: 'APP_SECRET_EXPIRED', detail: { keyId } };
  return { ok: true, keyId };
}
