// Whether a Conditional Access policy's conditions hold for one sign-in: users, applications (or authentication
// contexts, or user actions), client app types and named locations — each judged on its own, so What If and the
// sign-in log can say which held and which did not (Graph's conditionsSatisfied / analysisReasons). Pure.
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

/** The context's user and address prepared once for many policies (a user in 1,000 groups, 200 policies). */
export interface PreparedContext {
  c: SignInContext;
  userId: string;
  groups: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  /** Named location ids (lower case) holding the client address, and the trusted ones among them. */
  locations: ReadonlySet<string>;
  inTrusted: boolean;
}

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

export function prepareContext(c: SignInContext): PreparedContext {
  const locations = locationsOf(c.namedLocations, c.ip);
  const trusted = new Set(c.namedLocations.filter((l) => l.isTrusted).map((l) => l.id.toLowerCase()));
  return {
    c,
    userId: c.user.id.toLowerCase(),
    groups: new Set(lower(c.user.groupIds)),
    roles: new Set(lower(c.user.roleTemplateIds)),
    locations,
    inTrusted: [...locations].some((id) => trusted.has(id)),
  };
}

/**
 * Which user rule includes (or excludes) the user. `All` is everyone; `None` nobody; `GuestsOrExternalUsers`
 * nobody, since Signet has no guest or external users: every user is a member of the tenant.
 */
function userRule(
  p: PreparedContext,
  users: readonly string[],
  groups: readonly string[],
  roles: readonly string[],
  withAll: boolean,
): string | null {
  const ids = lower(users);
  if (withAll && ids.includes('all')) return 'allUsers';
  if (ids.includes(p.userId)) return 'userId';
  if (groups.some((g) => p.groups.has(g.toLowerCase()))) return 'groupId';
  if (roles.some((r) => p.roles.has(r.toLowerCase()))) return 'roleId';
  return null;
}

function judgeUsers(policy: CaPolicy, p: PreparedContext, out: ConditionsJudged): boolean {
  const u = policy.conditions.users;
  const included = userRule(p, u.includeUsers, u.includeGroups, u.includeRoles, true);
  const excluded = userRule(p, u.excludeUsers, u.excludeGroups, u.excludeRoles, false);
  if (included) out.includeRulesSatisfied.push({ conditionalAccessCondition: 'users', ruleSatisfied: included });
  if (excluded) out.excludeRulesSatisfied.push({ conditionalAccessCondition: 'users', ruleSatisfied: excluded });
  return included !== null && excluded === null;
}

/**
 * A policy targets one of three things, as Entra's editor lets it: authentication contexts (applies when the app
 * asked for one of them, whatever the app), user actions (applies to that action only), or applications (`All`
 * includes Signet's own pages, appId null; ids are client ids; `None` none; an exclusion wins).
 */
function judgeApplications(policy: CaPolicy, p: PreparedContext, out: ConditionsJudged): 'ok' | string {
  const a = policy.conditions.applications;
  if (a.includeAuthenticationContextClassReferences.length > 0) {
    const asked = new Set(lower(p.c.authenticationContexts));
    if (!a.includeAuthenticationContextClassReferences.some((r) => asked.has(r.toLowerCase())))
      return 'authenticationContext';
    out.includeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: 'acr' });
    return 'ok';
  }
  if (a.includeUserActions.length > 0) {
    const action = p.c.userAction === null ? undefined : USER_ACTIONS[p.c.userAction];
    if (!action || !lower(a.includeUserActions).includes(action)) return 'userActions';
    out.includeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: 'userAction' });
    return 'ok';
  }
  const include = lower(a.includeApplications);
  const app = p.c.appId?.toLowerCase() ?? null;
  const byApp = app !== null && include.includes(app);
  const included = include.includes('all') ? 'allApps' : byApp ? 'appId' : null;
  const excluded = app !== null && lower(a.excludeApplications).includes(app);
  if (included) out.includeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: included });
  if (excluded) out.excludeRulesSatisfied.push({ conditionalAccessCondition: 'application', ruleSatisfied: 'appId' });
  return included !== null && !excluded ? 'ok' : 'application';
}

function judgeClientApps(policy: CaPolicy, p: PreparedContext): boolean {
  const types = policy.conditions.clientAppTypes;
  // No client app types named is every client, as Entra's "Not configured".
  return types.length === 0 || types.includes('all') || types.includes(p.c.clientAppType);
}

/** `All` is any address, known or not; `AllTrusted` and ids only an address inside such a location. */
function locationRule(p: PreparedContext, ids: readonly string[]): string | null {
  const l = lower(ids);
  if (l.includes('all')) return 'allLocations';
  if (l.includes('alltrusted') && p.inTrusted) return 'allTrustedLocations';
  if (l.some((id) => p.locations.has(id))) return 'locationId';
  return null;
}

function judgeLocations(policy: CaPolicy, p: PreparedContext, out: ConditionsJudged): boolean | null {
  const loc = policy.conditions.locations;
  if (loc === null || (loc.includeLocations.length === 0 && loc.excludeLocations.length === 0)) return null;
  const included = loc.includeLocations.length === 0 ? 'allLocations' : locationRule(p, loc.includeLocations);
  const excluded = locationRule(p, loc.excludeLocations);
  if (included) out.includeRulesSatisfied.push({ conditionalAccessCondition: 'location', ruleSatisfied: included });
  if (excluded) out.excludeRulesSatisfied.push({ conditionalAccessCondition: 'location', ruleSatisfied: excluded });
  return included !== null && excluded === null;
}

/** Every condition judged (all of them, so each one that fails is named), and whether the policy applies. */
export function judgeConditions(policy: CaPolicy, p: PreparedContext): ConditionsJudged {
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
  const app = judgeApplications(policy, p, out);
  mark('application', app === 'ok', app);
  mark('users', judgeUsers(policy, p, out), 'users');
  const types = policy.conditions.clientAppTypes;
  if (types.length > 0 && !types.includes('all')) mark('clientType', judgeClientApps(policy, p), 'clientApps');
  const location = judgeLocations(policy, p, out);
  if (location !== null) mark('location', location, 'location');
  out.applies = out.analysisReasons.length === 0;
  return out;
}
