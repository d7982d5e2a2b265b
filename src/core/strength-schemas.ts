// The bodies of Graph's authentication strength writes (POST and PATCH of a policy, updateAllowedCombinations, a
// fido2CombinationConfiguration's POST and PATCH), judged strictly: an unknown property is refused by its path, a
// read-only one as such, a combination Signet does not offer by its entry. Also the stored document's schema and the
// Graph output shapes. The rules between a strength and its configurations are checkStrengthRules. Pure.
import { z } from 'zod';
import type { ErrorCode } from './errors.ts';
import { fieldPath, type Judged } from './method-policy-schemas.ts';
import {
  type AuthenticationStrength,
  type Fido2CombinationConfiguration,
  normalizeCombinations,
  VALID_COMBINATIONS,
} from './strengths.ts';

// Graph documents no length limits for these; Signet picks ones no real name or description reaches, so a stored
// strength and its audit rows stay small.
export const MAX_DISPLAY_NAME = 128;
export const MAX_DESCRIPTION = 1024;
export const MAX_ALLOWED_AAGUIDS = 100;

export const STRENGTH_ODATA_TYPE = '#microsoft.graph.authenticationStrengthPolicy';
export const FIDO2_CONFIGURATION_ODATA_TYPE = '#microsoft.graph.fido2CombinationConfiguration';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_DISPLAY_NAME, `must be at most ${MAX_DISPLAY_NAME} characters`);
const description = z.string().max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`);
const combinations = z
  .array(z.string())
  .min(1, 'must name at least one combination')
  .max(VALID_COMBINATIONS.length * 4);

const configurationFields = {
  appliesToCombinations: z.array(z.string()),
  allowedAAGUIDs: z
    .array(z.string().regex(GUID, 'must be a GUID (8-4-4-4-12 hexadecimal digits)'))
    .max(MAX_ALLOWED_AAGUIDS, `must hold at most ${MAX_ALLOWED_AAGUIDS} AAGUIDs`),
  allowedPasskeyTypes: z.array(z.enum(['deviceBound', 'synced'])),
  requireAttestation: z.boolean(),
};
const configurationCreate = z.strictObject({
  appliesToCombinations: configurationFields.appliesToCombinations,
  allowedAAGUIDs: configurationFields.allowedAAGUIDs.default([]),
  allowedPasskeyTypes: configurationFields.allowedPasskeyTypes.optional(),
  requireAttestation: configurationFields.requireAttestation.optional(),
});
const configurationPatch = z.strictObject({
  appliesToCombinations: configurationFields.appliesToCombinations.optional(),
  allowedAAGUIDs: configurationFields.allowedAAGUIDs.optional(),
  allowedPasskeyTypes: configurationFields.allowedPasskeyTypes.optional(),
  requireAttestation: configurationFields.requireAttestation.optional(),
});
const strengthCreate = z.strictObject({
  displayName,
  description: description.default(''),
  allowedCombinations: combinations,
  combinationConfigurations: z.array(configurationCreate).optional(),
});
const strengthPatch = z.strictObject({ displayName: displayName.optional(), description: description.optional() });
const combinationsUpdate = z.strictObject({ allowedCombinations: combinations });

/** What a custom strength's row holds as JSON (the name and times are columns). */
const storedDocument = z.object({
  description: z.string(),
  allowedCombinations: z.array(z.string()),
  combinationConfigurations: z.array(
    z.object({
      id: z.string(),
      appliesToCombinations: z.tuple([z.literal('fido2')]),
      allowedAAGUIDs: z.array(z.string()),
      allowedPasskeyTypes: z.array(z.enum(['deviceBound', 'synced'])).optional(),
      requireAttestation: z.boolean().optional(),
    }),
  ),
});
export type StoredStrengthDocument = z.infer<typeof storedDocument>;

export interface StrengthCreate {
  displayName: string;
  description: string;
  allowedCombinations: string[];
  combinationConfigurations: Omit<Fido2CombinationConfiguration, 'id'>[];
}
export type StrengthPatch = { displayName?: string; description?: string };
export type ConfigurationCreate = Omit<Fido2CombinationConfiguration, 'id'>;
export type ConfigurationPatch = Partial<ConfigurationCreate>;

const deny = (code: ErrorCode, detail: Record<string, string>) => ({ ok: false as const, code, detail });

function judged<T>(schema: z.ZodType<T, unknown>, value: unknown, prefix: PropertyKey[] = []): Judged<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const unknownKeys = parsed.error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknownKeys && unknownKeys.code === 'unrecognized_keys')
    return deny('GRAPH_PROPERTY_UNKNOWN', {
      properties: unknownKeys.keys.map((k) => fieldPath([...prefix, ...unknownKeys.path, k])).join(', '),
      reason: 'an authentication strength has no such properties',
    });
  const issue = parsed.error.issues[0]!;
  return deny('REQUEST_INVALID', { field: fieldPath([...prefix, ...issue.path]), reason: issue.message });
}

/**
 * The object's `@odata.type` checked (optional, or required when `required`) and removed, and the read-only
 * properties refused by name, before the strict schema sees the rest.
 */
function unwrap(
  body: unknown,
  odataType: string | null,
  readOnly: readonly string[],
  required = false,
): Judged<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return deny('REQUEST_INVALID', { field: '', reason: 'the body must be a JSON object' });
  const { '@odata.type': type, ...rest } = body as Record<string, unknown>;
  if (odataType === null && type !== undefined)
    return deny('GRAPH_PROPERTY_UNKNOWN', { properties: '@odata.type', reason: 'an action body has no type' });
  if (odataType !== null && (type !== undefined || required) && type !== odataType && type !== odataType.slice(1))
    return deny('REQUEST_INVALID', {
      field: '@odata.type',
      reason: type === undefined ? `required: ${odataType}` : `must be ${odataType}`,
    });
  const ro = Object.keys(rest).filter((k) => readOnly.includes(k));
  if (ro.length > 0) return deny('GRAPH_PROPERTY_READ_ONLY', { properties: ro.join(', ') });
  return { ok: true, value: rest };
}

const STRENGTH_READ_ONLY = [
  'id',
  'createdDateTime',
  'modifiedDateTime',
  'policyType',
  'requirementsSatisfied',
  '@odata.context',
];
const CONFIGURATION_READ_ONLY = ['id', '@odata.context'];

function normalized(entries: readonly string[]): Judged<string[]> {
  const n = normalizeCombinations(entries);
  if (!n.ok)
    return deny('STRENGTH_COMBINATION_INVALID', {
      combination: n.entry,
      validCombinations: VALID_COMBINATIONS.join('; '),
    });
  return { ok: true, value: n.combinations };
}

type RawConfiguration = Omit<ConfigurationPatch, 'appliesToCombinations'> & { appliesToCombinations?: string[] };

function judgedConfiguration(c: RawConfiguration, field: string): Judged<ConfigurationPatch> {
  const applies = c.appliesToCombinations;
  if (applies !== undefined && (applies.length !== 1 || applies[0] !== 'fido2'))
    return deny('STRENGTH_CONFIGURATION_COMBINATION_INVALID', {
      field: `${field}appliesToCombinations`,
      value: JSON.stringify(applies),
    });
  const out = { ...c } as ConfigurationPatch;
  // AAGUIDs compare in lower case (core/strengths.ts), so they are stored so, each once.
  if (c.allowedAAGUIDs) out.allowedAAGUIDs = [...new Set(c.allowedAAGUIDs.map((a) => a.toLowerCase()))];
  if (c.allowedPasskeyTypes) out.allowedPasskeyTypes = [...new Set(c.allowedPasskeyTypes)];
  return { ok: true, value: out };
}

/** POST …/authenticationStrengthPolicies: displayName and allowedCombinations required, combinations normalized. */
export function judgeStrengthCreate(body: unknown): Judged<StrengthCreate> {
  const u = unwrap(body, STRENGTH_ODATA_TYPE, STRENGTH_READ_ONLY);
  if (!u.ok) return u;
  const nested = Array.isArray(u.value.combinationConfigurations)
    ? { ...u.value, combinationConfigurations: u.value.combinationConfigurations.map(untagConfiguration) }
    : u.value;
  const j = judged(strengthCreate, nested);
  if (!j.ok) return j;
  const combos = normalized(j.value.allowedCombinations);
  if (!combos.ok) return combos;
  const configurations: ConfigurationCreate[] = [];
  for (const [i, c] of (j.value.combinationConfigurations ?? []).entries()) {
    const jc = judgedConfiguration(c, `combinationConfigurations[${i}].`);
    if (!jc.ok) return jc;
    configurations.push(jc.value as ConfigurationCreate);
  }
  return {
    ok: true,
    value: {
      displayName: j.value.displayName,
      description: j.value.description,
      allowedCombinations: combos.value,
      combinationConfigurations: configurations,
    },
  };
}

/** A nested configuration may carry its own `@odata.type`, which must be the fido2 one. */
function untagConfiguration(c: unknown): unknown {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return c;
  const { '@odata.type': type, ...rest } = c as Record<string, unknown>;
  return type === FIDO2_CONFIGURATION_ODATA_TYPE || type === FIDO2_CONFIGURATION_ODATA_TYPE.slice(1) ? rest : c;
}

/** PATCH of a custom strength: its name and description only; combinations change through the action. */
export function judgeStrengthPatch(body: unknown): Judged<StrengthPatch> {
  const u = unwrap(body, STRENGTH_ODATA_TYPE, STRENGTH_READ_ONLY);
  if (!u.ok) return u;
  const byAction = ['allowedCombinations', 'combinationConfigurations'].filter((k) => k in u.value);
  if (byAction.length > 0) return deny('STRENGTH_COMBINATIONS_BY_ACTION', { properties: byAction.join(', ') });
  return judged(strengthPatch, u.value);
}

/** POST …/{id}/updateAllowedCombinations. */
export function judgeUpdateAllowedCombinations(body: unknown): Judged<string[]> {
  const u = unwrap(body, null, []);
  if (!u.ok) return u;
  const j = judged(combinationsUpdate, u.value);
  return j.ok ? normalized(j.value.allowedCombinations) : j;
}

/** POST …/{id}/combinationConfigurations: Graph requires the derived type, and Signet has the fido2 one only. */
export function judgeConfigurationCreate(body: unknown): Judged<ConfigurationCreate> {
  const u = unwrap(body, FIDO2_CONFIGURATION_ODATA_TYPE, CONFIGURATION_READ_ONLY, true);
  if (!u.ok) return u;
  const j = judged(configurationCreate, u.value);
  return j.ok ? (judgedConfiguration(j.value, '') as Judged<ConfigurationCreate>) : j;
}

/** PATCH …/combinationConfigurations/{id}: the properties sent replace their own. */
export function judgeConfigurationPatch(body: unknown): Judged<ConfigurationPatch> {
  const u = unwrap(body, FIDO2_CONFIGURATION_ODATA_TYPE, CONFIGURATION_READ_ONLY);
  if (!u.ok) return u;
  const j = judged(configurationPatch, u.value);
  return j.ok ? judgedConfiguration(j.value, '') : j;
}

/** A stored row's document read back, or what is wrong with it (the caller logs it and skips the strength). */
export function readStrengthDocument(raw: unknown): Judged<StoredStrengthDocument> {
  return judged(storedDocument, raw);
}

/**
 * The rules between a strength and its configurations: configurations on custom strengths only, at most one
 * (Entra's admin center keeps one set of FIDO2 options per strength, and two would silently intersect), `fido2`
 * among the combinations, and never one no passkey can meet (synced passkeys do not attest).
 */
export function checkStrengthRules(
  s: AuthenticationStrength,
): { ok: true } | { ok: false; code: ErrorCode; detail: Record<string, string> } {
  const configs = s.combinationConfigurations;
  if (configs.length === 0) return { ok: true };
  if (s.policyType === 'builtIn') return deny('STRENGTH_BUILT_IN_READ_ONLY', { id: s.id });
  if (configs.length > 1) return deny('STRENGTH_CONFIGURATION_EXISTS', { id: configs[0]?.id ?? '' });
  if (!s.allowedCombinations.includes('fido2'))
    return deny('STRENGTH_CONFIGURATION_NEEDS_FIDO2', { allowedCombinations: s.allowedCombinations.join('; ') });
  for (const c of configs) {
    const types = c.allowedPasskeyTypes ?? [];
    if (c.requireAttestation && types.length === 1 && types[0] === 'synced')
      return deny('STRENGTH_CONFIGURATION_UNSATISFIABLE', {
        configuration: c.id,
        reason: 'synced passkeys do not attest, so none meets requireAttestation',
      });
  }
  return { ok: true };
}

export const isoUtcOf = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Graph's fido2CombinationConfiguration (Signet's two extra properties only when set). */
export function toGraphCombinationConfiguration(c: Fido2CombinationConfiguration) {
  return {
    '@odata.type': FIDO2_CONFIGURATION_ODATA_TYPE,
    id: c.id,
    appliesToCombinations: c.appliesToCombinations,
    allowedAAGUIDs: c.allowedAAGUIDs,
    ...(c.allowedPasskeyTypes !== undefined ? { allowedPasskeyTypes: c.allowedPasskeyTypes } : {}),
    ...(c.requireAttestation !== undefined ? { requireAttestation: c.requireAttestation } : {}),
  };
}

/** Graph's authenticationStrengthPolicy. */
export function toGraphStrength(s: AuthenticationStrength) {
  return {
    id: s.id,
    createdDateTime: isoUtcOf(s.createdAt),
    modifiedDateTime: isoUtcOf(s.modifiedAt),
    displayName: s.displayName,
    description: s.description,
    policyType: s.policyType,
    requirementsSatisfied: s.requirementsSatisfied,
    allowedCombinations: s.allowedCombinations,
    combinationConfigurations: s.combinationConfigurations.map(toGraphCombinationConfiguration),
  };
}
