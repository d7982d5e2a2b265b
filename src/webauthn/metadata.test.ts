import { describe, expect, it } from 'vitest';
import { MetadataRegistry } from './metadata.ts';

const FILE_KEY = '0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6';
const BLOB_KEY = 'b10b0000-0000-4e70-9a55-7357a0c0ffee';
const PNG = `data:image/png;base64,${Buffer.from('not really a png').toString('base64')}`;

function registry(icon?: string) {
  const r = new MetadataRegistry([
    { aaguid: FILE_KEY, description: 'Administrator Key', attestationRootCertificates: [], ...(icon ? { icon } : {}) },
  ]);
  r.setBlob(
    [{ aaguid: BLOB_KEY, description: 'Blob Key', attestationRootCertificates: [], icon: PNG }],
    { no: 1, nextUpdate: '2099-01-01', source: 'test', loadedAt: 0, entries: 1 },
    1,
  );
  return r;
}

describe('MetadataRegistry.modelOf: the name and icon a page shows', () => {
  it('gives a statement’s name and data: icon, from either layer', () => {
    expect(registry(PNG).modelOf(FILE_KEY)).toEqual({ name: 'Administrator Key', icon: PNG });
    expect(registry().modelOf(BLOB_KEY.toUpperCase())).toEqual({ name: 'Blob Key', icon: PNG });
  });

  it('falls back to the built-in list for a model metadata does not describe, without an icon', () => {
    expect(registry().modelOf('cb69481e-8ff7-4039-93ec-0a2729a154a8')).toEqual({ name: 'YubiKey 5 Series' });
  });

  it('knows no model for an unknown or all-zero AAGUID', () => {
    expect(registry().modelOf('12345678-0000-4000-8000-000000000000')).toBeUndefined();
    expect(registry().modelOf('00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it.each([
    ['an https URL (the browser would fetch it)', 'https://example.com/key.png'],
    ['a data: URL that is not an image', `data:text/html;base64,${Buffer.from('<script>').toString('base64')}`],
    ['a data: URL that is not base64', 'data:image/svg+xml,<svg onload=alert(1)>'],
    ['a data: URL with a quote in it', 'data:image/png;base64,AAAA" onerror="alert(1)'],
    ['an icon larger than 64 KB', `data:image/png;base64,${'A'.repeat(70_000)}`],
  ])('shows no icon for %s', (_name, icon) => {
    expect(registry(icon).modelOf(FILE_KEY)).toEqual({ name: 'Administrator Key' });
  });

  it('tells the administrator’s own statements (which do not go stale) from the BLOB’s', () => {
    const r = registry();
    expect(r.fromAdministratorFile(FILE_KEY.toUpperCase())).toBe(true);
    expect(r.fromAdministratorFile(BLOB_KEY)).toBe(false);
  });
});
