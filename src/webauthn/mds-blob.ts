// A FIDO Metadata Service (MDS3) BLOB checked as FIDO's MDS3 §3.2 asks before any of it is believed: a JWS
// whose signature verifies with the first certificate of its x5c header (jose), that chain leading to the
// configured root with every certificate in its validity period and none revoked (SimpleWebAuthn's
// validateCertificatePath on @peculiar/x509: it fetches the CRLs the certificates name, refuses a revoked one, and
// passes a CRL it cannot reach or read), then a payload of the MDS3 shape. Nothing here is hand-rolled X.509 or JWT.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { convertCertBufferToPEM, validateCertificatePath } from '@simplewebauthn/server/helpers';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { z } from 'zod';
import { SignetError } from '../core/errors.ts';
import type { MetadataStatement } from './metadata.ts';
import { metadataEntry, statementsFromEntries } from './metadata-file.ts';

/** MDS3 signs with ES256 or RS256; the list is pinned (never `none`, never HS*, VULN-19). */
const ALGORITHMS = ['ES256', 'RS256', 'ES384', 'PS256'];

/** The PEM certificates in a text (a root file may carry notes around them, as roots/fido-mds-root.pem does). */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** The FIDO Alliance's MDS3 signing root (GlobalSign Root CA - R3; its source is noted in the file): the default. */
export const FIDO_MDS_ROOTS = pemCertificates(
  readFileSync(new URL('./roots/fido-mds-root.pem', import.meta.url), 'utf8'),
);

const payloadSchema = z.object({
  legalHeader: z.string().optional(),
  no: z.number().int().nonnegative(),
  nextUpdate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a YYYY-MM-DD date'),
  entries: z.array(metadataEntry),
});

export interface VerifiedBlob {
  no: number;
  /** YYYY-MM-DD, as the BLOB says: when to fetch the next one. */
  nextUpdate: string;
  entries: number;
  statements: MetadataStatement[];
  /** SHA-256 of the BLOB's text, base64url: the same `no` twice is the same BLOB only if this matches. */
  digest: string;
}

export function blobDigest(text: string): string {
  return createHash('sha256').update(text.trim()).digest('base64url');
}

const refuse = (code: 'MDS_BLOB_MALFORMED', reason: string): never => {
  throw new SignetError(code, { reason });
};

/** The payload's shape (MDS3 §3.1.6); shared by verification and by reading a stored, already verified BLOB. */
export function parseBlobPayload(json: unknown): Omit<VerifiedBlob, 'digest'> {
  const r = payloadSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return refuse('MDS_BLOB_MALFORMED', `payload ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim());
  }
  return {
    no: r.data.no,
    nextUpdate: r.data.nextUpdate,
    entries: r.data.entries.length,
    statements: statementsFromEntries(r.data.entries),
  };
}

/** The payload of a BLOB this instance verified before (stored in the database): decoded, not checked again. */
export function readVerifiedBlob(text: string): Omit<VerifiedBlob, 'digest'> {
  const body = text.trim().split('.')[1] ?? '';
  return parseBlobPayload(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
}

function certificatesOf(x5c: unknown): X509Certificate[] {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.some((c) => typeof c !== 'string'))
    return refuse('MDS_BLOB_MALFORMED', 'the JWS header has no x5c certificate chain');
  return x5c.map((c: string, i) => {
    try {
      return new X509Certificate(Buffer.from(c, 'base64'));
    } catch {
      return refuse('MDS_BLOB_MALFORMED', `x5c[${i}] is not a certificate`);
    }
  });
}

/**
 * Verifies a BLOB's signature, chain (to one of `roots`, PEM) and shape, in that order, and returns what it says.
 * Refusals: MDS_BLOB_MALFORMED, MDS_BLOB_SIGNATURE_INVALID, MDS_BLOB_CERTIFICATE_EXPIRED,
 * MDS_BLOB_CERTIFICATE_REVOKED, MDS_BLOB_CHAIN_UNTRUSTED (each with a `reason`).
 */
export async function verifyMdsBlob(text: string, roots: readonly string[], now = Date.now()): Promise<VerifiedBlob> {
  const jws = text.trim();
  // The root decides everything: validateCertificatePath accepts any chain when given none.
  if (roots.length === 0) return refuse('MDS_BLOB_MALFORMED', 'no MDS root is configured');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return refuse('MDS_BLOB_MALFORMED', 'not a JWS (header.payload.signature)');
  }
  if (typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg))
    return refuse('MDS_BLOB_MALFORMED', `the JWS algorithm ${String(header.alg)} is not one MDS3 uses`);
  // Keys named by URL or embedded as a JWK would be trusted from the BLOB itself.
  if (header.jku !== undefined || header.x5u !== undefined || header.jwk !== undefined)
    return refuse('MDS_BLOB_MALFORMED', 'the JWS header names a key by jku, x5u or jwk');
  const certs = certificatesOf(header.x5c);
  const pems = certs.map((c) => convertCertBufferToPEM(new Uint8Array(c.raw)));

  let payloadBytes: Uint8Array;
  try {
    const key = await importX509(pems[0]!, header.alg);
    payloadBytes = (await compactVerify(jws, key, { algorithms: ALGORITHMS })).payload;
  } catch (err) {
    throw new SignetError('MDS_BLOB_SIGNATURE_INVALID', {
      reason: `the signature does not verify with the x5c signing certificate (${(err as Error).message})`,
    });
  }

  // Validity first, so an ended certificate is named as such rather than as an untrusted chain.
  for (const c of certs) {
    if (now < Date.parse(c.validFrom) || now > Date.parse(c.validTo))
      throw new SignetError('MDS_BLOB_CERTIFICATE_EXPIRED', {
        reason: `${c.subject.replace(/\n/g, ', ')} is valid from ${new Date(c.validFrom).toISOString()} to ${new Date(c.validTo).toISOString()}`,
      });
  }
  try {
    await validateCertificatePath(pems, [...roots]);
  } catch (err) {
    const why = `${(err as Error).message} ${String(((err as Error).cause as Error | undefined)?.message ?? '')}`;
    if (/revoked|revocation/i.test(why))
      throw new SignetError('MDS_BLOB_CERTIFICATE_REVOKED', { reason: why.split('\n')[0]!.trim() });
    throw new SignetError('MDS_BLOB_CHAIN_UNTRUSTED', {
      reason: `the x5c chain does not lead to the configured MDS root (${why.split('\n')[0]!.trim()})`,
    });
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch {
    return refuse('MDS_BLOB_MALFORMED', 'the payload is not JSON');
  }
  return { ...parseBlobPayload(json), digest: blobDigest(jws) };
}

export type SerialDecision = { ok: true; outcome: 'newer' | 'unchanged' } | { ok: false; reason: string };

/**
 * FIDO MDS3 §3.2: a BLOB whose `no` is not above the one in force is ignored. The very same BLOB again (equal `no`
 * and digest, e.g. a second `signet mds load` or two processes refreshing at once) is not a refusal, just nothing new.
 */
export function decideSerial(
  current: { no: number; digest: string } | undefined,
  next: { no: number; digest: string },
): SerialDecision {
  if (!current || next.no > current.no) return { ok: true, outcome: 'newer' };
  if (next.no === current.no && next.digest === current.digest) return { ok: true, outcome: 'unchanged' };
  return { ok: false, reason: `the BLOB's no ${next.no} is not above ${current.no}, the one in force` };
}
