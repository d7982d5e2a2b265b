// `signet ca list` and `signet ca whatif`: the tenant's Conditional Access policies, and for a user, an app (or an
// authentication context), an address and a client type, which policies apply, why the others do not, and what
// each requires — the admin API's evaluate (flows/conditional-access.ts), the same functions the sign-in path calls.
import { isIP } from 'node:net';
import { AUTH_CONTEXT_ID } from '../core/ca-condition-schemas.ts';
import type { Requirement } from '../core/conditional-access.ts';
import { SignetError } from '../core/errors.ts';
import { caSnapshotOf, evaluateWhatIf } from '../flows/conditional-access.ts';
import { strengthsOf } from '../flows/strengths.ts';
import { tenantOpt } from './policy-file.ts';
import { type Command, tenantOption } from './runtime.ts';
import { table } from './table.ts';

/** What a requirement asks, in a few words. */
function requires(r: Requirement | null): string {
  if (!r) return '';
  if (r.block) return 'blocked';
  const parts = r.anyOf.length ? [r.anyOf.map((s) => s.displayName).join(' or ')] : ['a fresh sign-in'];
  if (r.freshSince !== null) parts.push(`since ${new Date(r.freshSince).toISOString()}`);
  return parts.join(', ');
}
const requirementJson = (r: Requirement | null) =>
  r && {
    block: r.block,
    authenticationStrengths: r.anyOf.map((s) => ({ id: s.id, displayName: s.displayName })),
    freshSince: r.freshSince === null ? null : new Date(r.freshSince).toISOString(),
    reportOnly: r.reportOnly,
  };

export const caListCommand: Command = {
  name: 'ca list',
  summary: "the tenant's Conditional Access policies: state, whom and what they target, what they grant",
  usage: 'signet ca list [--tenant T] [--json]',
  options: { tenant: tenantOpt },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const [docs, strengths] = await Promise.all([caSnapshotOf(rt.ctx, tenant.id), strengthsOf(rt.ctx, tenant.id)]);
    const rows = docs.policies.map((p) => {
      const g = p.grantControls;
      const strength = g?.authenticationStrengthId
        ? (strengths.get(g.authenticationStrengthId)?.displayName ?? g.authenticationStrengthId)
        : null;
      return {
        id: p.id,
        displayName: p.displayName,
        state: p.state,
        users: [
          ...p.conditions.users.includeUsers,
          ...p.conditions.users.includeGroups.map((x) => `group ${x}`),
          ...p.conditions.users.includeRoles.map((x) => `role ${x}`),
        ].join(' '),
        targets: [
          ...p.conditions.applications.includeApplications,
          ...p.conditions.applications.includeAuthenticationContextClassReferences,
          ...p.conditions.applications.includeUserActions,
        ].join(' '),
        grant: [...(g?.builtInControls ?? []), ...(strength ? [strength] : [])].join(` ${g?.operator ?? 'OR'} `),
        signInFrequency: p.sessionControls?.signInFrequency?.isEnabled ? p.sessionControls.signInFrequency : null,
      };
    });
    if (!rt.json)
      rt.print(
        table(
          ['ID', 'NAME', 'STATE', 'USERS', 'TARGETS', 'GRANT'],
          rows.map((r) => [
            r.id,
            r.displayName,
            r.state,
            r.users,
            r.targets,
            r.grant || (r.signInFrequency ? 'sign-in frequency' : ''),
          ]),
          'No Conditional Access policies.',
        ),
      );
    return rows;
  },
};

export const caWhatIfCommand: Command = {
  name: 'ca whatif',
  summary:
    'which Conditional Access policies apply to a sign-in of this user to this app, why the others do not, and what each requires',
  usage:
    'signet ca whatif --user <upn|id> [--app <client id>] [--context c1] [--ip 192.0.2.1] [--client browser|mobileAppsAndDesktopClients] [--action registerSecurityInformation] [--applied-only] [--tenant T] [--json]',
  options: {
    user: { type: 'string', required: true, description: 'the user: userPrincipalName or object id' },
    app: { type: 'string', description: "the app's client id (default: Signet's own pages)" },
    context: { type: 'string', multiple: true, description: 'an authentication context the app asks for, c1 to c99' },
    ip: { type: 'string', description: 'the client address (default: unknown, in no named location)' },
    client: { type: 'string', description: 'browser (default) or mobileAppsAndDesktopClients' },
    action: { type: 'string', description: 'registerSecurityInformation: the user is registering a method' },
    'applied-only': { type: 'boolean', description: 'list only the policies that apply' },
    tenant: tenantOpt,
  },
  run: async (rt, v) => {
    const tenant = await tenantOption(rt, v.tenant);
    const contexts = ((v.context as string[] | undefined) ?? []).map((c) => c.toLowerCase());
    const bad = contexts.find((c) => !AUTH_CONTEXT_ID.test(c));
    if (bad) throw new SignetError('REQUEST_INVALID', { field: '--context', reason: `${bad}: must be c1 to c99` });
    const ip = v.ip === undefined ? null : String(v.ip);
    if (ip !== null && isIP(ip) === 0)
      throw new SignetError('REQUEST_INVALID', { field: '--ip', reason: 'must be an IPv4 or IPv6 address' });
    const client = String(v.client ?? 'browser');
    if (client !== 'browser' && client !== 'mobileAppsAndDesktopClients')
      throw new SignetError('REQUEST_INVALID', {
        field: '--client',
        reason: 'must be browser or mobileAppsAndDesktopClients',
      });
    const action = v.action === undefined ? null : String(v.action);
    if (action !== null && action !== 'registerSecurityInformation')
      throw new SignetError('CA_WHATIF_UNSUPPORTED', {
        field: '--action',
        reason: 'Signet has the registerSecurityInformation action only',
      });
    const { results } = await evaluateWhatIf(rt.ctx, tenant, {
      userId: String(v.user),
      appId: v.app === undefined ? null : String(v.app).toLowerCase(),
      authenticationContexts: contexts,
      userAction: action,
      clientAppType: client,
      ip,
      appliedPoliciesOnly: v['applied-only'] === true,
    });
    const rows = results.map((r) => ({
      id: r.policy.id,
      displayName: r.policy.displayName,
      state: r.policy.state,
      policyApplies: r.policyApplies,
      analysisReasons: r.analysisReasons,
      requirement: requirementJson(r.requirement),
    }));
    if (!rt.json)
      rt.print(
        table(
          ['POLICY', 'STATE', 'APPLIES', 'WHY NOT', 'REQUIRES'],
          results.map((r) => [
            r.policy.displayName,
            r.policy.state,
            r.policyApplies ? 'yes' : 'no',
            r.analysisReasons.join(', '),
            requires(r.requirement),
          ]),
          'No Conditional Access policy applies.',
        ),
      );
    return rows;
  },
};
