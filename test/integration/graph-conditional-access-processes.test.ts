// Two Signet processes on one database (both engines): a Conditional Access policy created, a named location
// changed and a policy deleted through one are in force in the other's decisions within a second or so, through the
// 'conditional-access' cache version, though the other kept the documents in memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateConditionalAccess } from '../../src/core/conditional-access.ts';
import { createNamedLocation, updateNamedLocation } from '../../src/flows/ca-locations-contexts.ts';
import { caSnapshotOf, createPolicy, deletePolicy, signInContextFor } from '../../src/flows/conditional-access.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { strengthsOf } from '../../src/flows/strengths.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { within } from '../support/within.ts';

describe.each(engines)('Conditional Access across two processes on %s', (engine) => {
  let a: TestServer;
  let b: TestServer;
  let tenant: Tenant;
  let user: User;

  beforeAll(async () => {
    const url = await databaseUrl(engine);
    a = await startTestServer(engine, {}, undefined, {}, { databaseUrl: url });
    b = await startTestServer(engine, { secret: a.ctx.config.secret }, undefined, {}, { databaseUrl: url });
    tenant = await createTenant(a.ctx, { slug: 'northwind' });
    user = await createUser(a.ctx, tenant, { userPrincipalName: 'pat@northwind.test' });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** B's live decision for pat from this address: the ids of the policies that apply. */
  const applyingOnB = async (ip: string) => {
    const [docs, strengths, c] = await Promise.all([
      caSnapshotOf(b.ctx, tenant.id),
      strengthsOf(b.ctx, tenant.id),
      signInContextFor(b.ctx, tenant, { userId: user.id, appId: null, ip }),
    ]);
    return evaluateConditionalAccess(docs.policies, c, strengths, [])
      .results.filter((r) => r.applies)
      .map((r) => r.policy.id);
  };

  it('sees a policy, a changed named location and a deletion made through the other process', async () => {
    const by = localOperator(tenant.id);
    // B holds the tenant's documents in memory first.
    expect(await applyingOnB('192.0.2.1')).toEqual([]);
    const office = await createNamedLocation(a.ctx, tenant, by, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Office',
      isTrusted: true,
      ipRanges: [{ cidrAddress: '192.0.2.0/24' }],
    });
    const p = await createPolicy(a.ctx, tenant, by, {
      displayName: 'Away from the office',
      state: 'enabled',
      conditions: {
        users: { includeUsers: [user.id] },
        applications: { includeApplications: ['All'] },
        locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    await within('the new policy on B', async () => (await applyingOnB('203.0.113.5')).includes(p.id));
    expect(await applyingOnB('192.0.2.1')).toEqual([]);
    // The office moves: the old address is now away from it.
    await updateNamedLocation(a.ctx, tenant, by, office.id, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      ipRanges: [{ cidrAddress: '198.51.100.0/24' }],
    });
    await within('the moved office on B', async () => (await applyingOnB('192.0.2.1')).includes(p.id));
    expect(await applyingOnB('198.51.100.3')).toEqual([]);
    await deletePolicy(a.ctx, tenant, by, p.id);
    await within('the deletion on B', async () => (await applyingOnB('192.0.2.1')).length === 0);
  });
});
