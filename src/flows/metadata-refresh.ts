// Keeps the BLOB from SIGNET_MDS_URL current in a running server (`signet serve`): a fetch at start, then at the
// nextUpdate of the BLOB in force, and after a failure a bounded, growing retry (core/metadata-refresh.ts). A
// failure never stops the server: the last good copy (the database's) stays in force, the refusal is stored (so
// /readyz detail says why) and logged as an alert.
import { SignetError } from '../core/errors.ts';
import { metadataFetchDue, nextMetadataWakeMs } from '../core/metadata-refresh.ts';
import { currentBlob } from '../store/metadata-blobs.ts';
import type { Ctx } from './context.ts';
import { loadMdsFromUrl, noteMetadataFetched, noteMetadataScheduled } from './metadata-service.ts';

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/** Node's timers, unref'd: a pending refresh never keeps a stopping process alive. */
const nodeTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface MetadataRefresher {
  /** The attempt made at start: `loaded`, `unchanged`, or the refusal's code (`failed` for anything else). */
  readonly first: Promise<string>;
  /** Decides now, as the timer does: fetches when due, then sets the next wake; returns the outcome. */
  wake(): Promise<string>;
  /** The delay the next wake was set for (ms), for the operator's log and for tests. */
  readonly nextWakeMs: number | undefined;
  stop(): void;
}

export function startMetadataRefresh(ctx: Ctx, timers: Timers = nodeTimers): MetadataRefresher {
  let failures = 0;
  let handle: unknown;
  let stopped = false;
  let nextWakeMs: number | undefined;
  let running: Promise<string> | undefined;

  const nextUpdateInForce = async () => (await currentBlob(ctx.db))?.nextUpdate;

  async function attempt(): Promise<string> {
    let outcome: string;
    try {
      outcome = (await loadMdsFromUrl(ctx)).outcome;
      noteMetadataFetched(ctx);
    } catch (err) {
      // MDS_BLOB_* refusals (unreachable, bad signature, ...) were stored and logged as alerts by loadMdsFromUrl.
      outcome = err instanceof SignetError ? err.code : 'failed';
      if (!(err instanceof SignetError))
        ctx.log.error({ alert: 'mds_refresh_failed', err: String(err) }, 'authenticator metadata refresh failed');
    }
    const nextUpdate = await nextUpdateInForce();
    // Fetched but still past nextUpdate (the service has nothing newer yet) counts as a failure: retry, backing off.
    const current = !metadataFetchDue({ nextUpdate, now: ctx.now(), failures: 0 });
    failures = (outcome === 'loaded' || outcome === 'unchanged') && current ? 0 : failures + 1;
    return outcome;
  }

  async function schedule(): Promise<void> {
    if (stopped) return;
    const ms = nextMetadataWakeMs({ nextUpdate: await nextUpdateInForce(), now: ctx.now(), failures });
    if (stopped) return;
    nextWakeMs = ms;
    timers.clear(handle);
    handle = timers.set(() => void wake(), ms);
    if (failures > 0)
      ctx.log.warn(
        { alert: 'mds_not_current', failures, retryInSeconds: Math.round(ms / 1000) },
        'authenticator metadata is not current; the last good copy stays in force until a fetch succeeds',
      );
  }

  /** One decision: fetch when due, then set the next wake; never throws (the timer has no one to tell). */
  function run(force: boolean): Promise<string> {
    running ??= (async () => {
      let outcome = 'not due';
      try {
        const nextUpdate = await nextUpdateInForce();
        if (force || metadataFetchDue({ nextUpdate, now: ctx.now(), failures })) outcome = await attempt();
      } catch (err) {
        failures += 1;
        outcome = 'failed';
        ctx.log.error({ alert: 'mds_refresh_failed', err: String(err) }, 'authenticator metadata refresh failed');
      }
      try {
        await schedule();
      } catch (err) {
        // The database is unreachable even for the read: try again after the shortest retry.
        if (!stopped)
          handle = timers.set(() => void wake(), nextMetadataWakeMs({ nextUpdate: undefined, now: 0, failures: 1 }));
        ctx.log.error({ alert: 'mds_refresh_failed', err: String(err) }, 'authenticator metadata refresh failed');
      }
      return outcome;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  const wake = () => run(false);
  noteMetadataScheduled(ctx, true);
  // At start, whatever the stored copy's nextUpdate: the service may have published a newer BLOB (a revocation).
  const first = run(true);
  return {
    first,
    wake,
    get nextWakeMs() {
      return nextWakeMs;
    },
    stop() {
      stopped = true;
      noteMetadataScheduled(ctx, false);
      timers.clear(handle);
    },
  };
}
