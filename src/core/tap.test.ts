import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import {
  evaluateTap,
  evaluateTapUse,
  formatTap,
  planTap,
  TAP_ALPHABET,
  TAP_DEFAULT_LIFETIME_MINUTES,
  TAP_MAX_LIFETIME_MINUTES,
  TAP_MIN_LIFETIME_MINUTES,
  type TapPolicy,
  type TapRecord,
  tapRandomBytesFor,
  tapUsability,
  validateTapLifetime,
} from './tap.ts';

const TAP_LENGTH = 16;

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const code = (d: Decision) => (d.ok ? 'ok' : d.code);

function tap(over: Partial<TapRecord> = {}): TapRecord {
  return { oneTime: true, startsAt: T0, expiresAt: T0 + 60 * MINUTE, usedAt: null, ...over };
}

describe('TAP lifetime', () => {
  it('defaults to 60 minutes, between 10 minutes and 30 days', () => {
    expect(TAP_DEFAULT_LIFETIME_MINUTES).toBe(60);
    expect(TAP_MIN_LIFETIME_MINUTES).toBe(10);
    expect(TAP_MAX_LIFETIME_MINUTES).toBe(30 * 24 * 60);
  });

  it.each([10, 11, 60, 1440, 43_199, 43_200])('accepts a lifetime of %i minutes', (m) => {
    expect(validateTapLifetime(m)).toEqual({ ok: true });
  });

  it.each([9, 0, -60, 43_201, 100_000])('refuses a lifetime of %i minutes', (m) => {
    expect(code(validateTapLifetime(m))).toBe('REQUEST_INVALID');
  });

  it.each([10.5, 59.999, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a lifetime that is not a whole number (%d)',
    (m) => {
      expect(code(validateTapLifetime(m))).toBe('REQUEST_INVALID');
    },
  );

  it('accepts the default lifetime', () => {
    expect(validateTapLifetime(TAP_DEFAULT_LIFETIME_MINUTES).ok).toBe(true);
  });

  it('names the offending field in the detail', () => {
    expect(validateTapLifetime(9)).toMatchObject({ ok: false, detail: { field: 'lifetimeInMinutes' } });
  });
});

describe('evaluateTap', () => {
  it('accepts an unused one-time pass within its lifetime', () => {
    expect(evaluateTap(tap(), T0 + MINUTE)).toEqual({ ok: true });
  });

  it('refuses a one-time pass that was already used', () => {
    expect(code(evaluateTap(tap({ usedAt: T0 + MINUTE }), T0 + 2 * MINUTE))).toBe('TAP_ALREADY_USED');
  });

  it('lets a multi-use pass be used again within its lifetime', () => {
    expect(evaluateTap(tap({ oneTime: false, usedAt: T0 + MINUTE }), T0 + 2 * MINUTE).ok).toBe(true);
  });

  it('accepts an unused multi-use pass', () => {
    expect(evaluateTap(tap({ oneTime: false }), T0 + MINUTE).ok).toBe(true);
  });

  it('refuses a pass before its start time', () => {
    expect(code(evaluateTap(tap({ startsAt: T0 + 10 * MINUTE }), T0))).toBe('TAP_INVALID');
    expect(code(evaluateTap(tap(), T0 - 1))).toBe('TAP_INVALID');
  });

  it('accepts a pass from the very millisecond it starts', () => {
    expect(evaluateTap(tap(), T0).ok).toBe(true);
  });

  it('accepts a pass in the last millisecond before it expires', () => {
    expect(evaluateTap(tap(), T0 + 60 * MINUTE - 1).ok).toBe(true);
  });

  it('refuses a pass at exactly its expiry time', () => {
    expect(code(evaluateTap(tap(), T0 + 60 * MINUTE))).toBe('TAP_EXPIRED');
  });

  it('refuses a pass after its expiry time', () => {
    expect(code(evaluateTap(tap(), T0 + 61 * MINUTE))).toBe('TAP_EXPIRED');
  });

  it('refuses a multi-use pass once it has expired', () => {
    expect(code(evaluateTap(tap({ oneTime: false, usedAt: T0 + MINUTE }), T0 + 60 * MINUTE))).toBe('TAP_EXPIRED');
  });
});

describe('formatTap', () => {
  const pattern = new RegExp(`^[${TAP_ALPHABET}]{${TAP_LENGTH}}$`);

  it('uses an alphabet without look-alike characters', () => {
    for (const ch of '0O1lI') expect(TAP_ALPHABET).not.toContain(ch);
  });

  it('uses an alphabet of distinct letters and digits only', () => {
    expect(TAP_ALPHABET).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(TAP_ALPHABET).size).toBe(TAP_ALPHABET.length);
  });

  it('makes a pass of the length asked, from the alphabet', () => {
    for (let i = 0; i < 200; i++) expect(formatTap(randomBytes(64), TAP_LENGTH)).toMatch(pattern);
    for (const n of [8, 17, 48])
      for (let i = 0; i < 50; i++)
        expect(formatTap(randomBytes(tapRandomBytesFor(n)), n) ?? 'ran out').toMatch(
          new RegExp(`^[${TAP_ALPHABET}]{${n}}$`),
        );
  });

  it('maps each accepted byte onto the alphabet by its remainder', () => {
    const n = TAP_ALPHABET.length;
    const bytes = Uint8Array.from({ length: TAP_LENGTH }, (_, i) => i + n);
    expect(formatTap(bytes, TAP_LENGTH)).toBe(TAP_ALPHABET.slice(0, TAP_LENGTH));
  });

  it('is deterministic for the same bytes', () => {
    const bytes = randomBytes(64);
    expect(formatTap(bytes, TAP_LENGTH)).toBe(formatTap(Uint8Array.from(bytes), TAP_LENGTH));
  });

  it('uses only as many bytes as it needs and ignores the rest', () => {
    const head = Uint8Array.from({ length: TAP_LENGTH }, (_, i) => i);
    const withTail = new Uint8Array([...head, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(formatTap(withTail, TAP_LENGTH)).toBe(formatTap(head, TAP_LENGTH));
  });

  it('skips bytes that would bias the distribution', () => {
    const n = TAP_ALPHABET.length;
    const limit = 256 - (256 % n);
    const biased = Array.from({ length: 256 - limit }, (_, i) => limit + i);
    const bytes = new Uint8Array([...biased, ...Array(TAP_LENGTH).fill(0)]);
    expect(formatTap(bytes, TAP_LENGTH)).toBe(TAP_ALPHABET[0]!.repeat(TAP_LENGTH));
  });

  it('rejects exactly the bytes at or above the largest multiple of the alphabet size', () => {
    const n = TAP_ALPHABET.length;
    const limit = 256 - (256 % n);
    expect(formatTap(new Uint8Array(TAP_LENGTH).fill(limit - 1), TAP_LENGTH)).toBe(
      TAP_ALPHABET[(limit - 1) % n]!.repeat(TAP_LENGTH),
    );
    expect(formatTap(new Uint8Array(TAP_LENGTH).fill(limit), TAP_LENGTH)).toBeNull();
  });

  it('gives every character of the alphabet the same number of byte values', () => {
    const counts = new Map<string, number>();
    let accepted = 0;
    for (let b = 0; b < 256; b++) {
      const ch = formatTap(new Uint8Array(1).fill(b), 1);
      if (ch === null) continue;
      accepted++;
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(TAP_ALPHABET.length);
    expect(new Set(counts.values())).toEqual(new Set([accepted / TAP_ALPHABET.length]));
    expect(accepted % TAP_ALPHABET.length).toBe(0);
  });

  it('says so (null) when given fewer usable bytes than characters, so the caller draws more', () => {
    expect(formatTap(new Uint8Array(TAP_LENGTH - 1), TAP_LENGTH)).toBeNull();
    expect(formatTap(new Uint8Array(0), TAP_LENGTH)).toBeNull();
    expect(
      formatTap(new Uint8Array([...Array(TAP_LENGTH - 1).fill(0), ...Array(40).fill(255)]), TAP_LENGTH),
    ).toBeNull();
  });
});

const POLICY: TapPolicy = {
  state: 'enabled',
  defaultLifetimeInMinutes: 60,
  minimumLifetimeInMinutes: 30,
  maximumLifetimeInMinutes: 480,
  isUsableOnce: false,
  defaultLength: 12,
};
const plan = (over: Partial<TapPolicy>, req: Parameters<typeof planTap>[2], targeted = true) =>
  planTap({ ...POLICY, ...over }, targeted, req, T0);

describe('planTap: a new pass as the TAP method configuration allows it', () => {
  it('takes the lifetime and length from the policy, one-time, starting now', () => {
    expect(plan({}, {})).toEqual({
      ok: true,
      value: { lifetimeMinutes: 60, oneTime: true, startsAt: T0, expiresAt: T0 + 60 * MINUTE, length: 12 },
    });
    expect(plan({ defaultLength: 48 }, {})).toMatchObject({ value: { length: 48 } });
    expect(plan({ defaultLength: 8 }, {})).toMatchObject({ value: { length: 8 } });
  });

  it('refuses when the method is off, before anything else is judged', () => {
    expect(code(plan({ state: 'disabled' }, { lifetimeMinutes: 5 }))).toBe('TAP_METHOD_DISABLED');
  });

  it('refuses a user the method does not target', () => {
    expect(code(plan({}, {}, false))).toBe('TAP_METHOD_NOT_TARGETED');
  });

  it.each([30, 31, 479, 480])('accepts %i minutes within the policy’s 30..480', (m) => {
    expect(plan({}, { lifetimeMinutes: m })).toMatchObject({ ok: true, value: { lifetimeMinutes: m } });
  });

  it.each([10, 29, 481, 43_200])('refuses %i minutes: valid for Graph but outside the policy’s 30..480', (m) => {
    expect(plan({}, { lifetimeMinutes: m })).toEqual({
      ok: false,
      code: 'TAP_LIFETIME_OUT_OF_POLICY',
      detail: {
        field: 'lifetimeInMinutes',
        lifetimeInMinutes: String(m),
        minimumLifetimeInMinutes: '30',
        maximumLifetimeInMinutes: '480',
      },
    });
  });

  it.each([9, 43_201, 60.5, Number.NaN])('refuses %d minutes as malformed, whatever the policy', (m) => {
    expect(code(plan({ minimumLifetimeInMinutes: 10, maximumLifetimeInMinutes: 43_200 }, { lifetimeMinutes: m }))).toBe(
      'REQUEST_INVALID',
    );
  });

  it('refuses a multi-use pass when the policy makes every pass one-time, and allows it otherwise', () => {
    expect(plan({ isUsableOnce: true }, { oneTime: false })).toEqual({
      ok: false,
      code: 'TAP_MULTI_USE_NOT_ALLOWED',
      detail: { field: 'isUsableOnce' },
    });
    expect(plan({ isUsableOnce: true }, { oneTime: true })).toMatchObject({ value: { oneTime: true } });
    expect(plan({ isUsableOnce: true }, {})).toMatchObject({ value: { oneTime: true } });
    expect(plan({ isUsableOnce: false }, { oneTime: false })).toMatchObject({ value: { oneTime: false } });
  });

  it('honours a later start (the lifetime runs from it), treats a past one as now, refuses one over 30 days ahead', () => {
    expect(plan({}, { startsAt: T0 + 90 * MINUTE })).toMatchObject({
      value: { startsAt: T0 + 90 * MINUTE, expiresAt: T0 + 150 * MINUTE },
    });
    expect(plan({}, { startsAt: T0 - 90 * MINUTE })).toMatchObject({ value: { startsAt: T0 } });
    expect(plan({}, { startsAt: T0 + 30 * 24 * 60 * MINUTE })).toMatchObject({ ok: true });
    expect(plan({}, { startsAt: T0 + 30 * 24 * 60 * MINUTE + 1 })).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'startDateTime' },
    });
    expect(plan({}, { startsAt: Number.NaN })).toMatchObject({ ok: false, detail: { field: 'startDateTime' } });
  });
});

describe('evaluateTapUse and tapUsability: one decision for sign-in and for Graph', () => {
  const ON = { state: 'enabled', targeted: true } as const;
  const OFF = { state: 'disabled', targeted: true } as const;
  const UNTARGETED = { state: 'enabled', targeted: false } as const;

  it('refuses a pass once the method is off or no longer targets the user, however good the pass', () => {
    expect(code(evaluateTapUse(tap(), OFF, T0 + MINUTE))).toBe('TAP_METHOD_DISABLED');
    expect(code(evaluateTapUse(tap(), UNTARGETED, T0 + MINUTE))).toBe('TAP_METHOD_NOT_TARGETED');
    expect(evaluateTapUse(tap(), ON, T0 + MINUTE).ok).toBe(true);
  });

  it.each([
    ['usable', tap(), ON, T0 + MINUTE, true, 'EnabledByPolicy'],
    ['method off', tap(), OFF, T0 + MINUTE, false, 'DisabledByPolicy'],
    ['user no longer targeted', tap(), UNTARGETED, T0 + MINUTE, false, 'DisabledByPolicy'],
    ['policy wins over expiry', tap(), OFF, T0 + 61 * MINUTE, false, 'DisabledByPolicy'],
    ['expired', tap(), ON, T0 + 60 * MINUTE, false, 'Expired'],
    ['not yet started', tap({ startsAt: T0 + 5 * MINUTE }), ON, T0, false, 'NotYetValid'],
    ['one-time, used', tap({ usedAt: T0 }), ON, T0 + MINUTE, false, 'OneTimeUsed'],
    ['multi-use, used', tap({ oneTime: false, usedAt: T0 }), ON, T0 + MINUTE, true, 'EnabledByPolicy'],
  ] as const)('%s → isUsable %s, %s', (_what, t, policy, now, isUsable, methodUsabilityReason) => {
    expect(tapUsability(t, policy, now)).toEqual({ isUsable, methodUsabilityReason });
    // Graph says usable exactly when sign-in would let the pass in.
    expect(evaluateTapUse(t, policy, now).ok).toBe(isUsable);
  });
});
