import { describe, expect, it } from 'vitest';
import { evaluateTenantSlug, reservedTenantSlugs } from './tenant-slug.ts';

describe('tenant slugs', () => {
  it.each(['signet', 'contoso', 'x', 'a-b-1', 'statics', 'my-admin'])('accepts %s', (slug) => {
    expect(evaluateTenantSlug(slug)).toEqual({ ok: true });
  });

  it.each([
    'static',
    'healthz',
    'readyz',
    'metrics',
    'graph',
    'demo',
    'admin',
    'favicon.ico',
    '.well-known',
    'robots.txt',
    'signin',
    'account',
    'oauth2',
    'common',
    'organizations',
    'consumers',
  ])('refuses %s as reserved, naming the slug', (slug) => {
    const d = evaluateTenantSlug(slug);
    expect(d).toMatchObject({ ok: false, code: 'TENANT_SLUG_RESERVED', detail: { slug } });
    expect(d.ok === false && d.detail.reason).toMatch(/reserved/);
    expect(reservedTenantSlugs).toContain(slug);
  });

  it('refuses a reserved slug in any case (it is reserved, not merely misspelled)', () => {
    expect(evaluateTenantSlug('Static')).toMatchObject({ ok: false, code: 'TENANT_SLUG_RESERVED' });
  });

  it.each(['', 'Not A Slug', '-x', 'x-', 'a'.repeat(41), 'a_b', '3f0c1a2b-0000-4000-8000-000000000000'])(
    'refuses %j as malformed with REQUEST_INVALID on the slug field',
    (slug) => {
      expect(evaluateTenantSlug(slug)).toMatchObject({ ok: false, code: 'REQUEST_INVALID', detail: { field: 'slug' } });
    },
  );
});
