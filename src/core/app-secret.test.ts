import { describe, expect, it } from 'vitest';
import {
  APP_SECRET_DEFAULT_LIFETIME_MS,
  APP_SECRET_LIMIT,
  type AppSecretFacts,
  isSecretCurrent,
  judgePresentedSecret,
  judgeSecretAdd,
} from './app-secret.ts';

const NOW = Date.UTC(2026, 5, 1);
const HOUR = 3600_000;
const secret = (p: Partial<AppSecretFacts> = {}): AppSecretFacts => ({
  keyId: 'k',
  displayName: null,
  hint: null,
  startAt: NOW - HOUR,
  endAt: NOW + HOUR,
  removedAt: null,
  ...p,
});

describe('adding a client secret', () => {
  it('starts now and ends two years later unless told, as Graph does', () => {
    expect(judgeSecretAdd([], NOW, {})).toEqual({
      ok: true,
      startAt: NOW,
      endAt: NOW + APP_SECRET_DEFAULT_LIFETIME_MS,
    });
    expect(judgeSecretAdd([], NOW, { startAt: NOW + HOUR })).toEqual({
      ok: true,
      startAt: NOW + HOUR,
      endAt: NOW + HOUR + APP_SECRET_DEFAULT_LIFETIME_MS,
    });
    expect(judgeSecretAdd([], NOW, { endAt: NOW + HOUR })).toEqual({ ok: true, startAt: NOW, endAt: NOW + HOUR });
  });

  it('refuses an end before its start, or already past', () => {
    expect(judgeSecretAdd([], NOW, { startAt: NOW + 2 * HOUR, endAt: NOW + HOUR })).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'passwordCredential.endDateTime' },
    });
    expect(judgeSecretAdd([], NOW, { startAt: NOW - 2 * HOUR, endAt: NOW - HOUR })).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
    });
  });

  it(`refuses a ${APP_SECRET_LIMIT + 1}th live secret; removed and expired ones do not count, future ones do`, () => {
    const live = Array.from({ length: APP_SECRET_LIMIT - 1 }, (_, i) => secret({ keyId: `k${i}` }));
    const dead = [secret({ removedAt: NOW - 1 }), secret({ endAt: NOW }), secret({ endAt: NOW - HOUR })];
    expect(judgeSecretAdd([...live, ...dead], NOW, {}).ok).toBe(true);
    expect(judgeSecretAdd([...live, secret({ startAt: NOW + HOUR, endAt: null }), ...dead], NOW, {})).toEqual({
      ok: false,
      code: 'APP_SECRET_LIMIT_REACHED',
      detail: { limit: String(APP_SECRET_LIMIT) },
    });
  });
});

describe('a secret presented at the token endpoint', () => {
  it('is good while start ≤ now < end and not removed; a secret without an end never expires', () => {
    expect(judgePresentedSecret(secret(), NOW)).toEqual({ ok: true, keyId: 'k' });
    expect(judgePresentedSecret(secret({ startAt: NOW }), NOW).ok).toBe(true);
    expect(judgePresentedSecret(secret({ endAt: null }), NOW + 100 * 365 * 24 * HOUR).ok).toBe(true);
    expect(isSecretCurrent(secret(), NOW)).toBe(true);
    expect(isSecretCurrent(secret({ endAt: NOW }), NOW)).toBe(false);
  });

  it('says why it is refused: expired (at its end exactly), removed, not yet valid, or matching none', () => {
    expect(judgePresentedSecret(secret({ endAt: NOW }), NOW)).toEqual({
      ok: false,
      code: 'APP_SECRET_EXPIRED',
      detail: { keyId: 'k' },
    });
    expect(judgePresentedSecret(secret({ removedAt: NOW - 1 }), NOW)).toMatchObject({ code: 'APP_SECRET_REMOVED' });
    expect(judgePresentedSecret(secret({ removedAt: NOW - 1, endAt: NOW - 2 }), NOW)).toMatchObject({
      code: 'APP_SECRET_REMOVED',
    });
    expect(judgePresentedSecret(secret({ startAt: NOW + 1 }), NOW)).toMatchObject({
      code: 'APP_SECRET_NOT_YET_VALID',
    });
    expect(judgePresentedSecret(undefined, NOW)).toEqual({ ok: false, code: 'APP_SECRET_INVALID', detail: {} });
  });
});
