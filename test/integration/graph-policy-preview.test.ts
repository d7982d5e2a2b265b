// The impact preview and the registration What If of the passkey (Fido2) configuration through Graph (beta, ours):
// what an administrator sees before saving (who would be shut out, why, which groups), the same refusals as the
// PATCH for a bad body, nothing saved and nothing audited, tenants kept apart, the list capped with a count, and the
// What If's verdict agreeing with a real registration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_USERS, DEFAULT_PROFILE_ID, defaultPasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { createApp, createTenant, type createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { policyImpact, previewFido2Patch } from '../../src/flows/policy-impact.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { addGroupMember, insertGroup } from '../../src/store/groups.ts';
import { listAudits } from '../../src/store/logs.ts';
import { passkeyMethodConfigOf } from '../../src/store/policy-cache.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, setUserEnabled } from '../../src/store/users.ts';
import { MetadataRegistry } from '../../src/webauthn/metadata.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens, clientCredentials } from '../support/graph.ts';
import {
  deviceBoundOnlyBody,
  FIDO2_TYPE,
  PHONE_AAGUID,
  previewUser,
  YUBIKEY_AAGUID,
} from '../support/preview-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
type Answer = { status: number; body: Json; text: string };
const CONFIGS = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations';
const REVOKED = 'aaaa0000-1111-4222-8333-444455556666';
const STRICT = '00000000-0000-0000-0000-00000000000a';

describe.each(engines)('the passkey policy impact preview and What If through Graph on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  let reader: string;
  let writer: string;
  let readerB: string;
  let adminsGroup: string;
  const people: Record<string, { user: Awaited<ReturnType<typeof createUser>>; passkeys: string[] }> = {};

  async function tokenFor(t: Tenant, permissions: string[]) {
    const c = await createApp(server.ctx, t, {
      name: `preview ${permissions.join(' ')}`,
      redirectUris: [],
      publicClient: false,
      permissions: permissions as never,
    });
    const r = await clientCredentials(server, t, { id: c.app.id, secret: c.clientSecret! }, '.default');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return String(r.body.access_token);
  }

  beforeAll(async () => {
    // A model the metadata reports revoked: its passkeys are refused already, whatever the policy.
    const metadata = new MetadataRegistry([
      { aaguid: REVOKED, description: 'Revoked Key', attestationRootCertificates: [], status: 'REVOKED' },
    ]);
    server = await startTestServer(engine, {}, metadata);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    reader = await tokenFor(a, ['Policy.Read.All']);
    writer = await tokenFor(a, ['Policy.ReadWrite.AuthenticationMethod']);
    readerB = await tokenFor(b, ['Policy.Read.All']);
    adminsGroup = server.ctx.newId();
    await insertGroup(server.ctx.db, { id: adminsGroup, tenantId: a.id, displayName: 'Admins', createdAt: Date.now() });
    const ctx = server.ctx;
    people.both = await previewUser(ctx, a, 'both', [{ synced: true }, { synced: false }]);
    people.syncedOnly = await previewUser(ctx, a, 'synced-only', [{ synced: true }, { synced: true }]);
    people.admin = await previewUser(ctx, a, 'admin', [{ synced: false }, { synced: true }]);
    await addGroupMember(ctx.db, a.id, adminsGroup, people.admin.user.id);
    people.disabled = await previewUser(ctx, a, 'disabled', [{ synced: true }]);
    await setUserEnabled(ctx.db, a.id, people.disabled.user.id, false);
    people.revoked = await previewUser(ctx, a, 'revoked', [{ synced: true, aaguid: REVOKED }]);
    people.none = await previewUser(ctx, a, 'no-passkeys');
    people.other = await previewUser(ctx, b, 'other', [{ synced: true }]);
  });
  afterAll(() => server?.close());

  const graph = async (method: string, path: string, body?: unknown, token = reader): Promise<Answer> => {
    // Our actions are served on beta; the configuration itself (GET, PATCH) on v1.0, as Graph has it.
    const version = /\/(previewImpact|evaluateRegistration)$/.test(path) ? 'beta' : 'v1.0';
    const res = await fetch(`${server.url}/graph/${version}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json, text };
  };
  const preview = (body: unknown, token = reader) => graph('POST', `${CONFIGS}/Fido2/previewImpact`, body, token);
  const whatIf = (body: unknown, token = reader) => graph('POST', `${CONFIGS}/fido2/evaluateRegistration`, body, token);
  const errorOf = (r: Answer) => (r.body.error ?? {}) as { code: string; innerError: Record<string, string> };
  const affected = (r: Answer) =>
    r.body.affectedUsers as {
      id: string;
      userPrincipalName: string;
      needsTemporaryAccessPass: boolean;
      usablePasskeysNow: number;
      usablePasskeysAfter: number;
      passkeys: { id: string; code: string; message: string; detail: Record<string, string>; passkeyType: string }[];
    }[];

  it('says which synced passkeys a device-bound-only profile shuts out, who loses every one, and why', async () => {
    const r = await preview(deviceBoundOnlyBody());
    expect(r.status, r.text).toBe(200);
    expect(r.body.summary).toMatchObject({
      users: 6,
      usersWithPasskeys: 5,
      passkeys: 8,
      // The disabled account's and the revoked model's passkeys do not work now either.
      passkeysUsableNow: 6,
      passkeysUsableAfter: 2,
      passkeysThatStopWorking: 4,
      passkeysThatStartWorking: 0,
      usersAffected: 3,
      usersLosingEveryPasskey: 1,
      usersLosingEveryPasskeyWithoutTap: 0,
      reasons: [expect.objectContaining({ code: 'PASSKEY_TYPE_NOT_ALLOWED', passkeys: 4 })],
    });
    const users = affected(r);
    expect(users.map((u) => u.userPrincipalName).sort()).toEqual(
      ['admin@contoso.example', 'both@contoso.example', 'synced-only@contoso.example'].sort(),
    );
    const synced = users.find((u) => u.id === people.syncedOnly!.user.id)!;
    expect(synced).toMatchObject({
      needsTemporaryAccessPass: true,
      temporaryAccessPass: { canBeIssued: true },
      usablePasskeysNow: 2,
      usablePasskeysAfter: 0,
    });
    expect(synced.passkeys.map((p) => p.id).sort()).toEqual([...people.syncedOnly!.passkeys].sort());
    expect(synced.passkeys[0]).toMatchObject({
      passkeyType: 'synced',
      code: 'PASSKEY_TYPE_NOT_ALLOWED',
      detail: expect.objectContaining({ profile: 'Default passkey profile', type: 'synced' }),
    });
    expect(synced.passkeys[0]!.message).toMatch(/./);
    const both = users.find((u) => u.id === people.both!.user.id)!;
    expect(both).toMatchObject({ needsTemporaryAccessPass: false, usablePasskeysAfter: 1 });
    expect(both.passkeys.map((p) => p.id)).toEqual([people.both!.passkeys[0]]);
    // No group is named: memberships are not read, and the answer says so.
    expect(r.body).toMatchObject({
      groupsCounted: false,
      groups: [],
      affectedUsersCount: 3,
      affectedUsersCapped: false,
    });
    expect(r.text).not.toContain(people.other!.user.id);
  });

  it('warns of users who would be left with neither a passkey nor a Temporary Access Pass', async () => {
    const tapBody = (state: string) => ({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      state,
    });
    await updateMethodConfiguration(server.ctx, a, localOperator(a.id), 'TemporaryAccessPass', tapBody('disabled'));
    try {
      const r = await preview(deviceBoundOnlyBody());
      expect(r.body.summary).toMatchObject({ usersLosingEveryPasskey: 1, usersLosingEveryPasskeyWithoutTap: 1 });
      const synced = affected(r).find((u) => u.id === people.syncedOnly!.user.id)!;
      expect(synced).toMatchObject({
        needsTemporaryAccessPass: true,
        temporaryAccessPass: { canBeIssued: false, code: 'TAP_METHOD_DISABLED' },
      });
      // Only users left without a passkey are judged for a pass.
      const both = affected(r).find((u) => u.id === people.both!.user.id)!;
      expect(both).not.toHaveProperty('temporaryAccessPass');
    } finally {
      await updateMethodConfiguration(server.ctx, a, localOperator(a.id), 'TemporaryAccessPass', tapBody('enabled'));
    }
  });

  it('saves nothing and audits nothing', async () => {
    const before = await passkeyMethodConfigOf(server.ctx, a.id);
    const audits = (await listAudits(server.ctx.db, a.id)).length;
    expect((await preview(deviceBoundOnlyBody())).status).toBe(200);
    expect(await passkeyMethodConfigOf(server.ctx, a.id)).toEqual(before);
    expect((await listAudits(server.ctx.db, a.id)).length).toBe(audits);
    const got = await graph('GET', `${CONFIGS}/Fido2`);
    expect(JSON.stringify(got.body.passkeyProfiles)).toContain('deviceBound,synced');
  });

  it('counts the affected per group when a target names one, with its name', async () => {
    const body = {
      '@odata.type': FIDO2_TYPE,
      includeTargets: [
        { id: ALL_USERS, targetType: 'group', allowedPasskeyProfiles: [DEFAULT_PROFILE_ID] },
        { id: adminsGroup, targetType: 'group', allowedPasskeyProfiles: [STRICT] },
      ],
      excludeTargets: [{ id: adminsGroup, targetType: 'group' }],
      passkeyProfiles: [
        defaultPasskeyMethodConfig().passkeyProfiles[0],
        {
          id: STRICT,
          name: 'Admins',
          passkeyTypes: 'deviceBound',
          attestationEnforcement: 'disabled',
          keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
        },
      ],
    };
    const r = await preview(body);
    expect(r.status, r.text).toBe(200);
    expect(r.body.groupsCounted).toBe(true);
    expect(r.body.groups).toEqual([
      {
        id: adminsGroup,
        displayName: 'Admins',
        usersAffected: 1,
        usersLosingEveryPasskey: 1,
        passkeysThatStopWorking: 2,
      },
    ]);
    const [admin] = affected(r);
    expect(admin).toMatchObject({ id: people.admin!.user.id, needsTemporaryAccessPass: true });
    expect(admin!.passkeys.every((p) => p.code === 'PASSKEY_METHOD_NOT_TARGETED')).toBe(true);
  });

  it('refuses a bad body with the very code and field the PATCH gives, and changes nothing', async () => {
    const otherGroup = server.ctx.newId();
    await insertGroup(server.ctx.db, { id: otherGroup, tenantId: b.id, displayName: 'Theirs', createdAt: Date.now() });
    const profile = defaultPasskeyMethodConfig().passkeyProfiles[0]!;
    const bodies: unknown[] = [
      { passkeyProfiles: [] },
      { '@odata.type': FIDO2_TYPE, colour: 'blue' },
      {
        '@odata.type': FIDO2_TYPE,
        passkeyProfiles: [{ ...profile, passkeyTypes: 'synced', attestationEnforcement: 'registrationOnly' }],
      },
      { '@odata.type': FIDO2_TYPE, passkeyProfiles: [{ ...profile, passkeyTypes: 'roaming' }] },
      { '@odata.type': FIDO2_TYPE, excludeTargets: [{ id: otherGroup, targetType: 'group' }] },
      { '@odata.type': FIDO2_TYPE, defaultPasskeyProfile: STRICT },
      { '@odata.type': FIDO2_TYPE, id: 'Email' },
      [],
    ];
    for (const body of bodies) {
      const patched = await graph('PATCH', `${CONFIGS}/Fido2`, body, writer);
      const previewed = await preview(body);
      expect(patched.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(previewed.status, JSON.stringify(body)).toBe(patched.status);
      expect(errorOf(previewed).code).toBe(errorOf(patched).code);
      const { date: _d, 'request-id': _r, 'client-request-id': _c, ...detail } = errorOf(patched).innerError;
      expect(errorOf(previewed).innerError).toMatchObject(detail);
    }
    expect(errorOf(await preview('{not json')).code).toBe('REQUEST_MALFORMED');
    expect(JSON.stringify((await graph('GET', `${CONFIGS}/Fido2`)).body.passkeyProfiles)).toContain(
      'deviceBound,synced',
    );
  });

  it('previews Fido2 only: another method is refused by name, an unknown one is not found', async () => {
    const email = await graph('POST', `${CONFIGS}/Email/previewImpact`, { '@odata.type': FIDO2_TYPE });
    expect(email.status).toBe(400);
    expect(errorOf(email)).toMatchObject({ code: 'PREVIEW_METHOD_NOT_SUPPORTED', innerError: { method: 'Email' } });
    expect(errorOf(await graph('POST', `${CONFIGS}/Voice/previewImpact`, {})).code).toBe('GRAPH_RESOURCE_NOT_FOUND');
    // Ours, not Graph's: served on beta only.
    const v1 = await fetch(`${server.url}/graph/v1.0${CONFIGS}/Fido2/previewImpact`, {
      method: 'POST',
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: JSON.stringify(deviceBoundOnlyBody()),
    });
    expect(v1.status).toBe(404);
  });

  it("keeps tenants apart: another tenant previews its own users only, and cannot name this tenant's group", async () => {
    const r = await preview(deviceBoundOnlyBody(), readerB);
    expect(r.status).toBe(200);
    expect(r.body.summary).toMatchObject({ users: 1, usersAffected: 1, usersLosingEveryPasskey: 1 });
    expect(affected(r).map((u) => u.id)).toEqual([people.other!.user.id]);
    for (const p of Object.values(people).filter((p) => p !== people.other)) {
      expect(r.text).not.toContain(p.user.id);
      expect(r.text).not.toContain(p.user.userPrincipalName);
    }
    const named = await preview(
      { '@odata.type': FIDO2_TYPE, excludeTargets: [{ id: adminsGroup, targetType: 'group' }] },
      readerB,
    );
    expect(named.status).toBe(400);
    expect(errorOf(named)).toMatchObject({ code: 'POLICY_TARGET_NOT_FOUND', innerError: { id: adminsGroup } });
  });

  it('caps the list with a count, and reads the same in small batches as in one', async () => {
    const capped = await previewFido2Patch(server.ctx, a, deviceBoundOnlyBody(), { limit: 1 });
    expect(capped.affectedUsers).toHaveLength(1);
    expect(capped).toMatchObject({ affectedUsersCapped: true, affectedUsersLimit: 1, summary: { usersAffected: 3 } });
    const current = await passkeyMethodConfigOf(server.ctx, a.id);
    const proposed = { ...current, excludeTargets: [{ id: adminsGroup, targetType: 'group' as const }] };
    const whole = await policyImpact(server.ctx, a.id, current, proposed);
    for (const batch of [1, 2, 5]) {
      const paged = await policyImpact(server.ctx, a.id, current, proposed, { batch });
      expect({ ...paged, elapsedMs: 0 }, `batch ${batch}`).toEqual({ ...whole, elapsedMs: 0 });
    }
    expect(whole.summary.users).toBe(6);
  });

  it("is open to the policy's readers with a delegated token, as its GET is, and to no other role", async () => {
    const spa = (
      await createApp(server.ctx, a, { name: 'Admin page', redirectUris: [`${server.url}/cb`], publicClient: true })
    ).app;
    const tokenOf = async (role: string | undefined) => {
      const { user } = await previewUser(server.ctx, a, `r-${crypto.randomUUID().slice(0, 6)}`);
      if (role) await assignRole(server.ctx.db, a.id, user.id, role);
      const { pass } = await issueTap(server.ctx, a, user, { oneTime: false, actor: { type: 'system', id: null } });
      const r = await authorizationCodeTokens(
        server,
        a,
        { id: spa.id },
        { upn: user.userPrincipalName, pass },
        'openid Policy.Read.All',
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return String(r.body.access_token);
    };
    const asked = {
      userId: people.none!.user.id,
      authenticator: { aaGuid: YUBIKEY_AAGUID, passkeyType: 'deviceBound' },
    };
    for (const role of ['Authentication Administrator', 'Global Reader', 'Authentication Policy Administrator']) {
      const token = await tokenOf(role);
      expect((await preview(deviceBoundOnlyBody(), token)).status, role).toBe(200);
      expect((await whatIf(asked, token)).status, role).toBe(200);
    }
    for (const role of [undefined, 'Reports Reader', 'Conditional Access Administrator']) {
      const token = await tokenOf(role);
      for (const r of [await preview(deviceBoundOnlyBody(), token), await whatIf(asked, token)]) {
        expect(r.status, role).toBe(403);
        expect(errorOf(r).code).toBe('GRAPH_PERMISSION_DENIED');
      }
    }
  });

  describe('evaluateRegistration', () => {
    const key = {
      aaGuid: YUBIKEY_AAGUID,
      passkeyType: 'deviceBound',
      attestationFormat: 'packed',
      attestationTrust: 'verified',
    };

    it('accepts what the policy in force allows, and says what it took as given', async () => {
      const r = await whatIf({ userId: people.none!.user.userPrincipalName, authenticator: key });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({
        isAccepted: true,
        code: null,
        decidedBy: 'accepted',
        configuration: 'current',
        user: { id: people.none!.user.id, passkeyCount: 0, accountEnabled: true },
        authenticator: { aaGuid: YUBIKEY_AAGUID, passkeyType: 'deviceBound', attestationTrust: 'verified' },
        passkeyProfiles: [{ id: DEFAULT_PROFILE_ID, name: 'Default passkey profile', isAllowed: true, code: null }],
      });
      expect((r.body.assumptions as string[]).join(' ')).toMatch(/strong factor/);
    });

    it('names the rule that refuses, against a proposed configuration, without saving it', async () => {
      const r = await whatIf({
        userId: people.none!.user.id,
        authenticator: { aaGuid: PHONE_AAGUID, passkeyType: 'synced' },
        proposedConfiguration: deviceBoundOnlyBody(),
      });
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({
        isAccepted: false,
        code: 'PASSKEY_TYPE_NOT_ALLOWED',
        decidedBy: 'profiles',
        configuration: 'proposed',
        detail: expect.objectContaining({ profile: 'Default passkey profile', type: 'synced' }),
        authenticator: { attestationFormat: 'none', attestationTrust: 'none' },
      });
      expect(JSON.stringify((await graph('GET', `${CONFIGS}/Fido2`)).body.passkeyProfiles)).toContain(
        'deviceBound,synced',
      );
    });

    it('stops at the gate for a disabled account, and at the metadata for a revoked model', async () => {
      const off = await whatIf({ userId: people.disabled!.user.id, authenticator: key });
      expect(off.body).toMatchObject({ isAccepted: false, code: 'SIGNIN_USER_DISABLED', decidedBy: 'gate' });
      const revoked = await whatIf({ userId: people.none!.user.id, authenticator: { ...key, aaGuid: REVOKED } });
      expect(revoked.body).toMatchObject({
        isAccepted: false,
        code: 'PASSKEY_AUTHENTICATOR_COMPROMISED',
        decidedBy: 'metadata',
        detail: expect.objectContaining({ status: 'REVOKED', aaguid: REVOKED }),
        authenticator: { model: 'Revoked Key' },
      });
    });

    it('refuses a bad body by field, an unknown or other tenant’s user as not found, and a bad proposal as the PATCH does', async () => {
      const bad = await whatIf({ userId: people.none!.user.id, authenticator: { ...key, aaGuid: 'yubikey' } });
      expect(bad.status).toBe(400);
      expect(errorOf(bad)).toMatchObject({ code: 'REQUEST_INVALID', innerError: { field: 'authenticator.aaGuid' } });
      const noneButTrusted = await whatIf({
        userId: people.none!.user.id,
        authenticator: { ...key, attestationFormat: 'none' },
      });
      expect(errorOf(noneButTrusted)).toMatchObject({
        code: 'REQUEST_INVALID',
        innerError: { field: 'authenticator.attestationTrust' },
      });
      expect(errorOf(await whatIf({ userId: people.none!.user.id, authenticator: key, extra: 1 })).code).toBe(
        'REQUEST_INVALID',
      );
      for (const userId of [crypto.randomUUID(), 'nobody@contoso.example', people.other!.user.id]) {
        const r = await whatIf({ userId, authenticator: key });
        expect(r.status, userId).toBe(404);
        expect(errorOf(r).code).toBe('GRAPH_RESOURCE_NOT_FOUND');
      }
      const proposal = await whatIf({
        userId: people.none!.user.id,
        authenticator: key,
        proposedConfiguration: { '@odata.type': FIDO2_TYPE, passkeysPerUserLimit: 0 },
      });
      const patched = await graph(
        'PATCH',
        `${CONFIGS}/Fido2`,
        { '@odata.type': FIDO2_TYPE, passkeysPerUserLimit: 0 },
        writer,
      );
      expect(errorOf(proposal).code).toBe(errorOf(patched).code);
      expect(errorOf(proposal).innerError.field).toBe(errorOf(patched).innerError.field);
    });

    it('agrees with a real registration under the policy it previewed, once saved', async () => {
      const t = await createTenant(server.ctx, { slug: `w-${crypto.randomUUID().slice(0, 8)}` });
      const tokenT = await tokenFor(t, ['Policy.Read.All']);
      const { user } = await previewUser(server.ctx, t, 'newcomer');
      const asked = {
        userId: user.id,
        authenticator: { aaGuid: '00000000-0000-0000-0000-000000000000', passkeyType: 'synced' },
      };
      const before = await whatIf(asked, tokenT);
      await updateMethodConfiguration(server.ctx, t, localOperator(t.id), 'Fido2', deviceBoundOnlyBody());
      const after = await whatIf(asked, tokenT);
      expect(before.body.isAccepted).toBe(true);
      expect(after.body).toMatchObject({ isAccepted: false, code: 'PASSKEY_TYPE_NOT_ALLOWED' });
      const { session } = await startSession(server.ctx, server.ctx.db, {
        tenantId: t.id,
        userId: user.id,
        method: 'temporaryAccessPass',
      });
      const auth = new SoftAuthenticator({ backupEligible: true, aaguid: '00000000-0000-0000-0000-000000000000' });
      const credential = await auth.register(await beginPasskeyRegistration(server.ctx, t, session), {
        origin: server.ctx.config.origin,
      });
      const refused = await finishPasskeyRegistration(server.ctx, t, session, { credential }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: after.body.code, detail: after.body.detail });
      // A device-bound key is accepted by both.
      const keyAsked = { ...asked, authenticator: { ...asked.authenticator, passkeyType: 'deviceBound' } };
      expect((await whatIf(keyAsked, tokenT)).body.isAccepted).toBe(true);
      const bound = new SoftAuthenticator({ aaguid: '00000000-0000-0000-0000-000000000000' });
      const c2 = await bound.register(await beginPasskeyRegistration(server.ctx, t, session), {
        origin: server.ctx.config.origin,
      });
      await expect(finishPasskeyRegistration(server.ctx, t, session, { credential: c2 })).resolves.toMatchObject({
        userId: user.id,
      });
      // One passkey more: the What If counts it against the limit as registration does.
      expect(((await whatIf(keyAsked, tokenT)).body.user as Json).passkeyCount).toBe(1);
    });
  });
});
