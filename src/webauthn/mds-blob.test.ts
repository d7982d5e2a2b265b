import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  futureDate,
  makeCrl,
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
    ['intermediate (F-5)', 'intermediate'],
    ['leaf (F-6)', 'leaf'],
  ] as const)(
    'refuses a BLOB whose %s certificate its CRL revokes, and accepts it while the CRL lists none',
    async (_name, which) => {
      // The CRL is served where the certificate says; SimpleWebAuthn fetches and checks it.
      let crl: Uint8Array = new Uint8Array();
      const crlServer = createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(crl),
      );
      await new Promise<void>((r) => crlServer.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}/${which}-${Math.random()}.crl`;
        const c = await makeMdsChain(which === 'leaf' ? { leafCrlUrl: url } : { intermediateCrlUrl: url });
        const signed = await signMdsBlob(c, mdsPayload(3, entries));
        const issuer = which === 'leaf' ? c.intermediate : c.root;
        crl = await makeCrl(issuer, [c[which]]);
        await expect(verifyMdsBlob(signed, [c.root.pem])).rejects.toEqual(refusal('MDS_BLOB_CERTIFICATE_REVOKED'));
        // The same chain under a fresh CRL URL that revokes nothing (the library caches a CRL per URL).
        const clean = `${url}-clean`;
        const c2 = await makeMdsChain(
          which === 'leaf' ? { root: c.root, leafCrlUrl: clean } : { root: c.root, intermediateCrlUrl: clean },
        );
        crl = await makeCrl(which === 'leaf' ? c2.intermediate : c.root, []);
        expect((await verifyMdsBlob(await signMdsBlob(c2, mdsPayload(3, entries)), [c.root.pem])).no).toBe(3);
      } finally {
        await new Promise((r) => crlServer.close(r));
      }
    },
  );

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

describe('file statements beside the BLOB', () => {
  const info = { no: 1, nextUpdate: '2030-01-01', source: 't', loadedAt: 0, entries: 1 };
  it("takes the file's name and roots for an AAGUID both name, and a compromise from either", () => {
    const registry = new MetadataRegistry([
      { aaguid: AAGUID, description: 'From the file', attestationRootCertificates: ['MIIFILE'] },
    ]);
    registry.setBlob(
      [{ aaguid: AAGUID, description: 'From the BLOB', attestationRootCertificates: ['MIIBLOB'], status: 'REVOKED' }],
      info,
      1,
    );
    expect(registry.nameOf(AAGUID)).toBe('From the file');
    expect(registry.rootsFor(AAGUID)[0]).toContain('MIIFILE');
    expect(registry.compromiseOf(AAGUID)).toMatchObject({ status: 'REVOKED', model: 'From the file' });
    // A newer BLOB replaces the old one whole: the revocation it no longer carries is gone.
    registry.setBlob([], { ...info, no: 2 }, 2);
    expect(registry.compromiseOf(AAGUID)).toBeUndefined();
    expect(registry.compromisedModels()).toEqual([]);
    expect(registry.blob?.no).toBe(2);
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
