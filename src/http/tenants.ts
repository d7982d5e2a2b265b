import type { FastifyRequest } from 'fastify';
import { SignetError } from '../core/errors.ts';
import type { Ctx } from '../flows/context.ts';
import { findTenant, type Tenant } from '../store/tenants.ts';

/** Tenants change rarely and are read on every request: found ones are kept in memory. */
export class TenantResolver {
  readonly #cache = new Map<string, Tenant>();
  readonly #ctx: Ctx;
  constructor(ctx: Ctx) {
    this.#ctx = ctx;
  }

  async resolve(idOrSlug: string): Promise<Tenant> {
    const hit = this.#cache.get(idOrSlug);
    if (hit) return hit;
    // Slugs and GUIDs only: anything else (a NUL, a slash, 300 characters) cannot name a tenant.
    if (!/^[A-Za-z0-9-]{1,64}$/.test(idOrSlug)) throw new SignetError('TENANT_NOT_FOUND');
    const t = await findTenant(this.#ctx.db, idOrSlug);
    if (!t) throw new SignetError('TENANT_NOT_FOUND');
    this.#cache.set(t.id, t);
    this.#cache.set(t.slug, t);
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
