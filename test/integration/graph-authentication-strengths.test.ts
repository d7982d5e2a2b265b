// Authentication strengths through Graph (issue 9): the three built-ins in Entra's shape under both roots, custom
// strengths created, renamed, their combinations changed by the action and their fido2 configurations managed, every
// refusal with its code (a combination Signet lacks, an unknown field, a built-in write, a strength in use), usage,
// tenants kept apart, who may read and write, and an audit row for every change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../../src/flows/directory.ts';
import { strengthsOf } from '../../src/flows/strengths.ts';
import { listAudits } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import {
  appToken,
  delegatedToken,
  deleteCaPolicy,
  expectRefused,
  type GraphAnswer,
  graphCall,
  insertCaPolicyRequiring,
  type Json,
} from '../support/strength-fixtures.ts';

const ROOT = '/policies/authenticationStrengthPolicies';
const ALIAS = '/identity/conditionalAccess/authenticationStrength/policies';
const MFA = '00000000-0000-0000-0000-000000000002';
const PHISHING_RESISTANT = '00000000-0000-0000-0000-000000000004';
const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const FIDO2_CONFIG = '#microsoft.graph.fido2CombinationConfiguration';
let n = 0;
const uniqueName = (p = 'Strength') => `${p} ${++n} ${Math.random().toString(36).slice(2, 6)}`;

describe.each(engines)('authentication strengths through Graph on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let caWriter: string;
  let amWriter: string;
  let reader: string;
  let unrelated: string;
  let writerB: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    caWriter = await appToken(server, a, ['Policy.ReadWrite.ConditionalAccess']);
    amWriter = await appToken(server, a, ['Policy.ReadWrite.AuthenticationMethod']);
    reader = await appToken(server, a, ['Policy.Read.All']);
    unrelated = await appToken(server, a, ['User.Read.All']);
    writerB = await appToken(server, b, ['Policy.ReadWrite.ConditionalAccess']);
  });
  afterAll(() => server?.close());

  const graph = (method: string, path: string, body?: unknown, token = caWriter) =>
    graphCall(server, token, method, path, body);
  const create = async (body: Json, token = caWriter) => {
    const r = await graph('POST', ROOT, { displayName: uniqueName(), ...body }, token);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };

  it('lists the three built-ins first, in Entra’s shape restricted to Signet’s modes, under both roots', async () => {
    for (const root of [ROOT, ALIAS]) {
      const r = await graph('GET', root, undefined, reader);
      expect(r.status).toBe(200);
      const value = r.body.value as Json[];
      expect(value.slice(0, 3)).toEqual([
        {
          id: MFA,
          createdDateTime: '2021-12-01T00:00:00Z',
          modifiedDateTime: '2021-12-01T00:00:00Z',
          displayName: 'Multifactor authentication',
          description: 'Combinations of methods that satisfy strong authentication, such as a password + SMS',
          policyType: 'builtIn',
          requirementsSatisfied: 'mfa',
          allowedCombinations: [
            'fido2',
            'temporaryAccessPassOneTime',
            'temporaryAccessPassMultiUse',
            'password,softwareOath',
          ],
          combinationConfigurations: [],
        },
        expect.objectContaining({
          id: '00000000-0000-0000-0000-000000000003',
          displayName: 'Passwordless MFA',
          allowedCombinations: ['fido2'],
        }),
        expect.objectContaining({
          id: PHISHING_RESISTANT,
          displayName: 'Phishing resistant MFA',
          policyType: 'builtIn',
          allowedCombinations: ['fido2'],
        }),
      ]);
      expect(String(r.body['@odata.context'])).toMatch(/\$metadata#/);
    }
    const one = await graph('GET', `${ALIAS}/${PHISHING_RESISTANT}`, undefined, reader);
    expect(one.body).toMatchObject({ id: PHISHING_RESISTANT, displayName: 'Phishing resistant MFA' });
  });

  it('answers the valid combinations and the method modes Signet has', async () => {
    const c = await graph('GET', '/identity/conditionalAccess/authenticationStrength/combinations', undefined, reader);
    expect(c.body.value).toEqual([
      'fido2',
      'temporaryAccessPassOneTime',
      'temporaryAccessPassMultiUse',
      'password,softwareOath',
      'password',
      'email',
      'password,email',
    ]);
    const m = await graph(
      'GET',
      '/identity/conditionalAccess/authenticationStrength/authenticationMethodModes',
      undefined,
      reader,
    );
    expect(m.body.value).toContainEqual({
      id: 'fido2',
      displayName: 'FIDO2 Security Key',
      authenticationMethod: 'fido2',
    });
    expect(m.body.value).toContainEqual({
      id: 'temporaryAccessPassOneTime',
      displayName: 'Temporary Access Pass (one-time use)',
      authenticationMethod: 'temporaryAccessPass',
    });
    expect((m.body.value as Json[]).map((x) => x.id).sort()).toEqual(
      [
        'email',
        'fido2',
        'password',
        'softwareOath',
        'temporaryAccessPassMultiUse',
        'temporaryAccessPassOneTime',
      ].sort(),
    );
  });

  it('creates a custom strength with its combinations normalized, and reads it back under both roots', async () => {
    const name = uniqueName('Contoso level');
    const r = await graph('POST', ROOT, {
      '@odata.type': '#microsoft.graph.authenticationStrengthPolicy',
      displayName: name,
      description: 'For our secret apps',
      allowedCombinations: ['softwareOath, password', 'fido2', 'password,softwareOath'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      displayName: name,
      description: 'For our secret apps',
      policyType: 'custom',
      requirementsSatisfied: 'mfa',
      allowedCombinations: ['password,softwareOath', 'fido2'],
      combinationConfigurations: [],
    });
    const id = String(r.body.id);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.createdDateTime).toBe(r.body.modifiedDateTime);
    for (const root of [ROOT, ALIAS]) {
      const got = await graph('GET', `${root}/${id}`, undefined, reader);
      const { '@odata.context': _, ...rest } = got.body;
      const { '@odata.context': __, ...created } = r.body;
      expect(rest).toEqual(created);
    }
    const custom = await graph('GET', `${ROOT}?$filter=policyType eq 'custom'`, undefined, reader);
    expect((custom.body.value as Json[]).map((s) => s.id)).toContain(id);
    expect((custom.body.value as Json[]).every((s) => s.policyType === 'custom')).toBe(true);
    const builtIn = await graph('GET', `${ROOT}?$filter=policyType eq 'builtIn'`, undefined, reader);
    expect((builtIn.body.value as Json[]).length).toBe(3);
    const byName = await graph('GET', `${ROOT}?$filter=displayName eq '${name.toLowerCase()}'`, undefined, reader);
    expect((byName.body.value as Json[]).map((s) => s.id)).toEqual([id]);
    const withTotp = await graph(
      'GET',
      `${ALIAS}?$filter=${encodeURIComponent("allowedCombinations/any(x:x has 'password, softwareOath')")}`,
      undefined,
      reader,
    );
    const found = withTotp.body.value as Json[];
    expect(found.map((s) => s.id)).toEqual(expect.arrayContaining([MFA, id]));
    expect(found.every((s) => (s.allowedCombinations as string[]).includes('password,softwareOath'))).toBe(true);
    // A strength allowing a single factor does not satisfy MFA.
    expect((await create({ allowedCombinations: ['password', 'fido2'] })).requirementsSatisfied).toBe('none');
  });

  it('refuses a combination Signet does not offer, naming it, and writes nothing', async () => {
    const name = uniqueName();
    for (const bad of ['password, sms', 'windowsHelloForBusiness', 'softwareOath', 'password,password'])
      expectRefused(
        await graph('POST', ROOT, { displayName: name, allowedCombinations: ['fido2', bad] }),
        400,
        'STRENGTH_COMBINATION_INVALID',
        {
          combination: bad,
        },
      );
    const list = await graph('GET', ROOT, undefined, reader);
    expect((list.body.value as Json[]).map((s) => s.displayName)).not.toContain(name);
  });

  it('refuses unknown fields, read-only fields, a missing name or empty combinations, and a taken name', async () => {
    expectRefused(
      await graph('POST', ROOT, { displayName: uniqueName(), allowedCombinations: ['fido2'], color: 'red' }),
      400,
      'GRAPH_PROPERTY_UNKNOWN',
      {
        properties: 'color',
      },
    );
    expectRefused(
      await graph('POST', ROOT, { displayName: uniqueName(), allowedCombinations: ['fido2'], policyType: 'builtIn' }),
      400,
      'GRAPH_PROPERTY_READ_ONLY',
      {
        properties: 'policyType',
      },
    );
    expectRefused(await graph('POST', ROOT, { allowedCombinations: ['fido2'] }), 400, 'REQUEST_INVALID', {
      field: 'displayName',
    });
    expectRefused(
      await graph('POST', ROOT, { displayName: uniqueName(), allowedCombinations: [] }),
      400,
      'REQUEST_INVALID',
      {
        field: 'allowedCombinations',
      },
    );
    expectRefused(
      await graph('POST', ROOT, { displayName: 'x'.repeat(129), allowedCombinations: ['fido2'] }),
      400,
      'REQUEST_INVALID',
      {
        field: 'displayName',
      },
    );
    const taken = await create({ allowedCombinations: ['fido2'] });
    expectRefused(
      await graph('POST', ROOT, {
        displayName: String(taken.displayName).toUpperCase(),
        allowedCombinations: ['fido2'],
      }),
      409,
      'STRENGTH_NAME_TAKEN',
    );
    expectRefused(
      await graph('POST', ROOT, { displayName: 'phishing resistant mfa', allowedCombinations: ['fido2'] }),
      409,
      'STRENGTH_NAME_TAKEN',
    );
  });

  it('renames with PATCH, refuses combinations there, and never changes or deletes a built-in', async () => {
    const s = await create({ allowedCombinations: ['fido2'] });
    const id = String(s.id);
    const name = uniqueName('Renamed');
    const p = await graph('PATCH', `${ROOT}/${id}`, { displayName: name, description: 'new words' });
    expect(p.status, JSON.stringify(p.body)).toBe(204);
    const got = (await graph('GET', `${ROOT}/${id}`, undefined, reader)).body;
    expect(got).toMatchObject({ displayName: name, description: 'new words', createdDateTime: s.createdDateTime });
    expect(Date.parse(String(got.modifiedDateTime))).toBeGreaterThanOrEqual(Date.parse(String(s.modifiedDateTime)));
    expectRefused(
      await graph('PATCH', `${ROOT}/${id}`, { allowedCombinations: ['password'] }),
      400,
      'STRENGTH_COMBINATIONS_BY_ACTION',
      {
        properties: 'allowedCombinations',
      },
    );
    expectRefused(
      await graph('PATCH', `${ROOT}/${id}`, { displayName: 'Multifactor authentication' }),
      409,
      'STRENGTH_NAME_TAKEN',
    );
    for (const [method, path, body] of [
      ['PATCH', `${ROOT}/${MFA}`, { displayName: 'Mine now' }],
      ['DELETE', `${ROOT}/${PHISHING_RESISTANT}`, undefined],
      ['POST', `${ALIAS}/${MFA}/updateAllowedCombinations`, { allowedCombinations: ['password'] }],
      [
        'POST',
        `${ROOT}/${PHISHING_RESISTANT}/combinationConfigurations`,
        { '@odata.type': FIDO2_CONFIG, appliesToCombinations: ['fido2'], allowedAAGUIDs: [YUBIKEY_5] },
      ],
    ] as const)
      expectRefused(await graph(method, path, body), 400, 'STRENGTH_BUILT_IN_READ_ONLY');
    const mfa = (await graph('GET', `${ROOT}/${MFA}`, undefined, reader)).body;
    expect(mfa).toMatchObject({ displayName: 'Multifactor authentication', combinationConfigurations: [] });
  });

  it('changes combinations with updateAllowedCombinations and answers Graph’s result', async () => {
    const s = await create({ allowedCombinations: ['fido2'] });
    const r = await graph('POST', `${ROOT}/${s.id}/updateAllowedCombinations`, {
      allowedCombinations: ['fido2', 'email , password'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      previousCombinations: ['fido2'],
      currentCombinations: ['fido2', 'password,email'],
      conditionalAccessReferences: [],
    });
    const got = (await graph('GET', `${ROOT}/${s.id}`, undefined, reader)).body;
    expect(got).toMatchObject({ allowedCombinations: ['fido2', 'password,email'], requirementsSatisfied: 'none' });
    expectRefused(
      await graph('POST', `${ROOT}/${s.id}/updateAllowedCombinations`, { allowedCombinations: ['voice'] }),
      400,
      'STRENGTH_COMBINATION_INVALID',
      {
        combination: 'voice',
      },
    );
    expectRefused(
      await graph('POST', `${ROOT}/${s.id}/updateAllowedCombinations`, { allowedCombinations: ['fido2'], extra: 1 }),
      400,
      'GRAPH_PROPERTY_UNKNOWN',
    );
  });

  it('manages the fido2 configuration: an AAGUID-restricted strength, with Signet’s type and attestation options', async () => {
    const noFido2 = await create({ allowedCombinations: ['password,softwareOath'] });
    const config = {
      '@odata.type': FIDO2_CONFIG,
      appliesToCombinations: ['fido2'],
      allowedAAGUIDs: [YUBIKEY_5.toUpperCase()],
    };
    expectRefused(
      await graph('POST', `${ROOT}/${noFido2.id}/combinationConfigurations`, config),
      400,
      'STRENGTH_CONFIGURATION_NEEDS_FIDO2',
    );

    const s = await create({ allowedCombinations: ['fido2'] });
    const path = `${ALIAS}/${s.id}/combinationConfigurations`;
    expectRefused(
      await graph('POST', path, { ...config, appliesToCombinations: ['password'] }),
      400,
      'STRENGTH_CONFIGURATION_COMBINATION_INVALID',
    );
    expectRefused(
      await graph('POST', path, { appliesToCombinations: ['fido2'], allowedAAGUIDs: [] }),
      400,
      'REQUEST_INVALID',
      {
        field: '@odata.type',
      },
    );
    expectRefused(await graph('POST', path, { ...config, allowedAAGUIDs: ['not-a-guid'] }), 400, 'REQUEST_INVALID', {
      field: 'allowedAAGUIDs[0]',
    });
    expectRefused(
      await graph('POST', path, { ...config, allowedPasskeyTypes: ['synced'], requireAttestation: true }),
      400,
      'STRENGTH_CONFIGURATION_UNSATISFIABLE',
    );

    const c = await graph('POST', path, config);
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({
      '@odata.type': FIDO2_CONFIG,
      appliesToCombinations: ['fido2'],
      allowedAAGUIDs: [YUBIKEY_5],
    });
    const configId = String(c.body.id);
    expectRefused(await graph('POST', path, config), 409, 'STRENGTH_CONFIGURATION_EXISTS', { id: configId });

    const p = await graph('PATCH', `${path}/${configId}`, {
      allowedPasskeyTypes: ['deviceBound'],
      requireAttestation: true,
    });
    expect(p.status, JSON.stringify(p.body)).toBe(204);
    const list = await graph('GET', path, undefined, reader);
    expect(list.body.value).toEqual([
      {
        '@odata.type': FIDO2_CONFIG,
        id: configId,
        appliesToCombinations: ['fido2'],
        allowedAAGUIDs: [YUBIKEY_5],
        allowedPasskeyTypes: ['deviceBound'],
        requireAttestation: true,
      },
    ]);
    expect((await graph('GET', `${ROOT}/${s.id}`, undefined, reader)).body.combinationConfigurations).toEqual(
      list.body.value,
    );

    // The sign-in path's view is the same strength, configuration included.
    const live = (await strengthsOf(server.ctx, a.id)).get(String(s.id));
    expect(live?.combinationConfigurations[0]).toMatchObject({ allowedAAGUIDs: [YUBIKEY_5], requireAttestation: true });

    expectRefused(
      await graph('POST', `${ROOT}/${s.id}/updateAllowedCombinations`, {
        allowedCombinations: ['password,softwareOath'],
      }),
      400,
      'STRENGTH_CONFIGURATION_NEEDS_FIDO2',
    );
    expect((await graph('DELETE', `${path}/${configId}`)).status).toBe(204);
    expect((await graph('GET', `${path}/${configId}`, undefined, reader)).status).toBe(404);
    expect((await graph('GET', path, undefined, reader)).body.value).toEqual([]);
  });

  it('refuses to delete a strength a Conditional Access policy requires, names the policy, and answers usage', async () => {
    const s = await create({ allowedCombinations: ['fido2'] });
    const id = String(s.id);
    expect((await graph('GET', `${ROOT}/${id}/usage`, undefined, reader)).body).toMatchObject({ mfa: [], none: [] });
    const policy = await insertCaPolicyRequiring(server.ctx.db, a.id, id, 'Admins need keys');
    const del = await graph('DELETE', `${ROOT}/${id}`);
    expectRefused(del, 409, 'STRENGTH_IN_USE');
    expect(del.body.error).toMatchObject({ innerError: { policies: `Admins need keys (${policy})` } });
    const usage = await graph('GET', `${ROOT}/${id}/usage`, undefined, reader);
    expect(usage.body).toMatchObject({
      mfa: [{ id: policy, displayName: 'Admins need keys', state: 'enabled' }],
      none: [],
    });

    // A strength policies require as MFA cannot be made single-factor; a multi-factor change names the references.
    expectRefused(
      await graph('POST', `${ROOT}/${id}/updateAllowedCombinations`, { allowedCombinations: ['fido2', 'password'] }),
      409,
      'STRENGTH_MFA_REQUIRED_BY_POLICIES',
      {
        singleFactor: 'password',
      },
    );
    const r = await graph('POST', `${ROOT}/${id}/updateAllowedCombinations`, {
      allowedCombinations: ['fido2', 'temporaryAccessPassOneTime'],
    });
    expect(r.body).toMatchObject({ conditionalAccessReferences: [policy] });
    expect(String(r.body.additionalInformation)).toContain('1 Conditional Access policy');

    await deleteCaPolicy(server.ctx.db, a.id, policy);
    expect((await graph('DELETE', `${ROOT}/${id}`)).status).toBe(204);
    expect((await graph('GET', `${ROOT}/${id}`, undefined, reader)).status).toBe(404);
    expect((await strengthsOf(server.ctx, a.id)).has(id)).toBe(false);
  });

  it('keeps tenants apart: another tenant’s strength is not found, by any verb', async () => {
    const s = await create({ allowedCombinations: ['fido2'] });
    const id = String(s.id);
    for (const [method, path, body] of [
      ['GET', `${ROOT}/${id}`, undefined],
      ['PATCH', `${ROOT}/${id}`, { displayName: uniqueName() }],
      ['DELETE', `${ROOT}/${id}`, undefined],
      ['GET', `${ROOT}/${id}/usage`, undefined],
      ['POST', `${ROOT}/${id}/updateAllowedCombinations`, { allowedCombinations: ['password'] }],
      [
        'POST',
        `${ROOT}/${id}/combinationConfigurations`,
        { '@odata.type': FIDO2_CONFIG, appliesToCombinations: ['fido2'], allowedAAGUIDs: [] },
      ],
    ] as const)
      expectRefused(await graph(method, path, body, writerB), 404, 'GRAPH_RESOURCE_NOT_FOUND');
    const listB = await graph('GET', ROOT, undefined, writerB);
    expect((listB.body.value as Json[]).map((x) => x.policyType)).toEqual(['builtIn', 'builtIn', 'builtIn']);
    expect((await strengthsOf(server.ctx, b.id)).has(id)).toBe(false);
    expect((await graph('GET', `${ROOT}/${id}`, undefined, reader)).body.displayName).toBe(s.displayName);
  });

  it('lets either policy permission write and Policy.Read.All only read; an unrelated permission is refused', async () => {
    expect((await create({ allowedCombinations: ['fido2'] }, amWriter)).policyType).toBe('custom');
    expectRefused(
      await graph('POST', ROOT, { displayName: uniqueName(), allowedCombinations: ['fido2'] }, reader),
      403,
      'GRAPH_PERMISSION_DENIED',
    );
    expectRefused(await graph('GET', ROOT, undefined, unrelated), 403, 'GRAPH_PERMISSION_DENIED');
    expect((await graph('GET', ROOT, undefined, amWriter)).status).toBe(200);
  });

  it('lets a Conditional Access Administrator write, and a Global Reader only read (delegated)', async () => {
    const scope = 'openid Policy.ReadWrite.ConditionalAccess';
    const admin = await delegatedToken(server, a, 'Conditional Access Administrator', scope);
    expect((await create({ allowedCombinations: ['fido2'] }, admin)).policyType).toBe('custom');
    const globalReader = await delegatedToken(server, a, 'Global Reader', 'openid Policy.Read.All');
    expect((await graph('GET', ROOT, undefined, globalReader)).status).toBe(200);
    const readerWithWriteScope = await delegatedToken(server, a, 'Global Reader', scope);
    expectRefused(
      await graph('POST', ROOT, { displayName: uniqueName(), allowedCombinations: ['fido2'] }, readerWithWriteScope),
      403,
      'GRAPH_PERMISSION_DENIED',
    );
  });

  it('audits every change as a Policy change with what changed, and nothing for a refusal', async () => {
    const before = (await listAudits(server.ctx.db, a.id)).length;
    const s = await create({ displayName: uniqueName('Audited'), allowedCombinations: ['fido2'] });
    const id = String(s.id);
    await graph('PATCH', `${ROOT}/${id}`, { description: 'why' });
    await graph('PATCH', `${ROOT}/${id}`, { description: 'why' }); // unchanged: no row
    await graph('POST', `${ROOT}/${id}/updateAllowedCombinations`, {
      allowedCombinations: ['fido2', 'password,softwareOath'],
    });
    const c = await graph('POST', `${ROOT}/${id}/combinationConfigurations`, {
      '@odata.type': FIDO2_CONFIG,
      appliesToCombinations: ['fido2'],
      allowedAAGUIDs: [YUBIKEY_5],
    });
    await graph('POST', `${ROOT}/${id}/updateAllowedCombinations`, { allowedCombinations: ['sms'] }); // refused
    await graph('DELETE', `${ROOT}/${id}/combinationConfigurations/${c.body.id}`);
    await graph('DELETE', `${ROOT}/${id}`);
    // Oldest first by time; rows written in the same millisecond keep no order, so the activities are compared sorted.
    const rows = (await listAudits(server.ctx.db, a.id))
      .filter((r) => r.targetId === id)
      .sort((x, y) => x.createdAt - y.createdAt);
    const byActivity = (name: string) => rows.find((r) => r.activity === name);
    expect(rows.map((r) => r.activity).sort()).toEqual(
      [
        'Add authentication strength policy',
        'Update authentication strength policy',
        'Update allowed combinations of authentication strength policy',
        'Add combination configuration to authentication strength policy',
        'Delete combination configuration of authentication strength policy',
        'Delete authentication strength policy',
      ].sort(),
    );
    expect(rows.every((r) => r.targetType === 'policy' && r.actorType === 'app')).toBe(true);
    expect(byActivity('Add authentication strength policy')?.detail['displayName.newValue']).toBe(
      JSON.stringify(s.displayName),
    );
    expect(byActivity('Update authentication strength policy')?.detail).toEqual({
      'description.oldValue': '""',
      'description.newValue': '"why"',
    });
    expect(
      byActivity('Update allowed combinations of authentication strength policy')?.detail[
        'allowedCombinations.newValue'
      ],
    ).toBe(JSON.stringify(['fido2', 'password,softwareOath']));
    expect((await listAudits(server.ctx.db, a.id)).length).toBe(before + 6);
    const graphView = await graphCall(
      server,
      await appToken(server, a, ['AuditLog.Read.All']),
      'GET',
      `/auditLogs/directoryAudits?$filter=category eq 'Policy'`,
    );
    expect(JSON.stringify(graphView.body)).toContain('Delete authentication strength policy');
  });

  it('answers 404 for a strength or configuration that does not exist, and refuses an unsupported query', async () => {
    const none = '11111111-2222-3333-4444-555555555555';
    expectRefused(await graph('GET', `${ROOT}/${none}`, undefined, reader), 404, 'GRAPH_RESOURCE_NOT_FOUND');
    expectRefused(await graph('DELETE', `${ROOT}/${none}`), 404, 'GRAPH_RESOURCE_NOT_FOUND');
    const s = await create({ allowedCombinations: ['fido2'] });
    expectRefused(
      await graph('PATCH', `${ROOT}/${s.id}/combinationConfigurations/${none}`, { allowedAAGUIDs: [] }),
      404,
      'GRAPH_RESOURCE_NOT_FOUND',
    );
    expectRefused(
      await graph('GET', `${ROOT}?$filter=startswith(displayName,'x')`, undefined, reader),
      400,
      'GRAPH_QUERY_INVALID',
    );
    expectRefused(await graph('GET', `${ROOT}?$top=1`, undefined, reader), 400, 'GRAPH_QUERY_INVALID');
  });

  it('refuses a body that is not a JSON object', async () => {
    const r: GraphAnswer = await graph('POST', ROOT, ['fido2']);
    expectRefused(r, 400, 'REQUEST_INVALID');
  });
});
