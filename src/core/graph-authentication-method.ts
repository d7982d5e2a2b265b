// A user's authentication methods in Microsoft Graph's shapes (fido2AuthenticationMethod,
// temporaryAccessPassAuthenticationMethod, graph.md §3), and the body of a Temporary Access Pass creation.
// Pure: the routes in src/http/graph/authentication-methods.ts feed it stored facts.
import type { ErrorCode } from './errors.ts';
import { isoUtc } from './graph-user.ts';
import { TAP_MAX_LIFETIME_MINUTES, TAP_MIN_LIFETIME_MINUTES, type TapPolicyFacts, tapUsability } from './tap.ts';

export const FIDO2_METHOD_ODATA_TYPE = '#microsoft.graph.fido2AuthenticationMethod';
export const TAP_METHOD_ODATA_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethod';

export interface Fido2Facts {
  /** Signet's row id of the passkey: stable, and the `{methodId}` of the fido2Methods routes. */
  id: string;
  displayName: string;
  createdAt: number;
  aaguid: string;
  /** The model's name from the authenticator metadata, when known. */
  model: string | null;
  attested: boolean;
  passkeyType: 'deviceBound' | 'synced';
}

export interface TapFacts {
  id: string;
  oneTime: boolean;
  createdAt: number;
  startsAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export function toGraphFido2(p: Fido2Facts): Record<string, unknown> {
  return {
    '@odata.type': FIDO2_METHOD_ODATA_TYPE,
    id: p.id,
    displayName: p.displayName,
    createdDateTime: isoUtc(p.createdAt),
    aaGuid: p.aaguid,
    model: p.model,
    // Signet keeps no attestation certificates after registration (only whether the chain was trusted).
    attestationCertificates: [],
    attestationLevel: p.attested ? 'attested' : 'notAttested',
    passkeyType: p.passkeyType,
  };
}

/**
 * The pass itself only in the answer to its creation; `null` everywhere else, as Graph has it. isUsable and
 * methodUsabilityReason are core/tap.ts's tapUsability: the pass, the TAP policy as it covers the user, and now.
 */
export function toGraphTap(
  t: TapFacts,
  policy: TapPolicyFacts,
  now: number,
  pass: string | null = null,
): Record<string, unknown> {
  return {
    '@odata.type': TAP_METHOD_ODATA_TYPE,
    id: t.id,
    temporaryAccessPass: pass,
    createdDateTime: isoUtc(t.createdAt),
    startDateTime: isoUtc(t.startsAt),
    lifetimeInMinutes: Math.round((t.expiresAt - t.startsAt) / 60_000),
    isUsableOnce: t.oneTime,
    ...tapUsability(t, policy, now),
  };
}

/** `{base}/$metadata#users('{id}')/authentication/{segment}` (+ `/$entity` for one). */
export function methodsContext(graphBase: string, userId: string, segment: string, entity = false): string {
  return `${graphBase}/$metadata#users('${encodeURIComponent(userId)}')/authentication/${segment}${entity ? '/$entity' : ''}`;
}

export interface TapCreate {
  startsAt?: number;
  lifetimeMinutes?: number;
  oneTime?: boolean;
}

export type TapCreateResult =
  | { ok: true; value: TapCreate }
  | { ok: false; code: ErrorCode; detail: Record<string, string> };

const TAP_READ_ONLY = ['id', 'temporaryAccessPass', 'createdDateTime', 'isUsable', 'methodUsabilityReason'];
const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,7})?)?(Z|[+-]\d\d:\d\d)$/;
/** A pass may start at most this far ahead (its lifetime then runs from the start). */
const MAX_START_AHEAD_MS = 30 * 24 * 60 * 60_000;

/** POST …/temporaryAccessPassMethods: `startDateTime`, `lifetimeInMinutes`, `isUsableOnce`, each optional. */
export function parseTapCreate(body: unknown, now: number): TapCreateResult {
  const invalid = (field: string, reason: string): TapCreateResult => ({
    ok: false,
    code: 'REQUEST_INVALID',
    detail: { field, reason },
  });
  if (body === undefined || body === null) return { ok: true, value: {} };
  if (typeof body !== 'object' || Array.isArray(body)) return invalid('', 'the body must be a JSON object');
  const entries = Object.entries(body as Record<string, unknown>);
  const unknown = entries
    .map(([k]) => k)
    .filter(
      (k) => !['@odata.type', 'startDateTime', 'lifetimeInMinutes', 'isUsableOnce', ...TAP_READ_ONLY].includes(k),
    );
  if (unknown.length > 0)
    return {
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: {
        properties: unknown.join(', '),
        reason: 'the temporaryAccessPassAuthenticationMethod has no such properties',
      },
    };
  const readOnly = entries.map(([k]) => k).filter((k) => TAP_READ_ONLY.includes(k));
  if (readOnly.length > 0)
    return { ok: false, code: 'GRAPH_PROPERTY_READ_ONLY', detail: { properties: readOnly.join(', ') } };
  const b = body as Record<string, unknown>;
  const type = b['@odata.type'];
  if (type !== undefined && type !== TAP_METHOD_ODATA_TYPE && type !== TAP_METHOD_ODATA_TYPE.slice(1))
    return invalid('@odata.type', `must be ${TAP_METHOD_ODATA_TYPE}`);
  const value: TapCreate = {};
  if (b.startDateTime !== undefined && b.startDateTime !== null) {
    const s = b.startDateTime;
    const at = typeof s === 'string' && ISO_DATE_TIME.test(s) ? Date.parse(s) : Number.NaN;
    if (!Number.isFinite(at)) return invalid('startDateTime', 'must be an ISO 8601 date and time with a time zone');
    if (at > now + MAX_START_AHEAD_MS) return invalid('startDateTime', 'must be at most 30 days ahead');
    // A start in the past means now: the lifetime runs from the creation.
    value.startsAt = Math.max(at, now);
  }
  if (b.lifetimeInMinutes !== undefined && b.lifetimeInMinutes !== null) {
    const m = b.lifetimeInMinutes;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < TAP_MIN_LIFETIME_MINUTES || m > TAP_MAX_LIFETIME_MINUTES)
      return invalid(
        'lifetimeInMinutes',
        `must be a whole number from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`,
      );
    value.lifetimeMinutes = m;
  }
  if (b.isUsableOnce !== undefined && b.isUsableOnce !== null) {
    if (typeof b.isUsableOnce !== 'boolean') return invalid('isUsableOnce', 'must be true or false');
    value.oneTime = b.isUsableOnce;
  }
  return { ok: true, value };
}
