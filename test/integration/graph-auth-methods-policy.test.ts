// The authentication methods policy through Graph (issue 8): the root and each method's configuration in Graph's
// shape, PATCH changing only what is sent, every rule's refusal with its code and the field it names, the limits at
// and above their edge, tenants kept apart, the audit of what changed, a damaged stored document, and a tightened
// policy in force at the very next registration and sign-in.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignetError } from '../../src/core/errors.ts';
import { fido2PolicyBytes, MAX_FIDO2_POLICY_BYTES, MAX_PASSKEY_PROFILES } from '../../src/core/method-policy-rules.ts';
import type { Fido2Document } from '../../src/core/method-policy-schemas.ts';
import { DEFAULT_PROFILE_ID, defaultPasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { beginPasskeySignIn, finishPasskeySignIn } from '../../src/flows/sign-in-passkey.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { openStore, type Store } from '../../src/store/db.ts';
import { insertGroup } from '../../src/store/groups.ts';
import { listAudits } from '../../src/store/logs.ts';
import { loadMethodPolicies } from '../../src/store/policy-cache.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { type Run, signet } from '../support/cli.ts';
import { databaseUrl, engines } from '../support/engines.ts';
import { authorizationCodeTokens, clientCredentials } from '../support/graph.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SOFT_AAGUID, SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
const FIDO2 = '#microsoft.graph.fido2AuthenticationMethodConfiguration';
const TAP = '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration';
const ROOT = '/policies/authenticationMethodsPolicy';
const CONFIGS = `${ROOT}/authenticationMethodConfigurations`;
const guid = () => crypto.randomUUID();
const defaultProfile = () => defaultPasskeyMethodConfig().passkeyProfiles[0]!;

describe.each(engines)('the authentication methods policy through Graph on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let writer: string;
  let reader: string;
  let writerB: string;

  async function tokenFor(t: Tenant, permissions: string[]) {
    const c = await createApp(server.ctx, t, {
      name: `policy ${permissions.join(' ')}`,
      redirectUris: [],
      publicClient: false,
      permissions: permissions as never,
    });
    const r = await clientCredentials(server, t, { id: c.app.id, secret: c.clientSecret! }, '.default');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return String(r.body.access_token);
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    writer = await tokenFor(a, ['Policy.ReadWrite.AuthenticationMethod', 'AuditLog.Read.All']);
    reader = await tokenFor(a, ['Policy.Read.All']);
    writerB = await tokenFor(b, ['Policy.ReadWrite.AuthenticationMethod']);
  });
  afterAll(() => server?.close());

  const graph = async (method: string, path: string, body?: unknown, token = writer) => {
    const res = await fetch(`${server.url}/graph/v1.0${path}`, {
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
  const errorOf = (r: { body: Json }) =>
    (r.body.error ?? {}) as { code: string; innerError: Record<string, string> & { detail?: never } };
  const patchFido2 = (body: Json, token = writer) =>
    graph('PATCH', `${CONFIGS}/fido2`, { '@odata.type': FIDO2, ...body }, token);
  const fido2 = async (token = writer) => (await graph('GET', `${CONFIGS}/Fido2`, undefined, token)).body;
  /** Each refusal: status, code and the field it names, and nothing written. */
  async function refused(
    r: { status: number; body: Json },
    status: number,
    code: string,
    detail: Record<string, string>,
  ) {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(errorOf(r).code).toBe(code);
    expect(errorOf(r).innerError).toMatchObject(detail);
  }
  const profile = (over: Json = {}) => ({
    id: guid(),
    name: `Profile ${randomBytes(2).toString('hex')}`,
    passkeyTypes: 'deviceBound',
    attestationEnforcement: 'disabled',
    keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
    ...over,
  });
  const newGroup = async (t: Tenant) => {
    const id = guid();
    await insertGroup(server.ctx.db, { id, tenantId: t.id, displayName: `g-${id.slice(0, 6)}`, createdAt: Date.now() });
    return id;
  };
  /** Back to the default configuration (each test starts from it). */
  const reset = () => patchFido2({ ...defaultPasskeyMethodConfig() });

  it('answers the policy root with every configuration expanded, in Graph’s shape', async () => {
    const r = await graph('GET', ROOT, undefined, reader);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      '@odata.context': `${server.url}/graph/v1.0/$metadata#policies/authenticationMethodsPolicy`,
      id: 'authenticationMethodsPolicy',
      displayName: 'Authentication Methods Policy',
      policyVersion: '1.5',
      policyMigrationState: 'migrationComplete',
      registrationEnforcement: {
        authenticationMethodsRegistrationCampaign: {
          snoozeDurationInDays: 1,
          enforceRegistrationAfterAllowedSnoozes: true,
          state: 'default',
          excludeTargets: [],
          includeTargets: [{ id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'fido2' }],
        },
      },
    });
    expect(r.body.lastModifiedDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const configs = r.body.authenticationMethodConfigurations as Json[];
    expect(configs.map((c) => [c.id, c['@odata.type']])).toEqual([
      ['Fido2', FIDO2],
      ['TemporaryAccessPass', TAP],
      ['Email', '#microsoft.graph.emailAuthenticationMethodConfiguration'],
      ['SoftwareOath', '#microsoft.graph.softwareOathAuthenticationMethodConfiguration'],
      ['Password', '#microsoft.graph.passwordAuthenticationMethodConfiguration'],
    ]);
    expect(configs[0]).toEqual({
      '@odata.type': FIDO2,
      id: 'Fido2',
      state: 'enabled',
      isSelfServiceRegistrationAllowed: true,
      isAttestationEnforced: false,
      keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
      defaultPasskeyProfile: DEFAULT_PROFILE_ID,
      passkeysPerUserLimit: 10,
      includeTargets: [
        {
          id: 'all_users',
          targetType: 'group',
          isRegistrationRequired: false,
          allowedPasskeyProfiles: [DEFAULT_PROFILE_ID],
        },
      ],
      excludeTargets: [],
      passkeyProfiles: [defaultProfile()],
    });
    expect(configs[1]).toMatchObject({
      state: 'enabled',
      defaultLifetimeInMinutes: 60,
      defaultLength: 16,
      minimumLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 43_200,
      isUsableOnce: false,
      includeTargets: [{ id: 'all_users', targetType: 'group', isRegistrationRequired: false }],
    });
    expect(configs[2]).toMatchObject({ state: 'disabled', allowExternalIdToUseEmailOtp: 'default' });
  });

  it('answers each configuration by its id in any letter case, and 404 for a method Signet does not have', async () => {
    for (const id of ['Fido2', 'fido2', 'FIDO2']) {
      const r = await graph('GET', `${CONFIGS}/${id}`, undefined, reader);
      expect(r.status).toBe(200);
      expect(r.body['@odata.context']).toBe(
        `${server.url}/graph/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity`,
      );
      expect(r.body.id).toBe('Fido2');
    }
    for (const id of ['temporaryAccessPass', 'email', 'softwareOath', 'password'])
      expect((await graph('GET', `${CONFIGS}/${id}`, undefined, reader)).status).toBe(200);
    const sms = await graph('GET', `${CONFIGS}/Sms`, undefined, reader);
    await refused(sms, 404, 'GRAPH_RESOURCE_NOT_FOUND', {});
    expect((await graph('PATCH', `${CONFIGS}/Sms`, { '@odata.type': FIDO2 })).status).toBe(404);
  });

  it('refuses a write with a read-only token', async () => {
    const r = await patchFido2({ isSelfServiceRegistrationAllowed: false }, reader);
    await refused(r, 403, 'GRAPH_PERMISSION_DENIED', {});
    expect((await fido2()).isSelfServiceRegistrationAllowed).toBe(true);
  });

  it('PATCH changes only what is sent (204), and the audit says what changed with old and new values', async () => {
    const before = await fido2();
    const r = await patchFido2({ id: 'Fido2', isSelfServiceRegistrationAllowed: false, passkeysPerUserLimit: 5 });
    expect(r.status).toBe(204);
    expect(r.body).toBeUndefined();
    expect(await fido2()).toEqual({ ...before, isSelfServiceRegistrationAllowed: false, passkeysPerUserLimit: 5 });
    const audits = await graph('GET', `/auditLogs/directoryAudits`);
    const row = (audits.body.value as Json[]).find(
      (x) => x.activityDisplayName === 'Update authentication method configuration',
    )!;
    const target = (row.targetResources as Json[])[0]!;
    expect(target.id).toBe('Fido2');
    const modified = Object.fromEntries(
      (target.modifiedProperties as { displayName: string; oldValue: string; newValue: string }[]).map((p) => [
        p.displayName,
        [p.oldValue, p.newValue],
      ]),
    );
    expect(modified).toEqual({
      isSelfServiceRegistrationAllowed: ['["true"]', '["false"]'],
      passkeysPerUserLimit: ['["10"]', '["5"]'],
    });
    // Nothing changes: nothing is audited.
    const count = (audits.body.value as Json[]).length;
    expect((await patchFido2({ passkeysPerUserLimit: 5 })).status).toBe(204);
    expect(((await graph('GET', `/auditLogs/directoryAudits`)).body.value as Json[]).length).toBe(count);
    await reset();
  });

  it('requires @odata.type on a configuration PATCH, and refuses another id', async () => {
    await refused(await graph('PATCH', `${CONFIGS}/fido2`, { state: 'disabled' }), 400, 'REQUEST_INVALID', {
      field: '@odata.type',
    });
    await refused(await patchFido2({ id: 'Email' }), 400, 'GRAPH_PROPERTY_READ_ONLY', { properties: 'id' });
    expect((await fido2()).state).toBe('enabled');
  });

  it('refuses unknown properties by their path, and wrong types naming the field path', async () => {
    await refused(await patchFido2({ isPasskeyMagic: true }), 400, 'GRAPH_PROPERTY_UNKNOWN', {
      properties: 'isPasskeyMagic',
    });
    await refused(
      await patchFido2({ passkeyProfiles: [defaultProfile(), { ...profile(), colour: 'blue' }] }),
      400,
      'GRAPH_PROPERTY_UNKNOWN',
      { properties: 'passkeyProfiles[1].colour' },
    );
    await refused(
      await patchFido2({ passkeyProfiles: [defaultProfile(), profile(), profile({ passkeyTypes: ['synced'] })] }),
      400,
      'REQUEST_INVALID',
      { field: 'passkeyProfiles[2].passkeyTypes' },
    );
    await refused(await patchFido2({ state: 'on' }), 400, 'REQUEST_INVALID', { field: 'state' });
    expect((await fido2()).passkeyProfiles).toEqual([defaultProfile()]);
  });

  it(`takes ${MAX_PASSKEY_PROFILES} passkey profiles (Entra: 3) and refuses the ${MAX_PASSKEY_PROFILES + 1}th`, async () => {
    const ten = [defaultProfile(), ...Array.from({ length: MAX_PASSKEY_PROFILES - 1 }, () => profile())];
    expect((await patchFido2({ passkeyProfiles: ten })).status).toBe(204);
    expect((await fido2()).passkeyProfiles as Json[]).toHaveLength(MAX_PASSKEY_PROFILES);
    await refused(await patchFido2({ passkeyProfiles: [...ten, profile()] }), 400, 'POLICY_PASSKEY_PROFILES_TOO_MANY', {
      field: 'passkeyProfiles',
      limit: String(MAX_PASSKEY_PROFILES),
    });
    expect((await fido2()).passkeyProfiles as Json[]).toHaveLength(MAX_PASSKEY_PROFILES);
    await reset();
  });

  it(`takes a passkey policy of exactly ${MAX_FIDO2_POLICY_BYTES} bytes and refuses one byte more`, async () => {
    const sized = (bytes: number): Fido2Document => {
      const c = defaultPasskeyMethodConfig();
      c.passkeyProfiles = [c.passkeyProfiles[0]!, ...Array.from({ length: 9 }, () => profile() as never)];
      for (const p of c.passkeyProfiles.slice(1))
        p.keyRestrictions = { isEnforced: true, enforcementType: 'block', aaGuids: [] };
      let i = 0;
      while (fido2PolicyBytes(c) < bytes - 200) c.passkeyProfiles[1 + (i++ % 9)]!.keyRestrictions.aaGuids.push(guid());
      c.passkeyProfiles[1]!.name = 'n';
      c.passkeyProfiles[1]!.name = 'n'.repeat(1 + bytes - fido2PolicyBytes(c));
      expect(fido2PolicyBytes(c)).toBe(bytes);
      return c;
    };
    expect((await patchFido2({ ...sized(MAX_FIDO2_POLICY_BYTES) })).status).toBe(204);
    await reset();
    await refused(await patchFido2({ ...sized(MAX_FIDO2_POLICY_BYTES + 1) }), 400, 'POLICY_TOO_LARGE', {
      size: String(MAX_FIDO2_POLICY_BYTES + 1),
      limit: String(MAX_FIDO2_POLICY_BYTES),
    });
    expect((await fido2()).passkeyProfiles).toEqual([defaultProfile()]);
  });

  it('refuses a profile asking for synced passkeys with enforced attestation, in one error naming both fields', async () => {
    const r = await patchFido2({
      passkeyProfiles: [
        defaultProfile(),
        profile({ name: 'Keys', passkeyTypes: 'synced', attestationEnforcement: 'registrationOnly' }),
      ],
    });
    await refused(r, 400, 'POLICY_PROFILE_SYNCED_WITH_ATTESTATION', {
      field: 'passkeyProfiles[1].passkeyTypes, passkeyProfiles[1].attestationEnforcement',
      profile: 'Keys',
    });
    // Graph's deprecated global isAttestationEnforced lands on the default profile, which allows synced: refused too.
    await refused(await patchFido2({ isAttestationEnforced: true }), 400, 'POLICY_PROFILE_SYNCED_WITH_ATTESTATION', {
      field: 'passkeyProfiles[0].passkeyTypes, passkeyProfiles[0].attestationEnforcement',
    });
  });

  it('keeps a profile that a target or the default names, and refuses naming a profile that does not exist', async () => {
    const pilots = profile({ name: 'Pilots' });
    const group = await newGroup(a);
    const target = {
      id: group,
      targetType: 'group',
      isRegistrationRequired: false,
      allowedPasskeyProfiles: [pilots.id],
    };
    expect(
      (
        await patchFido2({
          passkeyProfiles: [defaultProfile(), pilots],
          includeTargets: [...defaultPasskeyMethodConfig().includeTargets, target],
        })
      ).status,
    ).toBe(204);
    await refused(await patchFido2({ passkeyProfiles: [defaultProfile()] }), 409, 'POLICY_PROFILE_IN_USE', {
      profile: pilots.id,
      usedBy: 'includeTargets[1].allowedPasskeyProfiles[0]',
    });
    await refused(await patchFido2({ passkeyProfiles: [pilots] }), 409, 'POLICY_PROFILE_IN_USE', {
      profile: DEFAULT_PROFILE_ID,
    });
    const stranger = guid();
    await refused(await patchFido2({ defaultPasskeyProfile: stranger }), 400, 'POLICY_PROFILE_UNKNOWN', {
      field: 'defaultPasskeyProfile',
      id: stranger,
    });
    await refused(
      await patchFido2({ includeTargets: [{ ...target, allowedPasskeyProfiles: [stranger] }] }),
      400,
      'POLICY_PROFILE_UNKNOWN',
      { field: 'includeTargets[0].allowedPasskeyProfiles[0]', id: stranger },
    );
    expect((await fido2()).passkeyProfiles as Json[]).toHaveLength(2);
    // With the target gone, the profile goes too.
    expect(
      (
        await patchFido2({
          includeTargets: defaultPasskeyMethodConfig().includeTargets,
          passkeyProfiles: [defaultProfile()],
        })
      ).status,
    ).toBe(204);
    await reset();
  });

  it("takes this tenant's groups as targets and answers another tenant's group as not found", async () => {
    const own = await newGroup(a);
    const theirs = await newGroup(b);
    expect((await patchFido2({ excludeTargets: [{ id: own, targetType: 'group' }] })).status).toBe(204);
    for (const id of [theirs, guid()])
      await refused(
        await patchFido2({ excludeTargets: [{ id, targetType: 'group' }] }),
        400,
        'POLICY_TARGET_NOT_FOUND',
        { field: 'excludeTargets[0].id', id },
      );
    await refused(
      await patchFido2({
        includeTargets: [{ id: theirs, targetType: 'group', allowedPasskeyProfiles: [DEFAULT_PROFILE_ID] }],
      }),
      400,
      'POLICY_TARGET_NOT_FOUND',
      { field: 'includeTargets[0].id', id: theirs },
    );
    expect((await fido2()).excludeTargets).toEqual([{ id: own, targetType: 'group' }]);
    // A group a policy names cannot be deleted.
    const del = await fetch(`${server.url}/graph/v1.0/groups/${own}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await tokenFor(a, ['Group.ReadWrite.All'])}` },
    });
    expect(del.status).toBe(409);
    await reset();
  });

  it('keeps AAGUIDs well-formed, in lower case once each', async () => {
    const upper = 'CB69481E-8FF7-4039-93EC-0A2729A154A8';
    const restricted = (aaGuids: string[]) =>
      patchFido2({
        passkeyProfiles: [
          { ...defaultProfile(), keyRestrictions: { isEnforced: true, enforcementType: 'allow', aaGuids } },
        ],
      });
    expect((await restricted([upper, upper.toLowerCase()])).status).toBe(204);
    expect(((await fido2()).keyRestrictions as Json).aaGuids).toEqual([upper.toLowerCase()]);
    await refused(await restricted([upper, 'not-an-aaguid']), 400, 'POLICY_AAGUID_INVALID', {
      field: 'passkeyProfiles[0].keyRestrictions.aaGuids[1]',
      aaguid: 'not-an-aaguid',
    });
    await reset();
  });

  it('bounds passkeysPerUserLimit from 1 to 100', async () => {
    for (const n of [1, 100]) expect((await patchFido2({ passkeysPerUserLimit: n })).status).toBe(204);
    for (const n of [0, 101, 1.5, '10'])
      await refused(await patchFido2({ passkeysPerUserLimit: n }), 400, 'REQUEST_INVALID', {
        field: 'passkeysPerUserLimit',
      });
    expect((await fido2()).passkeysPerUserLimit).toBe(100);
    await reset();
  });

  it('holds the TAP configuration to its ranges and minimum ≤ default ≤ maximum', async () => {
    const patchTap = (body: Json) => graph('PATCH', `${CONFIGS}/TemporaryAccessPass`, { '@odata.type': TAP, ...body });
    expect(
      (
        await patchTap({
          minimumLifetimeInMinutes: 10,
          defaultLifetimeInMinutes: 10,
          maximumLifetimeInMinutes: 43_200,
          defaultLength: 48,
        })
      ).status,
    ).toBe(204);
    for (const [field, value] of [
      ['minimumLifetimeInMinutes', 9],
      ['maximumLifetimeInMinutes', 43_201],
      ['defaultLength', 7],
      ['defaultLength', 49],
      ['isUsableOnce', 'yes'],
    ] as const)
      await refused(await patchTap({ [field]: value }), 400, 'REQUEST_INVALID', { field });
    await refused(
      await patchTap({ defaultLifetimeInMinutes: 9000, maximumLifetimeInMinutes: 480 }),
      400,
      'POLICY_TAP_LIFETIME_INCONSISTENT',
      {
        field: 'defaultLifetimeInMinutes',
      },
    );
    await refused(
      await patchTap({ minimumLifetimeInMinutes: 600, maximumLifetimeInMinutes: 480 }),
      400,
      'POLICY_TAP_LIFETIME_INCONSISTENT',
      {
        field: 'minimumLifetimeInMinutes, maximumLifetimeInMinutes',
      },
    );
    expect((await graph('GET', `${CONFIGS}/temporaryaccesspass`)).body).toMatchObject({
      minimumLifetimeInMinutes: 10,
      defaultLifetimeInMinutes: 10,
      maximumLifetimeInMinutes: 43_200,
      defaultLength: 48,
    });
  });

  it('stores and validates the registration campaign of the root', async () => {
    const campaign = (c: Json) => ({ registrationEnforcement: { authenticationMethodsRegistrationCampaign: c } });
    expect((await graph('PATCH', ROOT, campaign({ state: 'enabled', snoozeDurationInDays: 3 }))).status).toBe(204);
    expect(
      ((await graph('GET', ROOT)).body.registrationEnforcement as Json).authenticationMethodsRegistrationCampaign,
    ).toMatchObject({ state: 'enabled', snoozeDurationInDays: 3, enforceRegistrationAfterAllowedSnoozes: true });
    await refused(await graph('PATCH', ROOT, campaign({ snoozeDurationInDays: 15 })), 400, 'REQUEST_INVALID', {
      field: 'registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays',
    });
    await refused(
      await graph(
        'PATCH',
        ROOT,
        campaign({
          includeTargets: [
            { id: 'all_users', targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' },
          ],
        }),
      ),
      400,
      'REQUEST_INVALID',
      {
        field:
          'registrationEnforcement.authenticationMethodsRegistrationCampaign.includeTargets[0].targetedAuthenticationMethod',
      },
    );
    const theirs = await newGroup(b);
    await refused(
      await graph('PATCH', ROOT, campaign({ excludeTargets: [{ id: theirs, targetType: 'group' }] })),
      400,
      'POLICY_TARGET_NOT_FOUND',
      { field: 'registrationEnforcement.authenticationMethodsRegistrationCampaign.excludeTargets[0].id' },
    );
    await refused(await graph('PATCH', ROOT, { policyVersion: '9' }), 400, 'GRAPH_PROPERTY_READ_ONLY', {
      properties: 'policyVersion',
    });
    // Off again: an enabled campaign would ask the later tests' users to set up a passkey at every sign-in.
    expect((await graph('PATCH', ROOT, campaign({ state: 'disabled' }))).status).toBe(204);
  });

  it("keeps tenants apart: one tenant's changes are not another's", async () => {
    expect((await patchFido2({ isSelfServiceRegistrationAllowed: false }, writerB)).status).toBe(204);
    expect((await fido2(writerB)).isSelfServiceRegistrationAllowed).toBe(false);
    expect((await fido2()).isSelfServiceRegistrationAllowed).toBe(true);
    const ownGroup = await newGroup(a);
    expect((await patchFido2({ excludeTargets: [{ id: ownGroup, targetType: 'group' }] })).status).toBe(204);
    expect(JSON.stringify((await graph('GET', ROOT, undefined, writerB)).body)).not.toContain(ownGroup);
    await reset();
    await patchFido2({ isSelfServiceRegistrationAllowed: true }, writerB);
  });

  it('lets an Authentication Policy Administrator write it and an Authentication Administrator only read it', async () => {
    const spa = (
      await createApp(server.ctx, a, { name: 'Admin page', redirectUris: [`${server.url}/cb`], publicClient: true })
    ).app;
    const tokenOf = async (role: string) => {
      const user = await createUser(server.ctx, a, {
        userPrincipalName: `r-${randomBytes(3).toString('hex')}@contoso.com`,
      });
      await assignRole(server.ctx.db, a.id, user.id, role);
      const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
      const r = await authorizationCodeTokens(
        server,
        a,
        { id: spa.id },
        { upn: user.userPrincipalName, pass },
        'openid Policy.ReadWrite.AuthenticationMethod',
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return String(r.body.access_token);
    };
    const policyAdmin = await tokenOf('Authentication Policy Administrator');
    expect((await patchFido2({ passkeysPerUserLimit: 7 }, policyAdmin)).status).toBe(204);
    const authAdmin = await tokenOf('Authentication Administrator');
    expect((await fido2(authAdmin)).passkeysPerUserLimit).toBe(7);
    await refused(await patchFido2({ passkeysPerUserLimit: 8 }, authAdmin), 403, 'GRAPH_PERMISSION_DENIED', {});
    expect((await fido2()).passkeysPerUserLimit).toBe(7);
    await reset();
  });

  describe('in force at the next ceremony', () => {
    const origin = () => server.ctx.config.origin;
    const strongSession = async (user: User) =>
      (
        await startSession(server.ctx, server.ctx.db, {
          tenantId: a.id,
          userId: user.id,
          method: 'temporaryAccessPass',
        })
      ).session;
    const register = async (user: User, auth: SoftAuthenticator) => {
      const session = await strongSession(user);
      const options = await beginPasskeyRegistration(server.ctx, a, session);
      const credential = await auth.register(options, { origin: origin() });
      return finishPasskeyRegistration(server.ctx, a, session, { credential });
    };
    const signIn = async (user: User, auth: SoftAuthenticator) => {
      const options = await beginPasskeySignIn(server.ctx, a, { username: user.userPrincipalName });
      return finishPasskeySignIn(server.ctx, a, await auth.authenticate(options, { origin: origin() }));
    };
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => (e instanceof SignetError ? { code: e.code, detail: e.detail } : e),
      );

    it('refuses at sign-in a synced passkey once its profile is limited to device-bound, naming the profile', async () => {
      const user = await createUser(server.ctx, a, {
        userPrincipalName: `s-${randomBytes(3).toString('hex')}@contoso.com`,
      });
      const phone = new SoftAuthenticator({ backupEligible: true });
      await register(user, phone);
      expect((await signIn(user, phone)).user.id).toBe(user.id);
      const only = { ...defaultProfile(), name: 'Device-bound only', passkeyTypes: 'deviceBound' };
      expect((await patchFido2({ passkeyProfiles: [only] })).status).toBe(204);
      expect(await refusal(signIn(user, phone))).toEqual({
        code: 'PASSKEY_TYPE_NOT_ALLOWED',
        // The refusal names the profile, the AAGUID and the type refused beside the types allowed.
        detail: { profile: 'Device-bound only', aaguid: SOFT_AAGUID, type: 'synced', allowed: 'deviceBound' },
      });
      // …and at registration: a synced passkey is refused, a device-bound one taken.
      expect(await refusal(register(user, new SoftAuthenticator({ backupEligible: true })))).toMatchObject({
        code: 'PASSKEY_TYPE_NOT_ALLOWED',
        detail: { profile: 'Device-bound only' },
      });
      const key = new SoftAuthenticator();
      await register(user, key);
      expect((await signIn(user, key)).user.id).toBe(user.id);
      // Self-service off: the next registration is refused before any options are issued.
      expect((await patchFido2({ isSelfServiceRegistrationAllowed: false })).status).toBe(204);
      expect(await refusal(beginPasskeyRegistration(server.ctx, a, await strongSession(user)))).toMatchObject({
        code: 'PASSKEY_SELF_SERVICE_DISABLED',
      });
      await reset();
      expect((await signIn(user, phone)).user.id).toBe(user.id);
    });

    it('treats a stored document that fails its schema as disabled, logged loudly, never a crash', async () => {
      const t = await createTenant(server.ctx, { slug: `broken-${randomBytes(3).toString('hex')}` });
      await server.ctx.db
        .updateTable('method_policies')
        .set({ config: JSON.stringify({ passkeyProfiles: 'all of them' }) })
        .where('tenant_id', '=', t.id)
        .where('method', '=', 'fido2')
        .execute();
      const lines: { obj: Record<string, unknown>; msg?: string }[] = [];
      const p = await loadMethodPolicies(server.ctx.db, t.id, { error: (obj, msg) => lines.push({ obj, msg }) });
      expect(p.methods.Fido2.state).toBe('disabled');
      expect(lines).toEqual([
        {
          obj: expect.objectContaining({ tenant: t.id, method: 'fido2', field: expect.any(String) }),
          msg: expect.stringContaining('fails its schema'),
        },
      ]);
      // Through the API: the method reads as disabled, and a write puts it right.
      const token = await tokenFor(t, ['Policy.ReadWrite.AuthenticationMethod']);
      expect((await fido2(token)).state).toBe('disabled');
      expect((await patchFido2({ ...defaultPasskeyMethodConfig() }, token)).status).toBe(204);
      expect((await fido2(token)).state).toBe('enabled');
    });
  });
});

for (const engine of engines)
  describe(`signet policy show | set on ${engine}`, { timeout: 120_000 }, () => {
    let dir: string;
    let env: Record<string, string>;
    let store: Store;
    let tenantId: string;
    const run = (...args: string[]) => signet(args, env);
    const json = (r: Run) => {
      try {
        return JSON.parse(r.stdout) as Json;
      } catch {
        throw new Error(`stdout is not one JSON value (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
      }
    };
    const file = (name: string, body: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
      return path;
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'signet-cli-policy-'));
      env = {
        SIGNET_DATA_DIR: dir,
        SIGNET_PUBLIC_URL: 'http://localhost:4127',
        ...(engine === 'postgres' ? { SIGNET_DATABASE_URL: await databaseUrl('postgres') } : {}),
      };
      const init = await run('init', '--json');
      expect(init.code, init.stderr).toBe(0);
      tenantId = (json(init).tenant as { id: string }).id;
      store = openStore(env.SIGNET_DATABASE_URL ?? `sqlite:${join(dir, 'signet.db')}`);
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('shows every method, or one as the admin API answers it', async () => {
      const all = await run('policy', 'show', '--json');
      expect(all.code, all.stderr).toBe(0);
      expect((json(all).authenticationMethodConfigurations as Json[]).map((c) => c.id)).toEqual([
        'Fido2',
        'TemporaryAccessPass',
        'Email',
        'SoftwareOath',
        'Password',
      ]);
      const text = await run('policy', 'show');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/^Fido2: enabled; include all_users; exclude -; profiles 1, self-service true/m);
      const one = await run('policy', 'show', '--method', 'fido2', '--json');
      expect(json(one)).toMatchObject({ '@odata.type': FIDO2, id: 'Fido2', passkeyProfiles: [defaultProfile()] });
    });

    it('sets one method from a PATCH body, only what it holds, audited as the local operator', async () => {
      const r = await run(
        'policy',
        'set',
        '--method',
        'Fido2',
        '--file',
        file('off.json', { '@odata.type': FIDO2, isSelfServiceRegistrationAllowed: false }),
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({
        isSelfServiceRegistrationAllowed: false,
        state: 'enabled',
        passkeysPerUserLimit: 10,
      });
      const audits = (await listAudits(store.db, tenantId)).filter(
        (x) => x.activity === 'Update authentication method configuration',
      );
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({
        actorType: 'system',
        targetId: 'Fido2',
        detail: {
          'isSelfServiceRegistrationAllowed.oldValue': 'true',
          'isSelfServiceRegistrationAllowed.newValue': 'false',
        },
      });
    });

    it('refuses what the API refuses, with the same codes, and a file or method that is not one', async () => {
      const refused = async (args: string[], code: string) => {
        const r = await run(...args, '--json');
        expect(r.code, r.stdout + r.stderr).toBe(1);
        const e = json(r).error as { code: string; detail: Record<string, string> };
        expect(e.code).toBe(code);
        return e.detail;
      };
      const bad = file('bad.json', {
        '@odata.type': FIDO2,
        passkeyProfiles: [{ ...defaultProfile(), attestationEnforcement: 'registrationOnly' }],
      });
      expect(
        await refused(['policy', 'set', '--method', 'fido2', '--file', bad], 'POLICY_PROFILE_SYNCED_WITH_ATTESTATION'),
      ).toMatchObject({
        field: 'passkeyProfiles[0].passkeyTypes, passkeyProfiles[0].attestationEnforcement',
      });
      const untyped = file('untyped.json', { state: 'disabled' });
      expect(await refused(['policy', 'set', '--method', 'Fido2', '--file', untyped], 'REQUEST_INVALID')).toMatchObject(
        {
          field: '@odata.type',
        },
      );
      await refused(['policy', 'set', '--method', 'Sms', '--file', untyped], 'POLICY_METHOD_UNKNOWN');
      await refused(['policy', 'show', '--method', 'Voice'], 'POLICY_METHOD_UNKNOWN');
      await refused(['policy', 'set', '--method', 'Fido2', '--file', join(dir, 'missing.json')], 'POLICY_FILE_INVALID');
      await refused(['policy', 'set', '--method', 'Fido2', '--file', file('list.json', '[1]')], 'POLICY_FILE_INVALID');
      await refused(
        ['policy', 'set', '--method', 'Fido2', '--file', file('text.json', 'state: off')],
        'POLICY_FILE_INVALID',
      );
      // Nothing of it was written.
      const after = json(await run('policy', 'show', '--method', 'Fido2', '--json'));
      expect(after).toMatchObject({ state: 'enabled', isAttestationEnforced: false });
    });
  });
