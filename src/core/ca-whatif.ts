// The body of Graph's What If (POST identity/conditionalAccess/evaluate, graph.md §5.2) read into the facts the
// evaluation takes. What Signet cannot judge (service principals, device platforms, risk, country, device details,
// authentication flows, the register-device action) is refused by name rather than silently ignored. Pure.

import { z } from 'zod';
import { AUTH_CONTEXT_ID } from './ca-condition-schemas.ts';
import { USER_ACTIONS } from './ca-conditions.ts';
import type { Judged } from './ca-policy-schemas.ts';
import type { ErrorCode } from './errors.ts';
import { isIpAddress } from './named-locations.ts';

export interface WhatIfRequest {
  userId: string;
  /** The app's client id; null for Signet's own pages (no app named). */
  appId: string | null;
  authenticationContexts: string[];
  userAction: string | null;
  clientAppType: 'browser' | 'mobileAppsAndDesktopClients';
  ip: string | null;
  appliedPoliciesOnly: boolean;
}

const refuse = <T>(code: ErrorCode, detail: Record<string, string>): Judged<T> => ({ ok: false, code, detail });
const typeOf = (v: unknown) =>
  typeof v === 'object' && v !== null
    ? String((v as Record<string, unknown>)['@odata.type'] ?? '').replace(/^#/, '')
    : '';

const UNJUDGED_CONDITIONS = [
  'devicePlatform',
  'signInRiskLevel',
  'userRiskLevel',
  'servicePrincipalRiskLevel',
  'insiderRiskLevel',
  'country',
  'authenticationFlow',
  'deviceInfo',
];

const body = z.strictObject({
  signInIdentity: z.looseObject({ userId: z.string().min(1).max(256) }),
  signInContext: z.looseObject({}),
  signInConditions: z.looseObject({
    clientAppType: z.enum(['browser', 'mobileAppsAndDesktopClients']).optional(),
    ipAddress: z
      .string()
      .refine((s) => isIpAddress(s), 'must be an IPv4 or IPv6 address')
      .nullable()
      .optional(),
  }),
  appliedPoliciesOnly: z.boolean().default(false),
});

export function judgeWhatIfRequest(raw: unknown): Judged<WhatIfRequest> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return refuse('REQUEST_INVALID', { field: '', reason: 'the body must be a JSON object' });
  const r = raw as Record<string, unknown>;
  const identity = typeOf(r.signInIdentity);
  if (identity && identity !== 'microsoft.graph.userSignIn')
    return refuse('CA_WHATIF_UNSUPPORTED', {
      field: 'signInIdentity',
      reason: `${identity}: Signet judges user sign-ins only`,
    });
  const conditions = (r.signInConditions ?? {}) as Record<string, unknown>;
  for (const k of UNJUDGED_CONDITIONS) {
    const v = conditions[k];
    if (v !== undefined && v !== null && v !== 'none')
      return refuse('CA_WHATIF_UNSUPPORTED', {
        field: `signInConditions.${k}`,
        reason: 'Signet has no such condition to judge',
      });
  }
  const ct = conditions.clientAppType;
  if (typeof ct === 'string' && !['browser', 'mobileAppsAndDesktopClients'].includes(ct))
    return refuse('CA_WHATIF_UNSUPPORTED', {
      field: 'signInConditions.clientAppType',
      reason: `${ct}: Signet has browser and mobileAppsAndDesktopClients only`,
    });
  const known = new Set(['@odata.type', 'clientAppType', 'ipAddress', ...UNJUDGED_CONDITIONS]);
  const unknown = Object.keys(conditions).filter((k) => !known.has(k));
  if (unknown.length > 0)
    return refuse('GRAPH_PROPERTY_UNKNOWN', {
      properties: unknown.map((k) => `signInConditions.${k}`).join(', '),
      reason: 'signInConditions has no such properties',
    });
  const parsed = body.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys')
      return refuse('GRAPH_PROPERTY_UNKNOWN', {
        properties: issue.keys.join(', '),
        reason: 'the evaluate action has no such parameters',
      });
    return refuse('REQUEST_INVALID', { field: issue.path.join('.'), reason: issue.message });
  }
  const v = parsed.data;
  const context = v.signInContext as Record<string, unknown>;
  const out: WhatIfRequest = {
    userId: v.signInIdentity.userId,
    appId: null,
    authenticationContexts: [],
    userAction: null,
    clientAppType: v.signInConditions.clientAppType ?? 'browser',
    ip: v.signInConditions.ipAddress ?? null,
    appliedPoliciesOnly: v.appliedPoliciesOnly,
  };
  switch (typeOf(context)) {
    case 'microsoft.graph.applicationContext': {
      const apps = context.includeApplications;
      if (!Array.isArray(apps) || apps.length > 1 || apps.some((a) => typeof a !== 'string'))
        return refuse('REQUEST_INVALID', {
          field: 'signInContext.includeApplications',
          reason: 'name one app (its client id), or none for Signet’s own pages',
        });
      out.appId = (apps[0] as string | undefined)?.toLowerCase() ?? null;
      return { ok: true, value: out };
    }
    case 'microsoft.graph.authContext': {
      const c = context.authenticationContextValue;
      if (typeof c !== 'string' || !AUTH_CONTEXT_ID.test(c.toLowerCase()))
        return refuse('REQUEST_INVALID', {
          field: 'signInContext.authenticationContextValue',
          reason: 'must be c1 to c99',
        });
      out.authenticationContexts = [c.toLowerCase()];
      return { ok: true, value: out };
    }
    case 'microsoft.graph.userActionContext': {
      const a = context.userAction;
      if (typeof a !== 'string' || !Object.hasOwn(USER_ACTIONS, a))
        return refuse('CA_WHATIF_UNSUPPORTED', {
          field: 'signInContext.userAction',
          reason: 'Signet has the registerSecurityInformation action only',
        });
      out.userAction = a;
      return { ok: true, value: out };
    }
    default:
      return refuse('REQUEST_INVALID', {
        field: 'signInContext.@odata.type',
        reason:
          'must be #microsoft.graph.applicationContext, #microsoft.graph.authContext or #microsoft.graph.userActionContext',
      });
  }
}

/** Graph's whatIfAnalysisReasons flags as one string: `notSet` when the policy applies. */
export const analysisReasonsText = (reasons: readonly string[]) => (reasons.length ? reasons.join(',') : 'notSet');
