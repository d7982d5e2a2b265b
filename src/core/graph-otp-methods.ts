// Graph's shapes of the one-time code methods (graph.md §3.1): softwareOathAuthenticationMethod (the key never
// returned: `secretKey` is null) and emailAuthenticationMethod, whose id is Graph's one fixed id of every user's
// email method. Pure.
import { isoUtc } from './graph-user.ts';

export const EMAIL_METHOD_ID = '3ddfcfc8-9383-446f-83cc-3ab9be4be18f';
export const SOFTWARE_OATH_ODATA_TYPE = '#microsoft.graph.softwareOathAuthenticationMethod';
export const EMAIL_ODATA_TYPE = '#microsoft.graph.emailAuthenticationMethod';

export function toGraphSoftwareOath(m: { id: string; confirmedAt: number | null; createdAt: number }) {
  return {
    '@odata.type': SOFTWARE_OATH_ODATA_TYPE,
    id: m.id,
    secretKey: null,
    createdDateTime: isoUtc(m.confirmedAt ?? m.createdAt),
  };
}

export function toGraphEmail(m: { emailAddress: string }) {
  return { '@odata.type': EMAIL_ODATA_TYPE, id: EMAIL_METHOD_ID, emailAddress: m.emailAddress };
}

/** The body of POST and PATCH …/emailMethods: `emailAddress` (and the optional type tag), nothing else. */
export function emailAddressOf(
  body: unknown,
): { ok: true; value: unknown } | { ok: false; field: string; reason: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, field: '(body)', reason: 'must be a JSON object' };
  for (const [k, v] of Object.entries(body)) {
    if (k === 'emailAddress') continue;
    if (k === '@odata.type' && v === EMAIL_ODATA_TYPE) continue;
    return { ok: false, field: k, reason: 'is not a property of emailAuthenticationMethod Signet can write' };
  }
  if (!('emailAddress' in body)) return { ok: false, field: 'emailAddress', reason: 'is required' };
  return { ok: true, value: (body as { emailAddress: unknown }).emailAddress };
}
