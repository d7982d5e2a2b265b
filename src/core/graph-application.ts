// Signet's apps in Graph's application shape: `appId` is the client id (Signet has no separate object id, so
// `id` is the same value). A confidential app holds at most one secret; it is shown as one passwordCredential
// whose keyId is derived from the stored HMAC, metadata only: `secretText` appears in the addPassword answer
// and nowhere else. `requiredResourceAccess` is not answered: graph.md holds no permission ids to fill it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isoUtc } from './graph-user.ts';
import type { BodyResult } from './graph-write.ts';
import type { ResourceSpec } from './odata.ts';

export interface ApplicationFacts {
  id: string;
  displayName: string;
  createdAt: number;
  redirectUris: readonly string[];
  publicClient: boolean;
  secretHash: string | null;
}

export const APPLICATION_PROPERTIES = [
  'id',
  'appId',
  'displayName',
  'createdDateTime',
  'web',
  'spa',
  'passwordCredentials',
] as const;

export const applicationQuerySpec: ResourceSpec = {
  // No $filter or $orderby yet: the list pages in id order and projects.
  properties: {},
  selectable: [...APPLICATION_PROPERTIES],
};

/** The keyId of the app's one secret: a GUID-shaped digest of its HMAC (reveals nothing of the secret). */
export function secretKeyId(secretHash: string): string {
  const h = createHash('sha256').update(`signet app secret key id\n${secretHash}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface PasswordCredential {
  customKeyIdentifier: null;
  displayName: string | null;
  endDateTime: string | null;
  hint: string | null;
  keyId: string;
  startDateTime: string | null;
  secretText?: string;
}

export function passwordCredentialOf(secretHash: string): PasswordCredential {
  return {
    customKeyIdentifier: null,
    displayName: null,
    endDateTime: null,
    hint: null,
    keyId: secretKeyId(secretHash),
    startDateTime: null,
  };
}

export type GraphApplication = Partial<Record<(typeof APPLICATION_PROPERTIES)[number], unknown>>;

export function toGraphApplication(a: ApplicationFacts, select?: readonly string[]): GraphApplication {
  const full: Required<GraphApplication> = {
    id: a.id,
    appId: a.id,
    displayName: a.displayName,
    createdDateTime: isoUtc(a.createdAt),
    web: { redirectUris: a.publicClient ? [] : [...a.redirectUris] },
    spa: { redirectUris: a.publicClient ? [...a.redirectUris] : [] },
    passwordCredentials: a.secretHash ? [passwordCredentialOf(a.secretHash)] : [],
  };
  if (!select) return full;
  const out: GraphApplication = {};
  for (const k of APPLICATION_PROPERTIES) if (select.includes(k)) out[k] = full[k];
  return out;
}

const uris = z.object({ redirectUris: z.array(z.string().max(2000)).max(100) }).strict();
const createSchema = z
  .object({ displayName: z.string().trim().min(1).max(120), web: uris.optional(), spa: uris.optional() })
  .strict();
const updateSchema = z
  .object({ displayName: z.string().trim().min(1).max(120).optional(), web: uris.optional(), spa: uris.optional() })
  .strict();
export type ApplicationCreate = z.infer<typeof createSchema>;
export type ApplicationUpdate = z.infer<typeof updateSchema>;

function parse<T>(body: unknown, schema: z.ZodType<T>): BodyResult<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, code: 'REQUEST_INVALID', detail: { field: '', reason: 'the body must be a JSON object' } };
  const r = schema.safeParse(body);
  if (r.success) {
    const v = r.data as { web?: unknown; spa?: unknown };
    if (v.web && v.spa)
      return {
        ok: false,
        code: 'REQUEST_INVALID',
        detail: { field: 'spa', reason: 'an app is either web (confidential) or spa (public), not both' },
      };
    return { ok: true, value: r.data };
  }
  const issue = r.error.issues[0];
  const field = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '') : (issue?.path.map(String).join('.') ?? '');
  return {
    ok: false,
    code: 'REQUEST_INVALID',
    detail: {
      field,
      reason: issue?.code === 'unrecognized_keys' ? 'not a property Signet accepts' : (issue?.message ?? 'invalid'),
    },
  };
}

/** POST /applications: displayName required; web.redirectUris (confidential) or spa.redirectUris (public). */
export const parseApplicationCreate = (body: unknown) => parse(body, createSchema);
/** PATCH /applications/{id}: displayName and the redirect URIs of the app's own kind. */
export const parseApplicationUpdate = (body: unknown) => parse(body, updateSchema);

/** POST addPassword: `{ passwordCredential: { displayName? } }`; other properties (dates) are ignored: one secret, no expiry. */
export function parseAddPassword(body: unknown): BodyResult<{ displayName?: string }> {
  const schema = z
    .object({
      passwordCredential: z.object({ displayName: z.string().max(120).optional() }).optional(),
    })
    .strict();
  const r = parse(body ?? {}, schema);
  return r.ok ? { ok: true, value: r.value.passwordCredential ?? {} } : r;
}

/** POST removePassword: `{ keyId }`. */
export function parseRemovePassword(body: unknown): BodyResult<{ keyId: string }> {
  return parse(body, z.object({ keyId: z.string().min(1).max(64) }).strict());
}
