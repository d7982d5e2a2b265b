// Provisioning a passkey on behalf of a user through Graph v1.0 (graph.md §3.2), as a script or an admin's page
// does it: creationOptions, the authenticator's answer, POST …/fido2Methods → 201. The options are the pages' own;
// the challenge is single-use, bound to that user and to this path, and lives as long as asked; the answer is
// verified as the pages verify it, from Signet's origin or the calling app's own; the provisioning gate, the
// user's passkey profile and the privileged-target rule hold; another tenant sees nothing; every refusal is a
// catalogue code.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from '../../src/core/passkey-method.ts';
import { createApp, createTenant, createUser } from '../../src/flows/directory.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listAudits } from '../../src/store/logs.ts';
import { listPasskeys } from '../../src/store/passkeys.ts';
import { savePasskeyMethodConfig } from '../../src/store/policies.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { assignRole, type User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { authorizationCodeTokens } from '../support/graph.ts';
import {
  errorCode as codeOf,
  type GraphRequest,
  appToken as graphAppToken,
  graphClient,
} from '../support/graph-client.ts';
import { fido2MethodBody } from '../support/provisioning-fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

type Json = Record<string, unknown>;
const MINUTE = 60_000;
const APP_ORIGIN = 'http://localhost:5917';

describe.each(engines)('Graph passkey provisioning on %s', (engine) => {
  let server: TestServer;
  let a: Tenant;
  let b: Tenant;
  /** An app of tenant A with the least permission, and a page of its own (APP_ORIGIN) registered as redirect URI. */
  let app: { id: string; token: string };
  let allMethods: string;
  let tokenB: string;
  let spa: string;

  const appToken = async (t: Tenant, permission: string, redirectUris: string[] = []) => {
    const name = `prov-${permission}-${randomBytes(2).toString('hex')}`;
    const c = await graphAppToken(server, t, permission, { name, redirectUris });
    return { id: c.appId, token: c.token };
  };

  beforeAll(async () => {
    server = await startTestServer(engine);
    a = await createTenant(server.ctx, { slug: 'contoso' });
    b = await createTenant(server.ctx, { slug: 'fabrikam' });
    app = await appToken(a, 'UserAuthMethod-Passkey.ReadWrite.All', [`${APP_ORIGIN}/cb`]);
    allMethods = (await appToken(a, 'UserAuthenticationMethod.ReadWrite.All')).token;
    tokenB = (await appToken(b, 'UserAuthMethod-Passkey.ReadWrite.All')).token;
    spa = (
      await createApp(server.ctx, a, {
        name: 'Admin page',
        redirectUris: [`${server.url}/cb`, `${APP_ORIGIN}/cb`],
        publicClient: true,
      })
    ).app.id;
  });
  afterAll(() => server?.close());

  const client = graphClient<Json>(() => server, { token: () => app.token });
  /** A path below /beta is Graph's beta version, any other below v1.0. */
  const graph = (method: string, path: string, opts: GraphRequest = {}) =>
    client(method, path.startsWith('/beta') ? `${server.url}/graph${path}` : path, opts);
  const detailOf = (r: { body: Json }) => (r.body.error as { innerError: Record<string, string> }).innerError;

  let n = 0;
  const newUser = (t: Tenant = a) =>
    createUser(server.ctx, t, { userPrincipalName: `p${++n}-${randomBytes(3).toString('hex')}@contoso.com` });
  const optionsFor = async (user: User, opts: { token?: string; fn?: string } = {}) => {
    const r = await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions${opts.fn ?? ''}`, opts);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { challengeTimeoutDateTime: string; publicKey: Json & { challenge: string } };
  };
  const setPolicy = (change: Partial<PasskeyMethodConfig>) =>
    savePasskeyMethodConfig(server.ctx.db, a.id, { ...defaultPasskeyMethodConfig(), ...change }, Date.now());
  /** Provisions a passkey for the user from Signet's origin; the POST's answer. */
  const provision = async (user: User, opts: { token?: string; authenticator?: SoftAuthenticator } = {}) => {
    const o = await optionsFor(user, opts);
    const body = await fido2MethodBody(o.publicKey, server.url, { displayName: 'Desk key', ...opts });
    return graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body, ...opts });
  };

  describe('creationOptions', () => {
    it("answers the pages' options in Graph's shape: RP, opaque user handle, exclusions, resident key and UV", async () => {
      const user = await newUser();
      await setPolicy({});
      const first = await provision(user);
      expect(first.status).toBe(201);
      const before = Date.now();
      const o = await optionsFor(user);
      expect(o).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#microsoft.graph.webauthnCredentialCreationOptions`,
        '@odata.type': '#microsoft.graph.webauthnCredentialCreationOptions',
        publicKey: {
          '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialCreationOptions',
          rp: { id: 'localhost', name: 'contoso' },
          user: { id: user.userHandle, name: user.userPrincipalName, displayName: user.displayName },
          timeout: 5 * MINUTE,
          authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
          attestation: 'none',
          extensions: { '@odata.type': '#microsoft.graph.webauthnAuthenticationExtensionsClientInputs' },
        },
      });
      // The user handle is the opaque one, never the name.
      expect(o.publicKey.user).not.toMatchObject({ id: Buffer.from(user.userPrincipalName).toString('base64url') });
      expect(o.publicKey.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((o.publicKey.pubKeyCredParams as { alg: number }[]).map((p) => p.alg)).toEqual([-7, -8, -257]);
      const stored = await listPasskeys(server.ctx.db, a.id, user.id);
      expect(o.publicKey.excludeCredentials).toEqual([
        expect.objectContaining({
          '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialDescriptor',
          id: stored[0]!.credentialId,
          type: 'public-key',
        }),
      ]);
      const expires = Date.parse(o.challengeTimeoutDateTime);
      expect(expires).toBeGreaterThanOrEqual(before + 5 * MINUTE - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 5 * MINUTE + 1000);
    });

    it("asks for direct attestation when the user's profile enforces it", async () => {
      await setPolicy({
        passkeyProfiles: [
          {
            ...defaultPasskeyMethodConfig().passkeyProfiles[0]!,
            passkeyTypes: 'deviceBound',
            attestationEnforcement: 'registrationOnly',
          },
        ],
      });
      const o = await optionsFor(await newUser());
      expect(o.publicKey.attestation).toBe('direct');
      await setPolicy({});
    });

    it('takes the beta function form with 5 to 43200 minutes (on beta and v1.0), and refuses anything else by name', async () => {
      const user = await newUser();
      for (const [form, minutes] of [
        ['(challengeTimeoutInMinutes=5)', 5],
        ['(challengeTimeoutInMinutes=60)', 60],
        ['(challengeTimeoutInMinutes=43200)', 43_200],
      ] as const) {
        const before = Date.now();
        for (const version of ['/beta', '']) {
          const r = await graph(
            'GET',
            `${version}/users/${user.id}/authentication/fido2Methods/creationOptions${form}`,
          );
          expect(r.status, `${version} ${form}`).toBe(200);
          const expires = Date.parse(String(r.body.challengeTimeoutDateTime));
          expect(expires).toBeGreaterThanOrEqual(before + minutes * MINUTE - 1000);
          expect(expires).toBeLessThanOrEqual(Date.now() + minutes * MINUTE + 1000);
        }
      }
      for (const bad of ['4', '0', '43201', '-5', 'abc', '1.5', '', '99999999999']) {
        const r = await graph(
          'GET',
          `/beta/users/${user.id}/authentication/fido2Methods/creationOptions(challengeTimeoutInMinutes=${bad})`,
        );
        expect(r.status, bad).toBe(400);
        expect(codeOf(r), bad).toBe('REQUEST_INVALID');
        expect(detailOf(r).field).toBe('challengeTimeoutInMinutes');
      }
    });

    it('refuses by the provisioning gate: method off, user not targeted, limit reached — not self-service', async () => {
      const user = await newUser();
      await setPolicy({ isSelfServiceRegistrationAllowed: false });
      expect((await provision(user)).status).toBe(201);
      await setPolicy({ state: 'disabled' });
      const off = await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`);
      expect([off.status, codeOf(off)]).toEqual([403, 'PASSKEY_METHOD_DISABLED']);
      await setPolicy({ excludeTargets: [{ id: user.id, targetType: 'user' }] });
      const excluded = await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`);
      expect(codeOf(excluded)).toBe('PASSKEY_METHOD_NOT_TARGETED');
      await setPolicy({ passkeysPerUserLimit: 1 });
      const full = await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`);
      expect([full.status, codeOf(full)]).toEqual([409, 'PASSKEY_LIMIT_REACHED']);
      await setPolicy({});
    });

    it("answers another tenant's token as if the user did not exist", async () => {
      const user = await newUser();
      const other = await graph('GET', `/users/${user.id}/authentication/fido2Methods/creationOptions`, {
        token: tokenB,
      });
      const absent = await graph('GET', `/users/${crypto.randomUUID()}/authentication/fido2Methods/creationOptions`, {
        token: tokenB,
      });
      expect(other.status).toBe(404);
      expect([absent.status, codeOf(absent)]).toEqual([other.status, codeOf(other)]);
      expect(JSON.stringify(other.body)).not.toContain(user.id);
    });
  });

  describe('POST fido2Methods', () => {
    it('registers the passkey: 201 with the fido2AuthenticationMethod, listed after, audited naming the app and the user', async () => {
      const user = await newUser();
      const r = await provision(user);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({
        '@odata.context': `${server.url}/graph/v1.0/$metadata#users('${user.id}')/authentication/fido2Methods/$entity`,
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
        displayName: 'Desk key',
        aaGuid: 'ec0be1a1-5166-4e70-9a55-7357a0c0ffee',
        attestationCertificates: [],
        attestationLevel: 'notAttested',
        passkeyType: 'deviceBound',
      });
      expect(r.body).not.toHaveProperty('publicKeyCredential');
      const list = await graph('GET', `/users/${user.id}/authentication/fido2Methods`);
      expect((list.body.value as Json[]).map((m) => m.id)).toEqual([r.body.id]);
      const audit = (await listAudits(server.ctx.db, a.id)).find((x) => x.targetId === r.body.id)!;
      expect(audit).toMatchObject({
        actorType: 'app',
        actorId: app.id,
        activity: 'Register passkey',
        detail: expect.objectContaining({ userId: user.id, via: 'graph-provisioning' }),
      });
    });

    it('works with UserAuthenticationMethod.ReadWrite.All too, and names the passkey after its model without displayName', async () => {
      const user = await newUser();
      const o = await optionsFor(user, { token: allMethods });
      const body = await fido2MethodBody(o.publicKey, server.url);
      const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { token: allMethods, body });
      expect(r.status).toBe(201);
      expect(r.body.displayName).toBe('Passkey');
    });

    it('takes a challenge once: the same answer again is refused, and nothing more is stored', async () => {
      const user = await newUser();
      const o = await optionsFor(user);
      const body = await fido2MethodBody(o.publicKey, server.url);
      const path = `/users/${user.id}/authentication/fido2Methods`;
      expect((await graph('POST', path, { body })).status).toBe(201);
      const again = await graph('POST', path, { body });
      expect([again.status, codeOf(again)]).toEqual([400, 'WEBAUTHN_CHALLENGE_UNKNOWN']);
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(1);
    });

    it("binds the challenge to its user: another user's POST is refused, and the right one still succeeds", async () => {
      const [x, y] = [await newUser(), await newUser()];
      const o = await optionsFor(x);
      const body = await fido2MethodBody(o.publicKey, server.url);
      const wrong = await graph('POST', `/users/${y.id}/authentication/fido2Methods`, { body });
      expect([wrong.status, codeOf(wrong)]).toEqual([400, 'WEBAUTHN_CHALLENGE_UNKNOWN']);
      expect(await listPasskeys(server.ctx.db, a.id, y.id)).toHaveLength(0);
      expect((await graph('POST', `/users/${x.id}/authentication/fido2Methods`, { body })).status).toBe(201);
    });

    it("keeps the pages' ceremony and this path apart: neither takes the other's challenge", async () => {
      const user = await newUser();
      const { session } = await startSession(server.ctx, server.ctx.db, {
        tenantId: a.id,
        userId: user.id,
        method: 'temporaryAccessPass',
      });
      // A provisioning challenge answered to the account page's finish.
      const o = await optionsFor(user);
      const auth = new SoftAuthenticator();
      const credential = await auth.register(o.publicKey as never, { origin: server.url });
      await expect(finishPasskeyRegistration(server.ctx, a, session, { credential })).rejects.toMatchObject({
        code: 'WEBAUTHN_CHALLENGE_UNKNOWN',
      });
      // A page's challenge answered to Graph.
      const pageOptions = await beginPasskeyRegistration(server.ctx, a, session);
      const body = await fido2MethodBody(pageOptions, server.url);
      const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body });
      expect([r.status, codeOf(r)]).toEqual([400, 'WEBAUTHN_CHALLENGE_UNKNOWN']);
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
    });

    it('lets a challenge expire at challengeTimeoutDateTime, and no sooner', async () => {
      const user = await newUser();
      const short = await optionsFor(user);
      const long = await optionsFor(user, { fn: '(challengeTimeoutInMinutes=60)' });
      const shortBody = await fido2MethodBody(short.publicKey, server.url);
      const longBody = await fido2MethodBody(long.publicKey, server.url);
      server.clock.offsetMs = 6 * MINUTE;
      try {
        const expired = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body: shortBody });
        expect([expired.status, codeOf(expired)]).toEqual([400, 'WEBAUTHN_CHALLENGE_EXPIRED']);
        const live = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body: longBody });
        expect(live.status, JSON.stringify(live.body)).toBe(201);
      } finally {
        server.clock.offsetMs = 0;
      }
    });

    describe('origins', () => {
      it("accepts the calling app's own page (an origin of its redirect URIs), and refuses every other origin", async () => {
        const user = await newUser();
        const fromApp = await fido2MethodBody((await optionsFor(user)).publicKey, APP_ORIGIN);
        expect((await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body: fromApp })).status).toBe(
          201,
        );
        for (const origin of [
          'http://localhost:5918',
          'https://localhost:5917',
          'http://localhost',
          'http://127.0.0.1:5917',
          'https://evil.example',
          `${APP_ORIGIN}.evil.example`,
        ]) {
          const body = await fido2MethodBody((await optionsFor(user)).publicKey, origin);
          const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body });
          expect([r.status, codeOf(r)], origin).toEqual([400, 'GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED']);
          expect(detailOf(r).origin).toBe(origin);
        }
        expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(1);
      });

      it("refuses an app's page for a caller that is another app", async () => {
        const user = await newUser();
        const o = await optionsFor(user, { token: allMethods });
        const body = await fido2MethodBody(o.publicKey, APP_ORIGIN);
        const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { token: allMethods, body });
        expect(codeOf(r)).toBe('GRAPH_PASSKEY_ORIGIN_NOT_ALLOWED');
      });

      it("accepts a signed-in administrator's app page (the token's azp), and refuses the wrong RP ID", async () => {
        const admin = await newUser();
        await assignRole(server.ctx.db, a.id, admin.id, 'Authentication Administrator');
        const { pass } = await issueTap(server.ctx, a, admin, { oneTime: false, actor: { type: 'system', id: null } });
        const t = await authorizationCodeTokens(
          server,
          a,
          { id: spa },
          { upn: admin.userPrincipalName, pass },
          'openid UserAuthMethod-Passkey.ReadWrite.All',
        );
        expect(t.status, JSON.stringify(t.body)).toBe(200);
        const token = String(t.body.access_token);
        const user = await newUser();
        const body = await fido2MethodBody((await optionsFor(user, { token })).publicKey, APP_ORIGIN);
        const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { token, body });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        expect((await listAudits(server.ctx.db, a.id)).find((x) => x.targetId === r.body.id)).toMatchObject({
          actorType: 'user',
          actorId: admin.id,
          detail: expect.objectContaining({ userId: user.id }),
        });
        const otherRp = await fido2MethodBody((await optionsFor(user, { token })).publicKey, server.url, {
          rpId: 'example.com',
        });
        const refused = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { token, body: otherRp });
        expect(codeOf(refused)).toBe('WEBAUTHN_RP_ID_MISMATCH');
      });
    });

    it("applies the user's passkey profile: type, attestation, key restrictions", async () => {
      const profile = defaultPasskeyMethodConfig().passkeyProfiles[0]!;
      const user = await newUser();
      const answer = async (authenticator: SoftAuthenticator) => {
        const body = await fido2MethodBody((await optionsFor(user)).publicKey, server.url, { authenticator });
        return graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body });
      };
      await setPolicy({ passkeyProfiles: [{ ...profile, passkeyTypes: 'deviceBound' }] });
      expect(codeOf(await answer(new SoftAuthenticator({ backupEligible: true })))).toBe('PASSKEY_TYPE_NOT_ALLOWED');
      await setPolicy({
        passkeyProfiles: [{ ...profile, passkeyTypes: 'deviceBound', attestationEnforcement: 'registrationOnly' }],
      });
      expect(codeOf(await answer(new SoftAuthenticator()))).toBe('PASSKEY_ATTESTATION_NONE');
      await setPolicy({
        passkeyProfiles: [
          {
            ...profile,
            keyRestrictions: {
              isEnforced: true,
              enforcementType: 'block',
              aaGuids: ['ec0be1a1-5166-4e70-9a55-7357a0c0ffee'],
            },
          },
        ],
      });
      expect(codeOf(await answer(new SoftAuthenticator()))).toBe('PASSKEY_AAGUID_BLOCKED');
      await setPolicy({});
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
    });

    it('refuses without user verification, and a credential id already registered in the tenant', async () => {
      const user = await newUser();
      const noUv = await fido2MethodBody((await optionsFor(user)).publicKey, server.url, {
        authenticator: new SoftAuthenticator({ userVerification: false }),
      });
      const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body: noUv });
      expect(codeOf(r)).toBe('WEBAUTHN_USER_VERIFICATION_REQUIRED');
      const other = await newUser();
      expect((await provision(other)).status).toBe(201);
      const taken = (await listPasskeys(server.ctx.db, a.id, other.id))[0]!.credentialId;
      const dup = await fido2MethodBody((await optionsFor(user)).publicKey, server.url, {
        mutate: { credentialId: Buffer.from(taken, 'base64url') },
      });
      const again = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body: dup });
      expect([again.status, codeOf(again)]).toEqual([409, 'PASSKEY_ALREADY_REGISTERED']);
    });

    it('refuses when the gate closed between options and answer (the method turned off)', async () => {
      const user = await newUser();
      const body = await fido2MethodBody((await optionsFor(user)).publicKey, server.url);
      await setPolicy({ state: 'disabled' });
      try {
        const r = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body });
        expect(codeOf(r)).toBe('PASSKEY_METHOD_DISABLED');
      } finally {
        await setPolicy({});
      }
      expect(await listPasskeys(server.ctx.db, a.id, user.id)).toHaveLength(0);
    });

    it("refuses a privileged user's passkey to an app and to an Authentication Administrator, not to a Privileged one", async () => {
      const target = await newUser();
      await assignRole(server.ctx.db, a.id, target.id, 'Reports Reader');
      const opts = await graph('GET', `/users/${target.id}/authentication/fido2Methods/creationOptions`);
      expect([opts.status, codeOf(opts)]).toEqual([403, 'GRAPH_PERMISSION_DENIED']);
      const tokenOf = async (role: string) => {
        const admin = await newUser();
        await assignRole(server.ctx.db, a.id, admin.id, role);
        const { pass } = await issueTap(server.ctx, a, admin, { oneTime: false, actor: { type: 'system', id: null } });
        const t = await authorizationCodeTokens(
          server,
          a,
          { id: spa },
          { upn: admin.userPrincipalName, pass },
          'openid UserAuthMethod-Passkey.ReadWrite.All',
        );
        return String(t.body.access_token);
      };
      const plainAdmin = await tokenOf('Authentication Administrator');
      const refused = await graph('GET', `/users/${target.id}/authentication/fido2Methods/creationOptions`, {
        token: plainAdmin,
      });
      expect(codeOf(refused)).toBe('GRAPH_PERMISSION_DENIED');
      const privileged = await tokenOf('Privileged Authentication Administrator');
      // The answer to a privileged admin's options, posted by the app, is refused too (checked before the challenge).
      const body = await fido2MethodBody((await optionsFor(target, { token: privileged })).publicKey, server.url);
      const byApp = await graph('POST', `/users/${target.id}/authentication/fido2Methods`, { body });
      expect(codeOf(byApp)).toBe('GRAPH_PERMISSION_DENIED');
      const r = await graph('POST', `/users/${target.id}/authentication/fido2Methods`, { token: privileged, body });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    });

    it("answers another tenant's token as if the user did not exist, and leaves the challenge usable", async () => {
      const user = await newUser();
      const body = await fido2MethodBody((await optionsFor(user)).publicKey, server.url);
      const other = await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { token: tokenB, body });
      const absent = await graph('POST', `/users/${crypto.randomUUID()}/authentication/fido2Methods`, {
        token: tokenB,
        body,
      });
      expect(other.status).toBe(404);
      expect([absent.status, codeOf(absent)]).toEqual([other.status, codeOf(other)]);
      expect((await graph('POST', `/users/${user.id}/authentication/fido2Methods`, { body })).status).toBe(201);
    });

    it('names the malformed field of a body, never a 500', async () => {
      const user = await newUser();
      const path = `/users/${user.id}/authentication/fido2Methods`;
      const good = await fido2MethodBody((await optionsFor(user)).publicKey, server.url);
      const pkc = good.publicKeyCredential;
      const cases: [unknown, string, string][] = [
        [{}, 'REQUEST_INVALID', 'publicKeyCredential'],
        [{ publicKeyCredential: 'x' }, 'REQUEST_INVALID', 'publicKeyCredential'],
        [{ publicKeyCredential: { ...pkc, id: undefined } }, 'REQUEST_INVALID', 'publicKeyCredential.id'],
        [{ publicKeyCredential: { ...pkc, response: undefined } }, 'REQUEST_INVALID', 'publicKeyCredential.response'],
        [
          { publicKeyCredential: { ...pkc, response: { clientDataJSON: pkc.response.clientDataJSON } } },
          'REQUEST_INVALID',
          'publicKeyCredential.response.attestationObject',
        ],
        [
          { publicKeyCredential: { ...pkc, response: { ...pkc.response, clientDataJSON: 'not base64url!' } } },
          'WEBAUTHN_RESPONSE_MALFORMED',
          'publicKeyCredential.response.clientDataJSON',
        ],
        [{ ...good, displayName: 7 }, 'REQUEST_INVALID', 'displayName'],
        [{ ...good, '@odata.type': '#microsoft.graph.user' }, 'REQUEST_INVALID', '@odata.type'],
        [[good], 'REQUEST_INVALID', ''],
      ];
      for (const [body, code, field] of cases) {
        const r = await graph('POST', path, { body });
        expect([r.status, codeOf(r)], JSON.stringify(body).slice(0, 80)).toEqual([400, code]);
        expect(detailOf(r).field).toBe(field);
      }
      const unknown = await graph('POST', path, { body: { ...good, nickname: 'x' } });
      expect([codeOf(unknown), detailOf(unknown).properties]).toEqual(['GRAPH_PROPERTY_UNKNOWN', 'nickname']);
      const readOnly = await graph('POST', path, { body: { ...good, id: 'mine', aaGuid: 'x' } });
      expect([codeOf(readOnly), detailOf(readOnly).properties]).toEqual(['GRAPH_PROPERTY_READ_ONLY', 'id, aaGuid']);
      const garbled = await graph('POST', path, { raw: '{"publicKeyCredential":' });
      expect(garbled.status).toBe(400);
      const badName = await graph('POST', path, { body: { ...good, displayName: ' ' } });
      expect(codeOf(badName)).toBe('PASSKEY_NAME_INVALID');
      // None of these took the challenge: the good body still registers.
      expect((await graph('POST', path, { body: good })).status).toBe(201);
    });
  });
});
