import { describe, expect, it } from 'vitest';
import {
  METADATA_RETRY_MAX_MS,
  METADATA_RETRY_MIN_MS,
  METADATA_WAKE_MAX_MS,
  metadataFetchDue,
  nextMetadataWakeMs,
} from './metadata-refresh.ts';

const NEXT = '2026-12-10';
const MIDNIGHT = Date.parse('2026-12-10T00:00:00Z');
const HOUR = 3_600_000;

describe('metadataFetchDue', () => {
  it('fetches when nothing is in force, and again after a failure', () => {
    expect(metadataFetchDue({ nextUpdate: undefined, now: MIDNIGHT, failures: 0 })).toBe(true);
    expect(metadataFetchDue({ nextUpdate: NEXT, now: MIDNIGHT - HOUR, failures: 1 })).toBe(true);
  });

  it('waits for nextUpdate (UTC midnight) while the BLOB in force is current', () => {
    expect(metadataFetchDue({ nextUpdate: NEXT, now: MIDNIGHT - 1, failures: 0 })).toBe(false);
    expect(metadataFetchDue({ nextUpdate: NEXT, now: MIDNIGHT, failures: 0 })).toBe(true);
  });
});

describe('nextMetadataWakeMs', () => {
  it('wakes at nextUpdate when it is near', () => {
    expect(nextMetadataWakeMs({ nextUpdate: NEXT, now: MIDNIGHT - 3 * HOUR, failures: 0 })).toBe(3 * HOUR);
  });

  it('wakes at least daily however far nextUpdate is (then decides again), and never in a tight loop', () => {
    expect(nextMetadataWakeMs({ nextUpdate: NEXT, now: MIDNIGHT - 30 * 24 * HOUR, failures: 0 })).toBe(
      METADATA_WAKE_MAX_MS,
    );
    expect(nextMetadataWakeMs({ nextUpdate: NEXT, now: MIDNIGHT + HOUR, failures: 0 })).toBe(METADATA_RETRY_MIN_MS);
  });

  it('retries after failures on a doubling delay, bounded', () => {
    const wakeAfter = (failures: number) =>
      nextMetadataWakeMs({ nextUpdate: NEXT, now: MIDNIGHT - 3 * HOUR, failures });
    expect(wakeAfter(1)).toBe(METADATA_RETRY_MIN_MS);
    expect(wakeAfter(2)).toBe(2 * METADATA_RETRY_MIN_MS);
    expect(wakeAfter(3)).toBe(4 * METADATA_RETRY_MIN_MS);
    expect(wakeAfter(10)).toBe(METADATA_RETRY_MAX_MS);
    expect(wakeAfter(10_000)).toBe(METADATA_RETRY_MAX_MS);
  });
});
