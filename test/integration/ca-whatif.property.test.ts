// What If agrees with the live decision (issue 9), as a property: for generated users (groups, roles), apps, named
// locations (trusted or not, IPv4 and IPv6) and Conditional Access policies (every state; users, groups, roles and
// exclusions; apps, authentication contexts and the register-security-info action; client types; locations; block,
// mfa, a strength, sign-in frequency), written through the admin flows, and a generated sign-in (user, app or none,
// contexts, address, client type): Graph's evaluate, asked over HTTP, names exactly the policies that the live
// path — caSnapshotOf + signInContextFor + evaluateConditionalAccess, as the sign-in path calls them — finds
// applying, with the same reasons for those that do not, and the same requirement (block, strength, freshness).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_TEMPLATE_IDS } from '../../src/core/authorization.ts';
import { evaluateConditionalAccess } from '../../src/core/conditional-access.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createNamedLocation } from '../../src/flows/ca-locations-contexts.ts';
import { caSnapshotOf, createPolicy, signInContextFor } from '../../src/flows/conditional-access.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { strengthsOf } from '../../src/flows/strengths.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { assignRole } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
const RUNS = Number(process.env.SIGNET_PROPERTY_RUNS ?? 40);
const ROLES = ['Global Administrator', 'Conditional Access Administrator'] as const;
/** Addresses: in location 0 (trusted, v4), in location 1 (v6), in both, the v4-mapped form of one, none, unknown. */
const IPS = ['192.0.2.10', '2001:db8::7', '198.51.100.5', '::ffff:192.0.2.11', '203.0.113.1', null] as const;
const LOCATIONS = [
  { displayName: 'Office', isTrusted: true, ranges: ['192.0.2.0/24', '198.51.100.0/24'] },
  { displayName: 'Lab', isTrusted: false, ranges: ['2001:db8::/32', '198.51.100.0/25'] },
];

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const ref = fc.oneof(fc.constant('All' as const), fc.nat(2));
const policyArb = fc.record({
  state: pick(['enabled', 'disabled', 'enabledForReportingButNotEnforced'] as const),
  includeUsers: fc.subarray(['All', 'None', 'GuestsOrExternalUsers', 0, 1, 2] as const, { maxLength: 2 }),
  excludeUsers: fc.subarray([0, 1, 2] as const, { maxLength: 1 }),
  includeGroups: fc.subarray([0, 1, 2] as const, { maxLength: 2 }),
  excludeGroups: fc.subarray([0, 1, 2] as const, { maxLength: 1 }),
  includeRoles: fc.subarray([0, 1] as const, { maxLength: 1 }),
  excludeRoles: fc.subarray([0, 1] as const, { maxLength: 1 }),
  target: fc.oneof(
    fc.record({
      kind: fc.constant('apps' as const),
      include: fc.subarray(['All', 'None', 0, 1] as const, { minLength: 1, maxLength: 2 }),
      exclude: fc.subarray([0, 1] as const, { maxLength: 1 }),
    }),
    fc.record({
      kind: fc.constant('contexts' as const),
      include: fc.subarray(['c1', 'c2'] as const, { minLength: 1 }),
    }),
    fc.constant({ kind: 'action' as const }),
  ),
  clientAppTypes: fc.subarray(['all', 'browser', 'mobileAppsAndDesktopClients'] as const, { maxLength: 2 }),
  locations: fc.option(
    fc.record({
      include: fc.subarray(['All', 'AllTrusted', 0, 1] as const, { minLength: 1, maxLength: 2 }),
      exclude: fc.subarray(['AllTrusted', 0, 1] as const, { maxLength: 1 }),
    }),
    { nil: null },
  ),
  grant: pick(['block', 'mfa', 'strength', 'none'] as const),
  frequency: fc.option(
    fc.oneof(
      fc.constant({ interval: 'everyTime' as const }),
      fc.record({ interval: fc.constant('timeBased' as const), hours: fc.integer({ min: 1, max: 24 }) }),
    ),
    { nil: null },
  ),
});
const caseArb = fc.record({
  users: fc.array(fc.record({ groups: fc.subarray([0, 1, 2]), roles: fc.subarray([0, 1]) }), {
    minLength: 3,
    maxLength: 3,
  }),
  policies: fc.array(policyArb, { minLength: 1, maxLength: 6 }),
  signIn: fc.record({
    user: fc.nat(2),
    app: fc.option(fc.nat(1), { nil: null }),
    contexts: fc.subarray(['c1', 'c2', 'c3']),
    action: fc.boolean(),
    ip: pick(IPS),
    client: pick(['browser', 'mobileAppsAndDesktopClients'] as const),
  }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;
void ref;

describe.each(engines)('What If against the live Conditional Access decision on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(() => server?.close());

  it('names the same applying policies, reasons and requirements as the live path', { timeout: 600_000 }, async () => {
    // What the runs saw, so a generator that never makes a policy apply (or never fail to) cannot pass unnoticed.
    const seen = { applies: 0, notApplied: 0, requirements: new Set<string>() };
    await fc.assert(
      fc.asyncProperty(caseArb, async (c: Case) => {
        const ctx = server.ctx;
        const tenant = await createTenant(ctx, { slug: `w-${randomBytes(4).toString('hex')}` });
        const by = localOperator(tenant.id);
        const apps: string[] = [];
        for (const n of [0, 1])
          apps.push(
            (
              await createApp(ctx, tenant, {
                name: `App ${n}`,
                redirectUris: [`https://a${n}.example/cb`],
                publicClient: false,
              })
            ).app.id.toLowerCase(),
          );
        const reader = await createApp(ctx, tenant, {
          name: 'reader',
          redirectUris: [],
          publicClient: false,
          permissions: ['Policy.Read.ConditionalAccess'] as never,
        });
        const groups: string[] = [];
        for (const n of [0, 1, 2]) {
          const id = ctx.newId();
          await insertGroup(ctx.db, { id, tenantId: tenant.id, displayName: `Group ${n}`, createdAt: ctx.now() });
          groups.push(id);
        }
        const users: string[] = [];
        for (const [i, u] of c.users.entries()) {
          const user = await createUser(ctx, tenant, { userPrincipalName: `u${i}@${tenant.slug}.example` });
          for (const g of u.groups) await addGroupMember(ctx.db, tenant.id, groups[g]!, user.id);
          for (const r of u.roles) await assignRole(ctx.db, tenant.id, user.id, ROLES[r]!);
          users.push(user.id);
        }
        const locations: string[] = [];
        for (const l of LOCATIONS)
          locations.push(
            (
              await createNamedLocation(ctx, tenant, by, {
                '@odata.type': '#microsoft.graph.ipNamedLocation',
                displayName: l.displayName,
                isTrusted: l.isTrusted,
                ipRanges: l.ranges.map((cidrAddress) => ({ cidrAddress })),
              })
            ).id,
          );
        const idOf = (xs: readonly string[], v: string | number) => (typeof v === 'number' ? xs[v]! : v);
        for (const [i, p] of c.policies.entries()) {
          const include = [...p.includeUsers.map((v) => idOf(users, v))];
          const body = {
            displayName: `Policy ${i}`,
            state: p.state,
            conditions: {
              users: {
                includeUsers: include.length + p.includeGroups.length + p.includeRoles.length ? include : ['All'],
                excludeUsers: p.excludeUsers.map((v) => users[v]!),
                includeGroups: p.includeGroups.map((v) => groups[v]!),
                excludeGroups: p.excludeGroups.map((v) => groups[v]!),
                includeRoles: p.includeRoles.map((v) => ROLE_TEMPLATE_IDS[ROLES[v]!]),
                excludeRoles: p.excludeRoles.map((v) => ROLE_TEMPLATE_IDS[ROLES[v]!]),
              },
              applications:
                p.target.kind === 'apps'
                  ? {
                      includeApplications: p.target.include.map((v) => idOf(apps, v)),
                      excludeApplications: p.target.exclude.map((v) => apps[v]!),
                    }
                  : p.target.kind === 'contexts'
                    ? { includeAuthenticationContextClassReferences: p.target.include }
                    : { includeUserActions: ['urn:user:registersecurityinfo'] },
              clientAppTypes: p.clientAppTypes.length ? p.clientAppTypes : ['all'],
              locations: p.locations && {
                includeLocations: p.locations.include.map((v) => idOf(locations, v)),
                excludeLocations: p.locations.exclude.map((v) => idOf(locations, v)),
              },
            },
            grantControls:
              p.grant === 'none' && p.frequency
                ? null
                : p.grant === 'strength'
                  ? { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } }
                  : { operator: 'OR', builtInControls: [p.grant === 'none' ? 'mfa' : p.grant] },
            sessionControls: p.frequency && {
              signInFrequency:
                p.frequency.interval === 'everyTime'
                  ? { isEnabled: true, frequencyInterval: 'everyTime' }
                  : { isEnabled: true, frequencyInterval: 'timeBased', type: 'hours', value: p.frequency.hours },
            },
          };
          // The lockout guard is proven elsewhere; here every generated policy is saved.
          await createPolicy(ctx, tenant, by, body, { confirmLockout: true });
        }

        // The live path, as the sign-in path calls it.
        const s = c.signIn;
        const facts = {
          userId: users[s.user]!,
          appId: s.app === null ? null : apps[s.app]!,
          ip: s.ip,
          authenticationContexts: s.contexts,
          userAction: s.action ? 'registerSecurityInformation' : null,
          clientAppType: s.client,
        };
        const [docs, strengths, signIn] = await Promise.all([
          caSnapshotOf(ctx, tenant.id),
          strengthsOf(ctx, tenant.id),
          signInContextFor(ctx, tenant, facts),
        ]);
        const live = evaluateConditionalAccess(docs.policies, signIn, strengths, []).results;

        // What If through Graph: one context per request, as Graph takes it; the live path took them together, so
        // ask with the one kind this sign-in has and compare the policies of the kinds the request covers.
        const token = await clientCredentials(
          server,
          tenant,
          { id: reader.app.id, secret: reader.clientSecret! },
          '.default',
        );
        const ask = async (signInContext: Json) => {
          const res = await fetch(`${server.url}/graph/v1.0/identity/conditionalAccess/evaluate`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token.body.access_token}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: facts.userId },
              signInContext,
              signInConditions: { clientAppType: s.client, ...(s.ip === null ? {} : { ipAddress: s.ip }) },
            }),
          });
          expect(res.status).toBe(200);
          return ((await res.json()) as { value: Json[] }).value;
        };
        const kindOf = (id: string) => {
          const a = docs.policies.find((p) => p.id === id)!.conditions.applications;
          return a.includeAuthenticationContextClassReferences.length
            ? 'contexts'
            : a.includeUserActions.length
              ? 'action'
              : 'apps';
        };
        const answers = new Map<string, Json>();
        for (const w of await ask({
          '@odata.type': '#microsoft.graph.applicationContext',
          includeApplications: facts.appId ? [facts.appId] : [],
        }))
          if (kindOf(String(w.id)) === 'apps') answers.set(String(w.id), w);
        if (s.action)
          for (const w of await ask({
            '@odata.type': '#microsoft.graph.userActionContext',
            userAction: 'registerSecurityInformation',
          }))
            if (kindOf(String(w.id)) === 'action') answers.set(String(w.id), w);
        const contextAnswers = await Promise.all(
          s.contexts.map((cv) =>
            ask({ '@odata.type': '#microsoft.graph.authContext', authenticationContextValue: cv }),
          ),
        );
        for (const w of contextAnswers.flat()) {
          if (kindOf(String(w.id)) !== 'contexts') continue;
          const seen = answers.get(String(w.id));
          // A context policy applies when any asked context is one of its own: keep the answer for one of its own
          // (its other conditions judged), else any.
          const own = !String(w.analysisReasons).includes('authenticationContext');
          if (!seen || (own && String(seen.analysisReasons).includes('authenticationContext')))
            answers.set(String(w.id), w);
        }

        for (const r of live) {
          const w = answers.get(r.policy.id);
          if (!w) {
            // Not asked: a user-action policy without the action, a context policy without contexts.
            expect(r.applies, `${r.policy.displayName} applies live but was not asked`).toBe(false);
            continue;
          }
          expect(w.policyApplies, r.policy.displayName).toBe(r.applies);
          if (r.applies) seen.applies++;
          else seen.notApplied++;
          expect(w.analysisReasons, r.policy.displayName).toBe(
            r.analysisReasons.length ? r.analysisReasons.join(',') : 'notSet',
          );
          if (!r.applies) continue;
          // The requirement, read back from Graph's answer.
          const g = w.grantControls as {
            builtInControls: string[];
            authenticationStrength: { id: string } | null;
          } | null;
          const f = (
            w.sessionControls as { signInFrequency: { isEnabled: boolean; frequencyInterval: string } | null } | null
          )?.signInFrequency;
          const expected = {
            block: g?.builtInControls.includes('block') ?? false,
            anyOf: g?.builtInControls.includes('block')
              ? []
              : g?.authenticationStrength
                ? [g.authenticationStrength.id]
                : g?.builtInControls.includes('mfa')
                  ? [MFA_STRENGTH_ID]
                  : [],
            fresh: f?.isEnabled ? f.frequencyInterval : null,
          };
          const req = r.requirement!;
          seen.requirements.add(req.block ? 'block' : req.anyOf.length ? req.anyOf[0]!.id : 'fresh');
          expect(
            {
              block: req.block,
              anyOf: req.anyOf.map((x) => x.id),
              fresh: req.freshSince === null ? null : r.policy.sessionControls!.signInFrequency!.frequencyInterval,
            },
            r.policy.displayName,
          ).toEqual(expected);
        }
      }),
      { numRuns: RUNS },
    );
    expect(seen.applies).toBeGreaterThan(0);
    expect(seen.notApplied).toBeGreaterThan(0);
    if (RUNS >= 20) expect(seen.requirements.size).toBeGreaterThanOrEqual(2);
  });
});
