// The Graph shapes of named locations (ipNamedLocation only: Signet has no country lookup) and authentication
// context class references (c1..c99), as writes judge them and as GET answers them. Pure.
import { z } from 'zod';
import type { Judged } from './ca-policy-schemas.ts';
import { AUTH_CONTEXT_ID } from './ca-policy-schemas.ts';
import type { ErrorCode } from './errors.ts';
import { type NamedLocation, parseCidr } from './named-locations.ts';

const refuse = <T>(code: ErrorCode, detail: Record<string, string>): Judged<T> => ({ ok: false, code, detail });
export const IP_LOCATION_TYPE = '#microsoft.graph.ipNamedLocation';
const V4 = '#microsoft.graph.iPv4CidrRange';
const V6 = '#microsoft.graph.iPv6CidrRange';

const range = z.strictObject({ '@odata.type': z.string().optional(), cidrAddress: z.string().max(64) });
const locationFields = z.strictObject({
  displayName: z.string().trim().min(1, 'must not be empty').max(256),
  isTrusted: z.boolean().optional(),
  ipRanges: z.array(range).min(1, 'must hold at least one range').max(2000),
});
const READ_ONLY = ['id', 'createdDateTime', 'modifiedDateTime'];

export type LocationFields = Omit<NamedLocation, 'id'>;

function shapeErrors<T>(parsed: z.ZodSafeParseResult<T>, resource: string): Judged<T> {
  if (parsed.success) return { ok: true, value: parsed.data };
  const unknownKeys = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknownKeys && unknownKeys.code === 'unrecognized_keys')
    return refuse('GRAPH_PROPERTY_UNKNOWN', {
      properties: unknownKeys.keys.map((k) => [...unknownKeys.path, k].join('.')).join(', '),
      reason: `the ${resource} resource has no such properties`,
    });
  const issue = parsed.error.issues[0]!;
  return refuse('REQUEST_INVALID', { field: issue.path.join('.'), reason: issue.message });
}

/** POST (all fields) or PATCH (`current` given: the fields sent replace their own) of a named location. */
export function judgeNamedLocation(body: unknown, current?: LocationFields): Judged<LocationFields> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse('REQUEST_INVALID', { field: '', reason: 'the body must be a JSON object' });
  const { '@odata.type': type, ...rest } = body as Record<string, unknown>;
  if (typeof type === 'string' && /countryNamedLocation$/i.test(type))
    return refuse('CA_LOCATION_TYPE_UNSUPPORTED', { field: '@odata.type', type });
  if (type === undefined ? current === undefined : type !== IP_LOCATION_TYPE && type !== IP_LOCATION_TYPE.slice(1))
    return refuse('REQUEST_INVALID', { field: '@odata.type', reason: `must be ${IP_LOCATION_TYPE}` });
  const readOnly = Object.keys(rest).filter((k) => READ_ONLY.includes(k));
  if (readOnly.length > 0) return refuse('GRAPH_PROPERTY_READ_ONLY', { properties: readOnly.join(', ') });
  const schema = current ? locationFields.partial() : locationFields;
  const j = shapeErrors(schema.safeParse(rest), 'ipNamedLocation');
  if (!j.ok) return j;
  const ranges: string[] = [];
  for (const [i, r] of (j.value.ipRanges ?? []).entries()) {
    const c = parseCidr(r.cidrAddress);
    const declared = r['@odata.type'];
    if (!c.ok || (declared !== undefined && declared.replace(/^#/, '') !== (c.family === 'ipv4' ? V4 : V6).slice(1)))
      return refuse('CA_LOCATION_RANGE_INVALID', { field: `ipRanges[${i}].cidrAddress`, value: r.cidrAddress });
    ranges.push(r.cidrAddress.trim().toLowerCase());
  }
  return {
    ok: true,
    value: {
      displayName: j.value.displayName ?? current!.displayName,
      isTrusted: j.value.isTrusted ?? current?.isTrusted ?? false,
      ipRanges: j.value.ipRanges ? ranges : current!.ipRanges,
    },
  };
}

/** Graph's ipNamedLocation, each range typed by its family. */
export function toGraphNamedLocation(l: NamedLocation, createdAt: number, modifiedAt: number) {
  return {
    '@odata.type': IP_LOCATION_TYPE,
    id: l.id,
    displayName: l.displayName,
    createdDateTime: new Date(createdAt).toISOString(),
    modifiedDateTime: new Date(modifiedAt).toISOString(),
    isTrusted: l.isTrusted,
    ipRanges: l.ipRanges.map((cidrAddress) => ({
      '@odata.type': parseCidr(cidrAddress).ok && cidrAddress.includes(':') ? V6 : V4,
      cidrAddress,
    })),
  };
}

export interface AuthContext {
  id: string;
  displayName: string;
  description: string;
  isAvailable: boolean;
}

const contextFields = z.strictObject({
  id: z.string().optional(),
  displayName: z.string().trim().min(1, 'must not be empty').max(256),
  description: z.string().max(1024).optional(),
  isAvailable: z.boolean().optional(),
});

/** Whether the id is an authentication context class reference (c1..c99, any case); its lower-case form. */
export function authContextIdOf(id: string): string | undefined {
  const l = id.toLowerCase();
  return AUTH_CONTEXT_ID.test(l) ? l : undefined;
}

/**
 * PATCH …/authenticationContextClassReferences/{id}, which Graph uses both to create (the id not yet used:
 * displayName required) and to update (the fields sent replace their own). An id in the body must be the URL's.
 */
export function judgeAuthContext(id: string, body: unknown, current?: AuthContext): Judged<AuthContext> {
  const cid = authContextIdOf(id);
  if (!cid) return refuse('CA_CONTEXT_ID_INVALID', { id });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse('REQUEST_INVALID', { field: '', reason: 'the body must be a JSON object' });
  const { '@odata.type': _type, ...rest } = body as Record<string, unknown>;
  const schema = current ? contextFields.partial() : contextFields;
  const j = shapeErrors(schema.safeParse(rest), 'authenticationContextClassReference');
  if (!j.ok) return j;
  if (j.value.id !== undefined && j.value.id.toLowerCase() !== cid)
    return refuse('REQUEST_INVALID', { field: 'id', reason: `must be ${cid}, the id in the URL, or left out` });
  return {
    ok: true,
    value: {
      id: cid,
      displayName: j.value.displayName ?? current!.displayName,
      description: j.value.description ?? current?.description ?? '',
      isAvailable: j.value.isAvailable ?? current?.isAvailable ?? false,
    },
  };
}

/** Graph's authenticationContextClassReference. */
export function toGraphAuthContext(c: AuthContext) {
  return { id: c.id, displayName: c.displayName, description: c.description, isAvailable: c.isAvailable };
}
