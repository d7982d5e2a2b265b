// Conditional Access: every policy judged for one sign-in — whether it applies (ca-conditions.ts), what its grant
// and session controls require (one of some strengths, from steps fresh enough), whether the session's steps meet
// that, and what the enforced ones still need. The sign-in path, What If (the Graph evaluate API and `signet ca
// whatif`) and the sign-in log's appliedConditionalAccessPolicies are all this one function. Pure.
import { judgeConditions, prepareContext, type RuleSatisfied } from './ca-conditions.ts';
import type { NamedLocation } from './named-locations.ts';
import type { SessionStep } from './session-steps.ts';
import {
  type AuthenticationStrength,
  type AvailableMethod,
  evaluateStrength,
  MFA_STRENGTH_ID,
  type StrengthEvaluation,
} from './strengths.ts';

export type { NamedLocation } from './named-locations.ts';

export type CaState = 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
export type ClientAppType = 'all' | 'browser' | 'mobileAppsAndDesktopClients';

export interface CaPolicy {
  id: string;
  displayName: string;
  state: CaState;
  conditions: {
    users: {
      includeUsers: string[];
      excludeUsers: string[];
      includeGroups: string[];
      excludeGroups: string[];
      includeRoles: string[];
      excludeRoles: string[];
    };
    applications: {
      includeApplications: string[];
      excludeApplications: string[];
      includeAuthenticationContextClassReferences: string[];
      includeUserActions: string[];
    };
    clientAppTypes: ClientAppType[];
    locations: { includeLocations: string[]; excludeLocations: string[] } | null;
  };
  grantControls: {
    operator: 'AND' | 'OR';
    builtInControls: ('block' | 'mfa')[];
    authenticationStrengthId: string | null;
  } | null;
  sessionControls: {
    signInFrequency: {
      isEnabled: boolean;
      frequencyInterval: 'timeBased' | 'everyTime';
      type: 'hours' | 'days' | null;
      value: number | null;
    } | null;
  } | null;
  createdAt: number;
  modifiedAt: number | null;
}

export interface SignInContext {
  /** groupIds: transitive, lower case (as signInContextFor gives them). */
  user: { id: string; groupIds: readonly string[]; roleTemplateIds: readonly string[] };
  /** The app's client id; null for a sign-in to Signet's own pages (account page). */
  appId: string | null;
  /** Authentication contexts (c1..c99) asked for by the app. */
  authenticationContexts: readonly string[];
  /** 'registerSecurityInformation' when the user is registering a method (the account page), else null. */
  userAction: string | null;
  clientAppType: 'browser' | 'mobileAppsAndDesktopClients';
  ip: string | null;
  namedLocations: readonly NamedLocation[];
  now: number;
  /** When the app's authorization request began (signInFrequency everyTime), epoch ms. */
  requestStartedAt: number;
}

/** What one applying, enforced-or-report-only policy needs: one of these strengths, from steps at or after freshSince. */
export interface Requirement {
  policyId: string;
  displayName: string;
  reportOnly: boolean;
  block: boolean;
  /** 'mfa' becomes the built-in MFA strength; an empty list with freshSince set = any fresh sign-in. */
  anyOf: AuthenticationStrength[];
  freshSince: number | null;
}

export type PolicyResultValue =
  | 'success'
  | 'failure'
  | 'notApplied'
  | 'notEnabled'
  | 'reportOnlySuccess'
  | 'reportOnlyFailure'
  | 'reportOnlyNotApplied';

export interface PolicyResult {
  policy: CaPolicy;
  applies: boolean;
  /** Graph whatIfAnalysisReasons when it does not apply; [] when it applies. */
  analysisReasons: string[];
  conditionsSatisfied: string[];
  conditionsNotSatisfied: string[];
  includeRulesSatisfied: RuleSatisfied[];
  excludeRulesSatisfied: RuleSatisfied[];
  /** Graph appliedConditionalAccessPolicy result. */
  result: PolicyResultValue;
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  requirement: Requirement | null;
  /** The strength evaluation of the policy's grant against the (fresh) steps, when it applies and has one. */
  strength?: { id: string; displayName: string; evaluation: StrengthEvaluation };
  /** The grant names a strength the tenant does not have: the policy fails closed, as a block would. */
  unknownStrengthId?: string;
}

const HOUR_MS = 3_600_000;

/** The earliest time a step may be from to count for the policy (signInFrequency), or null for any time. */
export function freshSinceOf(p: CaPolicy, c: Pick<SignInContext, 'now' | 'requestStartedAt'>): number | null {
  const f = p.sessionControls?.signInFrequency;
  if (!f?.isEnabled) return null;
  if (f.frequencyInterval === 'everyTime') return c.requestStartedAt;
  if (f.value === null || f.type === null) return null;
  return c.now - f.value * (f.type === 'days' ? 24 * HOUR_MS : HOUR_MS);
}

/** Graph's names of the controls, as Entra's sign-in log lists them. */
function grantControlNames(p: CaPolicy): string[] {
  const g = p.grantControls;
  if (!g) return [];
  const names: string[] = [];
  if (g.builtInControls.includes('block')) names.push('Block');
  if (g.builtInControls.includes('mfa')) names.push('Mfa');
  if (g.authenticationStrengthId !== null) names.push('RequireAuthenticationStrength');
  return names;
}
const sessionControlNames = (p: CaPolicy) => (p.sessionControls?.signInFrequency?.isEnabled ? ['SignInFrequency'] : []);

// The names depend on the policy alone: made once per policy object (policies are values, see ca-conditions.ts).
const controlNames = new WeakMap<CaPolicy, { grant: string[]; session: string[] }>();
function controlNamesOf(p: CaPolicy): { grant: string[]; session: string[] } {
  let n = controlNames.get(p);
  if (!n) {
    n = { grant: grantControlNames(p), session: sessionControlNames(p) };
    controlNames.set(p, n);
  }
  return n;
}

interface Grant {
  block: boolean;
  anyOf: AuthenticationStrength[];
  /** Set when the grant names a strength the tenant does not have. */
  unknownStrengthId?: string;
}

/**
 * What the grant asks for. `mfa` is the built-in MFA strength. Entra refuses `mfa` with a strength in one policy
 * (so does the schema); a stored document holding both counts the strength alone, since it replaces `mfa`. With
 * one control left, AND and OR are the same. A strength id the tenant does not have fails closed, as a block.
 */
function grantOf(p: CaPolicy, strengths: ReadonlyMap<string, AuthenticationStrength>): Grant {
  const g = p.grantControls;
  if (!g) return { block: false, anyOf: [] };
  if (g.builtInControls.includes('block')) return { block: true, anyOf: [] };
  if (g.authenticationStrengthId !== null) {
    const s = strengths.get(g.authenticationStrengthId) ?? strengths.get(g.authenticationStrengthId.toLowerCase());
    return s ? { block: false, anyOf: [s] } : { block: true, anyOf: [], unknownStrengthId: g.authenticationStrengthId };
  }
  if (g.builtInControls.includes('mfa')) {
    const mfa = strengths.get(MFA_STRENGTH_ID);
    return mfa ? { block: false, anyOf: [mfa] } : { block: true, anyOf: [], unknownStrengthId: MFA_STRENGTH_ID };
  }
  return { block: false, anyOf: [] };
}

function hasControls(grant: Grant, freshSince: number | null): boolean {
  return grant.block || grant.anyOf.length > 0 || freshSince !== null || grant.unknownStrengthId !== undefined;
}

/** Every policy judged for this sign-in: which apply, which are met by the steps, and what the enforced ones still need. */
export function evaluateConditionalAccess(
  policies: readonly CaPolicy[],
  c: SignInContext,
  strengths: ReadonlyMap<string, AuthenticationStrength>,
  steps: readonly SessionStep[],
  available?: readonly AvailableMethod[],
): { results: PolicyResult[]; unmet: Requirement[] } {
  const prepared = prepareContext(c, policies);
  const results: PolicyResult[] = [];
  const unmet: Requirement[] = [];
  // Many policies ask for the same strength with the same freshness: each pair is evaluated once per call.
  const evaluations = new Map<AuthenticationStrength, Map<number | null, StrengthEvaluation>>();
  const evaluate = (s: AuthenticationStrength, freshSince: number | null, fresh: readonly SessionStep[]) => {
    let byFreshness = evaluations.get(s);
    if (!byFreshness) {
      byFreshness = new Map();
      evaluations.set(s, byFreshness);
    }
    let e = byFreshness.get(freshSince);
    if (!e) {
      e = evaluateStrength(s, fresh, available);
      byFreshness.set(freshSince, e);
    }
    return e;
  };
  for (const policy of policies) {
    const names = controlNamesOf(policy);
    if (policy.state === 'disabled') {
      results.push({
        policy,
        applies: false,
        analysisReasons: ['policyNotEnabled'],
        conditionsSatisfied: [],
        conditionsNotSatisfied: [],
        includeRulesSatisfied: [],
        excludeRulesSatisfied: [],
        result: 'notEnabled',
        enforcedGrantControls: names.grant,
        enforcedSessionControls: names.session,
        requirement: null,
      });
      continue;
    }
    const reportOnly = policy.state === 'enabledForReportingButNotEnforced';
    const judged = judgeConditions(policy, prepared);
    const r: PolicyResult = {
      policy,
      applies: judged.applies,
      analysisReasons: judged.analysisReasons,
      conditionsSatisfied: judged.conditionsSatisfied,
      conditionsNotSatisfied: judged.conditionsNotSatisfied,
      includeRulesSatisfied: judged.includeRulesSatisfied,
      excludeRulesSatisfied: judged.excludeRulesSatisfied,
      result: reportOnly ? 'reportOnlyNotApplied' : 'notApplied',
      enforcedGrantControls: names.grant,
      enforcedSessionControls: names.session,
      requirement: null,
    };
    results.push(r);
    if (!judged.applies) continue;
    const grant = grantOf(policy, strengths);
    const freshSince = freshSinceOf(policy, c);
    const fresh = freshSince === null ? steps : steps.filter((s) => s.at >= freshSince);
    const strength = strengthOf(grant, (s) => evaluate(s, freshSince, fresh));
    if (strength.strength) r.strength = strength.strength;
    if (strength.unknownStrengthId !== undefined) r.unknownStrengthId = strength.unknownStrengthId;
    const requirement: Requirement | null = hasControls(grant, freshSince)
      ? {
          policyId: policy.id,
          displayName: policy.displayName,
          reportOnly,
          block: grant.block,
          anyOf: grant.anyOf,
          freshSince,
        }
      : null;
    const met =
      requirement === null ||
      (!requirement.block &&
        (requirement.anyOf.length === 0
          ? freshSince === null || fresh.length > 0
          : requirement.anyOf.some((x) => evaluate(x, freshSince, fresh).satisfied)));
    r.requirement = requirement;
    r.result = reportOnly ? (met ? 'reportOnlySuccess' : 'reportOnlyFailure') : met ? 'success' : 'failure';
    if (!met && !reportOnly && requirement) unmet.push(requirement);
  }
  return { results, unmet };
}

function strengthOf(
  grant: Grant,
  evaluate: (s: AuthenticationStrength) => StrengthEvaluation,
): Pick<PolicyResult, 'strength' | 'unknownStrengthId'> {
  if (grant.unknownStrengthId !== undefined)
    return {
      unknownStrengthId: grant.unknownStrengthId,
      strength: {
        id: grant.unknownStrengthId,
        displayName: '',
        evaluation: { satisfied: false, result: 'cannotSatisfy', nextMethods: [] },
      },
    };
  const s = grant.anyOf[0];
  if (!s) return {};
  return { strength: { id: s.id, displayName: s.displayName, evaluation: evaluate(s) } };
}

/** Whether the (fresh) steps meet a requirement: never for a block; any fresh step when no strength is named. */
export function meets(r: Requirement, steps: readonly SessionStep[]): boolean {
  if (r.block) return false;
  const since = r.freshSince;
  const fresh = since === null ? steps : steps.filter((s) => s.at >= since);
  if (r.anyOf.length === 0) return since === null || fresh.length > 0;
  return r.anyOf.some((s) => evaluateStrength(s, fresh).satisfied);
}

export interface WhatIfResult {
  policy: CaPolicy;
  policyApplies: boolean;
  /** Graph whatIfAnalysisReasons; [] when the policy applies (Graph answers `notSet`). */
  analysisReasons: string[];
  /** What the policy requires of this sign-in when it applies (block, strengths, freshness). */
  requirement: Requirement | null;
}

/**
 * Graph's whatIfAnalysisResult per policy: which apply and why the others do not, and what each requires — not
 * whether a session meets it (so no steps are taken). `appliedPoliciesOnly` keeps the applying ones.
 */
export function whatIf(
  policies: readonly CaPolicy[],
  c: SignInContext,
  strengths: ReadonlyMap<string, AuthenticationStrength>,
  appliedPoliciesOnly: boolean,
): WhatIfResult[] {
  const { results } = evaluateConditionalAccess(policies, c, strengths, []);
  return results
    .map((r) => ({
      policy: r.policy,
      policyApplies: r.applies,
      analysisReasons: r.analysisReasons,
      requirement: r.requirement,
    }))
    .filter((r) => !appliedPoliciesOnly || r.policyApplies);
}

/** The appliedConditionalAccessPolicy object of Graph's signIn (graph.md §6.1) for one result. */
export function toAppliedConditionalAccessPolicy(r: PolicyResult): Record<string, unknown> {
  const flags = (xs: readonly string[]) => (xs.length ? xs.join(',') : 'none');
  const out: Record<string, unknown> = {
    id: r.policy.id,
    displayName: r.policy.displayName,
    enforcedGrantControls: r.enforcedGrantControls,
    enforcedSessionControls: r.enforcedSessionControls,
    result: r.result,
    conditionsSatisfied: flags(r.conditionsSatisfied),
    conditionsNotSatisfied: flags(r.conditionsNotSatisfied),
    includeRulesSatisfied: r.includeRulesSatisfied,
    excludeRulesSatisfied: r.excludeRulesSatisfied,
  };
  if (r.strength)
    out.authenticationStrength = {
      authenticationStrengthId: r.strength.id,
      displayName: r.strength.displayName,
      authenticationStrengthResult: r.strength.evaluation.satisfied ? 'satisfied' : r.strength.evaluation.result,
    };
  return out;
}
