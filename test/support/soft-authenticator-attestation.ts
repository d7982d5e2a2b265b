// Attestation helpers for the software authenticator (test support only):
// process-wide attestation CA / certificates (built with @peculiar/x509) and
// attestation statement construction for the supported formats.
import { createHash, KeyObject, sign as nodeSign } from 'node:crypto';
import { AsnSerializer, OctetString } from '@peculiar/asn1-schema';
import * as x509 from '@peculiar/x509';
import type { isoCBOR } from '@simplewebauthn/server/helpers';

export type SoftAlg = 'ES256' | 'EdDSA' | 'RS256' | 'RS1';
export type AttestationKind = 'none' | 'packed-self' | 'packed-x5c' | 'fido-u2f';
export type CborValue = Parameters<typeof isoCBOR.encode>[0];

export const COSE_ALG: Readonly<Record<SoftAlg, number>> = {
  ES256: -7,
  EdDSA: -8,
  RS256: -257,
  RS1: -65535,
};

/** OID of the FIDO `id-fido-gen-ce-aaguid` certificate extension. */
export const FIDO_AAGUID_OID = '1.3.6.1.4.1.45724.1.1.4';
export const ATTESTATION_LEAF_SUBJECT =
  'C=US, O=Signet Test, OU=Authenticator Attestation, CN=Signet Soft Authenticator';

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

/** Sign `data` with a credential/attestation key the way an authenticator does for `alg`. */
export function signData(alg: SoftAlg, key: KeyObject, data: Uint8Array): Buffer {
  switch (alg) {
    case 'ES256':
      return nodeSign('sha256', data, key); // DER-encoded ECDSA signature
    case 'EdDSA':
      return nodeSign(null, data, key); // raw 64-byte Ed25519 signature
    case 'RS256':
      return nodeSign('sha256', data, key); // RSASSA-PKCS1-v1_5
    case 'RS1':
      return nodeSign('sha1', data, key);
  }
}

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`SoftAuthenticator: invalid AAGUID ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Convert plain objects (recursively) to Maps so isoCBOR can encode them. */
export function toCbor(value: unknown): CborValue {
  if (isPlainObject(value)) {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCbor(v)]));
  }
  if (Array.isArray(value)) return value.map(toCbor);
  if (value instanceof Map) {
    return new Map([...value].map(([k, v]) => [k as string | number, toCbor(v)]));
  }
  return value as CborValue;
}

export interface AttestationCert {
  der: Uint8Array;
  pem: string;
  key: KeyObject;
}

interface CertificateAuthority {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

function serial(): string {
  return `01${Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(15))).toString('hex')}`;
}

async function newEcKeys(): Promise<CryptoKeyPair> {
  return (await globalThis.crypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function toAttestationCert(cert: x509.X509Certificate, keys: CryptoKeyPair): AttestationCert {
  return { der: new Uint8Array(cert.rawData), pem: cert.toString('pem'), key: KeyObject.from(keys.privateKey) };
}

let rootPromise: Promise<CertificateAuthority> | undefined;
const leafCache = new Map<string, Promise<AttestationCert>>();
let u2fPromise: Promise<AttestationCert> | undefined;

function getRootCA(): Promise<CertificateAuthority> {
  rootPromise ??= (async () => {
    const keys = await newEcKeys();
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'C=US, O=Signet Test, CN=Signet Soft Authenticator Attestation Root',
      notBefore: new Date(now - 5 * 365 * DAY),
      notAfter: new Date(now + 10 * 365 * DAY),
      signingAlgorithm: EC_ALG,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { cert, keys };
  })();
  return rootPromise;
}

/** PEM of the process-wide attestation root CA that signs every packed-x5c leaf. */
export async function getAttestationRoot(): Promise<string> {
  return (await getRootCA()).cert.toString('pem');
}

/** Leaf attestation certificate (+ its private key) for an AAGUID, signed by the root CA. */
export function getAttestationLeaf(aaguid: string, expired = false): Promise<AttestationCert> {
  const cacheKey = `${aaguid.toLowerCase()}|${expired}`;
  let leaf = leafCache.get(cacheKey);
  if (!leaf) {
    leaf = (async () => {
      const root = await getRootCA();
      const keys = await newEcKeys();
      const now = Date.now();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: ATTESTATION_LEAF_SUBJECT,
        issuer: root.cert.subject,
        notBefore: new Date(now - (expired ? 2 * 365 : 1) * DAY),
        notAfter: new Date(now + (expired ? -365 : 5 * 365) * DAY),
        signingAlgorithm: EC_ALG,
        publicKey: keys.publicKey,
        signingKey: root.keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.Extension(FIDO_AAGUID_OID, false, AsnSerializer.serialize(new OctetString(uuidToBytes(aaguid)))),
          await x509.AuthorityKeyIdentifierExtension.create(root.keys.publicKey),
        ],
      });
      return toAttestationCert(cert, keys);
    })();
    leafCache.set(cacheKey, leaf);
  }
  return leaf;
}

/** An attestation certificate with these fields (for the checks of each field), signed by the process's root CA. */
export async function customAttestationLeaf(o: {
  subject?: string;
  ca?: boolean;
  notBefore?: number;
  notAfter?: number;
  /** The AAGUID extension's value; null leaves the extension out. */
  aaguid?: string | null;
  curve?: 'P-256' | 'P-384';
  /** Write the P-256 key as a compressed point (a form readers may not take). */
  compressedKey?: boolean;
}): Promise<AttestationCert> {
  const root = await getRootCA();
  const alg = { ...EC_ALG, namedCurve: o.curve ?? 'P-256' };
  const keys = (await globalThis.crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = o.compressedKey ? await compressedSpki(keys.publicKey) : keys.publicKey;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: o.subject ?? ATTESTATION_LEAF_SUBJECT,
    issuer: root.cert.subject,
    notBefore: new Date(o.notBefore ?? now - DAY),
    notAfter: new Date(o.notAfter ?? now + 365 * DAY),
    signingAlgorithm: EC_ALG,
    publicKey,
    signingKey: root.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(o.ca ?? false, undefined, true),
      ...(o.aaguid === null
        ? []
        : [
            new x509.Extension(
              FIDO_AAGUID_OID,
              false,
              AsnSerializer.serialize(new OctetString(uuidToBytes(o.aaguid ?? '00000000-0000-0000-0000-000000000000'))),
            ),
          ]),
    ],
  });
  return toAttestationCert(cert, keys);
}

/** A P-256 SubjectPublicKeyInfo with the point compressed (SEC 1 §2.3.3): 0x02 or 0x03 by y's parity, then x. */
async function compressedSpki(key: CryptoKey): Promise<x509.PublicKey> {
  const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', key));
  const point = [(raw[64]! & 1) === 1 ? 0x03 : 0x02, ...raw.subarray(1, 33)];
  // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 0 unused bits, point } }
  const header = [0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a];
  const rest = [0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x22, 0x00];
  return new x509.PublicKey(new Uint8Array([...header, ...rest, ...point]));
}

/** Self-signed FIDO U2F attestation certificate (+ private key). */
export function getU2FAttestation(): Promise<AttestationCert> {
  u2fPromise ??= (async () => {
    const keys = await newEcKeys();
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'C=US, O=Signet Test, CN=Signet Soft U2F Attestation',
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 5 * 365 * DAY),
      signingAlgorithm: EC_ALG,
      keys,
    });
    return toAttestationCert(cert, keys);
  })();
  return u2fPromise;
}

export interface AttestationInput {
  kind: AttestationKind;
  alg: SoftAlg;
  credentialKey: KeyObject;
  authData: Uint8Array;
  clientDataHash: Uint8Array;
  aaguid: string;
  credentialId: Uint8Array;
  /** 0x04 || x || y of the credential key (fido-u2f only). */
  u2fPublicKey?: Uint8Array;
  signWithCredentialKey?: boolean;
  includeRootInX5c?: boolean;
  expiredLeaf?: boolean;
}

/** Build `{fmt, attStmt}` as a plain object (before any test mutation). */
export async function buildAttestation(
  p: AttestationInput,
): Promise<{ fmt: string; attStmt: Record<string, unknown> }> {
  const signedData = Buffer.concat([p.authData, p.clientDataHash]);
  switch (p.kind) {
    case 'none':
      return { fmt: 'none', attStmt: {} };
    case 'packed-self':
      return { fmt: 'packed', attStmt: { alg: COSE_ALG[p.alg], sig: signData(p.alg, p.credentialKey, signedData) } };
    case 'packed-x5c': {
      const leaf = await getAttestationLeaf(p.aaguid, p.expiredLeaf);
      const sig = p.signWithCredentialKey
        ? signData(p.alg, p.credentialKey, signedData)
        : signData('ES256', leaf.key, signedData);
      const x5c = [leaf.der];
      if (p.includeRootInX5c) x5c.push(new Uint8Array((await getRootCA()).cert.rawData));
      return { fmt: 'packed', attStmt: { alg: COSE_ALG.ES256, sig, x5c } };
    }
    case 'fido-u2f': {
      if (!p.u2fPublicKey) throw new Error('SoftAuthenticator: fido-u2f requires an ES256 credential');
      const att = await getU2FAttestation();
      // WebAuthn §8.6: 0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F
      const base = Buffer.concat([
        Buffer.of(0x00),
        p.authData.subarray(0, 32),
        p.clientDataHash,
        p.credentialId,
        p.u2fPublicKey,
      ]);
      const key = p.signWithCredentialKey ? p.credentialKey : att.key;
      return { fmt: 'fido-u2f', attStmt: { sig: nodeSign('sha256', base, key), x5c: [att.der] } };
    }
  }
}
