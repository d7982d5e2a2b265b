// Software WebAuthn authenticator for server tests that a browser cannot drive.
// Produces RegistrationResponseJSON / AuthenticationResponseJSON exactly as a
// browser would send them, with hooks (`mutate`) to tamper with every layer.
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import {
  type AttestationKind,
  buildAttestation,
  COSE_ALG,
  type SoftAlg,
  sha256,
  signData,
  toCbor,
  uuidToBytes,
} from './soft-authenticator-attestation.ts';

export type { AttestationKind, SoftAlg } from './soft-authenticator-attestation.ts';
export {
  ATTESTATION_LEAF_SUBJECT,
  COSE_ALG,
  FIDO_AAGUID_OID,
  getAttestationLeaf,
  getAttestationRoot,
  getU2FAttestation,
} from './soft-authenticator-attestation.ts';

/** AAGUID used when none is configured (except fido-u2f, which always defaults to zero). */
export const SOFT_AAGUID = 'ec0be1a1-5166-4e70-9a55-7357a0c0ffee';
export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

export interface SoftAuthenticatorOptions {
  alg?: SoftAlg;
  aaguid?: string;
  backupEligible?: boolean;
  backupState?: boolean;
  userVerification?: boolean;
  userPresence?: boolean;
  signCount?: number | 'none';
  transports?: string[];
  /** RS256/RS1 keys: modulus length in bits (default 2048) and public exponent (default 65537, odd only). */
  rsaBits?: number;
  rsaExponent?: number;
}

export interface FlagOverrides {
  up?: boolean;
  uv?: boolean;
  be?: boolean;
  bs?: boolean;
  at?: boolean;
  ed?: boolean;
}

interface CommonMutation {
  /** Rewrite the collected client data before it is serialized. */
  clientData?: (cd: Record<string, unknown>) => Record<string, unknown>;
  /** Replace clientDataJSON (base64url) entirely; signatures cover these bytes. */
  rawClientDataJSON?: string;
  /** Force individual authData flag bits. */
  flags?: FlagOverrides;
  /** Put SHA-256(this) in authData instead of SHA-256(rpId). */
  rpIdHashOf?: string;
  /** Append this as a CBOR extensions map and set ED. */
  extensionData?: Record<string, unknown>;
  /** Append this many junk bytes to authData. */
  trailingBytes?: number;
}

export interface RegistrationMutation extends CommonMutation {
  credentialId?: Uint8Array;
  attStmt?: (s: Record<string, unknown>) => Record<string, unknown>;
  fmt?: string;
  /** Replace the attestationObject (base64url) entirely. */
  attestationObject?: string;
  signWithCredentialKey?: boolean;
  omitAttestedCredentialData?: boolean;
  /** packed-x5c: x5c = [leaf, root]. */
  includeRootInX5c?: boolean;
  /** packed-x5c: leaf certificate expired a year ago. */
  expiredLeaf?: boolean;
  /** Rewrite the COSE credential public key put in authData (the private key stays the one generated). */
  credentialKey?: (cose: Map<number, number | Uint8Array>) => Map<number, number | Uint8Array>;
}

export interface AssertionMutation extends CommonMutation {
  /** Use this exact signCount (the stored counter is set to it). */
  counter?: number;
  /** Override userHandle (base64url); null omits it. */
  userHandle?: string | null;
  corruptSignature?: boolean;
  /** Replace the signature (base64url) entirely. */
  signature?: string;
  /** rawId becomes a different random id (id stays the real credential id). */
  idMismatch?: boolean;
}

export interface SoftCredential {
  id: string;
  userHandle: string;
  rpId: string;
  alg: SoftAlg;
  /** Last signCount the authenticator reported for this credential. */
  counter: number;
  /** COSE-encoded credential public key (as stored by the RP). */
  publicKey: Uint8Array;
  transports: string[];
}

export interface RegistrationOptionsLike {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string; displayName: string };
}

export interface RegisterContext {
  origin: string;
  rpId?: string;
  attestation?: AttestationKind;
  mutate?: RegistrationMutation;
}

export interface AuthenticationOptionsLike {
  challenge: string;
  rpId?: string;
  allowCredentials?: { id: string }[];
}

export interface AuthenticateContext {
  origin: string;
  rpId?: string;
  credentialId?: string;
  mutate?: AssertionMutation;
}

const FLAG = { up: 0x01, uv: 0x04, be: 0x08, bs: 0x10, at: 0x40, ed: 0x80 } as const;

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const fromB64url = (s: string): Buffer => Buffer.from(s, 'base64url');

function generateKey(alg: SoftAlg, o: SoftAuthenticatorOptions = {}): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'RS256':
    case 'RS1':
      return generateKeyPairSync('rsa', {
        modulusLength: o.rsaBits ?? 2048,
        ...(o.rsaExponent ? { publicExponent: o.rsaExponent } : {}),
      });
  }
}

function coseEntries(alg: SoftAlg, publicKey: KeyObject): Map<number, number | Uint8Array> {
  const jwk = publicKey.export({ format: 'jwk' });
  const b = (v: string | undefined): Buffer => fromB64url(v ?? '');
  let entries: [number, number | Uint8Array][];
  if (alg === 'ES256')
    entries = [
      [1, 2],
      [3, COSE_ALG.ES256],
      [-1, 1],
      [-2, b(jwk.x)],
      [-3, b(jwk.y)],
    ];
  else if (alg === 'EdDSA')
    entries = [
      [1, 1],
      [3, COSE_ALG.EdDSA],
      [-1, 6],
      [-2, b(jwk.x)],
    ];
  else
    entries = [
      [1, 3],
      [3, COSE_ALG[alg]],
      [-1, b(jwk.n)],
      [-2, b(jwk.e)],
    ];
  return new Map<number, number | Uint8Array>(entries);
}

function u2fPublicKey(alg: SoftAlg, publicKey: KeyObject): Uint8Array | undefined {
  if (alg !== 'ES256') return undefined;
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.concat([Buffer.of(0x04), fromB64url(jwk.x ?? ''), fromB64url(jwk.y ?? '')]);
}

function clientData(
  type: string,
  challenge: string,
  origin: string,
  m: CommonMutation,
): { json: string; hash: Buffer } {
  let json = m.rawClientDataJSON;
  if (json === undefined) {
    let cd: Record<string, unknown> = { type, challenge, origin, crossOrigin: false };
    if (m.clientData) cd = m.clientData(cd);
    json = b64url(Buffer.from(JSON.stringify(cd), 'utf8'));
  }
  return { json, hash: sha256(fromB64url(json)) };
}

function resolveRpId(explicit: string | undefined, fromOptions: string | undefined, origin: string): string {
  return explicit ?? fromOptions ?? new URL(origin).hostname;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly #opts: SoftAuthenticatorOptions;
  readonly #keys = new Map<string, KeyObject>();

  constructor(opts: SoftAuthenticatorOptions = {}) {
    this.#opts = opts;
  }

  get alg(): SoftAlg {
    return this.#opts.alg ?? 'ES256';
  }

  #authenticatorAttachment(): 'platform' | 'cross-platform' {
    return (this.#opts.transports ?? ['internal']).includes('internal') ? 'platform' : 'cross-platform';
  }

  #authData(rpId: string, counter: number, attested: Uint8Array | undefined, m: CommonMutation): Buffer {
    const o = this.#opts;
    const be = o.backupEligible ?? false;
    const bits: Record<keyof FlagOverrides, boolean> = {
      up: o.userPresence ?? true,
      uv: o.userVerification ?? true,
      be,
      bs: o.backupState ?? be,
      at: attested !== undefined,
      ed: m.extensionData !== undefined,
      ...m.flags,
    };
    let flags = 0;
    for (const [name, bit] of Object.entries(FLAG)) {
      if (bits[name as keyof FlagOverrides]) flags |= bit;
    }
    const signCount = Buffer.alloc(4);
    signCount.writeUInt32BE(counter >>> 0);
    const parts: Uint8Array[] = [sha256(m.rpIdHashOf ?? rpId), Buffer.of(flags), signCount];
    if (attested) parts.push(attested);
    if (m.extensionData) parts.push(isoCBOR.encode(toCbor(m.extensionData)));
    if (m.trailingBytes) parts.push(randomBytes(m.trailingBytes));
    return Buffer.concat(parts);
  }

  async register(options: RegistrationOptionsLike, ctx: RegisterContext): Promise<RegistrationResponseJSON> {
    const m = ctx.mutate ?? {};
    const kind = ctx.attestation ?? 'none';
    const alg = this.alg;
    if (kind === 'fido-u2f' && alg !== 'ES256') throw new Error('SoftAuthenticator: fido-u2f supports ES256 only');
    const rpId = resolveRpId(ctx.rpId, options.rp.id, ctx.origin);
    const { privateKey, publicKey } = generateKey(alg, this.#opts);
    const entries = coseEntries(alg, publicKey);
    const cose = isoCBOR.encode(m.credentialKey ? m.credentialKey(entries) : entries);
    const credentialId = m.credentialId ? Buffer.from(m.credentialId) : randomBytes(32);
    const aaguid = this.#opts.aaguid ?? (kind === 'fido-u2f' ? ZERO_AAGUID : SOFT_AAGUID);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const attested = Buffer.concat([uuidToBytes(aaguid), idLength, credentialId, cose]);
    const signCount = this.#opts.signCount;
    const counter = signCount === 'none' ? 0 : (signCount ?? 0);
    const authData = this.#authData(rpId, counter, m.omitAttestedCredentialData ? undefined : attested, m);
    const cd = clientData('webauthn.create', options.challenge, ctx.origin, m);

    let attestationObject = m.attestationObject;
    if (attestationObject === undefined) {
      const built = await buildAttestation({
        kind,
        alg,
        credentialKey: privateKey,
        authData,
        clientDataHash: cd.hash,
        aaguid,
        credentialId,
        u2fPublicKey: u2fPublicKey(alg, publicKey),
        signWithCredentialKey: m.signWithCredentialKey,
        includeRootInX5c: m.includeRootInX5c,
        expiredLeaf: m.expiredLeaf,
      });
      const attStmt = m.attStmt ? m.attStmt(built.attStmt) : built.attStmt;
      const obj = new Map<string, unknown>([
        ['fmt', m.fmt ?? built.fmt],
        ['attStmt', attStmt],
        ['authData', authData],
      ]);
      attestationObject = b64url(isoCBOR.encode(toCbor(obj)));
    }

    const id = b64url(credentialId);
    const transports = [...(this.#opts.transports ?? ['internal'])];
    this.#keys.set(id, privateKey);
    this.credentials.push({ id, userHandle: options.user.id, rpId, alg, counter, publicKey: cose, transports });
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: { clientDataJSON: cd.json, attestationObject, transports: [...transports] },
      clientExtensionResults: {},
      authenticatorAttachment: this.#authenticatorAttachment(),
    };
  }

  #pick(rpId: string, options: AuthenticationOptionsLike, credentialId: string | undefined): SoftCredential {
    if (credentialId !== undefined) {
      const found = this.credentials.find((c) => c.id === credentialId);
      if (!found) throw new Error(`SoftAuthenticator: unknown credential ${credentialId}`);
      return found;
    }
    const allow = options.allowCredentials?.length ? new Set(options.allowCredentials.map((c) => c.id)) : undefined;
    for (let i = this.credentials.length - 1; i >= 0; i--) {
      const c = this.credentials[i];
      if (c.rpId === rpId && (!allow || allow.has(c.id))) return c;
    }
    throw new Error(`SoftAuthenticator: no credential for rpId ${rpId}`);
  }

  async authenticate(
    options: AuthenticationOptionsLike,
    ctx: AuthenticateContext,
  ): Promise<AuthenticationResponseJSON> {
    const m = ctx.mutate ?? {};
    const rpId = resolveRpId(ctx.rpId, options.rpId, ctx.origin);
    const cred = this.#pick(rpId, options, ctx.credentialId);
    const key = this.#keys.get(cred.id);
    if (!key) throw new Error(`SoftAuthenticator: no private key for ${cred.id}`);

    if (m.counter !== undefined) cred.counter = m.counter;
    else if (this.#opts.signCount !== 'none') cred.counter += 1;
    const authData = this.#authData(rpId, cred.counter, undefined, m);
    const cd = clientData('webauthn.get', options.challenge, ctx.origin, m);

    const sig = signData(cred.alg, key, Buffer.concat([authData, cd.hash]));
    if (m.corruptSignature) sig[sig.length - 1] ^= 0x01;
    const userHandle = m.userHandle === null ? undefined : (m.userHandle ?? cred.userHandle);
    return {
      id: cred.id,
      rawId: m.idMismatch ? b64url(randomBytes(32)) : cred.id,
      type: 'public-key',
      response: {
        clientDataJSON: cd.json,
        authenticatorData: b64url(authData),
        signature: m.signature ?? b64url(sig),
        ...(userHandle === undefined ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: this.#authenticatorAttachment(),
    };
  }
}
