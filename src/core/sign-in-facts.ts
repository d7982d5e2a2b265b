// What a sign-in log entry says about how the sign-in was decided (issue 9, "Sign-in log"): the steps taken, the
// Conditional Access policies applied and their results, the strengths required and met. The interaction decision
// builds these facts; flows/record-sign-in.ts stores them as JSON in sign_ins.conditional_access; core/graph-sign-in.ts
// reads them back as Graph's signIn fields. Stored rows outlive code versions, so reading is defensive: a value that
// is not what this version writes is dropped, never thrown on (a log read must not fail on an old row).
import type { PasskeyType, SessionStep, StepMethod } from './session-steps.ts';

/** One authentication step of the sign-in (Graph authenticationDetail, before the display strings). */
export interface AuthenticationStepFact {
  method: StepMethod;
  at: number;
  succeeded: boolean;
  /** e.g. a passkey's model name and AAGUID ("YubiKey 5 NFC - ee882879-…"), a masked email address. */
  detail: string | null;
  /** e.g. "Correct password", "Previously satisfied", or the catalogue code's message on failure. */
  resultDetail: string | null;
  /** "Primary authentication", "Multifactor authentication", or the required strength's name. */
  requirement: string | null;
  /** A passkey step: whether the passkey is device-bound or synced (the log names the two apart). */
  passkeyType?: PasskeyType;
}

export interface SignInConditionalAccessFacts {
  authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  steps: AuthenticationStepFact[];
  /** Graph appliedConditionalAccessPolicy objects, as C's toAppliedConditionalAccessPolicy makes them. */
  appliedConditionalAccessPolicies: Record<string, unknown>[];
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  authenticationContextClassReferences: { id: string; detail: 'required' | 'previouslySatisfied' | 'notApplicable' }[];
  /** Signet's, beyond Graph: the strengths the sign-in had to meet, and those its session met. */
  strengthsRequired: { id: string; displayName: string }[];
  strengthsSatisfied: { id: string; displayName: string }[];
}

/** A session's step as the log's step: its method, time and (for a passkey) type; the rest as the caller says. */
export function stepFactOf(
  s: SessionStep,
  o: Partial<Pick<AuthenticationStepFact, 'succeeded' | 'detail' | 'resultDetail' | 'requirement'>> = {},
): AuthenticationStepFact {
  return {
    method: s.method,
    at: s.at,
    succeeded: o.succeeded ?? true,
    detail: o.detail ?? null,
    resultDetail: o.resultDetail ?? null,
    requirement: o.requirement ?? null,
    ...(s.passkey ? { passkeyType: s.passkey.type } : {}),
  };
}

/** A passkey step's detail as Entra writes it: "<model> - <AAGUID>" ("Passkey" when the model is not known). */
export const passkeyMethodDetail = (model: string | null | undefined, aaguid: string) =>
  `${model || 'Passkey'} - ${aaguid}`;

const STEP_METHODS: readonly string[] = ['passkey', 'password', 'temporaryAccessPass', 'softwareOath', 'email'];
const REQUIREMENTS: readonly string[] = ['singleFactorAuthentication', 'multiFactorAuthentication'];
const STATUSES: readonly string[] = ['success', 'failure', 'notApplied'];
const CONTEXT_DETAILS: readonly string[] = ['required', 'previouslySatisfied', 'notApplicable'];

/**
 * The facts as stored: one JSON text, so the insert stays one statement. conditionalAccessStatus comes first, so
 * store/log-query.ts filters on it by the text's prefix (STATUS_PREFIX), the same SQL on both engines.
 */
export function serializeSignInFacts(f: SignInConditionalAccessFacts): string {
  return JSON.stringify({
    conditionalAccessStatus: f.conditionalAccessStatus,
    authenticationRequirement: f.authenticationRequirement,
    steps: f.steps,
    appliedConditionalAccessPolicies: f.appliedConditionalAccessPolicies,
    authenticationContextClassReferences: f.authenticationContextClassReferences,
    strengthsRequired: f.strengthsRequired,
    strengthsSatisfied: f.strengthsSatisfied,
  });
}

/** How a stored text with this status begins (see serializeSignInFacts). */
export const statusPrefix = (status: SignInConditionalAccessFacts['conditionalAccessStatus']) =>
  `{"conditionalAccessStatus":${JSON.stringify(status)},`;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function stepOf(v: unknown): AuthenticationStepFact | null {
  if (!isObject(v) || typeof v.method !== 'string' || !STEP_METHODS.includes(v.method)) return null;
  if (typeof v.at !== 'number' || !Number.isFinite(v.at)) return null;
  return {
    method: v.method as StepMethod,
    at: v.at,
    succeeded: v.succeeded === true,
    detail: strOrNull(v.detail),
    resultDetail: strOrNull(v.resultDetail),
    requirement: strOrNull(v.requirement),
    ...(v.passkeyType === 'deviceBound' || v.passkeyType === 'synced' ? { passkeyType: v.passkeyType } : {}),
  };
}

function strengthsOf(v: unknown): { id: string; displayName: string }[] {
  return list(v).flatMap((s) =>
    isObject(s) && typeof s.id === 'string' ? [{ id: s.id, displayName: strOrNull(s.displayName) ?? s.id }] : [],
  );
}

/** The stored facts read back; null for a row without facts (written before 0018, or by a path that has none). */
export function parseSignInFacts(stored: string | null): SignInConditionalAccessFacts | null {
  if (stored === null || stored === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(stored);
  } catch {
    return null;
  }
  if (!isObject(v)) return null;
  const steps = list(v.steps).flatMap((s) => {
    const step = stepOf(s);
    return step ? [step] : [];
  });
  return {
    authenticationRequirement: REQUIREMENTS.includes(v.authenticationRequirement as string)
      ? (v.authenticationRequirement as SignInConditionalAccessFacts['authenticationRequirement'])
      : 'singleFactorAuthentication',
    steps,
    appliedConditionalAccessPolicies: list(v.appliedConditionalAccessPolicies).filter(isObject),
    conditionalAccessStatus: STATUSES.includes(v.conditionalAccessStatus as string)
      ? (v.conditionalAccessStatus as SignInConditionalAccessFacts['conditionalAccessStatus'])
      : 'notApplied',
    authenticationContextClassReferences: list(v.authenticationContextClassReferences).flatMap((c) =>
      isObject(c) && typeof c.id === 'string'
        ? [
            {
              id: c.id,
              detail: CONTEXT_DETAILS.includes(c.detail as string)
                ? (c.detail as 'required' | 'previouslySatisfied' | 'notApplicable')
                : 'notApplicable',
            },
          ]
        : [],
    ),
    strengthsRequired: strengthsOf(v.strengthsRequired),
    strengthsSatisfied: strengthsOf(v.strengthsSatisfied),
  };
}
