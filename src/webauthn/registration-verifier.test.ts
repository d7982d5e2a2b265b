import { createHash, type KeyObject, sign } from 'node:crypto';
import { type RegistrationResponseJSON, verifyRegistrationResponse } from '@simplewebauthn/server';
import {
  decodeAttestationObject,
  decodeCredentialPublicKey,
  isoBase64URL,
  isoCBOR,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import {
  type AttestationKind,
  type RegistrationMutation,
  SOFT_AAGUID,
  type SoftAlg,
  SoftAuthenticator,
} from '../../test/support/soft-authenticator.ts';
import { customAttestationLeaf } from '../../test/support/soft-authenticator-attestation.ts';
import { SignetError } from '../core/errors.ts';
import { rpIdHashOf } from './assertion-verifier.ts';
import { mapWebAuthnError } from './error-map.ts';
import { evaluateCredentialKey } from './key-strength.ts';
import { MetadataRegistry } from './metadata.ts';
import { verifyRegistration } from './registration.ts';
import { verifyRegistrationFast } from './registration-verifier.ts';
import { parseRegistrationResponse } from './response-shape.ts';

const ORIGIN = 'http://localhost:3000';
const DAY = 86_400_000;

interface Case {
  kind: AttestationKind;
  alg?: SoftAlg;
  mutate?: RegistrationMutation;
  /** Changes the response after the authenticator made it. */
  after?: (json: RegistrationResponseJSON) => Promise<void> | void;
  expectedChallenge?: string;
  /** Whether user verification is required (the default); false as for a ceremony that prefers it. */
  requireUV?: boolean;
  /** Who verifies it: the fast path, or the library (the fast path declines it). */
  path: 'fast' | 'library';
}

const flipLastByte = (b: unknown) => {
  const out = Buffer.from(b as Uint8Array);
  out[out.length - 1]! ^= 0x01;
  return new Uint8Array(out);
};

/** An attestation certificate with these fields, for the soft authenticator's AAGUID unless told otherwise. */
const leaf = (o: Parameters<typeof customAttestationLeaf>[0]) =>
  customAttestationLeaf({ ...o, aaguid: o.aaguid === undefined ? SOFT_AAGUID : o.aaguid });

/** Re-signs the response's packed statement with this certificate's key and puts the certificate in x5c. */
function restatedWith(c: { der: Uint8Array; key: KeyObject }) {
  return (json: RegistrationResponseJSON) => {
    const obj = decodeAttestationObject(isoBase64URL.toBuffer(json.response.attestationObject));
    const authData = obj.get('authData');
    const clientDataHash = createHash('sha256').update(isoBase64URL.toBuffer(json.response.clientDataJSON)).digest();
    const sig = sign('sha256', Buffer.concat([authData, clientDataHash]), c.key);
    const attStmt = new Map<string, unknown>([
      ['alg', -7],
      ['sig', new Uint8Array(sig)],
      ['x5c', [c.der]],
    ]);
    const again = new Map<string, unknown>([
      ['fmt', 'packed'],
      ['attStmt', attStmt],
      ['authData', authData],
    ]);
    json.response.attestationObject = isoBase64URL.fromBuffer(
      isoCBOR.encode(again as never) as Uint8Array<ArrayBuffer>,
    );
  };
}

const flagCases: Record<string, RegistrationMutation> = {
  'as made': {},
  'user presence absent': { flags: { up: false } },
  'user verification absent': { flags: { uv: false } },
  'backed up but not eligible': { flags: { be: false, bs: true } },
  'synced (eligible and backed up)': { flags: { be: true, bs: true } },
  'another RP ID': { rpIdHashOf: 'example.com' },
  'unsolicited extensions': { extensionData: { example: true } },
};

const cases: Record<string, Case> = {};
for (const [kind, alg] of [
  ['none', 'ES256'],
  ['packed-self', 'ES256'],
  ['packed-self', 'EdDSA'],
  ['packed-self', 'RS256'],
  ['packed-x5c', 'ES256'],
] as const) {
  const at = `${kind} ${alg}`;
  for (const [name, mutate] of Object.entries(flagCases)) cases[`${at}: ${name}`] = { kind, alg, mutate, path: 'fast' };
  cases[`${at}: user verification absent, not required`] = {
    kind,
    alg,
    mutate: { flags: { uv: false } },
    requireUV: false,
    path: 'fast',
  };
  cases[`${at}: trailing authenticator data`] = { kind, alg, mutate: { trailingBytes: 4 }, path: 'library' };
  cases[`${at}: another challenge expected`] = { kind, alg, expectedChallenge: 'b3RoZXI', path: 'fast' };
  cases[`${at}: rawId differs from id`] = {
    kind,
    alg,
    after: (j) => {
      j.rawId = isoBase64URL.fromBuffer(new Uint8Array(32));
    },
    path: 'fast',
  };
  cases[`${at}: client data changed after signing`] = {
    kind,
    alg,
    after: (j) => {
      const cd = JSON.parse(Buffer.from(j.response.clientDataJSON, 'base64url').toString('utf8'));
      j.response.clientDataJSON = Buffer.from(JSON.stringify({ ...cd, extra: 1 })).toString('base64url');
    },
    path: 'fast',
  };
  if (kind === 'none') {
    cases[`${at}: a statement under fmt none`] = {
      kind,
      alg,
      mutate: { attStmt: () => ({ sig: new Uint8Array(8) }) },
      path: 'fast',
    };
    continue;
  }
  cases[`${at}: signature altered`] = {
    kind,
    alg,
    mutate: { attStmt: (s) => ({ ...s, sig: flipLastByte(s.sig) }) },
    path: 'fast',
  };
  cases[`${at}: no signature`] = { kind, alg, mutate: { attStmt: ({ sig: _, ...s }) => s }, path: 'library' };
  cases[`${at}: no alg`] = { kind, alg, mutate: { attStmt: ({ alg: _, ...s }) => s }, path: 'library' };
  cases[`${at}: another alg named`] = {
    kind,
    alg,
    mutate: { attStmt: (s) => ({ ...s, alg: alg === 'RS256' ? -7 : -257 }) },
    path: 'library',
  };
  cases[`${at}: the statement under fmt none`] = { kind, alg, mutate: { fmt: 'none' }, path: 'fast' };
}
Object.assign(cases, {
  'packed-x5c: expired certificate': { kind: 'packed-x5c', mutate: { expiredLeaf: true }, path: 'fast' },
  'packed-x5c: the root in x5c too': { kind: 'packed-x5c', mutate: { includeRootInX5c: true }, path: 'fast' },
  'packed-x5c: signed by the credential key': {
    kind: 'packed-x5c',
    mutate: { signWithCredentialKey: true },
    path: 'fast',
  },
  'packed-x5c: x5c not a certificate': {
    kind: 'packed-x5c',
    mutate: { attStmt: (s) => ({ ...s, x5c: [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])] }) },
    path: 'library',
  },
} satisfies Record<string, Case>);

const leafCases: Record<string, [Parameters<typeof leaf>[0], Case['path']]> = {
  'a certificate of its own': [{}, 'fast'],
  'no AAGUID extension': [{ aaguid: null }, 'fast'],
  'another AAGUID in the certificate': [{ aaguid: '00000000-1111-2222-3333-444444444444' }, 'fast'],
  'OU not Authenticator Attestation': [{ subject: 'C=US, O=Signet Test, OU=Other, CN=X' }, 'fast'],
  'no OU': [{ subject: 'C=US, O=Signet Test, CN=X' }, 'fast'],
  'no CN': [{ subject: 'C=US, O=Signet Test, OU=Authenticator Attestation' }, 'fast'],
  'no O': [{ subject: 'C=US, OU=Authenticator Attestation, CN=X' }, 'fast'],
  'country of three letters': [{ subject: 'C=USA, O=Signet Test, OU=Authenticator Attestation, CN=X' }, 'fast'],
  'a CA certificate': [{ ca: true }, 'fast'],
  'not yet valid': [{ notBefore: Date.now() + DAY, notAfter: Date.now() + 2 * DAY }, 'fast'],
  'a P-384 key': [{ curve: 'P-384' }, 'library'],
  // A form the library does not read: its verdict, not the fast path's.
  'a compressed P-256 key': [{ compressedKey: true }, 'library'],
};

type Verdict = { ok: true; info: Record<string, unknown> } | { ok: false; code: string };

const summary = (r: {
  fmt: string;
  aaguid: string;
  credential: { id: string; publicKey: Uint8Array; counter: number };
  userVerified: boolean;
  credentialDeviceType: string;
  credentialBackedUp: boolean;
}) => ({
  fmt: r.fmt,
  aaguid: r.aaguid,
  id: r.credential.id,
  publicKey: Buffer.from(r.credential.publicKey).toString('hex'),
  counter: r.credential.counter,
  userVerified: r.userVerified,
  credentialDeviceType: r.credentialDeviceType,
  credentialBackedUp: r.credentialBackedUp,
});

async function byLibrary(
  json: RegistrationResponseJSON,
  expectedChallenge: string,
  requireUV = true,
): Promise<Verdict> {
  try {
    const r = await verifyRegistrationResponse({
      response: json,
      expectedChallenge,
      expectedOrigin: ORIGIN,
      expectedRPID: 'localhost',
      requireUserVerification: requireUV,
      supportedAlgorithmIDs: [-7, -8, -257],
    });
    return r.verified
      ? { ok: true, info: summary(r.registrationInfo) }
      : { ok: false, code: 'WEBAUTHN_ATTESTATION_INVALID' };
  } catch (err) {
    return { ok: false, code: mapWebAuthnError(err).code };
  }
}

/** The fast path's input, prepared as registration.ts prepares it; undefined when it goes to the library. */
function fastInput(json: RegistrationResponseJSON, expectedChallenge: string, requireUV = true) {
  const attestationObject = isoBase64URL.toBuffer(json.response.attestationObject);
  const decoded = decodeAttestationObject(attestationObject);
  let cose: Uint8Array<ArrayBuffer>;
  try {
    cose = parseAuthenticatorData(decoded.get('authData')).credentialPublicKey!;
  } catch {
    return undefined; // registration.ts cannot judge the key, so the library verifies it
  }
  const alg = decodeCredentialPublicKey(cose).get(3) as number;
  const judged = evaluateCredentialKey(cose, alg);
  if (!judged.ok) throw new Error('the case must carry a key Signet accepts');
  return {
    response: { id: json.id, rawId: json.rawId, type: json.type, response: json.response },
    challenge: JSON.parse(Buffer.from(json.response.clientDataJSON, 'base64url').toString('utf8')).challenge,
    expectedChallenge,
    attestationObject,
    decoded: {
      fmt: decoded.get('fmt'),
      authData: decoded.get('authData'),
      attStmt: decoded.get('attStmt') as unknown as Map<string, unknown>,
    },
    credentialAlg: alg,
    credentialKey: judged.key,
    rpIdHash: rpIdHashOf('localhost'),
    requireUserVerification: requireUV,
    now: Date.now(),
  };
}

/** The fast path's verdict; undefined when it declines. */
function byFastPath(json: RegistrationResponseJSON, expectedChallenge: string, requireUV = true): Verdict | undefined {
  try {
    const input = fastInput(json, expectedChallenge, requireUV);
    const info = input && verifyRegistrationFast(input);
    return info && { ok: true, info: summary(info) };
  } catch (err) {
    if (!(err instanceof SignetError)) throw err;
    return { ok: false, code: err.code };
  }
}

async function made(c: Case): Promise<{ json: RegistrationResponseJSON; expectedChallenge: string }> {
  const challenge = isoBase64URL.fromBuffer(crypto.getRandomValues(new Uint8Array(32)));
  const json = await new SoftAuthenticator({ alg: c.alg ?? 'ES256' }).register(
    { challenge, rp: { id: 'localhost', name: 'T' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' } },
    { origin: ORIGIN, attestation: c.kind, ...(c.mutate ? { mutate: c.mutate } : {}) },
  );
  await c.after?.(json);
  return { json, expectedChallenge: c.expectedChallenge ?? challenge };
}

// The fast path must reach the library's verdict, with the same code, on every statement it takes; and it must
// take the ones it is for (else it would silently stop being fast), leaving the rest to the library.
describe('fast registration verification agrees with @simplewebauthn/server', () => {
  it.each(Object.keys(cases))('%s', async (name) => {
    const c = cases[name]!;
    const { json, expectedChallenge } = await made(c);
    const fast = byFastPath(json, expectedChallenge, c.requireUV);
    if (c.path === 'library') return expect(fast).toBeUndefined();
    expect(fast).toEqual(await byLibrary(json, expectedChallenge, c.requireUV));
    if (/: as made$|\(eligible and backed up\)$|not required$/.test(name)) expect(fast?.ok).toBe(true);
  });

  // And through verifyRegistration as the ceremonies call it (its own decoding handed to the fast path): the
  // library's verdict, except where Signet is stricter on purpose — a root inside x5c (attestation-trust.ts), and a
  // self attestation naming another algorithm than the credential's (WebAuthn §8.2), which the library lets by.
  const stricter = (name: string) =>
    name.endsWith('the root in x5c too') || /^packed-self .*: another alg named$/.test(name);
  it.each(Object.keys(cases))('%s, through verifyRegistration', async (name) => {
    const c = cases[name]!;
    const { json, expectedChallenge } = await made(c);
    const library = await byLibrary(json, expectedChallenge, c.requireUV);
    const signet = await Promise.resolve()
      .then(() =>
        verifyRegistration({
          response: parseRegistrationResponse(json),
          expectedChallenge,
          origins: [ORIGIN],
          rpId: 'localhost',
          requireUserVerification: c.requireUV ?? true,
          metadata: new MetadataRegistry(),
        }),
      )
      .then(
        (v) => ({ ok: true as const, fmt: v.fmt, backupState: v.backupState, userVerified: v.userVerified }),
        (err) => ({ ok: false as const, code: err instanceof SignetError ? err.code : String(err) }),
      );
    if (stricter(name)) return expect(signet).toEqual({ ok: false, code: 'WEBAUTHN_ATTESTATION_INVALID' });
    if (!library.ok) return expect(signet).toEqual(library);
    expect(signet).toEqual({
      ok: true,
      fmt: library.info.fmt,
      backupState: library.info.credentialBackedUp,
      userVerified: library.info.userVerified,
    });
  });

  it.each(Object.keys(leafCases))('packed-x5c with %s', async (name) => {
    const [fields, path] = leafCases[name]!;
    const { json, expectedChallenge } = await made({
      kind: 'packed-x5c',
      after: restatedWith(await leaf(fields)),
      path,
    });
    const fast = byFastPath(json, expectedChallenge);
    if (path === 'library') return expect(fast).toBeUndefined();
    expect(fast).toEqual(await byLibrary(json, expectedChallenge));
    if (name === 'a certificate of its own' || name === 'no AAGUID extension') expect(fast?.ok).toBe(true);
  });

  it('reads a batch certificate once and keeps judging its validity dates at each registration', async () => {
    const shared = await leaf({ notAfter: Date.now() + DAY });
    const { json, expectedChallenge } = await made({ kind: 'packed-x5c', after: restatedWith(shared), path: 'fast' });
    expect(byFastPath(json, expectedChallenge)?.ok).toBe(true);
    const later = { ...fastInput(json, expectedChallenge)!, now: Date.now() + 2 * DAY };
    expect(() => verifyRegistrationFast(later)).toThrow(
      expect.objectContaining({ code: 'WEBAUTHN_ATTESTATION_INVALID', detail: { reason: 'certificate expired' } }),
    );
  });
});
