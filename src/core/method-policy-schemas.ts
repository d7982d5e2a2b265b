// One zod schema per authentication method configuration of Graph's authenticationMethodsPolicy (Fido2,
// TemporaryAccessPass, Email, SoftwareOath, Password) and one for the policy root. The same schema judges a PATCH
// (strict: an unknown property is refused by its path, a wrong type names the field, as
// `passkeyProfiles[2].passkeyTypes`) and reads a stored document back (store/policy-cache.ts). The schemas check
// shapes only; the rules between fields and against the directory are in method-policy-rules.ts. Pure.
import { z } from 'zod';
import type { ErrorCode } from './errors.ts';
import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from './passkey-method.ts';

export const METHOD_IDS = ['Fido2', 'TemporaryAccessPass', 'Email', 'SoftwareOath', 'Password'] as const;
export type MethodId = (typeof METHOD_IDS)[number];

/** Graph matches a configuration id in any letter case (`fido2`, `temporaryAccessPass`). */
export function methodIdOf(s: string): MethodId | undefined {
  const lower = s.toLowerCase();
  return METHOD_IDS.find((m) => m.toLowerCase() === lower);
}

export const METHOD_ODATA_TYPES: Readonly<Record<MethodId, string>> = {
  Fido2: '#microsoft.graph.fido2AuthenticationMethodConfiguration',
  TemporaryAccessPass: '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
  Email: '#microsoft.graph.emailAuthenticationMethodConfiguration',
  SoftwareOath: '#microsoft.graph.softwareOathAuthenticationMethodConfiguration',
  // Graph documents no password configuration; Signet's follows the naming of the others.
  Password: '#microsoft.graph.passwordAuthenticationMethodConfiguration',
};

/** The `method` key of each document in the method_policies table (`fido2` predates the others). */
export const STORED_METHOD_KEYS: Readonly<Record<MethodId | 'policy', string>> = {
  Fido2: 'fido2',
  TemporaryAccessPass: 'temporaryAccessPass',
  Email: 'email',
  SoftwareOath: 'softwareOath',
  Password: 'password',
  policy: 'authenticationMethodsPolicy',
};

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const isGuid = (s: string) => GUID.test(s);
const guid = z.string().regex(GUID, 'must be a GUID (8-4-4-4-12 hexadecimal digits)');
const ALL_USERS = 'all_users';
const targetId = z
  .string()
  .refine((s) => s === ALL_USERS || GUID.test(s), 'must be all_users or the id (a GUID) of a group of this tenant');

/**
 * Graph clients may tag nested objects (`"@odata.type": "#microsoft.graph.passkeyProfile"`): such tags are dropped
 * before a PATCH is judged, so the schemas stay strict about everything else.
 */
function withoutNestedTags(v: unknown, depth = 0): unknown {
  if (Array.isArray(v)) return v.map((x) => withoutNestedTags(x, depth + 1));
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (depth > 0 && k === '@odata.type' && typeof x === 'string' && /^#?microsoft\.graph\.\w+$/.test(x)) continue;
    out[k] = withoutNestedTags(x, depth + 1);
  }
  return out;
}

const state = z.enum(['enabled', 'disabled']);
const methodTarget = z.strictObject({
  id: targetId,
  targetType: z.literal('group'),
  isRegistrationRequired: z.boolean().default(false),
});
const excludeTarget = z.strictObject({ id: guid, targetType: z.enum(['group', 'user']) });
const targets = {
  state,
  includeTargets: z.array(methodTarget).max(100),
  excludeTargets: z.array(excludeTarget).max(100),
};

const PASSKEY_TYPES = ['deviceBound', 'synced'] as const;
/** Graph's flags enum as a comma string, in any order once each; kept as `deviceBound,synced` order. */
const passkeyTypes = z
  .string()
  .refine((s) => {
    const parts = s.split(',').map((p) => p.trim());
    return (
      parts.length > 0 &&
      parts.every((p) => (PASSKEY_TYPES as readonly string[]).includes(p)) &&
      new Set(parts).size === parts.length
    );
  }, 'must be deviceBound, synced or deviceBound,synced')
  .transform((s) => {
    const parts = s.split(',').map((p) => p.trim());
    return PASSKEY_TYPES.filter((t) => parts.includes(t)).join(',');
  });

export const keyRestrictionsSchema = z.strictObject({
  isEnforced: z.boolean(),
  enforcementType: z.enum(['allow', 'block']),
  // Their form is a rule (method-policy-rules.ts), so a bad one is refused with its own code.
  aaGuids: z.array(z.string()).max(2000),
});
const passkeyProfile = z.strictObject({
  id: guid,
  name: z.string().trim().min(1, 'must not be empty').max(256),
  passkeyTypes,
  attestationEnforcement: z.enum(['disabled', 'registrationOnly']),
  keyRestrictions: keyRestrictionsSchema,
});
const passkeyTarget = z.strictObject({
  id: targetId,
  targetType: z.literal('group'),
  isRegistrationRequired: z.boolean().default(false),
  allowedPasskeyProfiles: z.array(guid).max(100).default([]),
});

/** Bounds of Signet's own per-user passkey limit: at least one, and no more than anyone can manage. */
export const PASSKEYS_PER_USER_RANGE = { min: 1, max: 100 } as const;

export const fido2Document = z.strictObject({
  state,
  isSelfServiceRegistrationAllowed: z.boolean(),
  includeTargets: z.array(passkeyTarget).max(100),
  excludeTargets: z.array(excludeTarget).max(100),
  // The limit of 10 is a rule with its own code (method-policy-rules.ts); this bound only caps the work.
  passkeyProfiles: z.array(passkeyProfile).max(1000),
  defaultPasskeyProfile: guid,
  passkeysPerUserLimit: z.int().min(PASSKEYS_PER_USER_RANGE.min).max(PASSKEYS_PER_USER_RANGE.max),
});
/** The Fido2 PATCH: any of the properties, plus the two Graph deprecates for passkeyProfiles (see the rules). */
const fido2Patch = fido2Document.partial().extend({
  isAttestationEnforced: z.boolean().optional(),
  keyRestrictions: keyRestrictionsSchema.optional(),
});

const lifetime = z.int().min(10).max(43_200);
export const tapDocument = z.strictObject({
  ...targets,
  defaultLifetimeInMinutes: lifetime,
  defaultLength: z.int().min(8).max(48),
  minimumLifetimeInMinutes: lifetime,
  maximumLifetimeInMinutes: lifetime,
  isUsableOnce: z.boolean(),
});
export const emailDocument = z.strictObject({
  ...targets,
  allowExternalIdToUseEmailOtp: z.enum(['default', 'enabled', 'disabled']),
});
export const softwareOathDocument = z.strictObject(targets);
export const passwordDocument = z.strictObject(targets);

const campaignTarget = z.strictObject({
  id: targetId,
  targetType: z.literal('group'),
  // Signet's campaign asks for a passkey (the issue's target Fido2); Graph's other values name methods it lacks.
  targetedAuthenticationMethod: z.literal('fido2', 'must be fido2: Signet campaigns for passkeys only'),
});
const campaign = z.strictObject({
  snoozeDurationInDays: z.int().min(0).max(14),
  enforceRegistrationAfterAllowedSnoozes: z.boolean(),
  state: z.enum(['default', 'enabled', 'disabled']),
  excludeTargets: z.array(excludeTarget).max(100),
  includeTargets: z.array(campaignTarget).max(100),
});
export const policyRootDocument = z.strictObject({
  registrationEnforcement: z.strictObject({ authenticationMethodsRegistrationCampaign: campaign }),
});
/** PATCH of the root: the campaign's properties are merged onto the stored ones, each one sent replacing its own. */
const policyRootPatch = z.strictObject({
  registrationEnforcement: z.strictObject({ authenticationMethodsRegistrationCampaign: campaign.partial() }).optional(),
});

export type Fido2Document = z.output<typeof fido2Document>;
export type TapDocument = z.output<typeof tapDocument>;
export type EmailDocument = z.output<typeof emailDocument>;
export type TargetsDocument = z.output<typeof softwareOathDocument>;
export type PolicyRootDocument = z.output<typeof policyRootDocument>;
export type Campaign = z.output<typeof campaign>;
export type Fido2Patch = z.output<typeof fido2Patch>;
export type PolicyRootPatch = z.output<typeof policyRootPatch>;

export interface MethodDocuments {
  Fido2: Fido2Document;
  TemporaryAccessPass: TapDocument;
  Email: EmailDocument;
  SoftwareOath: TargetsDocument;
  Password: TargetsDocument;
}
export type MethodPatch<M extends MethodId> = M extends 'Fido2' ? Fido2Patch : Partial<MethodDocuments[M]>;

// The Fido2 document is the passkey method configuration the flows already evaluate.
const _sameShape: PasskeyMethodConfig = {} as Fido2Document;
void _sameShape;

export const DOCUMENT_SCHEMAS: { [M in MethodId]: z.ZodType<MethodDocuments[M], unknown> } = {
  Fido2: fido2Document,
  TemporaryAccessPass: tapDocument,
  Email: emailDocument,
  SoftwareOath: softwareOathDocument,
  Password: passwordDocument,
};
const PATCH_SCHEMAS: { [M in MethodId]: z.ZodType<MethodPatch<M>, unknown> } = {
  Fido2: fido2Patch,
  TemporaryAccessPass: tapDocument.partial(),
  Email: emailDocument.partial(),
  SoftwareOath: softwareOathDocument.partial(),
  Password: passwordDocument.partial(),
};

const allUsers = [{ id: ALL_USERS, targetType: 'group' as const, isRegistrationRequired: false }];

/** What a tenant has before an administrator writes a configuration. */
export function defaultMethodDocument<M extends MethodId>(m: M): MethodDocuments[M] {
  const docs: MethodDocuments = {
    Fido2: defaultPasskeyMethodConfig(),
    // Passes already work without a policy: the defaults keep today's range (10 minutes to 30 days) and today's
    // 16 characters (Entra's default is 8; an administrator may choose 8..48).
    TemporaryAccessPass: {
      state: 'enabled',
      includeTargets: allUsers,
      excludeTargets: [],
      defaultLifetimeInMinutes: 60,
      defaultLength: 16,
      minimumLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 43_200,
      isUsableOnce: false,
    },
    Email: { state: 'disabled', includeTargets: allUsers, excludeTargets: [], allowExternalIdToUseEmailOtp: 'default' },
    SoftwareOath: { state: 'disabled', includeTargets: allUsers, excludeTargets: [] },
    Password: { state: 'enabled', includeTargets: allUsers, excludeTargets: [] },
  };
  return structuredClone(docs[m]);
}

export function defaultPolicyRoot(): PolicyRootDocument {
  return {
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        snoozeDurationInDays: 1,
        enforceRegistrationAfterAllowedSnoozes: true,
        state: 'default',
        excludeTargets: [],
        includeTargets: [{ id: ALL_USERS, targetType: 'group', targetedAuthenticationMethod: 'fido2' }],
      },
    },
  };
}

export type Judged<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; detail: Record<string, string> };

/** `passkeyProfiles[2].passkeyTypes`: a zod path as a person writes it. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function judged<T>(schema: z.ZodType<T, unknown>, value: unknown): Judged<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const unknownKeys = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknownKeys && unknownKeys.code === 'unrecognized_keys')
    return {
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: {
        properties: unknownKeys.keys.map((k) => fieldPath([...unknownKeys.path, k])).join(', '),
        reason: 'the configuration has no such properties',
      },
    };
  const issue = parsed.error.issues[0]!;
  return { ok: false, code: 'REQUEST_INVALID', detail: { field: fieldPath(issue.path), reason: issue.message } };
}

/** The read-only properties of a configuration: `id` may be sent only as its own id, as Graph's examples do. */
const READ_ONLY = ['@odata.context'];

/**
 * A PATCH body of one method configuration: a JSON object carrying the method's `@odata.type` (Graph requires
 * it), `id` only as the method's own, then its schema, strict.
 */
export function judgeMethodPatch<M extends MethodId>(m: M, body: unknown): Judged<MethodPatch<M>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, code: 'REQUEST_INVALID', detail: { field: '', reason: 'the body must be a JSON object' } };
  const { '@odata.type': type, id, ...rest } = body as Record<string, unknown>;
  const expected = METHOD_ODATA_TYPES[m];
  if (type !== expected && type !== expected.slice(1))
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: {
        field: '@odata.type',
        reason: type === undefined ? `required: ${expected}` : `must be ${expected}`,
      },
    };
  const readOnly = Object.keys(rest).filter((k) => READ_ONLY.includes(k));
  if ((id !== undefined && (typeof id !== 'string' || methodIdOf(id) !== m)) || readOnly.length > 0)
    return {
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: [...(id !== undefined ? ['id'] : []), ...readOnly].join(', ') },
    };
  return judged(PATCH_SCHEMAS[m], withoutNestedTags(rest));
}

const ROOT_READ_ONLY = [
  'id',
  'displayName',
  'description',
  'lastModifiedDateTime',
  'policyVersion',
  'policyMigrationState',
  'authenticationMethodConfigurations',
];
const ROOT_UNSTORED = ['systemCredentialPreferences', 'reportSuspiciousActivitySettings', 'reconfirmationInDays'];

/** A PATCH of the policy root: registrationEnforcement is its one writable property in Signet. */
export function judgePolicyRootPatch(body: unknown): Judged<PolicyRootPatch> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, code: 'REQUEST_INVALID', detail: { field: '', reason: 'the body must be a JSON object' } };
  const { '@odata.type': type, ...rest } = body as Record<string, unknown>;
  if (type !== undefined && type !== '#microsoft.graph.authenticationMethodsPolicy')
    return {
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: '@odata.type', reason: 'must be #microsoft.graph.authenticationMethodsPolicy' },
    };
  const unstored = Object.keys(rest).filter((k) => ROOT_UNSTORED.includes(k));
  if (unstored.length > 0)
    return {
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: unstored.join(', '), reason: `Signet does not store ${unstored.join(', ')}` },
    };
  const readOnly = Object.keys(rest).filter((k) => ROOT_READ_ONLY.includes(k));
  if (readOnly.length > 0)
    return { ok: false, code: 'GRAPH_PROPERTY_READ_ONLY', detail: { properties: readOnly.join(', ') } };
  return judged(policyRootPatch, withoutNestedTags(rest));
}

/** A stored document read back: its schema's value, or what is wrong with it (the caller logs it loudly). */
export function readMethodDocument<M extends MethodId>(m: M, raw: unknown): Judged<MethodDocuments[M]> {
  return judged(DOCUMENT_SCHEMAS[m], raw);
}
export function readPolicyRoot(raw: unknown): Judged<PolicyRootDocument> {
  return judged(policyRootDocument, raw);
}

/** Graph's shape of one configuration (`@odata.type`, `id`, then its properties). */
export function toGraphMethodConfiguration<M extends MethodId>(m: M, doc: MethodDocuments[M]) {
  const head = { '@odata.type': METHOD_ODATA_TYPES[m], id: m };
  if (m !== 'Fido2') return { ...head, ...doc };
  const c = doc as Fido2Document;
  // The two properties Graph deprecates for passkey profiles answer for the default profile, which Entra says
  // "initially mirrors the tenant's legacy global settings".
  const base = c.passkeyProfiles.find((p) => p.id === c.defaultPasskeyProfile);
  return {
    ...head,
    state: c.state,
    isSelfServiceRegistrationAllowed: c.isSelfServiceRegistrationAllowed,
    isAttestationEnforced: base?.attestationEnforcement === 'registrationOnly',
    keyRestrictions: base?.keyRestrictions ?? { isEnforced: false, enforcementType: 'block', aaGuids: [] },
    defaultPasskeyProfile: c.defaultPasskeyProfile,
    passkeysPerUserLimit: c.passkeysPerUserLimit,
    includeTargets: c.includeTargets,
    excludeTargets: c.excludeTargets,
    passkeyProfiles: c.passkeyProfiles,
  };
}
