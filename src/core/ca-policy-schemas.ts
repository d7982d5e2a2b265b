// The Graph shapes of Conditional Access writes (graph.md §5.1): a conditionalAccessPolicy POST and PATCH, and its
// output with omitted arrays as [] and objects as null. Unknown properties are refused; so are the conditions and
// controls Signet cannot evaluate (devices, platforms, risk levels, compliant devices, ...), each named, rather than
// stored and never enforced. An empty value of those ([] or null, as a GET answers them) is taken as unset, so a
// policy read back can be sent again. The rules between fields (one target kind, mfa with a strength, ...) follow.
// The conditions' shapes are in ca-condition-schemas.ts, the grant and session controls' in ca-control-schemas.ts.
import { z } from 'zod';
import { conditions, toConditions } from './ca-condition-schemas.ts';
import { grantControls, sessionControls, toGrant, toSession } from './ca-control-schemas.ts';
import type { CaPolicy } from './conditional-access.ts';
import type { ErrorCode } from './errors.ts';

export type Judged<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; detail: Record<string, string> };
const refuse = <T>(code: ErrorCode, detail: Record<string, string>): Judged<T> => ({ ok: false, code, detail });

// Kept here too for core/ca-location-schemas.ts.
export { AUTH_CONTEXT_ID } from './ca-condition-schemas.ts';

const policyFields = {
  displayName: z.string().trim().min(1, 'must not be empty').max(256),
  state: z.enum(['enabled', 'disabled', 'enabledForReportingButNotEnforced']),
  conditions,
  grantControls: grantControls.nullable().default(null),
  sessionControls: sessionControls.nullable().default(null),
};
const policyCreate = z.strictObject(policyFields);
const policyPatch = z.strictObject({
  displayName: policyFields.displayName.optional(),
  state: policyFields.state.optional(),
  conditions: conditions.optional(),
  grantControls: grantControls.nullable().optional(),
  sessionControls: sessionControls.nullable().optional(),
});
const READ_ONLY = [
  'id',
  'createdDateTime',
  'modifiedDateTime',
  'templateId',
  'partialEnablementStrategy',
  'deletedDateTime',
];

/** The properties of Graph's policy that Signet cannot evaluate, by path: refused when set, not stored. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  'conditions.platforms': 'device platforms',
  'conditions.devices': 'device filters',
  'conditions.clientApplications': 'workload identities (service principals)',
  'conditions.signInRiskLevels': 'sign-in risk',
  'conditions.userRiskLevels': 'user risk',
  'conditions.servicePrincipalRiskLevels': 'service principal risk',
  'conditions.insiderRiskLevels': 'insider risk',
  'conditions.authenticationFlows': 'authentication flows',
  'conditions.times': 'times',
  'conditions.deviceStates': 'device states',
  'conditions.clients': 'clients',
  'conditions.users.includeGuestsOrExternalUsers': 'guest or external users (Signet has none)',
  'conditions.users.excludeGuestsOrExternalUsers': 'guest or external users (Signet has none)',
  'conditions.applications.applicationFilter': 'application filters',
  'conditions.applications.networkAccess': 'network access',
  'conditions.applications.globalSecureAccess': 'Global Secure Access',
  'grantControls.customAuthenticationFactors': 'custom authentication factors',
  'grantControls.termsOfUse': 'terms of use',
  'sessionControls.applicationEnforcedRestrictions': 'app enforced restrictions',
  'sessionControls.cloudAppSecurity': 'Defender for Cloud Apps',
  'sessionControls.persistentBrowser': 'persistent browser sessions',
  'sessionControls.continuousAccessEvaluation': 'continuous access evaluation',
  'sessionControls.disableResilienceDefaults': 'resilience defaults',
  'sessionControls.secureSignInSession': 'secure sign-in sessions',
  'sessionControls.networkAccessSecurity': 'network access security',
  'sessionControls.globalSecureAccessFilteringProfile': 'Global Secure Access',
};
const UNSUPPORTED_VALUES: Readonly<Record<string, readonly string[]>> = {
  'conditions.clientAppTypes': ['exchangeActiveSync', 'easSupported', 'other'],
  'conditions.applications.includeApplications': ['Office365', 'MicrosoftAdminPortals'],
  'conditions.applications.excludeApplications': ['Office365', 'MicrosoftAdminPortals'],
  'conditions.applications.includeUserActions': ['urn:user:registerdevice'],
  'grantControls.builtInControls': [
    'compliantDevice',
    'domainJoinedDevice',
    'approvedApplication',
    'compliantApplication',
    'passwordChange',
    'riskRemediation',
  ],
  'sessionControls.signInFrequency.authenticationType': ['secondaryAuthentication'],
};

const isEmpty = (v: unknown) => v === null || v === undefined || (Array.isArray(v) && v.length === 0);

/** The first property (or value) Signet cannot evaluate, set in the body: its path and what it is. */
function unsupportedIn(body: unknown): { field: string; feature: string } | null {
  const at = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), body);
  for (const [path, feature] of Object.entries(UNSUPPORTED)) if (!isEmpty(at(path))) return { field: path, feature };
  for (const [path, values] of Object.entries(UNSUPPORTED_VALUES)) {
    const v = at(path);
    const found = (Array.isArray(v) ? v : [v]).find(
      (x) => typeof x === 'string' && values.some((u) => u.toLowerCase() === x.toLowerCase()),
    );
    if (found !== undefined) return { field: path, feature: String(found) };
  }
  return null;
}

function judged<T>(schema: z.ZodType<T, unknown>, body: unknown): Judged<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse('REQUEST_INVALID', { field: '', reason: 'the body must be a JSON object' });
  const { '@odata.type': type, ...rest } = body as Record<string, unknown>;
  if (
    type !== undefined &&
    type !== '#microsoft.graph.conditionalAccessPolicy' &&
    type !== 'microsoft.graph.conditionalAccessPolicy'
  )
    return refuse('REQUEST_INVALID', {
      field: '@odata.type',
      reason: 'must be #microsoft.graph.conditionalAccessPolicy',
    });
  const readOnly = Object.keys(rest).filter((k) => READ_ONLY.includes(k));
  if (readOnly.length > 0) return refuse('GRAPH_PROPERTY_READ_ONLY', { properties: readOnly.join(', ') });
  const unsupported = unsupportedIn(rest);
  if (unsupported)
    return refuse('CA_CONDITION_UNSUPPORTED', {
      field: unsupported.field,
      reason: `Signet cannot evaluate ${unsupported.feature}; remove it (or send it empty)`,
    });
  const parsed = schema.safeParse(rest);
  if (parsed.success) return { ok: true, value: parsed.data };
  const unknownKeys = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknownKeys && unknownKeys.code === 'unrecognized_keys')
    return refuse('GRAPH_PROPERTY_UNKNOWN', {
      properties: unknownKeys.keys.map((k) => [...unknownKeys.path, k].join('.')).join(', '),
      reason: 'the conditionalAccessPolicy resource has no such properties',
    });
  const issue = parsed.error.issues[0]!;
  return refuse('REQUEST_INVALID', { field: issue.path.join('.'), reason: issue.message });
}

type ParsedPatch = z.output<typeof policyPatch>;

/** The policy's fields a write sets (the store adds id and times). */
export type CaPolicyFields = Omit<CaPolicy, 'id' | 'createdAt' | 'modifiedAt'>;

/**
 * The rules between fields, as Entra keeps them: a user rule and exactly one kind of target (apps, user actions or
 * authentication contexts); some control; block alone; mfa and a strength never together (Entra's documented
 * limitation); a time-based frequency with its unit and value (hours 1–24, days 1–365), an every-time one without.
 */
export function checkPolicyRules(p: CaPolicyFields): Judged<CaPolicyFields> {
  const u = p.conditions.users;
  if (u.includeUsers.length + u.includeGroups.length + u.includeRoles.length === 0)
    return refuse('CA_POLICY_INCOMPLETE', {
      field: 'conditions.users',
      reason: 'include some users, groups or roles (or All)',
    });
  const a = p.conditions.applications;
  const kinds = [a.includeApplications, a.includeUserActions, a.includeAuthenticationContextClassReferences].filter(
    (k) => k.length > 0,
  );
  if (kinds.length !== 1)
    return refuse('CA_POLICY_INCOMPLETE', {
      field: 'conditions.applications',
      reason:
        'target exactly one of includeApplications, includeUserActions or includeAuthenticationContextClassReferences',
    });
  if (a.includeApplications.length === 0 && a.excludeApplications.length > 0)
    return refuse('CA_POLICY_INCOMPLETE', {
      field: 'conditions.applications.excludeApplications',
      reason: 'excludes apps of a policy that targets none',
    });
  const loc = p.conditions.locations;
  if (loc && loc.includeLocations.length === 0 && loc.excludeLocations.length > 0)
    return refuse('CA_POLICY_INCOMPLETE', {
      field: 'conditions.locations.includeLocations',
      reason: 'include All or some locations',
    });
  const g = p.grantControls;
  const f = p.sessionControls?.signInFrequency ?? null;
  const hasGrant = g !== null && (g.builtInControls.length > 0 || g.authenticationStrengthId !== null);
  if (!hasGrant && !f?.isEnabled)
    return refuse('CA_POLICY_NO_CONTROLS', {
      field: 'grantControls',
      reason: 'give a grant control (block, mfa or an authentication strength) or an enabled signInFrequency',
    });
  if (g?.builtInControls.includes('mfa') && g.authenticationStrengthId !== null)
    return refuse('CA_GRANT_MFA_WITH_STRENGTH', { field: 'grantControls' });
  if (g?.builtInControls.includes('block') && (g.builtInControls.length > 1 || g.authenticationStrengthId !== null))
    return refuse('CA_GRANT_BLOCK_WITH_OTHERS', { field: 'grantControls.builtInControls' });
  if (f?.isEnabled) {
    if (f.frequencyInterval === 'everyTime' && (f.type !== null || f.value !== null))
      return refuse('REQUEST_INVALID', {
        field: 'sessionControls.signInFrequency',
        reason: 'everyTime takes no type or value',
      });
    if (f.frequencyInterval === 'timeBased') {
      if (f.type === null || f.value === null)
        return refuse('REQUEST_INVALID', {
          field: 'sessionControls.signInFrequency',
          reason: 'timeBased needs type (hours or days) and value',
        });
      if (f.type === 'hours' && f.value > 24)
        return refuse('REQUEST_INVALID', {
          field: 'sessionControls.signInFrequency.value',
          reason: 'hours must be 1 to 24 (use days above that)',
        });
    }
  }
  return { ok: true, value: p };
}

/** POST …/conditionalAccess/policies. */
export function judgePolicyCreate(body: unknown): Judged<CaPolicyFields> {
  const j = judged(policyCreate, body);
  if (!j.ok) return j;
  const v = j.value;
  return checkPolicyRules({
    displayName: v.displayName,
    state: v.state,
    conditions: toConditions(v.conditions),
    grantControls: toGrant(v.grantControls),
    sessionControls: toSession(v.sessionControls),
  });
}

/**
 * PATCH …/policies/{id}: each top-level property sent replaces the stored one (conditions, grantControls and
 * sessionControls whole, as sent), then the rules are checked on the result.
 */
export function judgePolicyPatch(body: unknown, current: CaPolicyFields): Judged<CaPolicyFields> {
  const j = judged(policyPatch, body);
  if (!j.ok) return j;
  const v: ParsedPatch = j.value;
  return checkPolicyRules({
    displayName: v.displayName ?? current.displayName,
    state: v.state ?? current.state,
    conditions: v.conditions ? toConditions(v.conditions) : current.conditions,
    grantControls: v.grantControls === undefined ? current.grantControls : toGrant(v.grantControls),
    sessionControls: v.sessionControls === undefined ? current.sessionControls : toSession(v.sessionControls),
  });
}

/**
 * The stored document read back: what a write stored, or a row written in Graph's shape (a fixture, an older
 * writer) with omitted arrays filled and `authenticationStrength {id}` read as the strength id. Anything else is
 * reported (the store reads it as a block: fail closed), never thrown.
 */
export function readPolicyDocument(raw: unknown): Judged<CaPolicyFields> {
  if (typeof raw !== 'object' || raw === null) return refuse('REQUEST_INVALID', { field: '', reason: 'not an object' });
  const d = raw as Record<string, unknown> & { grantControls?: Record<string, unknown> | null };
  const g = d.grantControls;
  const strengthId =
    g && typeof g === 'object'
      ? ((g.authenticationStrengthId as string | null | undefined) ??
        (g.authenticationStrength as { id?: string } | null | undefined)?.id ??
        null)
      : null;
  const { id: _id, createdAt: _c, modifiedAt: _m, ...fields } = d;
  const asGraph = {
    ...fields,
    grantControls:
      g && typeof g === 'object'
        ? {
            operator: g.operator,
            builtInControls: g.builtInControls,
            ...(strengthId ? { authenticationStrength: { id: strengthId } } : {}),
          }
        : null,
  };
  const j = judged(policyCreate, asGraph);
  if (!j.ok) return j;
  const v = j.value;
  return {
    ok: true,
    value: {
      displayName: v.displayName,
      state: v.state,
      conditions: toConditions(v.conditions),
      grantControls: toGrant(v.grantControls),
      sessionControls: toSession(v.sessionControls),
    },
  };
}

const isoUtc = (ms: number) => new Date(ms).toISOString();

/** Graph's conditionalAccessPolicy: omitted arrays as [], objects as null; the strength expanded by `strength`. */
export function toGraphPolicy(p: CaPolicy, strength: (id: string) => unknown) {
  const c = p.conditions;
  const g = p.grantControls;
  const f = p.sessionControls?.signInFrequency ?? null;
  return {
    id: p.id,
    templateId: null,
    displayName: p.displayName,
    createdDateTime: isoUtc(p.createdAt),
    modifiedDateTime: p.modifiedAt === null ? null : isoUtc(p.modifiedAt),
    state: p.state,
    partialEnablementStrategy: null,
    conditions: {
      userRiskLevels: [],
      signInRiskLevels: [],
      clientAppTypes: c.clientAppTypes,
      servicePrincipalRiskLevels: [],
      insiderRiskLevels: null,
      platforms: null,
      locations: c.locations,
      times: null,
      deviceStates: null,
      devices: null,
      clientApplications: null,
      applications: { ...c.applications, applicationFilter: null },
      users: { ...c.users, includeGuestsOrExternalUsers: null, excludeGuestsOrExternalUsers: null },
    },
    grantControls: g && {
      operator: g.operator,
      builtInControls: g.builtInControls,
      customAuthenticationFactors: [],
      termsOfUse: [],
      authenticationStrength:
        g.authenticationStrengthId === null ? null : (strength(g.authenticationStrengthId) ?? null),
    },
    sessionControls: p.sessionControls && {
      disableResilienceDefaults: null,
      applicationEnforcedRestrictions: null,
      cloudAppSecurity: null,
      persistentBrowser: null,
      continuousAccessEvaluation: null,
      secureSignInSession: null,
      signInFrequency: f && {
        value: f.value,
        type: f.type,
        authenticationType: 'primaryAndSecondaryAuthentication',
        frequencyInterval: f.frequencyInterval,
        isEnabled: f.isEnabled,
      },
    },
  };
}
