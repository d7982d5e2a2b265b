// The wire shape of a WebAuthn response, checked before anything reads it: a malformed field is a 400
// naming the field, never a crash deeper down.
import { isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { SignetError } from '../core/errors.ts';

const b64url = z
  .string()
  .min(1)
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

const registrationSchema = z.object({
  id: b64url,
  rawId: b64url.optional(),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url,
    attestationObject: b64url,
    transports: z.array(z.string().max(32)).max(8).optional(),
  }),
  // Informational, and a DOMString that may gain values: read, never relied on.
  authenticatorAttachment: z.string().max(32).optional().nullable(),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
  getClientExtensionResults: z.unknown().optional(),
});

const assertionSchema = z.object({
  id: b64url,
  rawId: b64url.optional(),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url,
    authenticatorData: b64url,
    signature: b64url,
    userHandle: z.string().max(128).optional().nullable(),
  }),
  // Informational, and a DOMString that may gain values: read, never relied on.
  authenticatorAttachment: z.string().max(32).optional().nullable(),
  clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
  getClientExtensionResults: z.unknown().optional(),
});

export type RegistrationResponse = z.infer<typeof registrationSchema>;
export type AssertionResponse = z.infer<typeof assertionSchema>;

/** The fields @simplewebauthn/server requires that browsers may leave out, filled as it expects them. */
export function libraryEnvelope(r: {
  id: string;
  rawId?: string;
  clientExtensionResults?: Record<string, unknown>;
  authenticatorAttachment?: string | null;
}) {
  return {
    rawId: r.rawId ?? r.id,
    clientExtensionResults: r.clientExtensionResults ?? {},
    authenticatorAttachment: (r.authenticatorAttachment ?? undefined) as AuthenticatorAttachment | undefined,
  };
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {
      field: issue?.path.join('.') || '(body)',
      reason: issue?.message ?? 'invalid',
    });
  }
  // WebAuthn §7.2 / WA-15: id and rawId are the same credential id.
  const v = r.data as { id: string; rawId?: string };
  if (v.rawId !== undefined && v.rawId !== v.id)
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'rawId', reason: 'does not match id' });
  // Credential ids are at most 1023 bytes (WebAuthn §5.1, WA-14).
  if (Buffer.from(v.id, 'base64url').length > 1023)
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'id', reason: 'longer than 1023 bytes' });
  return r.data;
}

export function parseRegistrationResponse(value: unknown): RegistrationResponse {
  return parseWith(registrationSchema, value);
}

export function parseAssertionResponse(value: unknown): AssertionResponse {
  const r = parseWith(assertionSchema, value);
  // Authenticator data is checked for structure before anything is looked up, so a malformed response gets
  // the same answer whether or not its credential exists.
  try {
    parseAuthenticatorData(isoBase64URL.toBuffer(r.response.authenticatorData));
  } catch {
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', {
      field: 'response.authenticatorData',
      reason: 'not valid authenticator data',
    });
  }
  if (r.response.userHandle && !/^[A-Za-z0-9_-]*$/.test(r.response.userHandle))
    throw new SignetError('WEBAUTHN_RESPONSE_MALFORMED', { field: 'response.userHandle', reason: 'must be base64url' });
  return r;
}
