// Which slugs a tenant may have. A tenant's pages live at /{slug}/…, so a slug must be a URL segment the server
// does not use itself: a tenant named `static` would be shadowed by the static files, `graph` by the admin API.
import type { ErrorCode } from './errors.ts';

/**
 * The server's own top-level path segments, now and planned, and Entra's reserved tenant names, which apps
 * written for Entra put where the tenant goes. A test walks the server's routes, so a new top-level route must be
 * listed here before it can shadow a tenant.
 */
const reserved: Record<string, 'signet' | 'entra'> = {
  // routes of the public and management listeners
  static: 'signet',
  healthz: 'signet',
  readyz: 'signet',
  metrics: 'signet',
  dev: 'signet', // the dev outbox of email codes (management listener, without SMTP)
  'favicon.ico': 'signet',
  '.well-known': 'signet',
  // planned: the admin API (/graph/v1.0), the demo app, admin pages, a robots file
  graph: 'signet',
  demo: 'signet',
  admin: 'signet',
  'robots.txt': 'signet',
  // page names that a tenantless address could one day take
  signin: 'signet',
  account: 'signet',
  oauth2: 'signet',
  // Entra's reserved tenant names
  common: 'entra',
  organizations: 'entra',
  consumers: 'entra',
};

export const reservedTenantSlugs: readonly string[] = Object.keys(reserved);

export type TenantSlugDecision =
  | { ok: true }
  | { ok: false; code: Extract<ErrorCode, 'REQUEST_INVALID' | 'TENANT_SLUG_RESERVED'>; detail: Record<string, string> };

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function evaluateTenantSlug(slug: string): TenantSlugDecision {
  const kind = Object.hasOwn(reserved, slug.toLowerCase()) ? reserved[slug.toLowerCase()] : undefined;
  if (kind)
    return {
      ok: false,
      code: 'TENANT_SLUG_RESERVED',
      detail: {
        slug,
        reason:
          kind === 'entra'
            ? `the slug "${slug}" is reserved: apps written for Entra ID use /${slug.toLowerCase()} in place of a tenant`
            : `the slug "${slug}" is reserved: Signet uses /${slug.toLowerCase()} itself, so a tenant with it could not be reached`,
      },
    };
  if (!SLUG.test(slug))
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'slug', reason: 'lowercase letters, digits and dashes, 1 to 40' },
    };
  // URLs take a tenant's id or its slug: a slug shaped like an id could shadow another tenant.
  if (GUID.test(slug))
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'slug', reason: 'must not look like a tenant id (a GUID)' },
    };
  return { ok: true };
}
