import type { FastifyRequest } from 'fastify';
import type { CacheVersions } from '../core/cache-staleness.ts';
import { isStale } from '../core/cache-staleness.ts';
import { SignetError } from '../core/errors.ts';
import type { Ctx } from '../flows/context.ts';
import { type CacheVersionWatch, cacheVersionWatch } from '../store/cache-versions.ts';
import { findTenant, type Tenant } from '../store/tenants.ts';

interface Cached {
  tenant: Tenant;
  /** The versions read before the tenant was: a write after that read shows as a newer version. */
  versions: CacheVersions;
}

/**
 * Tenants change rarely and are read on every request: found ones are kept in memory, and dropped within a
 * second of a write through any process (the tenant's `tenant` version, read at most once a second).
 */
export class TenantResolver {
  readonly #cache = new Map<string, Cached>();
  readonly #ctx: Ctx;
  readonly #versions: CacheVersionWatch;
  constructor(ctx: Ctx) {
    this.#ctx = ctx;
    this.#versions = cacheVersionWatch(ctx.db);
  }

  async resolve(idOrSlug: string): Promise<Tenant> {
    const hit = this.#cache.get(idOrSlug);
    let versions: CacheVersions | undefined;
    if (hit) {
      // A plain value within the second: no promise to wait on for the hot path.
      const current = this.#versions.current(hit.tenant.id);
      versions = current instanceof Promise ? await current : current;
      if (!isStale(hit.versions, versions, ['tenant'])) return hit.tenant;
      this.#cache.delete(hit.tenant.id);
      this.#cache.delete(hit.tenant.slug);
    }
    // Slugs and GUIDs only: anything else (a NUL, a slash, 300 characters) cannot name a tenant.
    if (!/^[A-Za-z0-9-]{1,64}$/.test(idOrSlug)) throw new SignetError('TENANT_NOT_FOUND');
    let t = await findTenant(this.#ctx.db, idOrSlug);
    if (t && (!versions || t.id !== hit?.tenant.id)) {
      // Versions first, then the tenant kept: a write between the two shows as a newer version at the next
      // check. Seen for the first time, the tenant is read once more (once per tenant and process).
      versions = await this.#versions.current(t.id);
      t = await findTenant(this.#ctx.db, t.id);
    }
    if (!t || !versions) throw new SignetError('TENANT_NOT_FOUND');
    const cached = { tenant: t, versions };
    this.#cache.set(t.id, cached);
    this.#cache.set(t.slug, cached);
    return t;
  }

  fromRequest(req: FastifyRequest): Promise<Tenant> {
    return this.resolve((req.params as { tenant: string }).tenant);
  }

  /**
   * A tenant whose pages, sign-in and OIDC are served. Conformance tenants serve only the FIDO binding: it
   * registers passkeys for any name without authentication, so nothing there may sign anyone in.
   */
  async ordinaryFromRequest(req: FastifyRequest): Promise<Tenant> {
    const t = await this.fromRequest(req);
    if (t.conformance) throw new SignetError('ROUTE_NOT_FOUND');
    return t;
  }
}
