import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import {
  evaluateTap,
  formatTap,
  TAP_ALPHABET,
  TAP_DEFAULT_LIFETIME_MINUTES,
  TAP_LENGTH,
  TAP_MAX_LIFETIME_MINUTES,
  TAP_MIN_LIFETIME_MINUTES,
  type TapRecord,
  validateTapLifetime,
} from './tap.ts';

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

  it('makes a pass of 16 characters from the alphabet', () => {
    expect(TAP_LENGTH).toBe(16);
    for (let i = 0; i < 200; i++) expect(formatTap(randomBytes(64))).toMatch(pattern);
  });

  it('maps each accepted byte onto the alphabet by its remainder', () => {
    const n = TAP_ALPHABET.length;
    const bytes = Uint8Array.from({ length: TAP_LENGTH }, (_, i) => i + n);
    expect(formatTap(bytes)).toBe(TAP_ALPHABET.slice(0, TAP_LENGTH));
  });

  it('is deterministic for the same bytes', () => {
    const bytes = randomBytes(64);
    expect(formatTap(bytes)).toBe(formatTap(Uint8Array.from(bytes)));
  });

  it('uses only as many bytes as it needs and ignores the rest', () => {
    const head = Uint8Array.from({ length: TAP_LENGTH }, (_, i) => i);
    const withTail = new Uint8Array([...head, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(formatTap(withTail)).toBe(formatTap(head));
  });

  it('skips bytes that would bias the distribution', () => {
    const n = TAP_ALPHABET.length;
    const limit = 256 - (256 % n);
    const biased = Array.from({ length: 256 - limit }, (_, i) => limit + i);
    const bytes = new Uint8Array([...biased, ...Array(TAP_LENGTH).fill(0)]);
    expect(formatTap(bytes)).toBe(TAP_ALPHABET[0].repeat(TAP_LENGTH));
  });

  it('rejects exactly the bytes at or above the largest multiple of the alphabet size', () => {
    const n = TAP_ALPHABET.length;
    const limit = 256 - (256 % n);
    expect(formatTap(new Uint8Array(TAP_LENGTH).fill(limit - 1))).toBe(
      TAP_ALPHABET[(limit - 1) % n].repeat(TAP_LENGTH),
    );
    expect(() => formatTap(new Uint8Array(TAP_LENGTH).fill(limit))).toThrow();
  });

  it('gives every character of the alphabet the same number of byte values', () => {
    const counts = new Map<string, number>();
    let accepted = 0;
    for (let b = 0; b < 256; b++) {
      let ch: string;
      try {
        ch = formatTap(new Uint8Array(TAP_LENGTH).fill(b))[0];
      } catch {
        continue;
      }
      accepted++;
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    expect(counts.size).toBe(TAP_ALPHABET.length);
    expect(new Set(counts.values())).toEqual(new Set([accepted / TAP_ALPHABET.length]));
    expect(accepted % TAP_ALPHABET.length).toBe(0);
  });

  it('throws when given fewer bytes than characters', () => {
    expect(() => formatTap(new Uint8Array(TAP_LENGTH - 1))).toThrow();
  });

  it('throws when given no bytes', () => {
    expect(() => formatTap(new Uint8Array(0))).toThrow();
  });

  it('throws when too many bytes are rejected to fill the pass', () => {
    const bytes = new Uint8Array([...Array(TAP_LENGTH - 1).fill(0), ...Array(40).fill(255)]);
    expect(() => formatTap(bytes)).toThrow();
  });
});
