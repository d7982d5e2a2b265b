// No one locks the tenant out with one save: a policy that, enabled, would stop every Global Administrator from
// signing in anywhere — a block, or a strength none of them can meet with the methods they have registered — for
// every app, from every client and place, is refused unless the request confirms it. Pure.
import { type CaPolicy, evaluateConditionalAccess, type NamedLocation } from './conditional-access.ts';
import { type Decision, deny } from './errors.ts';
import type { AuthenticationStrength, AvailableMethod } from './strengths.ts';

export interface AdminFacts {
  userId: string;
  groupIds: readonly string[];
  roleTemplateIds: readonly string[];
  /** The methods the administrator has registered and the methods policy allows. */
  available: readonly AvailableMethod[];
}

/** Whether the policy leaves no app, client type or place outside it (a way in for an administrator). */
export function coversEverything(p: CaPolicy): boolean {
  const a = p.conditions.applications;
  const allApps =
    a.includeApplications.some((x) => x.toLowerCase() === 'all') &&
    a.excludeApplications.length === 0 &&
    a.includeUserActions.length === 0 &&
    a.includeAuthenticationContextClassReferences.length === 0;
  const types = p.conditions.clientAppTypes;
  const allClients =
    types.length === 0 ||
    types.includes('all') ||
    (types.includes('browser') && types.includes('mobileAppsAndDesktopClients'));
  const loc = p.conditions.locations;
  const everywhere =
    loc === null ||
    (loc.excludeLocations.length === 0 &&
      (loc.includeLocations.length === 0 || loc.includeLocations.some((l) => l.toLowerCase() === 'all')));
  return allApps && allClients && everywhere;
}

/** Whether this administrator could never satisfy the policy: it applies to them and blocks, or asks the impossible. */
function locksOut(
  p: CaPolicy,
  admin: AdminFacts,
  strengths: ReadonlyMap<string, AuthenticationStrength>,
  namedLocations: readonly NamedLocation[],
): boolean {
  const { results } = evaluateConditionalAccess(
    [{ ...p, state: 'enabled', sessionControls: null }],
    {
      user: { id: admin.userId, groupIds: admin.groupIds, roleTemplateIds: admin.roleTemplateIds },
      appId: null,
      authenticationContexts: [],
      userAction: null,
      clientAppType: 'browser',
      ip: null,
      namedLocations,
      now: 0,
      requestStartedAt: 0,
    },
    strengths,
    [],
    admin.available,
  );
  const r = results[0]!;
  if (!r.applies || !r.requirement) return false;
  if (r.requirement.block) return true;
  const e = r.strength?.evaluation;
  return (
    e !== undefined &&
    !e.satisfied &&
    (e.result === 'cannotSatisfy' || e.result === 'cannotSatisfyDueToCombinationConfiguration')
  );
}

/**
 * Refuses an enabled policy that would lock out every Global Administrator (there being at least one), unless
 * `confirmed`. A report-only or disabled policy, or one that leaves some app, client or place out, passes.
 */
export function checkAdminLockout(
  p: CaPolicy,
  admins: readonly AdminFacts[],
  strengths: ReadonlyMap<string, AuthenticationStrength>,
  namedLocations: readonly NamedLocation[],
  confirmed: boolean,
): Decision {
  if (confirmed || p.state !== 'enabled' || admins.length === 0 || !coversEverything(p)) return { ok: true };
  const locked = admins.filter((a) => locksOut(p, a, strengths, namedLocations));
  if (locked.length < admins.length) return { ok: true };
  return deny('CA_POLICY_WOULD_LOCK_OUT_ADMINS', {
    globalAdministrators: String(admins.length),
    lockedOut: String(locked.length),
    reason: p.grantControls?.builtInControls.includes('block')
      ? 'the policy blocks every Global Administrator for every app'
      : 'no Global Administrator has registered a method that meets the policy’s grant',
    confirm: 'signetConfirmLockout=true',
  });
}
