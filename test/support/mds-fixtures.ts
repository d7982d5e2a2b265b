// Test FIDO MDS3 BLOBs (test support only): a root the tests make, an intermediate and a signing leaf built
// with @peculiar/x509, the BLOB signed with jose as the FIDO Alliance signs theirs (a JWS, its chain in x5c).

// @peculiar/x509 needs the reflect polyfill that SimpleWebAuthn's helpers load: they come first.
import '@simplewebauthn/server/helpers';
import * as x509 from '@peculiar/x509';
import { type X509Crl, X509CrlGenerator } from '@peculiar/x509';
import { CompactSign } from 'jose';

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

export interface MdsCa {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
}

export interface MdsChain {
  root: MdsCa;
  intermediate: MdsCa;
  leaf: MdsCa;
}

function serial(): string {
  return `01${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(15))).toString('hex')}`;
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await globalThis.crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A self-signed MDS root, as the FIDO Alliance's GlobalSign root stands for in production. */
export async function makeMdsRoot(name = 'Signet Test MDS Root'): Promise<MdsCa> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `C=US, O=Signet Test, CN=${name}`,
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    signingAlgorithm: EC_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, pem: cert.toString('pem') };
}

/** A certificate issued by `issuer`: a CA (the intermediate) or the BLOB signer; `expired` ended a year ago. */
export async function issueMdsCert(
  issuer: MdsCa,
  p: { name: string; ca: boolean; expired?: boolean; crlUrl?: string },
): Promise<MdsCa> {
  const keys = await newKeys();
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(p.ca, undefined, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
  ];
  if (p.ca)
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  if (p.crlUrl) extensions.push(new x509.CRLDistributionPointsExtension([p.crlUrl]));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `C=US, O=Signet Test, CN=${p.name}`,
    issuer: issuer.cert.subject,
    notBefore: new Date(now - (p.expired ? 2 * 365 : 30) * DAY),
    notAfter: new Date(now + (p.expired ? -365 : 5 * 365) * DAY),
    signingAlgorithm: EC_ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions,
  });
  return { cert, keys, pem: cert.toString('pem') };
}

/**
 * Root → intermediate → leaf; `expiredLeaf` gives a signer whose certificate has ended; the CRL URLs go into the
 * certificates' CRL distribution points (MDS F-5, F-6).
 */
export async function makeMdsChain(
  p: { root?: MdsCa; expiredLeaf?: boolean; leafCrlUrl?: string; intermediateCrlUrl?: string } = {},
) {
  const root = p.root ?? (await makeMdsRoot());
  const intermediate = await issueMdsCert(root, {
    name: 'Signet Test MDS Intermediate',
    ca: true,
    crlUrl: p.intermediateCrlUrl,
  });
  const leaf = await issueMdsCert(intermediate, {
    name: 'Signet Test MDS BLOB Signer',
    ca: false,
    expired: p.expiredLeaf,
    crlUrl: p.leafCrlUrl,
  });
  return { root, intermediate, leaf } satisfies MdsChain;
}

/** A CRL from `issuer` revoking `revoked` (DER), for a chain whose certificates name its URL. */
export async function makeCrl(issuer: MdsCa, revoked: MdsCa[]): Promise<Uint8Array> {
  const crl: X509Crl = await X509CrlGenerator.create({
    issuer: issuer.cert.subject,
    thisUpdate: new Date(Date.now() - DAY),
    nextUpdate: new Date(Date.now() + DAY),
    entries: revoked.map((r) => ({ serialNumber: r.cert.serialNumber, revocationDate: new Date(Date.now() - DAY) })),
    signingAlgorithm: EC_ALG,
    signingKey: issuer.keys.privateKey,
  });
  return new Uint8Array(crl.rawData);
}

export interface MdsEntryInput {
  aaguid: string;
  description: string;
  /** PEM roots the model's attestation chains to. */
  roots?: string[];
  /** Status reports, oldest first; the newest is in force. */
  statuses?: Array<{ status: string; effectiveDate: string }>;
}

/** The BLOB's payload (MDS3 §3.1.6): serial, next update, one entry per model. */
export function mdsPayload(no: number, entries: MdsEntryInput[], nextUpdate = futureDate(30)) {
  return {
    legalHeader: 'Signet test metadata; not for production.',
    no,
    nextUpdate,
    entries: entries.map((e) => ({
      aaguid: e.aaguid,
      metadataStatement: {
        aaguid: e.aaguid,
        description: e.description,
        attestationRootCertificates: (e.roots ?? []).map((pem) =>
          pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''),
        ),
      },
      statusReports: e.statuses ?? [{ status: 'FIDO_CERTIFIED', effectiveDate: '2025-01-01' }],
      timeOfLastStatusChange: (e.statuses ?? []).at(-1)?.effectiveDate ?? '2025-01-01',
    })),
  };
}

/** YYYY-MM-DD `days` from today (negative: in the past). */
export function futureDate(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

/** The BLOB: a compact JWS (ES256) over the payload, x5c = [leaf, intermediate] in base64 DER. */
export async function signMdsBlob(chain: MdsChain, payload: unknown): Promise<string> {
  const x5c = [chain.leaf, chain.intermediate].map((c) => Buffer.from(c.cert.rawData).toString('base64'));
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c })
    .sign(chain.leaf.keys.privateKey);
}

/** The same BLOB with one payload field changed after signing (the signature no longer covers it). */
export function tamperMdsBlob(blob: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, body, signature] = blob.split('.');
  const payload = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(payload);
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}
