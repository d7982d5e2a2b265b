// The Graph shapes of Conditional Access writes (graph.md §5.1): a conditionalAccessPolicy POST and PATCH, and its
// output with omitted arrays as [] and objects as null. Unknown properties are refused; so are the conditions and
// controls Signet cannot evaluate (devices, platforms, risk levels, compliant devices, ...), each named, rather than
// stored and never enforced. An empty value of those ([] or null, as a GET answers them) is taken as unset, so a
// policy read back can be sent again. The rules between fields (one target kind, mfa with a strength, ...) follow.
import { z } from 'zod';
import { ROLE_TEMPLATE_IDS } from './authorization.ts';
import type { CaPolicy } from './conditional-access.ts';
import type { ErrorCode } from './errors.ts';

export type Judged<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; detail: Record<string, string> };
const refuse = <T>(code: ErrorCode, detail: Record<string, string>): Judged<T> => ({ ok: false, code, detail });

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const AUTH_CONTEXT_ID = /^c([1-9]|[1-9][0-9])$/;
export const REGISTER_SECURITY_INFO = 'urn:user:registersecurityinfo';
const ROLE_IDS = new Set<string>(Object.values(ROLE_TEMPLATE_IDS));

const guidOr = (...words: string[]) =>
  z
    .string()
    .refine(
      (s) => GUID.test(s) || words.some((w) => w.toLowerCase() === s.toLowerCase()),
      `must be ${words.length ? `${words.join(', ')} or ` : ''}an object id (a GUID)`,
    )
    .transform((s) => words.find((w) => w.toLowerCase() === s.toLowerCase()) ?? s.toLowerCase());
const list = <T extends z.ZodType>(item: T) => z.array(item).max(1000).default([]);
const nested = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject({ '@odata.type': z.string().optional(), ...shape });

const users = nested({
  includeUsers: list(guidOr('All', 'None', 'GuestsOrExternalUsers')),
  excludeUsers: list(guidOr('GuestsOrExternalUsers')),
  includeGroups: list(guidOr()),
  excludeGroups: list(guidOr()),
  includeRoles: list(guidOr().refine((r) => ROLE_IDS.has(r), 'must be the template id of a directory role Signet has')),
  excludeRoles: list(guidOr().refine((r) => ROLE_IDS.has(r), 'must be the template id of a directory role Signet has')),
  includeGuestsOrExternalUsers: z.null().optional(),
  excludeGuestsOrExternalUsers: z.null().optional(),
});
const applications = nested({
  // Client ids of this tenant's apps are GUIDs; Office365 and MicrosoftAdminPortals name no app of Signet's.
  includeApplications: list(guidOr('All', 'None')),
  excludeApplications: list(guidOr()),
  includeUserActions: list(
    z
      .string()
      .refine((s) => s.toLowerCase() === REGISTER_SECURITY_INFO, `must be ${REGISTER_SECURITY_INFO}`)
      .transform(() => REGISTER_SECURITY_INFO),
  ),
  includeAuthenticationContextClassReferences: list(
    z
      .string()
      .refine((s) => AUTH_CONTEXT_ID.test(s.toLowerCase()), 'must be c1 to c99')
      .transform((s) => s.toLowerCase()),
  ),
  applicationFilter: z.null().optional(),
  networkAccess: z.null().optional(),
  globalSecureAccess: z.null().optional(),
});
const locations = nested({
  includeLocations: list(guidOr('All', 'AllTrusted')),
  excludeLocations: list(guidOr('All', 'AllTrusted')),
});
const empty = z.union([z.null(), z.array(z.never()).max(0)]).optional();
const conditions = nested({
  users,
  applications,
  clientAppTypes: z
    .array(z.enum(['all', 'browser', 'mobileAppsAndDesktopClients']))
    .max(3)
    .default(['all']),
  locations: locations.nullable().default(null),
  // Unset only (see UNSUPPORTED): Signet cannot evaluate these.
  platforms: empty,
  devices: empty,
  clientApplications: empty,
  signInRiskLevels: empty,
  userRiskLevels: empty,
  servicePrincipalRiskLevels: empty,
  insiderRiskLevels: empty,
  authenticationFlows: empty,
  times: empty,
  deviceStates: empty,
  clients: empty,
});
const grantControls = nested({
  operator: z.enum(['AND', 'OR']).default('OR'),
  builtInControls: z
    .array(z.enum(['block', 'mfa']))
    .max(2)
    .default([]),
  customAuthenticationFactors: z.array(z.never()).max(0).optional(),
  termsOfUse: z.array(z.never()).max(0).optional(),
  // A reference: only its id is read (a GET answers the whole strength, which may be sent back).
  authenticationStrength: z
    .looseObject({ id: z.string().regex(GUID, 'must be the id (a GUID) of a strength') })
    .nullable()
    .optional(),
  'authenticationStrength@odata.context': z.string().optional(),
});
const signInFrequency = nested({
  isEnabled: z.boolean(),
  type: z.enum(['hours', 'days']).nullable().default(null),
  value: z.int().min(1).max(365).nullable().default(null),
  frequencyInterval: z.enum(['timeBased', 'everyTime']).default('timeBased'),
  authenticationType: z.literal('primaryAndSecondaryAuthentication').default('primaryAndSecondaryAuthentication'),
});
const sessionControls = nested({
  signInFrequency: signInFrequency.nullable().default(null),
  applicationEnforcedRestrictions: z.null().optional(),
  cloudAppSecurity: z.null().optional(),
  persistentBrowser: z.null().optional(),
  continuousAccessEvaluation: z.null().optional(),
  disableResilienceDefaults: z.null().optional(),
  secureSignInSession: z.null().optional(),
  networkAccessSecurity: z.null().optional(),
  globalSecureAccessFilteringProfile: z.null().optional(),
});
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

type Parsed = z.output<typeof policyCreate>;
type ParsedPatch = z.output<typeof policyPatch>;

/** The policy's fields a write sets (the store adds id and times). */
export type CaPolicyFields = Omit<CaPolicy, 'id' | 'createdAt' | 'modifiedAt'>;

function toConditions(c: Parsed['conditions']): CaPolicy['conditions'] {
  const u = c.users;
  const a = c.applications;
  return {
    users: {
      includeUsers: u.includeUsers,
      excludeUsers: u.excludeUsers,
      includeGroups: u.includeGroups,
      excludeGroups: u.excludeGroups,
      includeRoles: u.includeRoles,
      excludeRoles: u.excludeRoles,
    },
    applications: {
      includeApplications: a.includeApplications,
      excludeApplications: a.excludeApplications,
      includeAuthenticationContextClassReferences: a.includeAuthenticationContextClassReferences,
      includeUserActions: a.includeUserActions,
    },
    clientAppTypes: c.clientAppTypes,
    locations: c.locations
      ? { includeLocations: c.locations.includeLocations, excludeLocations: c.locations.excludeLocations }
      : null,
  };
}
function toGrant(g: Parsed['grantControls']): CaPolicy['grantControls'] {
  if (!g) return null;
  return {
    operator: g.operator,
    builtInControls: [...new Set(g.builtInControls)],
    authenticationStrengthId: g.authenticationStrength?.id.toLowerCase() ?? null,
  };
}
function toSession(s: Parsed['sessionControls']): CaPolicy['sessionControls'] {
  if (!s) return null;
  const f = s.signInFrequency;
  return {
    signInFrequency: f
      ? { isEnabled: f.isEnabled, frequencyInterval: f.frequencyInterval, type: f.type, value: f.value }
      : null,
  };
}

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
