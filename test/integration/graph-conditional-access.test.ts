// Conditional Access through Graph (issue 9): policies, named locations and authentication contexts created, read,
// changed and deleted in Graph's shapes; every refusal with its code and the field it names, and nothing written;
// the lockout guard (refused, accepted when confirmed, a break-glass exclusion passes); tenants kept apart; the
// audit of each change; and What If (evaluate) answering which policies apply and why the others do not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { bumpCacheVersion } from '../../src/store/cache-versions.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
const PR = '00000000-0000-0000-0000-000000000004';
const MFA = '00000000-0000-0000-0000-000000000002';
const CA = '/identity/conditionalAccess';

describe.each(engines)('Conditional Access through Graph on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let writer: string;
  let reader: string;
  let writerB: string;
  let admin: User;
  let breakGlass: User;
  let alice: User;
  const group = crypto.randomUUID();
  let appId: string;

  async function tokenFor(t: Tenant, permissions: string[]) {
    const c = await createApp(server.ctx, t, {
      name: `ca ${permissions.join(' ')}`,
      redirectUris: [],
      publicClient: false,
      permissions: permissions as never,
    });
    const r = await clientCredentials(server, t, { id: c.app.id, secret: c.clientSecret! }, '.default');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { token: String(r.body.access_token), appId: c.app.id };
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    const w = await tokenFor(a, ['Policy.ReadWrite.ConditionalAccess']);
    writer = w.token;
    appId = w.appId;
    reader = (await tokenFor(a, ['Policy.Read.ConditionalAccess'])).token;
    writerB = (await tokenFor(b, ['Policy.ReadWrite.ConditionalAccess'])).token;
    admin = await createUser(server.ctx, a, {
      userPrincipalName: 'admin@contoso.test',
      roles: ['Global Administrator'],
    });
    breakGlass = await createUser(server.ctx, a, {
      userPrincipalName: 'glass@contoso.test',
      roles: ['Global Administrator'],
    });
    alice = await createUser(server.ctx, a, { userPrincipalName: 'alice@contoso.test' });
    await insertGroup(server.store.db, { id: group, tenantId: a.id, displayName: 'Finance', createdAt: Date.now() });
    await addGroupMember(server.store.db, a.id, group, alice.id);
  });
  afterAll(() => server?.close());

  const graph = async (method: string, path: string, body?: unknown, token = writer, version = 'v1.0') => {
    const res = await fetch(`${server.url}/graph/${version}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };
  const errorOf = (r: { body: Json }) => (r.body.error ?? {}) as { code: string; innerError: Record<string, string> };
  async function refused(
    r: { status: number; body: Json },
    status: number,
    code: string,
    detail: Record<string, string> = {},
  ) {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(errorOf(r).code).toBe(code);
    expect(errorOf(r).innerError).toMatchObject(detail);
  }
  const policies = async (token = writer) =>
    (await graph('GET', `${CA}/policies`, undefined, token)).body.value as Json[];
  const financePolicy = (over: Json = {}) => ({
    displayName: 'Finance needs a passkey',
    state: 'enabled',
    conditions: {
      clientAppTypes: ['all'],
      applications: { includeApplications: [appId] },
      users: { includeGroups: [group] },
    },
    grantControls: { operator: 'OR', authenticationStrength: { id: PR } },
    ...over,
  });

  it('creates a policy (201, Graph’s shape, the strength expanded), lists it, reads it, changes and deletes it', async () => {
    const created = await graph('POST', `${CA}/policies`, financePolicy());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = String(created.body.id);
    expect(created.body).toMatchObject({
      '@odata.context': expect.stringMatching(/\$metadata#identity\/conditionalAccess\/policies\/\$entity$/),
      displayName: 'Finance needs a passkey',
      state: 'enabled',
      modifiedDateTime: null,
      sessionControls: null,
      conditions: {
        users: {
          includeUsers: [],
          excludeUsers: [],
          includeGroups: [group],
          excludeGroups: [],
          includeRoles: [],
          excludeRoles: [],
        },
        applications: { includeApplications: [appId.toLowerCase()], excludeApplications: [], includeUserActions: [] },
        platforms: null,
        locations: null,
        signInRiskLevels: [],
      },
      grantControls: {
        operator: 'OR',
        builtInControls: [],
        customAuthenticationFactors: [],
        termsOfUse: [],
        authenticationStrength: {
          id: PR,
          displayName: 'Phishing resistant MFA',
          policyType: 'builtIn',
          allowedCombinations: ['fido2'],
        },
      },
    });
    const list = await graph('GET', `${CA}/policies`, undefined, reader);
    expect(list.status).toBe(200);
    expect(list.body['@odata.context']).toMatch(/\$metadata#identity\/conditionalAccess\/policies$/);
    expect((list.body.value as Json[]).map((p) => p.id)).toContain(id);
    expect((await graph('GET', `${CA}/policies/${id}`, undefined, reader, 'beta')).body.displayName).toBe(
      'Finance needs a passkey',
    );

    const patched = await graph('PATCH', `${CA}/policies/${id}`, {
      state: 'enabledForReportingButNotEnforced',
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(204);
    const read = (await graph('GET', `${CA}/policies/${id}`)).body;
    expect(read).toMatchObject({
      state: 'enabledForReportingButNotEnforced',
      grantControls: { builtInControls: ['mfa'], authenticationStrength: null },
    });
    expect(read.modifiedDateTime).not.toBeNull();
    // A policy read back can be sent again as it is (empty unsupported conditions are unset).
    const {
      id: _i,
      createdDateTime: _c,
      modifiedDateTime: _m,
      templateId: _t,
      partialEnablementStrategy: _p,
      '@odata.context': _o,
      ...again
    } = read;
    expect((await graph('PATCH', `${CA}/policies/${id}`, again)).status).toBe(204);

    expect((await graph('DELETE', `${CA}/policies/${id}`)).status).toBe(204);
    await refused(await graph('GET', `${CA}/policies/${id}`), 404, 'GRAPH_RESOURCE_NOT_FOUND');
    await refused(await graph('DELETE', `${CA}/policies/${id}`), 404, 'GRAPH_RESOURCE_NOT_FOUND');
  });

  it('refuses what Signet cannot evaluate or does not have, by name, and writes nothing', async () => {
    const before = (await policies()).length;
    const c = financePolicy().conditions;
    await refused(
      await graph('POST', `${CA}/policies`, financePolicy({ colour: 'red' })),
      400,
      'GRAPH_PROPERTY_UNKNOWN',
      { properties: 'colour' },
    );
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        financePolicy({ conditions: { ...c, platforms: { includePlatforms: ['android'] } } }),
      ),
      400,
      'CA_CONDITION_UNSUPPORTED',
      { field: 'conditions.platforms' },
    );
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        financePolicy({ grantControls: { operator: 'AND', builtInControls: ['compliantDevice'] } }),
      ),
      400,
      'CA_CONDITION_UNSUPPORTED',
      { field: 'grantControls.builtInControls' },
    );
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        financePolicy({
          grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: { id: PR } },
        }),
      ),
      400,
      'CA_GRANT_MFA_WITH_STRENGTH',
    );
    const unknownStrength = crypto.randomUUID();
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        financePolicy({ grantControls: { operator: 'OR', authenticationStrength: { id: unknownStrength } } }),
      ),
      400,
      'CA_STRENGTH_NOT_FOUND',
      { id: unknownStrength },
    );
    const unknownGroup = crypto.randomUUID();
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        financePolicy({ conditions: { ...c, users: { includeGroups: [unknownGroup] } } }),
      ),
      400,
      'CA_TARGET_NOT_FOUND',
      { field: 'conditions.users.includeGroups', id: unknownGroup },
    );
    await refused(await graph('POST', `${CA}/policies`, financePolicy(), reader), 403, 'GRAPH_PERMISSION_DENIED');
    expect((await policies()).length).toBe(before);
  });

  it('refuses a policy that would lock out every Global Administrator, saves it when confirmed, and passes one excluding a break-glass account', async () => {
    const blockAll = (over: Json = {}) => ({
      displayName: 'Block everyone',
      state: 'enabled',
      conditions: { applications: { includeApplications: ['All'] }, users: { includeUsers: ['All'] } },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
      ...over,
    });
    const before = (await policies()).length;
    await refused(await graph('POST', `${CA}/policies`, blockAll()), 400, 'CA_POLICY_WOULD_LOCK_OUT_ADMINS', {
      globalAdministrators: '2',
      lockedOut: '2',
    });
    // Requiring a passkey of administrators who have none locks them out as surely.
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        blockAll({ grantControls: { operator: 'OR', authenticationStrength: { id: PR } } }),
      ),
      400,
      'CA_POLICY_WOULD_LOCK_OUT_ADMINS',
    );
    expect((await policies()).length).toBe(before);

    const excluded = await graph(
      'POST',
      `${CA}/policies`,
      blockAll({
        conditions: {
          applications: { includeApplications: ['All'] },
          users: { includeUsers: ['All'], excludeUsers: [breakGlass.id] },
        },
      }),
    );
    expect(excluded.status, JSON.stringify(excluded.body)).toBe(201);
    // Taking the exclusion away again is the same lockout, refused on PATCH too.
    await refused(
      await graph('PATCH', `${CA}/policies/${excluded.body.id}`, {
        conditions: { applications: { includeApplications: ['All'] }, users: { includeUsers: ['All'] } },
      }),
      400,
      'CA_POLICY_WOULD_LOCK_OUT_ADMINS',
    );
    const confirmed = await graph('POST', `${CA}/policies?signetConfirmLockout=true`, blockAll({ state: 'disabled' }));
    expect(confirmed.status).toBe(201);
    const enabled = await graph('PATCH', `${CA}/policies/${confirmed.body.id}?signetConfirmLockout=true`, {
      state: 'enabled',
    });
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(204);
    const audits = (await listAudits(server.store.db, a.id)).filter((x) => x.targetId === confirmed.body.id);
    expect(audits.find((x) => x.activity === 'Update conditional access policy')?.detail).toMatchObject({
      confirmedLockout: 'true',
      'state.newValue': 'enabled',
    });
    for (const id of [excluded.body.id, confirmed.body.id])
      expect((await graph('DELETE', `${CA}/policies/${id}`)).status).toBe(204);
    expect(admin.id).toBeTruthy();
  });

  it('keeps tenants apart: another tenant’s policy, location or context is not found', async () => {
    const p = await graph('POST', `${CA}/policies`, financePolicy({ state: 'disabled' }));
    const l = await graph('POST', `${CA}/namedLocations`, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'HQ',
      ipRanges: [{ cidrAddress: '192.0.2.0/24' }],
    });
    await graph('PATCH', `${CA}/authenticationContextClassReferences/c9`, { displayName: 'Secret' });
    for (const path of [
      `policies/${p.body.id}`,
      `namedLocations/${l.body.id}`,
      'authenticationContextClassReferences/c9',
    ]) {
      await refused(await graph('GET', `${CA}/${path}`, undefined, writerB), 404, 'GRAPH_RESOURCE_NOT_FOUND');
      await refused(await graph('DELETE', `${CA}/${path}`, undefined, writerB), 404, 'GRAPH_RESOURCE_NOT_FOUND');
    }
    await refused(
      await graph('PATCH', `${CA}/policies/${p.body.id}`, { state: 'enabled' }, writerB),
      404,
      'GRAPH_RESOURCE_NOT_FOUND',
    );
    expect(await policies(writerB)).toEqual([]);
    expect((await graph('GET', `${CA}/namedLocations`, undefined, writerB)).body.value).toEqual([]);
    expect((await graph('GET', `${CA}/policies/${p.body.id}`)).status).toBe(200);
    expect((await graph('DELETE', `${CA}/policies/${p.body.id}`)).status).toBe(204);
    expect((await graph('DELETE', `${CA}/namedLocations/${l.body.id}`)).status).toBe(204);
    expect((await graph('DELETE', `${CA}/authenticationContextClassReferences/c9`)).status).toBe(204);
  });

  it('keeps named locations (ipNamedLocation only) and refuses deleting one a policy names', async () => {
    const created = await graph('POST', `${CA}/namedLocations`, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Office',
      isTrusted: true,
      ipRanges: [
        { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.0/24' },
        { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8::/32' },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Office',
      isTrusted: true,
    });
    const id = String(created.body.id);
    await refused(
      await graph('POST', `${CA}/namedLocations`, {
        '@odata.type': '#microsoft.graph.countryNamedLocation',
        displayName: 'US',
        countriesAndRegions: ['US'],
      }),
      400,
      'CA_LOCATION_TYPE_UNSUPPORTED',
    );
    await refused(
      await graph('POST', `${CA}/namedLocations`, {
        '@odata.type': '#microsoft.graph.ipNamedLocation',
        displayName: 'Bad',
        ipRanges: [{ cidrAddress: '10.0.0.0/40' }],
      }),
      400,
      'CA_LOCATION_RANGE_INVALID',
      { field: 'ipRanges[0].cidrAddress' },
    );
    expect(
      (
        await graph('PATCH', `${CA}/namedLocations/${id}`, {
          '@odata.type': '#microsoft.graph.ipNamedLocation',
          displayName: 'HQ',
        })
      ).status,
    ).toBe(204);
    expect((await graph('GET', `${CA}/namedLocations/${id}`, undefined, reader)).body).toMatchObject({
      displayName: 'HQ',
      isTrusted: true,
    });

    const c = financePolicy().conditions;
    const p = await graph(
      'POST',
      `${CA}/policies`,
      financePolicy({ conditions: { ...c, locations: { includeLocations: ['All'], excludeLocations: [id] } } }),
    );
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    await refused(await graph('DELETE', `${CA}/namedLocations/${id}`), 409, 'CA_LOCATION_IN_USE', {
      policies: 'Finance needs a passkey',
    });
    await refused(
      await graph(
        'POST',
        `${CA}/policies`,
        financePolicy({ conditions: { ...c, locations: { includeLocations: [crypto.randomUUID()] } } }),
      ),
      400,
      'CA_TARGET_NOT_FOUND',
      { field: 'conditions.locations.includeLocations' },
    );
    expect((await graph('DELETE', `${CA}/policies/${p.body.id}`)).status).toBe(204);
    expect((await graph('DELETE', `${CA}/namedLocations/${id}`)).status).toBe(204);
  });

  it('creates authentication contexts by PATCH, as Graph does, updates them, and refuses deleting one in use', async () => {
    await refused(
      await graph('PATCH', `${CA}/authenticationContextClassReferences/c100`, { displayName: 'x' }),
      400,
      'CA_CONTEXT_ID_INVALID',
    );
    expect(
      (
        await graph('PATCH', `${CA}/authenticationContextClassReferences/c1`, {
          displayName: 'Admin portal',
          isAvailable: true,
        })
      ).status,
    ).toBe(204);
    expect(
      (await graph('PATCH', `${CA}/authenticationContextClassReferences/C1`, { description: 'Payroll and admin' }))
        .status,
    ).toBe(204);
    expect((await graph('GET', `${CA}/authenticationContextClassReferences/c1`, undefined, reader)).body).toMatchObject(
      {
        id: 'c1',
        displayName: 'Admin portal',
        description: 'Payroll and admin',
        isAvailable: true,
      },
    );
    const p = await graph(
      'POST',
      `${CA}/policies`,
      financePolicy({
        conditions: {
          users: { includeUsers: ['All'] },
          applications: { includeAuthenticationContextClassReferences: ['c1'] },
        },
      }),
    );
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    await refused(await graph('DELETE', `${CA}/authenticationContextClassReferences/c1`), 409, 'CA_CONTEXT_IN_USE');
    expect((await graph('DELETE', `${CA}/policies/${p.body.id}`)).status).toBe(204);
    expect((await graph('DELETE', `${CA}/authenticationContextClassReferences/c1`)).status).toBe(204);
  });

  it('audits every change with what changed, by whom', async () => {
    const p = await graph('POST', `${CA}/policies`, financePolicy({ state: 'disabled', displayName: 'Audited' }));
    await graph('PATCH', `${CA}/policies/${p.body.id}`, { displayName: 'Audited again' });
    await graph('DELETE', `${CA}/policies/${p.body.id}`);
    const rows = (await listAudits(server.store.db, a.id)).filter((x) => x.targetId === p.body.id);
    expect(rows.map((r) => r.activity).sort()).toEqual([
      'Add conditional access policy',
      'Delete conditional access policy',
      'Update conditional access policy',
    ]);
    expect(rows.every((r) => r.actorType === 'app' && r.actorId === appId && r.targetType === 'policy')).toBe(true);
    expect(rows.find((r) => r.activity.startsWith('Update'))?.detail).toMatchObject({
      'displayName.oldValue': 'Audited',
      'displayName.newValue': 'Audited again',
    });
    const l = await graph('POST', `${CA}/namedLocations`, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Audited site',
      ipRanges: [{ cidrAddress: '203.0.113.0/24' }],
    });
    await graph('PATCH', `${CA}/namedLocations/${l.body.id}`, {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      isTrusted: true,
    });
    await graph('DELETE', `${CA}/namedLocations/${l.body.id}`);
    await graph('PATCH', `${CA}/authenticationContextClassReferences/c42`, { displayName: 'Audited context' });
    await graph('PATCH', `${CA}/authenticationContextClassReferences/c42`, { isAvailable: true });
    // The same values again change nothing, and write no audit row.
    await graph('PATCH', `${CA}/authenticationContextClassReferences/c42`, { isAvailable: true });
    await graph('DELETE', `${CA}/authenticationContextClassReferences/c42`);
    const all = await listAudits(server.store.db, a.id);
    expect(
      all
        .filter((x) => x.targetId === l.body.id)
        .map((r) => r.activity)
        .sort(),
    ).toEqual(['Add named location', 'Delete named location', 'Update named location']);
    expect(all.find((x) => x.targetId === l.body.id && x.activity === 'Update named location')?.detail).toMatchObject({
      'isTrusted.newValue': 'true',
    });
    expect(
      all
        .filter((x) => x.targetId === 'c42')
        .map((r) => r.activity)
        .sort(),
    ).toEqual(['Add authentication context', 'Delete authentication context', 'Update authentication context']);
    const dir = await graph(
      'GET',
      `/auditLogs/directoryAudits`,
      undefined,
      (await tokenFor(a, ['AuditLog.Read.All'])).token,
    );
    expect(
      (dir.body.value as Json[]).some(
        (x) => x.activityDisplayName === 'Add conditional access policy' && x.category === 'Policy',
      ),
    ).toBe(true);
  });

  it('reads a damaged stored policy as a block of everyone under its own name (fail closed), never as nothing', async () => {
    const id = crypto.randomUUID();
    await server.store.db
      .insertInto('ca_policies')
      .values({
        tenant_id: a.id,
        id,
        display_name: 'Damaged',
        state: 'enabled',
        strength_id: null,
        document: '{"displayName":',
        created_at: Date.now(),
        modified_at: null,
      })
      .execute();
    // Another process wrote it: this one sees it once the version moves (as any write bumps it).
    await bumpCacheVersion(server.store.db, a.id, 'conditional-access');
    await new Promise((r) => setTimeout(r, 1100));
    const read = await graph('GET', `${CA}/policies/${id}`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({
      displayName: 'Damaged',
      state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } },
      grantControls: { builtInControls: ['block'] },
    });
    expect((await graph('DELETE', `${CA}/policies/${id}`)).status).toBe(204);
  });

  it('answers What If (evaluate) in Graph’s shape: which policies apply, why the others do not', async () => {
    const finance = await graph('POST', `${CA}/policies`, financePolicy());
    const everyone = await graph('POST', `${CA}/policies`, {
      displayName: 'Report-only MFA for all',
      state: 'enabledForReportingButNotEnforced',
      conditions: {
        applications: { includeApplications: ['All'] },
        users: { includeUsers: ['All'] },
        clientAppTypes: ['mobileAppsAndDesktopClients'],
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    const evaluate = (userId: string, over: Json = {}, version = 'v1.0') =>
      graph(
        'POST',
        `${CA}/evaluate`,
        {
          signInIdentity: { '@odata.type': '#microsoft.graph.userSignIn', userId },
          signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [appId] },
          signInConditions: { clientAppType: 'browser', ipAddress: '192.0.2.1' },
          ...over,
        },
        reader,
        version,
      );
    const r = await evaluate(alice.id);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body['@odata.context']).toMatch(/Collection\(microsoft\.graph\.whatIfAnalysisResult\)$/);
    const byId = new Map((r.body.value as Json[]).map((x) => [x.id, x]));
    expect(byId.get(finance.body.id)).toMatchObject({
      policyApplies: true,
      analysisReasons: 'notSet',
      grantControls: { authenticationStrength: { id: PR } },
    });
    expect(byId.get(everyone.body.id)).toMatchObject({ policyApplies: false, analysisReasons: 'clientApps' });
    const bob = await evaluate(
      admin.id,
      { appliedPoliciesOnly: true, signInConditions: { clientAppType: 'mobileAppsAndDesktopClients' } },
      'beta',
    );
    expect((bob.body.value as Json[]).map((x) => x.id)).toEqual([everyone.body.id]);
    expect((bob.body.value as Json[])[0]).toMatchObject({ grantControls: { builtInControls: ['mfa'] } });
    await refused(
      await evaluate(alice.id, { signInConditions: { devicePlatform: 'android' } }),
      400,
      'CA_WHATIF_UNSUPPORTED',
      { field: 'signInConditions.devicePlatform' },
    );
    await refused(
      await evaluate(alice.id, {
        signInIdentity: { '@odata.type': '#microsoft.graph.servicePrincipalSignIn', servicePrincipalId: appId },
      }),
      400,
      'CA_WHATIF_UNSUPPORTED',
      { field: 'signInIdentity' },
    );
    await refused(await evaluate(crypto.randomUUID()), 404, 'USER_NOT_FOUND');
    // Another tenant's user is as unknown as a made-up one.
    await refused(
      await graph(
        'POST',
        `${CA}/evaluate`,
        {
          signInIdentity: { userId: alice.id },
          signInContext: { '@odata.type': '#microsoft.graph.applicationContext', includeApplications: [] },
          signInConditions: {},
        },
        writerB,
      ),
      404,
      'USER_NOT_FOUND',
    );
    for (const p of [finance, everyone])
      expect((await graph('DELETE', `${CA}/policies/${p.body.id}`)).status).toBe(204);
    expect(MFA).toBeTruthy();
  });
});
