// Registering a passkey through Graph (graph.md §3.2): the creationOptions answer in Graph's
// webauthnCredentialCreationOptions shape, the beta `challengeTimeoutInMinutes`, and the bodies of
// POST …/fido2Methods (a displayName and the browser's publicKeyCredential) and PATCH (displayName only). Pure.
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { z } from 'zod';
import { FIDO2_METHOD_ODATA_TYPE } from './graph-authentication-method.ts';
import { isoUtc } from './graph-user.ts';
import { type BodyResult, parseGraphWrite, type WritableResource } from './graph-write.ts';

/** Graph's range for the beta `creationOptions(challengeTimeoutInMinutes=N)`; v1.0's fixed timeout is 5. */
export const CHALLENGE_TIMEOUT_MINUTES = { min: 5, max: 43_200, default: 5 } as const;

/** The function parameter as it came in the path (`undefined`: the plain v1.0 form, 5 minutes). */
export function parseChallengeTimeout(raw: string | undefined): BodyResult<number> {
  if (raw === undefined) return { ok: true, value: CHALLENGE_TIMEOUT_MINUTES.default };
  const { min, max } = CHALLENGE_TIMEOUT_MINUTES;
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'challengeTimeoutInMinutes', reason: `must be a whole number of minutes from ${min} to ${max}` },
    };
  return { ok: true, value: n };
}

const t = (name: string) => `#microsoft.graph.${name}`;

/** The options the pages use, in Graph's shape: each nested object annotated with its Graph type. */
export function toGraphCreationOptions(
  o: PublicKeyCredentialCreationOptionsJSON,
  challengeExpiresAt: number,
): Record<string, unknown> {
  return {
    '@odata.type': t('webauthnCredentialCreationOptions'),
    challengeTimeoutDateTime: isoUtc(challengeExpiresAt),
    publicKey: {
      '@odata.type': t('webauthnPublicKeyCredentialCreationOptions'),
      rp: { '@odata.type': t('webauthnPublicKeyCredentialRpEntity'), id: o.rp.id, name: o.rp.name },
      user: {
        '@odata.type': t('webauthnPublicKeyCredentialUserEntity'),
        id: o.user.id,
        name: o.user.name,
        displayName: o.user.displayName,
      },
      challenge: o.challenge,
      pubKeyCredParams: o.pubKeyCredParams.map((p) => ({
        '@odata.type': t('webauthnPublicKeyCredentialParameters'),
        type: p.type,
        alg: p.alg,
      })),
      timeout: o.timeout,
      excludeCredentials: (o.excludeCredentials ?? []).map((c) => ({
        '@odata.type': t('webauthnPublicKeyCredentialDescriptor'),
        id: c.id,
        type: c.type,
        ...(c.transports?.length ? { transports: c.transports } : {}),
      })),
      authenticatorSelection: {
        '@odata.type': t('webauthnAuthenticatorSelectionCriteria'),
        ...o.authenticatorSelection,
      },
      attestation: o.attestation ?? 'none',
      extensions: { '@odata.type': t('webauthnAuthenticationExtensionsClientInputs'), ...o.extensions },
    },
  };
}

const READ_ONLY = [
  'id',
  'createdDateTime',
  'lastUsedDateTime',
  'aaGuid',
  'model',
  'attestationCertificates',
  'attestationLevel',
  'passkeyType',
];

const credentialSchema = z.object({
  '@odata.type': z.string().optional(),
  id: z.string({ error: 'must be the credential id (base64url)' }).min(1),
  response: z.object(
    {
      '@odata.type': z.string().optional(),
      clientDataJSON: z.string({ error: 'must be base64url' }).min(1),
      attestationObject: z.string({ error: 'must be base64url' }).min(1),
    },
    { error: 'must be the authenticator attestation response' },
  ),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional().nullable(),
});
const createSchema = z.strictObject({
  displayName: z.string({ error: 'must be a string' }).optional().nullable(),
  publicKeyCredential: credentialSchema,
});
const updateSchema = z.strictObject({ displayName: z.string({ error: 'must be a string' }) });

const CREATE: WritableResource = {
  name: 'fido2AuthenticationMethod',
  odataType: FIDO2_METHOD_ODATA_TYPE,
  writable: createSchema.shape,
  readOnly: READ_ONLY,
  unstored: [],
};
const UPDATE: WritableResource = {
  ...CREATE,
  writable: updateSchema.shape,
  // The credential is given once, at registration.
  readOnly: [...READ_ONLY, 'publicKeyCredential'],
};

export interface Fido2MethodCreate {
  displayName?: string;
  /** The credential in the shape the WebAuthn verification reads (src/webauthn/response-shape.ts). */
  credential: {
    id: string;
    rawId: string;
    type: 'public-key';
    response: { clientDataJSON: string; attestationObject: string };
    clientExtensionResults: Record<string, unknown>;
  };
}

export function parseFido2MethodCreate(body: unknown): BodyResult<Fido2MethodCreate> {
  const parsed = parseGraphWrite(body, createSchema, CREATE);
  if (!parsed.ok) return parsed;
  const { displayName, publicKeyCredential: c } = parsed.value;
  const { '@odata.type': _type, ...extensions } = c.clientExtensionResults ?? {};
  return {
    ok: true,
    value: {
      ...(typeof displayName === 'string' ? { displayName } : {}),
      credential: {
        id: c.id,
        rawId: c.id,
        type: 'public-key',
        response: { clientDataJSON: c.response.clientDataJSON, attestationObject: c.response.attestationObject },
        clientExtensionResults: extensions,
      },
    },
  };
}

export function parseFido2MethodUpdate(body: unknown): BodyResult<{ displayName: string }> {
  return parseGraphWrite(body, updateSchema, UPDATE);
}
