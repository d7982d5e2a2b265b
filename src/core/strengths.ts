// Authentication strengths (Graph's authenticationStrengthPolicy, graph.md §4): which combinations of methods a
// sign-in must have used, and whether a session's steps satisfy them. Pure: the caller passes the steps fresh
// enough to count and what the user could still do.
import type { PasskeyStepFacts, SessionStep, StepMethod } from './session-steps.ts';

/** Graph authenticationMethodModes that Signet has. */
export type MethodMode =
  | 'fido2'
  | 'temporaryAccessPassOneTime'
  | 'temporaryAccessPassMultiUse'
  | 'password'
  | 'softwareOath'
  | 'email';

/** The fixed order of modes inside a normalized combination: the order of Graph's authenticationMethodModes enum. */
export const MODE_ORDER: readonly MethodMode[] = [
  'password',
  'softwareOath',
  'fido2',
  'temporaryAccessPassOneTime',
  'temporaryAccessPassMultiUse',
  'email',
];

export const MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000002';
export const PASSWORDLESS_MFA_STRENGTH_ID = '00000000-0000-0000-0000-000000000003';
export const PHISHING_RESISTANT_STRENGTH_ID = '00000000-0000-0000-0000-000000000004';

export interface Fido2CombinationConfiguration {
  id: string;
  appliesToCombinations: ['fido2'];
  /** Graph's: when non-empty, only passkeys of these models (AAGUIDs, lower case) satisfy fido2. */
  allowedAAGUIDs: string[];
  /** Signet's, beyond Graph: only these passkey types satisfy fido2 (empty or absent = any). */
  allowedPasskeyTypes?: ('deviceBound' | 'synced')[];
  /** Signet's, beyond Graph: only a passkey whose attestation was verified against metadata satisfies fido2. */
  requireAttestation?: boolean;
}

export interface AuthenticationStrength {
  id: string;
  displayName: string;
  description: string;
  policyType: 'builtIn' | 'custom';
  requirementsSatisfied: 'none' | 'mfa';
  /** Each a combination of modes, normalized: comma-joined, no spaces, modes in MODE_ORDER. */
  allowedCombinations: string[];
  combinationConfigurations: Fido2CombinationConfiguration[];
  /** Epoch milliseconds. */
  createdAt: number;
  modifiedAt: number;
}

const BUILT_IN_AT = Date.UTC(2021, 11, 1);

// Entra's built-ins restricted to the modes Signet has (graph.md §4.2). Email one-time codes are in none of them:
// Entra does not count email OTP as a second factor for members (it is offered to guests only), so
// password + email code satisfies no built-in strength; a custom strength may allow `password,email`.
export const BUILT_IN_STRENGTHS: readonly AuthenticationStrength[] = deepFreeze([
  {
    id: MFA_STRENGTH_ID,
    displayName: 'Multifactor authentication',
    description: 'Combinations of methods that satisfy strong authentication, such as a password + SMS',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: [
      'fido2',
      'temporaryAccessPassOneTime',
      'temporaryAccessPassMultiUse',
      'password,softwareOath',
    ],
    combinationConfigurations: [],
    createdAt: BUILT_IN_AT,
    modifiedAt: BUILT_IN_AT,
  },
  {
    id: PASSWORDLESS_MFA_STRENGTH_ID,
    displayName: 'Passwordless MFA',
    description:
      'Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['fido2'],
    combinationConfigurations: [],
    createdAt: BUILT_IN_AT,
    modifiedAt: BUILT_IN_AT,
  },
  {
    id: PHISHING_RESISTANT_STRENGTH_ID,
    displayName: 'Phishing resistant MFA',
    description:
      'Phishing resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key',
    policyType: 'builtIn',
    requirementsSatisfied: 'mfa',
    allowedCombinations: ['fido2'],
    combinationConfigurations: [],
    createdAt: BUILT_IN_AT,
    modifiedAt: BUILT_IN_AT,
  },
] satisfies AuthenticationStrength[]);

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

export function isBuiltInStrengthId(id: string): boolean {
  return BUILT_IN_STRENGTHS.some((s) => s.id === id);
}

const MFA_COMBINATIONS: readonly string[] = BUILT_IN_STRENGTHS[0]?.allowedCombinations ?? [];

/**
 * The combinations a custom strength may allow (GET …/authenticationStrength/combinations), in Graph's order: the
 * multi-factor ones, then the single-factor `password` and `email`, and Signet's `password,email`.
 */
export const VALID_COMBINATIONS: readonly string[] = [...MFA_COMBINATIONS, 'password', 'email', 'password,email'];

export type CombinationParse = { ok: true; combination: string } | { ok: false; entry: string };

/** One combination as a client wrote it ("softwareOath, password") → normalized, or the entry refused. */
export function normalizeCombination(entry: string): CombinationParse {
  const parts = entry.split(',').map((p) => p.trim());
  if (parts.some((p) => !(MODE_ORDER as readonly string[]).includes(p))) return { ok: false, entry };
  const modes = [...new Set(parts as MethodMode[])];
  if (modes.length !== parts.length) return { ok: false, entry };
  const combination = modes.sort((a, b) => MODE_ORDER.indexOf(a) - MODE_ORDER.indexOf(b)).join(',');
  return VALID_COMBINATIONS.includes(combination) ? { ok: true, combination } : { ok: false, entry };
}

/** A list of combinations normalized and deduplicated (first occurrence's place), or the first entry refused. */
export function normalizeCombinations(
  entries: readonly string[],
): { ok: true; combinations: string[] } | { ok: false; entry: string } {
  const out: string[] = [];
  for (const e of entries) {
    const p = normalizeCombination(e);
    if (!p.ok) return p;
    if (!out.includes(p.combination)) out.push(p.combination);
  }
  return { ok: true, combinations: out };
}

/** Graph's requirementsSatisfied of a custom strength: mfa when every combination it allows is multi-factor. */
export function requirementsOf(combinations: readonly string[]): 'none' | 'mfa' {
  return combinations.length > 0 && combinations.every((c) => MFA_COMBINATIONS.includes(c)) ? 'mfa' : 'none';
}

/** What a user could still do in this sign-in: a method they have registered and the policy allows. */
export interface AvailableMethod {
  method: StepMethod;
  passkey?: PasskeyStepFacts;
  tap?: { oneTime: boolean };
}

export type StrengthEvaluation =
  | { satisfied: true; combination: string }
  | {
      satisfied: false;
      /** Graph's authenticationStrengthResult. */
      result:
        | 'singleChallengeRequired'
        | 'multipleChallengesRequired'
        | 'cannotSatisfyDueToCombinationConfiguration'
        | 'cannotSatisfy';
      /**
       * singleChallengeRequired: the methods one more step of which would satisfy the strength.
       * multipleChallengesRequired: the methods that would make a first step toward the combinations needing the
       * fewest more steps. Only from `available` when it is passed; empty when the strength cannot be satisfied.
       * In a fixed order, strongest first: passkey, temporaryAccessPass, softwareOath, email, password.
       */
      nextMethods: StepMethod[];
    };

const METHOD_ORDER: readonly StepMethod[] = ['passkey', 'temporaryAccessPass', 'softwareOath', 'email', 'password'];

const METHOD_OF_MODE: Record<MethodMode, StepMethod> = {
  fido2: 'passkey',
  temporaryAccessPassOneTime: 'temporaryAccessPass',
  temporaryAccessPassMultiUse: 'temporaryAccessPass',
  password: 'password',
  softwareOath: 'softwareOath',
  email: 'email',
};

export function methodOfMode(mode: MethodMode): StepMethod {
  return METHOD_OF_MODE[mode];
}

// A passkey whose facts are unknown is taken as synced, unattested, of no known model: never over-credited.
const UNKNOWN_PASSKEY: PasskeyStepFacts = { aaguid: '', type: 'synced', attestation: 'none' };

/** Whether a passkey meets one fido2 configuration of a strength. */
export function passkeyMeetsConfiguration(p: PasskeyStepFacts, c: Fido2CombinationConfiguration): boolean {
  if (c.allowedAAGUIDs.length > 0 && !c.allowedAAGUIDs.includes(p.aaguid.toLowerCase())) return false;
  if (c.allowedPasskeyTypes && c.allowedPasskeyTypes.length > 0 && !c.allowedPasskeyTypes.includes(p.type))
    return false;
  if (c.requireAttestation && p.attestation !== 'verified') return false;
  return true;
}

/** The modes a step provides (a passkey step provides fido2 only when it meets the strength's fido2 configurations). */
export function modesOfStep(step: SessionStep | AvailableMethod, s: AuthenticationStrength): MethodMode[] {
  switch (step.method) {
    case 'passkey': {
      const p = step.passkey ?? UNKNOWN_PASSKEY;
      return s.combinationConfigurations.every((c) => passkeyMeetsConfiguration(p, c)) ? ['fido2'] : [];
    }
    case 'temporaryAccessPass':
      // A pass of unknown mode is read as multi-use, the one a strength allowing only one-time passes refuses.
      return [step.tap?.oneTime ? 'temporaryAccessPassOneTime' : 'temporaryAccessPassMultiUse'];
    case 'password':
      return ['password'];
    case 'softwareOath':
      return ['softwareOath'];
    case 'email':
      return ['email'];
  }
}

function modesOf(items: readonly (SessionStep | AvailableMethod)[], s: AuthenticationStrength): Set<MethodMode> {
  const out = new Set<MethodMode>();
  for (const i of items) for (const m of modesOfStep(i, s)) out.add(m);
  return out;
}

function sortedMethods(modes: Iterable<MethodMode>): StepMethod[] {
  const methods = new Set([...modes].map(methodOfMode));
  return METHOD_ORDER.filter((m) => methods.has(m));
}

/** Whether the session's steps satisfy the strength; the caller passes only the steps fresh enough to count. */
export function evaluateStrength(
  s: AuthenticationStrength,
  steps: readonly SessionStep[],
  available?: readonly AvailableMethod[],
): StrengthEvaluation {
  const done = modesOf(steps, s);
  const combos = s.allowedCombinations.map((c) => ({ combination: c, modes: c.split(',') as MethodMode[] }));
  for (const c of combos) if (c.modes.every((m) => done.has(m))) return { satisfied: true, combination: c.combination };

  const can = available ? modesOf(available, s) : null;
  // The modes each combination still lacks, for the combinations the user can still complete.
  const missing = combos
    .map((c) => c.modes.filter((m) => !done.has(m)))
    .filter((lack) => can === null || lack.every((m) => can.has(m)));
  if (missing.length > 0) {
    const fewest = Math.min(...missing.map((lack) => lack.length));
    const next = missing.filter((lack) => lack.length === fewest).flat();
    return {
      satisfied: false,
      result: fewest === 1 ? 'singleChallengeRequired' : 'multipleChallengesRequired',
      nextMethods: sortedMethods(next),
    };
  }
  // Nothing available completes a combination: say whether a passkey would have, but for the configurations.
  const relaxed: AuthenticationStrength = { ...s, combinationConfigurations: [] };
  const doneRelaxed = modesOf(steps, relaxed);
  const canRelaxed = modesOf(available ?? [], relaxed);
  const blockedByConfiguration = combos.some(
    (c) => c.modes.includes('fido2') && c.modes.every((m) => doneRelaxed.has(m) || canRelaxed.has(m)),
  );
  return {
    satisfied: false,
    result: blockedByConfiguration ? 'cannotSatisfyDueToCombinationConfiguration' : 'cannotSatisfy',
    nextMethods: [],
  };
}

/** Of `strengths`, the ids the steps satisfy (for the token's acr). */
export function satisfiedStrengths(
  strengths: readonly AuthenticationStrength[],
  steps: readonly SessionStep[],
): string[] {
  return strengths.filter((s) => evaluateStrength(s, steps).satisfied).map((s) => s.id);
}
