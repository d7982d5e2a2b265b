// When a server fetches the MDS BLOB from SIGNET_MDS_URL again (flows/metadata-refresh.ts): at start, then at the
// nextUpdate of the BLOB in force, and after a failure on a growing but bounded retry, so that an outage of the
// metadata service is neither hammered nor waited out for a month.

export const METADATA_RETRY_MIN_MS = 5 * 60_000;
export const METADATA_RETRY_MAX_MS = 6 * 60 * 60_000;
/** A timer is never set further out than this (Node's own limit is 24.8 days); it then decides again. */
export const METADATA_WAKE_MAX_MS = 24 * 60 * 60_000;

export interface MetadataFetchFacts {
  /** The nextUpdate (YYYY-MM-DD, UTC midnight) of the BLOB in force, if any. */
  nextUpdate: string | undefined;
  now: number;
  /** Attempts in a row that left no current BLOB (failed, or brought nothing newer past its nextUpdate). */
  failures: number;
}

/** Whether a fetch is due now: nothing in force, the BLOB in force is past its nextUpdate, or the last one failed. */
export function metadataFetchDue(f: MetadataFetchFacts): boolean {
  if (f.failures > 0 || f.nextUpdate === undefined) return true;
  return f.now >= Date.parse(`${f.nextUpdate}T00:00:00Z`);
}

/** How long to wait before deciding again: the retry after failures, else until nextUpdate (bounded both ways). */
export function nextMetadataWakeMs(f: MetadataFetchFacts): number {
  if (f.failures > 0) return Math.min(METADATA_RETRY_MAX_MS, METADATA_RETRY_MIN_MS * 2 ** Math.min(f.failures - 1, 16));
  if (f.nextUpdate === undefined) return METADATA_RETRY_MIN_MS;
  const until = Date.parse(`${f.nextUpdate}T00:00:00Z`) - f.now;
  return Math.max(METADATA_RETRY_MIN_MS, Math.min(METADATA_WAKE_MAX_MS, until));
}
