// Signet's apps in Graph's application shape: `appId` is the client id (Signet has no separate object id, so
// `id` is the same value). A confidential app holds a few secrets (src/core/app-secret.ts), each shown as a
// passwordCredential, metadata only: `secretText` appears in the addPassword answer and nowhere else.
// `requiredResourceAccess` is not answered: graph.md holds no permission ids to fill it.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AppSecretFacts } from './app-secret.ts';
import { isoUtc } from './graph-user.ts';
import type { BodyResult } from './graph-write.ts';
import type { ResourceSpec } from './odata.ts';

export interface ApplicationFacts {
  id: string;
  displayName: string;
  createdAt: number;
  redirectUris: readonly string[];
  publicClient: boolean;
  /** Its secrets; removed ones are left out of the Graph shape. */
  secrets: readonly AppSecretFacts[];
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

/**
 * The keyId of a secret made with the app by `signet app create` (or migrated from before 0010): a GUID-shaped
 * digest of its HMAC, which reveals nothing of the secret. addPassword's secrets get a random keyId.
 */
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

export function passwordCredentialOf(s: AppSecretFacts): PasswordCredential {
  return {
    customKeyIdentifier: null,
    displayName: s.displayName,
    endDateTime: s.endAt === null ? null : isoUtc(s.endAt),
    hint: s.hint,
    keyId: s.keyId,
    startDateTime: isoUtc(s.startAt),
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
    passwordCredentials: a.secrets.filter((x) => x.removedAt === null).map(passwordCredentialOf),
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

const dateTime = z.iso.datetime({ offset: true }).transform((v) => Date.parse(v));

/**
 * POST addPassword: `{ passwordCredential: { displayName?, startDateTime?, endDateTime? } }` (ISO 8601); the
 * other passwordCredential properties are Graph's to set (keyId, hint, secretText) and are ignored, as Graph does.
 */
export function parseAddPassword(
  body: unknown,
): BodyResult<{ displayName?: string; startAt?: number; endAt?: number }> {
  const schema = z
    .object({
      passwordCredential: z
        .object({
          displayName: z.string().max(120).nullable().optional(),
          startDateTime: dateTime.nullable().optional(),
          endDateTime: dateTime.nullable().optional(),
        })
        .optional(),
    })
    .strict();
  const r = parse(body ?? {}, schema);
  if (!r.ok) return r;
  const p = r.value.passwordCredential ?? {};
  return {
    ok: true,
    value: {
      ...(p.displayName == null ? {} : { displayName: p.displayName }),
      ...(p.startDateTime == null ? {} : { startAt: p.startDateTime }),
      ...(p.endDateTime == null ? {} : { endAt: p.endDateTime }),
    },
  };
}

/** POST removePassword: `{ keyId }`. */
export function parseRemovePassword(body: unknown): BodyResult<{ keyId: string }> {
  return parse(body, z.object({ keyId: z.string().min(1).max(64) }).strict());
}
