// Whether a Conditional Access policy's conditions hold for one sign-in: users, applications (or authentication
// contexts, or user actions), client app types and named locations — each judged on its own, so What If and the
// sign-in log can say which held and which did not (Graph's conditionsSatisfied / analysisReasons). Pure.
//
// This runs on every authorization request over every policy (200 of them, a user in 1,000 groups): a policy's
// lists are compiled once per policy object (lower case, as sets), the sign-in's facts once per request.
// Policies are values: one is not changed after it has been judged (the cached snapshot gives new objects).
import type { CaPolicy, SignInContext } from './conditional-access.ts';
import { locationsOf } from './named-locations.ts';

export interface RuleSatisfied {
  conditionalAccessCondition: string;
  ruleSatisfied: string;
}

export interface ConditionsJudged {
  applies: boolean;
  /** Graph whatIfAnalysisReasons of the conditions that do not hold. */
  analysisReasons: string[];
  /** Graph conditionalAccessConditions flags. */
  conditionsSatisfied: string[];
  conditionsNotSatisfied: string[];
  includeRulesSatisfied: RuleSatisfied[];
  excludeRulesSatisfied: RuleSatisfied[];
}

/** Graph's user action, as a policy names it, for the SignInContext's userAction. */
export const USER_ACTIONS: Readonly<Record<string, string>> = {
  registerSecurityInformation: 'urn:user:registersecurityinfo',
};

/** The context's user and address prepared once for many policies. */
export interface PreparedContext {
  c: SignInContext;
  userId: string;
  appId: string | null;
  groups: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  contexts: ReadonlySet<string>;
  action: string | undefined;
  /** Named location ids (lower case) holding the client address, and whether one of them is trusted. */
  locations: ReadonlySet<string>;
  inTrusted: boolean;
}

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

// The group ids any of the policies names, made once per policies list (the cached snapshot keeps the same list).
const namedGroups = new WeakMap<readonly CaPolicy[], ReadonlySet<string>>();
function groupsNamedBy(policies: readonly CaPolicy[]): ReadonlySet<string> {
  let named = namedGroups.get(policies);
  if (!named) {
    const all = new Set<string>();
    for (const p of policies)
      for (const g of [...p.conditions.users.includeGroups, ...p.conditions.users.excludeGroups])
        all.add(g.toLowerCase());
    named = all;
    namedGroups.set(policies, named);
  }
  return named;
}

function groupsOfUserNamed(groupIds: readonly string[], named: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const g of groupIds) if (named.has(g)) out.add(g);
  return out;
}

/**
 * `policies`, when given, narrows the user's groups to those some policy names: a user may be in thousands of
 * groups and policies name a few dozen.
 */
export function prepareContext(c: SignInContext, policies?: readonly CaPolicy[]): PreparedContext {
  const locations = locationsOf(c.namedLocations, c.ip);
  const trusted = c.namedLocations.some((l) => l.isTrusted && locations.has(l.id.toLowerCase()));
  return {
    c,
    userId: c.user.id.toLowerCase(),
    appId: c.appId?.toLowerCase() ?? null,
    // Their ids come lower-case (signInContextFor reads them so), not lower-cased here on every request.
    groups: policies ? groupsOfUserNamed(c.user.groupIds, groupsNamedBy(policies)) : new Set(c.user.groupIds),
    roles: new Set(lower(c.user.roleTemplateIds)),
    contexts: new Set(lower(c.authenticationContexts)),
    action: c.userAction === null ? undefined : USER_ACTIONS[c.userAction],
    locations,
    inTrusted: trusted,
  };
}

interface UserRules {
  all: boolean;
  ids: ReadonlySet<string>;
  groups: readonly string[];
  roles: readonly string[];
}
interface LocationRules {
  all: boolean;
  trusted: boolean;
  ids: readonly string[];
}
interface Compiled {
  include: UserRules;
  exclude: UserRules;
  target: 'contexts' | 'actions' | 'apps';
  contexts: readonly string[];
  actions: ReadonlySet<string>;
  allApps: boolean;
  apps: ReadonlySet<string>;
  excludedApps: ReadonlySet<string>;
  /** null: every client type. */
  clientTypes: ReadonlySet<string> | null;
  /** null: no location condition. */
  locations: { include: LocationRules; exclude: LocationRules } | null;
}

/**
 * `All` is everyone; `None` nobody; `GuestsOrExternalUsers` nobody, since Signet has no guest or external users:
 * every user is a member of the tenant.
 */
function userRules(
  users: readonly string[],
  groups: readonly string[],
  roles: readonly string[],
  withAll: boolean,
): UserRules {
  const ids = lower(users);
  return { all: withAll && ids.includes('all'), ids: new Set(ids), groups: lower(groups), roles: lower(roles) };
}
function locationRules(ids: readonly string[], emptyIsAll: boolean): LocationRules {
  const l = lower(ids);
  return { all: l.includes('all') || (emptyIsAll && l.length === 0), trusted: l.includes('alltrusted'), ids: l };
}

const compiledPolicies = new WeakMap<CaPolicy, Compiled>();
function compile(policy: CaPolicy): Compiled {
  const hit = compiledPolicies.get(policy);
  if (hit) return hit;
  const u = policy.conditions.users;
  const a = policy.conditions.applications;
  const types = policy.conditions.clientAppTypes;
  const loc = policy.conditions.locations;
  const include = lower(a.includeApplications);
  const compiled: Compiled = {
    include: userRules(u.includeUsers, u.includeGroups, u.includeRoles, true),
    exclude: userRules(u.excludeUsers, u.excludeGroups, u.excludeRoles, false),
    target:
      a.includeAuthenticationContextClassReferences.length > 0
        ? 'contexts'
        : a.includeUserActions.length > 0
          ? 'actions'
          : 'apps',
    contexts: lower(a.includeAuthenticationContextClassReferences),
    actions: new Set(lower(a.includeUserActions)),
    allApps: include.includes('all'),
    apps: new Set(include),
    excludedApps: new Set(lower(a.excludeApplications)),
    // No client app types named is every client, as Entra's "Not configured".
    clientTypes: types.length === 0 || types.includes('all') ? null : new Set(types),
    locations:
      loc === null || (loc.includeLocations.length === 0 && loc.excludeLocations.length === 0)
        ? null
        : { include: locationRules(loc.includeLocations, true), exclude: locationRules(loc.excludeLocations, false) },
  };
  compiledPolicies.set(policy, compiled);
  return compiled;
}

/** Which user rule holds: everyone, the user's id, one of their groups, one of their roles; null for none. */
function userRule(p: PreparedContext, r: UserRules): string | null {
  if (r.all) return 'allUsers';
  if (r.ids.has(p.userId)) return 'userId';
  if (r.groups.some((g) => p.groups.has(g))) return 'groupId';
  if (r.roles.some((x) => p.roles.has(x))) return 'roleId';
  return null;
}

/** `All` is any address, known or not; `AllTrusted` and ids only an address inside such a location. */
function locationRule(p: PreparedContext, r: LocationRules): string | null {
  if (r.all) return 'allLocations';
  if (r.trusted && p.inTrusted) return 'allTrustedLocations';
  if (r.ids.some((id) => p.locations.has(id))) return 'locationId';
  return null;
}

/**
 * A policy targets one of three things, as Entra's editor lets it: authentication contexts (applies when the app
 * asked for one of them, whatever the app), user actions (applies to that action only), or applications (`All`
 * includes Signet's own pages, appId null; ids are client ids; `None` none; an exclusion wins).
 */
function judgeApplications(k: Compiled, p: PreparedContext, out: ConditionsJudged): 'ok' | string {
  if (k.target === 'contexts') {
    if (!k.contexts.some((r) => p.contexts.has(r))) return 'authenticationContext';
    out.includeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: 'acr' });
    return 'ok';
  }
  if (k.target === 'actions') {
    if (p.action === undefined || !k.actions.has(p.action)) return 'userActions';
    out.includeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: 'userAction' });
    return 'ok';
  }
  const app = p.appId;
  const included = k.allApps ? 'allApps' : app !== null && k.apps.has(app) ? 'appId' : null;
  const excluded = app !== null && k.excludedApps.has(app);
  if (included) out.includeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: included });
  if (excluded) out.excludeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: 'appId' });
  return included !== null && !excluded ? 'ok' : 'application';
}

/** Every condition judged (all of them, so each one that fails is named), and whether the policy applies. */
export function judgeConditions(policy: CaPolicy, p: PreparedContext): ConditionsJudged {
  const k = compile(policy);
  const out: ConditionsJudged = {
    applies: false,
    analysisReasons: [],
    conditionsSatisfied: [],
    conditionsNotSatisfied: [],
    includeRulesSatisfied: [],
    excludeRulesSatisfied: [],
  };
  const mark = (flag: string, ok: boolean, reason: string) => {
    (ok ? out.conditionsSatisfied : out.conditionsNotSatisfied).push(flag);
    if (!ok) out.analysisReasons.push(reason);
  };
  const app = judgeApplications(k, p, out);
  mark('application', app === 'ok', app);
  const included = userRule(p, k.include);
  const excluded = userRule(p, k.exclude);
  if (included) out.includeRulesSatisfied.push({ conditionalAccessCondition: 'users', ruleSatisfied: included });
  if (excluded) out.excludeRulesSatisfied.push({ conditionalAccessCondition: 'users', ruleSatisfied: excluded });
  mark('users', included !== null && excluded === null, 'users');
  if (k.clientTypes) mark('clientType', k.clientTypes.has(p.c.clientAppType), 'clientApps');
  if (k.locations) {
    const inc = locationRule(p, k.locations.include);
    const exc = locationRule(p, k.locations.exclude);
    if (inc) out.includeRulesSatisfied.push({ conditionalAccessCondition: 'location', ruleSatisfied: inc });
    if (exc) out.excludeRulesSatisfied.push({ conditionalAccessCondition: 'location', ruleSatisfied: exc });
    mark('location', inc !== null && exc === null, 'location');
  }
  out.applies = out.analysisReasons.length === 0;
  return out;
}
