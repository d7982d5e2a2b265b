import { describe, expect, it } from 'vitest';
import { MetadataRegistry } from './metadata.ts';
import { parseMetadata } from './metadata-file.ts';

const AAGUID = 'ec0be1a1-5166-4e70-9a55-7357a0c0ffee';
const statement = { aaguid: AAGUID, description: 'Test Key', attestationRootCertificates: ['MIIB'] };

describe('authenticator metadata from a file', () => {
  it('reads a JSON array of metadata statements', () => {
    const registry = new MetadataRegistry(parseMetadata(JSON.stringify([statement]), 'm.json'));
    expect(registry.nameOf(AAGUID)).toBe('Test Key');
    expect(registry.rootsFor(AAGUID.toUpperCase())[0]).toContain('BEGIN CERTIFICATE');
    expect(registry.compromisedStatus(AAGUID)).toBeUndefined();
  });

  it('reads an MDS3 payload, takes the newest status report and skips entries without a statement', () => {
    const payload = {
      entries: [
        {
          aaguid: AAGUID,
          metadataStatement: statement,
          statusReports: [
            { status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' },
            { status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2026-05-01' },
          ],
        },
        { attestationCertificateKeyIdentifiers: ['abc'], statusReports: [] },
      ],
    };
    const registry = new MetadataRegistry(parseMetadata(JSON.stringify(payload), 'blob.json'));
    expect(registry.compromisedStatus(AAGUID)).toBe('ATTESTATION_KEY_COMPROMISE');
  });

  it.each([
    ['not JSON', '{'],
    ['a statement without an AAGUID', JSON.stringify([{ description: 'x', attestationRootCertificates: [] }])],
    ['an AAGUID that is not one', JSON.stringify([{ ...statement, aaguid: 'nope' }])],
    ['neither an array nor a payload', JSON.stringify({ statements: [] })],
  ])('refuses %s with CONFIG_INVALID naming SIGNET_METADATA_FILE', (_name, text) => {
    expect(() => parseMetadata(text, 'm.json')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        detail: expect.objectContaining({ variable: 'SIGNET_METADATA_FILE' }),
      }),
    );
  });
});
