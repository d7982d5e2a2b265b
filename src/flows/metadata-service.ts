// The FIDO Metadata Service (MDS3) BLOB: loaded from a file (`signet mds load FILE`) or SIGNET_MDS_URL, verified
// (src/webauthn/mds-blob.ts), stored in the database so every process uses the same copy, and put in force in each
// process's MetadataRegistry beside the file statements of SIGNET_METADATA_FILE. A refused BLOB changes nothing:
// the last good copy stays in force, the refusal is stored and logged as an alert, and /readyz detail says why.
import { readFileSync } from 'node:fs';
import type { CacheVersions } from '../core/cache-staleness.ts';
import { SignetError } from '../core/errors.ts';
import { isMetadataStale } from '../core/passkey-profile.ts';
import { cacheVersionWatch, readCacheVersions } from '../store/cache-versions.ts';
import { isUniqueViolation } from '../store/db.ts';
import {
  type BlobRefusal,
  currentBlob,
  currentBlobText,
  INSTANCE_CACHE_KEY,
  insertRefusal,
  insertVerifiedBlob,
  latestRefusal,
  METADATA_CACHE_KIND,
  type PasskeyOfModel,
  passkeysOfModels,
  type StoredBlob,
} from '../store/metadata-blobs.ts';
import {
  decideSerial,
  FIDO_MDS_ROOTS,
  pemCertificates,
  readVerifiedBlob,
  verifyMdsBlob,
} from '../webauthn/mds-blob.ts';
import type { CompromisedModel } from '../webauthn/metadata.ts';
import type { Ctx } from './context.ts';

/** A BLOB is a few megabytes; anything far larger is not one. */
const MAX_BLOB_BYTES = 64 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;

/** The roots a BLOB's chain must lead to: SIGNET_MDS_ROOT's certificates, else the FIDO Alliance root shipped. */
export function mdsRoots(ctx: Pick<Ctx, 'config'>): string[] {
  const file = ctx.config.mdsRootFile;
  if (!file) return FIDO_MDS_ROOTS;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SignetError('CONFIG_INVALID', {
      variable: 'SIGNET_MDS_ROOT',
      reason: `SIGNET_MDS_ROOT (${file}) cannot be read (${(err as { code?: string }).code})`,
    });
  }
  return pemCertificates(text);
}

export interface MdsLoaded {
  outcome: 'loaded' | 'unchanged';
  no: number;
  nextUpdate: string;
  entries: number;
  source: string;
}

const isBlobRefusal = (err: unknown): err is SignetError =>
  err instanceof SignetError && err.code.startsWith('MDS_BLOB_');

/** Stores and logs a refusal; the BLOB in force is untouched. */
async function recordRefusal(ctx: Ctx, err: SignetError, source: string): Promise<void> {
  const refusal: BlobRefusal = { code: err.code, reason: err.detail.reason ?? err.message, source, at: ctx.now() };
  try {
    await insertRefusal(ctx.db, ctx.newId(), refusal);
  } finally {
    ctx.log.error(
      { alert: 'mds_blob_refused', code: refusal.code, reason: refusal.reason, source },
      'authenticator metadata BLOB refused; the last good copy stays in force',
    );
  }
}

/**
 * Verifies a BLOB's text and, when its `no` is above the one in force, stores it for every process and puts it in
 * force here. The same BLOB again is `unchanged`. Refusals (MDS_BLOB_*) are recorded, logged and thrown.
 */
export async function loadMdsBlob(ctx: Ctx, text: string, source: string): Promise<MdsLoaded> {
  try {
    const v = await verifyMdsBlob(text, mdsRoots(ctx), ctx.now());
    const decision = decideSerial(await currentBlob(ctx.db), v);
    if (!decision.ok) throw new SignetError('MDS_BLOB_NOT_NEWER', { reason: decision.reason, no: String(v.no) });
    let outcome: MdsLoaded['outcome'] = decision.outcome === 'newer' ? 'loaded' : 'unchanged';
    if (outcome === 'loaded') {
      const stored: StoredBlob & { text: string } = {
        id: ctx.newId(),
        no: v.no,
        nextUpdate: v.nextUpdate,
        entries: v.entries,
        digest: v.digest,
        source,
        loadedAt: ctx.now(),
        text: text.trim(),
      };
      try {
        await ctx.db.transaction().execute((trx) => insertVerifiedBlob(trx, stored));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Another process stored this `no` at the same moment: the same BLOB, or a different one with its number.
        const now = await currentBlob(ctx.db);
        if (now?.no !== v.no || now.digest !== v.digest)
          throw new SignetError('MDS_BLOB_NOT_NEWER', {
            reason: `another BLOB with no ${v.no} was stored meanwhile`,
            no: String(v.no),
          });
        outcome = 'unchanged';
      }
      ctx.log.info({ no: v.no, nextUpdate: v.nextUpdate, entries: v.entries, source }, 'authenticator metadata loaded');
    }
    await refreshMetadata(ctx);
    return { outcome, no: v.no, nextUpdate: v.nextUpdate, entries: v.entries, source };
  } catch (err) {
    if (isBlobRefusal(err)) await recordRefusal(ctx, err, source);
    throw err;
  }
}

/** Downloads the BLOB from `url` (MDS_BLOB_UNREACHABLE when it cannot be had). */
export async function downloadMdsBlob(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'follow' });
  } catch (err) {
    throw new SignetError('MDS_BLOB_UNREACHABLE', {
      reason: `${url}: ${(err as Error).cause ? String(((err as Error).cause as Error).message) : (err as Error).message}`,
    });
  }
  if (!res.ok) throw new SignetError('MDS_BLOB_UNREACHABLE', { reason: `${url} answered HTTP ${res.status}` });
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_BLOB_BYTES)
    throw new SignetError('MDS_BLOB_MALFORMED', { reason: `${url} sent ${length} bytes, more than a BLOB` });
  const text = await res.text();
  if (text.length > MAX_BLOB_BYTES)
    throw new SignetError('MDS_BLOB_MALFORMED', { reason: `${url} sent more than ${MAX_BLOB_BYTES} bytes` });
  return text;
}

/** Fetches SIGNET_MDS_URL and loads what it serves. */
export async function loadMdsFromUrl(ctx: Ctx, url = ctx.config.mdsUrl): Promise<MdsLoaded> {
  if (!url)
    throw new SignetError('REQUEST_INVALID', {
      field: 'FILE',
      reason: 'name a BLOB file, or set SIGNET_MDS_URL to load from the metadata service',
    });
  let text: string;
  try {
    text = await downloadMdsBlob(url);
  } catch (err) {
    if (isBlobRefusal(err)) await recordRefusal(ctx, err, url);
    throw err;
  }
  return loadMdsBlob(ctx, text, url);
}

/** Whether the BLOB in force is past its nextUpdate (a YYYY-MM-DD date, read as UTC midnight) at `now`. */
export function isPastNextUpdate(nextUpdate: string, now: number): boolean {
  return isMetadataStale({ blobNextUpdate: nextUpdate, fromAdministratorFile: false, now });
}

/**
 * The maintenance pass's refresh: with SIGNET_MDS_URL, fetch a BLOB when none is stored or the one in force is past
 * its nextUpdate. A failure is recorded and logged (never thrown): the last good copy stays in force.
 */
export async function refreshMdsIfDue(ctx: Ctx): Promise<string> {
  if (!ctx.config.mdsUrl) return 'no SIGNET_MDS_URL';
  // `signet serve` keeps its own schedule (flows/metadata-refresh.ts): its backoff is not to be undone here.
  if (scheduled.has(ctx.metadata)) return 'scheduled';
  const current = await currentBlob(ctx.db);
  if (current && !isPastNextUpdate(current.nextUpdate, ctx.now())) return 'not due';
  try {
    return (await loadMdsFromUrl(ctx)).outcome;
  } catch (err) {
    if (isBlobRefusal(err)) return err.code;
    ctx.log.error({ err: String(err) }, 'authenticator metadata refresh failed');
    return 'failed';
  }
}

const metadataVersion = (v: CacheVersions): number => Number(v[METADATA_CACHE_KIND] ?? 0);

const reloading = new WeakMap<Ctx['metadata'], Promise<void>>();

/** Reads the BLOB in force from the database into this process's registry (callers share one read). */
function reload(ctx: Ctx, version: number): Promise<void> {
  const running = reloading.get(ctx.metadata);
  if (running) return running;
  const p = (async () => {
    const stored = await currentBlobText(ctx.db);
    if (!stored) {
      ctx.metadata.blobVersion = Math.max(ctx.metadata.blobVersion, version);
      return;
    }
    const { no, nextUpdate, entries, source, loadedAt } = stored.blob;
    let parsed: ReturnType<typeof readVerifiedBlob>;
    try {
      parsed = readVerifiedBlob(stored.text);
    } catch (err) {
      // A stored row this instance verified no longer reads (damaged in the database): the copy in force here
      // serves on, and this version is not read again at every sign-in.
      ctx.metadata.blobVersion = Math.max(ctx.metadata.blobVersion, version);
      ctx.log.error(
        { alert: 'mds_blob_unreadable', no, err: String(err) },
        'the stored metadata BLOB cannot be read; the copy in force stays',
      );
      return;
    }
    ctx.metadata.setBlob(parsed.statements, { no, nextUpdate, entries, source, loadedAt }, version);
  })().finally(() => reloading.delete(ctx.metadata));
  reloading.set(ctx.metadata, p);
  return p;
}

/**
 * Keeps this process's BLOB the database's: undefined (nothing to wait for) while the version read within the last
 * second (store/cache-versions.ts, the instance's row) is the one in force here, so the sign-in path pays a map
 * lookup; otherwise the read and, when a newer BLOB was stored by any process, its reload.
 */
export function metadataCurrent(ctx: Ctx): undefined | Promise<void> {
  const versions = cacheVersionWatch(ctx.db).current(INSTANCE_CACHE_KEY);
  if (versions instanceof Promise)
    return versions.then((v) =>
      metadataVersion(v) > ctx.metadata.blobVersion ? reload(ctx, metadataVersion(v)) : undefined,
    );
  const version = metadataVersion(versions);
  return version > ctx.metadata.blobVersion ? reload(ctx, version) : undefined;
}

/** Reloads now (after this process stored a BLOB, or for a command that must show the database's copy). */
export async function refreshMetadata(ctx: Ctx): Promise<void> {
  const version = metadataVersion(await readCacheVersions(ctx.db, INSTANCE_CACHE_KEY));
  if (version > ctx.metadata.blobVersion) await reload(ctx, version);
}

/** What a refusal of a compromised model says: the model, the status and since when. */
export function compromiseDetail(c: CompromisedModel): Record<string, string> {
  return {
    aaguid: c.aaguid,
    model: c.model,
    status: c.status,
    ...(c.since ? { since: c.since } : {}),
    reason: `${c.model} (AAGUID ${c.aaguid}) is reported ${c.status} in the authenticator metadata${c.since ? ` since ${c.since}` : ''}`,
  };
}

/**
 * At every sign-in (and registration): a passkey whose model's newest status report is a compromise is refused
 * with PASSKEY_AUTHENTICATOR_COMPROMISED. A map lookup, once the registry is current (see metadataCurrent).
 */
export async function assertModelNotCompromised(ctx: Ctx, aaguid: string): Promise<void> {
  const pending = metadataCurrent(ctx);
  if (pending) await pending;
  const c = ctx.metadata.compromiseOf(aaguid);
  if (c) throw new SignetError('PASSKEY_AUTHENTICATOR_COMPROMISED', compromiseDetail(c));
}

export interface MdsStatus {
  /** `ok`, `stale` (past nextUpdate), `refused` (the newest attempt failed; the last good copy is in force), `none`. */
  state: 'ok' | 'stale' | 'refused' | 'none';
  url: string | null;
  root: string;
  blob: { no: number; nextUpdate: string; entries: number; source: string; loadedAt: string } | null;
  /** The `no` this process has in force (the database's once it has read it). */
  inForce: number | null;
  fileStatements: string | null;
  lastError: { code: string; reason: string; source: string; at: string } | null;
}

const fetchedAt = new WeakMap<Ctx['metadata'], number>();
const scheduled = new WeakSet<Ctx['metadata']>();

/** A refresh schedule runs for this process's registry (or no longer does). */
export function noteMetadataScheduled(ctx: Ctx, on: boolean): void {
  if (on) scheduled.add(ctx.metadata);
  else scheduled.delete(ctx.metadata);
}

/** This process fetched SIGNET_MDS_URL successfully just now (the same BLOB again included): older refusals are past. */
export function noteMetadataFetched(ctx: Ctx): void {
  fetchedAt.set(ctx.metadata, ctx.now());
}

/** What `signet mds status` and /readyz say about the metadata. */
export async function mdsStatus(ctx: Ctx): Promise<MdsStatus> {
  await refreshMetadata(ctx);
  const blob = await currentBlob(ctx.db);
  const refusal = await latestRefusal(ctx.db, Math.max(blob?.loadedAt ?? 0, fetchedAt.get(ctx.metadata) ?? 0));
  const stale = blob ? isPastNextUpdate(blob.nextUpdate, ctx.now()) : false;
  return {
    state: refusal ? 'refused' : stale ? 'stale' : blob ? 'ok' : 'none',
    url: ctx.config.mdsUrl ?? null,
    root: ctx.config.mdsRootFile ?? 'FIDO Alliance MDS3 root (GlobalSign Root CA - R3), shipped with Signet',
    blob: blob
      ? {
          no: blob.no,
          nextUpdate: blob.nextUpdate,
          entries: blob.entries,
          source: blob.source,
          loadedAt: new Date(blob.loadedAt).toISOString(),
        }
      : null,
    inForce: ctx.metadata.blob?.no ?? null,
    fileStatements: ctx.config.metadataFile ?? null,
    lastError: refusal
      ? { code: refusal.code, reason: refusal.reason, source: refusal.source, at: new Date(refusal.at).toISOString() }
      : null,
  };
}

export interface AffectedPasskey extends PasskeyOfModel {
  model: string;
  status: string;
  since: string | null;
}

/** Every passkey (of one tenant, or of all) whose model's newest status is a compromise, oldest first. */
export async function affectedPasskeys(ctx: Ctx, tenantId?: string): Promise<AffectedPasskey[]> {
  await refreshMetadata(ctx);
  const models = new Map(ctx.metadata.compromisedModels().map((m) => [m.aaguid, m]));
  if (models.size === 0) return [];
  const rows = await passkeysOfModels(ctx.db, [...models.keys()], tenantId);
  return rows.map((r) => {
    const m = models.get(r.aaguid.toLowerCase())!;
    return { ...r, model: m.model, status: m.status, since: m.since };
  });
}
