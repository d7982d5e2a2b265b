// What an authorization request gets from a signed-in session: the app's answer, one more step (and which methods
// may give it), or a refusal. One pure decision over what Conditional Access left unmet, what the app asked for
// (acr_values, an essential acr, authentication contexts, prompt=login and max_age as a freshness bound), the
// session's steps and what the user could still do. The sign-in pages and the OIDC provider both act on it.

import type { PolicyResult, Requirement } from './conditional-access.ts';
import type { ErrorCode } from './errors.ts';
import { amrOf, authTimeOf, type SessionStep, type StepMethod } from './session-steps.ts';
import {
  type AuthenticationStrength,
  type AvailableMethod,
  evaluateStrength,
  MFA_STRENGTH_ID,
  PASSWORDLESS_MFA_STRENGTH_ID,
  PHISHING_RESISTANT_STRENGTH_ID,
} from './strengths.ts';

/** OpenID EAP ACR values (openid-eap-acr-values 1.0): phishing-resistant, and phishing-resistant hardware-protected. */
export const ACR_PHR = 'phr';
export const ACR_PHRH = 'phrh';

/** What the app's request asks of the session, beyond Conditional Access. */
export interface AppRequest {
  /** acr values (acr_values, or the `claims` parameter's acr values), in the app's order of preference. */
  acrValues: readonly string[];
  /** The acr was asked for as an essential claim: an unknown value is refused rather than ignored. */
  acrEssential: boolean;
  /** Authentication contexts (c1..c99) the app asked for. */
  authenticationContexts: readonly string[];
  /** Steps older than this do not count for this request (prompt=login: its start; max_age: now − max_age). */
  freshSince: number | null;
}

export type InteractionDecision =
  | {
      kind: 'finish';
      /** The acr for the tokens: the first requested value met, else the strength met, else undefined. */
      acr: string | undefined;
      amr: string[];
      /** The authentication contexts asked for, all met. */
      acrs: string[];
      /** Epoch milliseconds. */
      authTime: number;
      /** The strengths the session met, for the sign-in log. */
      satisfied: AuthenticationStrength[];
    }
  | {
      kind: 'stepUp';
      /** The methods that can give the missing step, strongest first: the page offers these and nothing else. */
      offer: StepMethod[];
      /** What is missing, for the page and the log (one strength per requirement not met). */
      needs: AuthenticationStrength[];
    }
  | { kind: 'block'; code: ErrorCode; detail: Record<string, string>; needs: AuthenticationStrength[] };

const builtIn = (strengths: ReadonlyMap<string, AuthenticationStrength>, id: string) => strengths.get(id);

/**
 * The strength an acr value names: `phr` is the built-in phishing-resistant MFA; `phrh` the same with a passkey
 * that cannot leave its authenticator (device-bound); otherwise a strength's id. Undefined for an unknown value.
 */
export function strengthOfAcr(
  value: string,
  strengths: ReadonlyMap<string, AuthenticationStrength>,
): AuthenticationStrength | undefined {
  const phr = builtIn(strengths, PHISHING_RESISTANT_STRENGTH_ID);
  if (value === ACR_PHR) return phr && { ...phr, id: ACR_PHR };
  if (value === ACR_PHRH)
    return (
      phr && {
        ...phr,
        id: ACR_PHRH,
        displayName: 'Phishing resistant MFA, hardware-bound',
        combinationConfigurations: [
          { id: ACR_PHRH, appliesToCombinations: ['fido2'], allowedAAGUIDs: [], allowedPasskeyTypes: ['deviceBound'] },
        ],
      }
    );
  return strengths.get(value.toLowerCase());
}

const laterOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
const freshFrom = (steps: readonly SessionStep[], since: number | null) =>
  since === null ? steps : steps.filter((s) => s.at >= since);

const METHOD_ORDER: readonly StepMethod[] = ['passkey', 'temporaryAccessPass', 'softwareOath', 'email', 'password'];

export function decideInteraction(i: {
  unmet: readonly Requirement[];
  results: readonly PolicyResult[];
  request: AppRequest;
  strengths: ReadonlyMap<string, AuthenticationStrength>;
  steps: readonly SessionStep[];
  available: readonly AvailableMethod[];
}): InteractionDecision {
  const counted = freshFrom(i.steps, i.request.freshSince);
  const blocking = i.unmet.find((r) => r.block);
  if (blocking)
    return { kind: 'block', code: 'CA_ACCESS_BLOCKED', detail: { policy: blocking.displayName }, needs: [] };

  const requested = i.request.acrValues.map((v) => strengthOfAcr(v, i.strengths));
  const known = requested.filter((s): s is AuthenticationStrength => s !== undefined);
  if (i.request.acrEssential && i.request.acrValues.length > 0 && known.length === 0)
    return {
      kind: 'block',
      code: 'OIDC_ACR_UNSUPPORTED',
      detail: { acr: i.request.acrValues.join(' ').slice(0, 200) },
      needs: [],
    };
  const requirements: Requirement[] = i.unmet.map((r) => ({
    ...r,
    freshSince: laterOf(r.freshSince, i.request.freshSince),
  }));
  if (known.length > 0)
    requirements.push({
      policyId: 'acr_values',
      displayName: known[0]!.displayName,
      reportOnly: false,
      block: false,
      anyOf: known,
      freshSince: i.request.freshSince,
    });

  const missing = requirements.filter((r) => !met(r, i.steps));
  if (missing.length === 0) {
    const satisfied = satisfiedOf(i, counted);
    const firstAsked = known.find((s) => evaluateStrength(s, counted).satisfied);
    return {
      kind: 'finish',
      acr: firstAsked?.id ?? satisfied[0]?.id,
      amr: amrOf(counted),
      acrs: [...i.request.authenticationContexts],
      authTime: authTimeOf(counted),
      satisfied,
    };
  }

  const needs = missing.map((r) => r.anyOf[0]).filter((s): s is AuthenticationStrength => s !== undefined);
  const candidates = missing.map((r) => methodsFor(r, i.steps, i.available));
  const impossible = missing.findIndex((_, k) => candidates[k]!.methods.length === 0);
  if (impossible >= 0) {
    const r = missing[impossible]!;
    return {
      kind: 'block',
      code: candidates[impossible]!.byConfiguration ? 'CA_PASSKEY_MODEL_NOT_ALLOWED' : 'CA_STRENGTH_CANNOT_SATISFY',
      detail: { policy: r.displayName, strength: r.anyOf.map((s) => s.displayName).join(' or ') || 'a new sign-in' },
      needs,
    };
  }
  // Methods that move every missing requirement forward at once, else those of the first.
  const all = candidates.map((c) => new Set(c.methods));
  const common = METHOD_ORDER.filter((m) => all.every((s) => s.has(m)));
  return { kind: 'stepUp', offer: common.length > 0 ? common : candidates[0]!.methods, needs };
}

function met(r: Requirement, steps: readonly SessionStep[]): boolean {
  const fresh = freshFrom(steps, r.freshSince);
  if (r.block) return false;
  if (r.anyOf.length === 0) return r.freshSince === null || fresh.length > 0;
  return r.anyOf.some((s) => evaluateStrength(s, fresh).satisfied);
}

/** The methods one more step of which moves the requirement forward, from what the user has. */
function methodsFor(
  r: Requirement,
  steps: readonly SessionStep[],
  available: readonly AvailableMethod[],
): { methods: StepMethod[]; byConfiguration: boolean } {
  // Only a fresh sign-in is asked for: any method the user has will do.
  if (r.anyOf.length === 0)
    return { methods: METHOD_ORDER.filter((m) => available.some((a) => a.method === m)), byConfiguration: false };
  const fresh = freshFrom(steps, r.freshSince);
  const methods = new Set<StepMethod>();
  let byConfiguration = false;
  for (const s of r.anyOf) {
    const e = evaluateStrength(s, fresh, available);
    if (!e.satisfied) {
      for (const m of e.nextMethods) methods.add(m);
      if (e.result === 'cannotSatisfyDueToCombinationConfiguration') byConfiguration = true;
    }
  }
  return {
    methods: METHOD_ORDER.filter((m) => methods.has(m)),
    byConfiguration: methods.size === 0 && byConfiguration,
  };
}

/**
 * The strengths the session met, strongest first: those the enforced policies asked for, then the built-ins
 * (phishing-resistant, passwordless, MFA), for the acr and the sign-in log.
 */
function satisfiedOf(
  i: { results: readonly PolicyResult[]; strengths: ReadonlyMap<string, AuthenticationStrength> },
  counted: readonly SessionStep[],
): AuthenticationStrength[] {
  const out = new Map<string, AuthenticationStrength>();
  for (const r of i.results)
    if (r.result === 'success' && r.requirement)
      for (const s of r.requirement.anyOf) if (evaluateStrength(s, counted).satisfied) out.set(s.id, s);
  for (const id of [PHISHING_RESISTANT_STRENGTH_ID, PASSWORDLESS_MFA_STRENGTH_ID, MFA_STRENGTH_ID]) {
    const s = i.strengths.get(id);
    if (s && !out.has(id) && evaluateStrength(s, counted).satisfied) out.set(id, s);
  }
  return [...out.values()];
}
