import { describe, expect, it } from 'vitest';
import {
  futureDate,
  makeMdsChain,
  makeMdsRoot,
  mdsPayload,
  signMdsBlob,
  tamperMdsBlob,
} from '../../test/support/mds-fixtures.ts';
import { decideSerial, FIDO_MDS_ROOTS, readVerifiedBlob, verifyMdsBlob } from './mds-blob.ts';
import { MetadataRegistry } from './metadata.ts';

const AAGUID = 'ec0be1a1-5166-4e70-9a55-7357a0c0ffee';
const entries = [
  { aaguid: AAGUID, description: 'Test Key', statuses: [{ status: 'FIDO_CERTIFIED', effectiveDate: '2025-01-01' }] },
  {
    aaguid: 'b0b0b0b0-5166-4e70-9a55-7357a0c0ffee',
    description: 'Revoked Key',
    statuses: [
      { status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' },
      { status: 'REVOKED', effectiveDate: '2026-06-01' },
    ],
  },
];

const refusal = (code: string) =>
  expect.objectContaining({ code, detail: expect.objectContaining({ reason: expect.any(String) }) });

describe('MDS3 BLOB verification', async () => {
  const chain = await makeMdsChain();
  const blob = await signMdsBlob(chain, mdsPayload(7, entries));

  it('accepts a BLOB signed under the root and returns its serial, next update and statements', async () => {
    const v = await verifyMdsBlob(blob, [chain.root.pem]);
    expect(v).toMatchObject({ no: 7, nextUpdate: futureDate(30), entries: 2 });
    const registry = new MetadataRegistry();
    registry.setBlob(v.statements, { no: 7, nextUpdate: v.nextUpdate, source: 't', loadedAt: 0, entries: 2 }, 1);
    expect(registry.nameOf(AAGUID)).toBe('Test Key');
    expect(registry.compromisedStatus(AAGUID)).toBeUndefined();
    expect(registry.compromiseOf('B0B0B0B0-5166-4E70-9A55-7357A0C0FFEE')).toEqual({
      aaguid: 'b0b0b0b0-5166-4e70-9a55-7357a0c0ffee',
      model: 'Revoked Key',
      status: 'REVOKED',
      since: '2026-06-01',
    });
    // The stored copy reads back the same without a second verification.
    expect(readVerifiedBlob(blob).statements).toEqual(v.statements);
  });

  it('refuses a payload changed after signing (MDS F-1/F-3)', async () => {
    const tampered = tamperMdsBlob(blob, (p) => {
      p.no = 8;
    });
    await expect(verifyMdsBlob(tampered, [chain.root.pem])).rejects.toEqual(refusal('MDS_BLOB_SIGNATURE_INVALID'));
  });

  it('refuses a chain that leads to another root (MDS F-4), and the FIDO root by default', async () => {
    const other = await makeMdsRoot('Someone Else');
    await expect(verifyMdsBlob(blob, [other.pem])).rejects.toEqual(refusal('MDS_BLOB_CHAIN_UNTRUSTED'));
    await expect(verifyMdsBlob(blob, FIDO_MDS_ROOTS)).rejects.toEqual(refusal('MDS_BLOB_CHAIN_UNTRUSTED'));
  });

  it('refuses a BLOB signed by an expired certificate', async () => {
    const expired = await makeMdsChain({ root: chain.root, expiredLeaf: true });
    const old = await signMdsBlob(expired, mdsPayload(9, entries));
    await expect(verifyMdsBlob(old, [chain.root.pem])).rejects.toEqual(refusal('MDS_BLOB_CERTIFICATE_EXPIRED'));
  });

  it.each([
    ['not a JWS', 'hello'],
    ['a JWS without x5c', `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.e30.AAAA`],
    [
      'alg none',
      `${Buffer.from('{"alg":"none","x5c":["AAAA"]}').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.`,
    ],
    [
      'an x5c entry that is not a certificate',
      `${Buffer.from('{"alg":"ES256","x5c":["AAAA"]}').toString('base64url')}.e30.AAAA`,
    ],
  ])('refuses %s as malformed', async (_name, text) => {
    await expect(verifyMdsBlob(text, [chain.root.pem])).rejects.toEqual(refusal('MDS_BLOB_MALFORMED'));
  });

  it('refuses a signed payload without the MDS3 shape, naming the field', async () => {
    const bad = await signMdsBlob(chain, { no: 3, nextUpdate: 'soon', entries: [] });
    await expect(verifyMdsBlob(bad, [chain.root.pem])).rejects.toEqual(
      expect.objectContaining({
        code: 'MDS_BLOB_MALFORMED',
        detail: { reason: expect.stringContaining('nextUpdate') },
      }),
    );
  });

  it('refuses anything when no root is configured (the library would accept any chain)', async () => {
    await expect(verifyMdsBlob(blob, [])).rejects.toEqual(refusal('MDS_BLOB_MALFORMED'));
  });

  it('ships the FIDO Alliance MDS3 root', () => {
    expect(FIDO_MDS_ROOTS).toHaveLength(1);
    expect(FIDO_MDS_ROOTS[0]).toMatch(/^-----BEGIN CERTIFICATE-----\nMIIDXzCCAkegAwIBAgILBAAAAAABIVhTCKIw/);
  });
});

describe('the BLOB serial (no) never goes backwards', () => {
  it.each([
    [undefined, { no: 1, digest: 'a' }, { ok: true, outcome: 'newer' }],
    [
      { no: 4, digest: 'a' },
      { no: 5, digest: 'b' },
      { ok: true, outcome: 'newer' },
    ],
    [
      { no: 5, digest: 'b' },
      { no: 5, digest: 'b' },
      { ok: true, outcome: 'unchanged' },
    ],
  ])('%o then %o', (current, next, expected) => {
    expect(decideSerial(current, next)).toEqual(expected);
  });

  it.each([
    [
      { no: 5, digest: 'b' },
      { no: 4, digest: 'a' },
    ],
    [
      { no: 5, digest: 'b' },
      { no: 5, digest: 'c' },
    ],
  ])('refuses %o then %o', (current, next) => {
    expect(decideSerial(current, next)).toEqual({ ok: false, reason: expect.stringContaining(`${next.no}`) });
  });
});
