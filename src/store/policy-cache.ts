// A tenant's authentication method policies (the method_policies rows: one JSON document per method, and the
// root), read in one query, each document through its schema (core/method-policy-schemas.ts), and kept in memory
// per process: the sign-in and registration paths read them on every ceremony. Correct across processes through
// the tenant's `method-policies` cache version, bumped in the transaction of every write (store/policies.ts) and
// read at most once a second (store/cache-versions.ts), as the OIDC mount does; a write through this process's Db
// drops its copy at once.
import { type CacheVersions, isStale } from '../core/cache-staleness.ts';
import {
  defaultMethodDocument,
  defaultPolicyRoot,
  METHOD_IDS,
  type MethodDocuments,
  type MethodId,
  type PolicyRootDocument,
  readMethodDocument,
  readPolicyRoot,
  STORED_METHOD_KEYS,
} from '../core/method-policy-schemas.ts';
import type { PasskeyMethodConfig } from '../core/passkey-method.ts';
import { cacheVersionWatch } from './cache-versions.ts';
import type { Db } from './db.ts';

export interface MethodPolicies {
  root: PolicyRootDocument;
  methods: MethodDocuments;
  /** The latest write of any document (epoch ms), or undefined when none was ever written. */
  lastModifiedAt: number | undefined;
}

interface PolicyLog {
  error(obj: Record<string, unknown>, msg?: string): void;
}

/**
 * One query, uncached: every document of the tenant, each read back through its schema. A missing document is the
 * method's default (the Fido2 one disabled, as a tenant made before policies had none); one that fails its schema is
 * logged loudly and its method treated as disabled, never a crash.
 */
export async function loadMethodPolicies(db: Db, tenantId: string, log?: PolicyLog): Promise<MethodPolicies> {
  const rows = await db
    .selectFrom('method_policies')
    .select(['method', 'state', 'config', 'updated_at'])
    .where('tenant_id', '=', tenantId)
    .execute();
  const byKey = new Map(rows.map((r) => [r.method, r]));
  const broken = (method: string, problem: Record<string, string>) =>
    log?.error(
      { tenant: tenantId, method, ...problem },
      'stored authentication method policy fails its schema: the method is treated as disabled until it is written again',
    );
  const parse = (raw: string): unknown => {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  };
  const methods = {} as Record<MethodId, unknown>;
  for (const m of METHOD_IDS) {
    const row = byKey.get(STORED_METHOD_KEYS[m]);
    const fallback = { ...defaultMethodDocument(m), state: 'disabled' as const };
    if (!row) {
      methods[m] = m === 'Fido2' ? fallback : defaultMethodDocument(m);
      continue;
    }
    const stored = parse(row.config);
    const read = readMethodDocument(m, { ...(stored as object), state: row.state });
    if (!read.ok) broken(STORED_METHOD_KEYS[m], read.detail);
    methods[m] = read.ok ? read.value : fallback;
  }
  const rootRow = byKey.get(STORED_METHOD_KEYS.policy);
  let root = defaultPolicyRoot();
  if (rootRow) {
    const read = readPolicyRoot(parse(rootRow.config));
    if (read.ok) root = read.value;
    else broken(STORED_METHOD_KEYS.policy, read.detail);
  }
  const times = rows.map((r) => Number(r.updated_at));
  return {
    root,
    methods: methods as unknown as MethodDocuments,
    lastModifiedAt: times.length ? Math.max(...times) : undefined,
  };
}

interface Entry {
  versions: CacheVersions;
  policies: Promise<MethodPolicies>;
}
const caches = new WeakMap<Db, Map<string, Entry>>();

/** The tenant's policies from this process's memory, read again within a second of a write through any process. */
export async function methodPoliciesOf(ctx: { db: Db; log: PolicyLog }, tenantId: string): Promise<MethodPolicies> {
  const current = cacheVersionWatch(ctx.db).current(tenantId);
  // A plain value within the second: no promise to wait on for the hot path.
  const versions = current instanceof Promise ? await current : current;
  let cache = caches.get(ctx.db);
  if (!cache) {
    cache = new Map();
    caches.set(ctx.db, cache);
  }
  const hit = cache.get(tenantId);
  if (hit && !isStale(hit.versions, versions, ['method-policies'])) return hit.policies;
  const entry: Entry = { versions, policies: loadMethodPolicies(ctx.db, tenantId, ctx.log) };
  const kept = cache;
  entry.policies.catch(() => kept.get(tenantId) === entry && kept.delete(tenantId));
  cache.set(tenantId, entry);
  return entry.policies;
}

/** The passkey method configuration the sign-in and registration gates evaluate. */
export async function passkeyMethodConfigOf(
  ctx: { db: Db; log: PolicyLog },
  tenantId: string,
): Promise<PasskeyMethodConfig> {
  return (await methodPoliciesOf(ctx, tenantId)).methods.Fido2;
}

/**
 * Drops this process's copy after a write through `db` (a transaction's writer calls it again after the commit,
 * flows/method-policy.ts); other processes see the bumped version.
 */
export function forgetMethodPolicies(db: Db, tenantId: string): void {
  caches.get(db)?.delete(tenantId);
}
