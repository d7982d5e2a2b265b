// Requests of the Conditional Access routes for the Graph walks (graph-authorization.test.ts, graph-delegated.test.ts):
// real policies, named locations and authentication contexts of the tenant, written through the flows, and valid
// bodies. A policy the walk writes is report-only, so it can lock no one out and enforce nothing.
import { randomUUID } from 'node:crypto';
import { createNamedLocation, upsertAuthContext } from '../../src/flows/ca-locations-contexts.ts';
import { caSnapshotOf, createPolicy } from '../../src/flows/conditional-access.ts';
import type { Ctx } from '../../src/flows/context.ts';
import { createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import type { Tenant } from '../../src/store/tenants.ts';

type Fixture = { values: Record<string, string>; body?: unknown };
const CA = '/identity/conditionalAccess';
/** The What If user: the same userPrincipalName in every tenant, so each tenant's token asks about its own. */
export const WALK_UPN = 'ca-walk@walk.example';

export const walkPolicyBody = () => ({
  displayName: `walk policy ${randomUUID().slice(0, 8)}`,
  state: 'enabledForReportingButNotEnforced',
  conditions: { applications: { includeApplications: ['All'] }, users: { includeUsers: ['All'] } },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
});
export const walkLocationBody = () => ({
  '@odata.type': '#microsoft.graph.ipNamedLocation',
  displayName: `walk location ${randomUUID().slice(0, 8)}`,
  ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }],
});

export async function walkPolicy(ctx: Ctx, t: Tenant): Promise<string> {
  return (await createPolicy(ctx, t, localOperator(t.id), walkPolicyBody())).id;
}
export async function walkLocation(ctx: Ctx, t: Tenant): Promise<string> {
  return (await createNamedLocation(ctx, t, localOperator(t.id), walkLocationBody())).id;
}
/** An authentication context id the tenant does not use yet (c1..c99), created. */
export async function walkContext(ctx: Ctx, t: Tenant): Promise<string> {
  const used = new Set((await caSnapshotOf(ctx, t.id)).authContexts.map((c) => c.id));
  const id = Array.from({ length: 99 }, (_, i) => `c${i + 1}`).find((c) => !used.has(c));
  if (!id) throw new Error('every authentication context id is used');
  await upsertAuthContext(ctx, t, localOperator(t.id), id, { displayName: `walk context ${id}` });
  return id;
}

const walkUsers = new WeakMap<Tenant, Promise<unknown>>();
function walkUser(ctx: Ctx, t: Tenant): Promise<unknown> {
  let u = walkUsers.get(t);
  if (!u) {
    u = createUser(ctx, t, { userPrincipalName: WALK_UPN });
    walkUsers.set(t, u);
  }
  return u;
}

/** The `${method} ${path}` of every Conditional Access route → its fixture. */
export function caFixtureFactories(
  ctx: () => Ctx,
  tenant: () => Tenant,
  otherTenants: () => Tenant[],
): Record<string, () => Promise<Fixture>> {
  const none = async () => ({ values: {} });
  const policy = async () => ({ values: { id: await walkPolicy(ctx(), tenant()) } });
  const location = async () => ({ values: { id: await walkLocation(ctx(), tenant()) } });
  // In capitals (Graph takes any case): the walk looks for the value in answers, and a lower-case c12 turns up in
  // the hex of request ids by chance.
  const context = async () => ({ values: { id: (await walkContext(ctx(), tenant())).toUpperCase() } });
  return {
    [`GET ${CA}/policies`]: none,
    [`POST ${CA}/policies`]: async () => ({ values: {}, body: walkPolicyBody() }),
    [`GET ${CA}/policies/:id`]: policy,
    [`PATCH ${CA}/policies/:id`]: async () => ({
      ...(await policy()),
      body: { displayName: `walked ${randomUUID().slice(0, 8)}` },
    }),
    [`DELETE ${CA}/policies/:id`]: policy,
    [`GET ${CA}/namedLocations`]: none,
    [`POST ${CA}/namedLocations`]: async () => ({ values: {}, body: walkLocationBody() }),
    [`GET ${CA}/namedLocations/:id`]: location,
    [`PATCH ${CA}/namedLocations/:id`]: async () => ({
      ...(await location()),
      body: { '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: `walked ${randomUUID().slice(0, 8)}` },
    }),
    [`DELETE ${CA}/namedLocations/:id`]: location,
    [`GET ${CA}/authenticationContextClassReferences`]: none,
    [`GET ${CA}/authenticationContextClassReferences/:id`]: context,
    // An update only (no displayName): another tenant, where the id is unused, finds nothing to update.
    [`PATCH ${CA}/authenticationContextClassReferences/:id`]: async () => ({
      ...(await context()),
      body: { description: `walked ${randomUUID().slice(0, 8)}` },
    }),
    [`DELETE ${CA}/authenticationContextClassReferences/:id`]: context,
    [`POST ${CA}/evaluate`]: async () => {
      for (const t of [tenant(), ...otherTenants()]) await walkUser(ctx(), t);
      return {
        values: {},
        body: {
          signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId: WALK_UPN },
          signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [] },
          signInConditions: { clientAppType: 'browser', ipAddress: '198.51.100.7' },
        },
      };
    },
  };
}

/** One of each Conditional Access object of the tenant, by the path segment after conditionalAccess/. */
export async function caIdsOf(ctx: Ctx, t: Tenant): Promise<Record<string, string>> {
  return {
    policies: await walkPolicy(ctx, t),
    namedLocations: await walkLocation(ctx, t),
    authenticationContextClassReferences: await walkContext(ctx, t),
  };
}
