import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { upsertAuthContext } from '../../src/flows/ca-locations-contexts.ts';
import { createPolicy } from '../../src/flows/conditional-access.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { beginPasskeyRegistration, finishPasskeyRegistration } from '../../src/flows/register-passkey.ts';
import { startSession } from '../../src/flows/sessions.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { CaWalk, type Person } from '../support/ca-walk.ts';
import { engines } from '../support/engines.ts';
import { type oidc, rpConfig } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { SoftAuthenticator } from '../support/soft-authenticator.ts';

describe.each(engines)('Conditional Access at sign-in on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let protectedApp: oidc.Configuration;
  let openApp: oidc.Configuration;
  let protectedId: string;
  const redirect = () => `${server.url}/cb`;

  let w: CaWalk;
  const person = (p: { passkey: boolean }) => w.person(p);
  const authorize = (who: Person, config: oidc.Configuration, extra: Record<string, string> = {}) =>
    w.authorize(who, config, extra);
  const withPassword = (who: Person, uid: string) => w.withPassword(who, uid);
  const withPasskey = (who: Person, uid: string) => w.withPasskey(who, uid);
  const redeem = (config: oidc.Configuration, req: Parameters<CaWalk['redeem']>[1], callback: URL) =>
    w.redeem(config, req, callback);
  const logOf = async (user: User) =>
    (await listSignIns(server.ctx.db, tenant.id, 1000)).filter(
      (e) => e.userId === user.id && e.method === 'authorization',
    );

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `ca-${engine}`, displayName: 'Contoso CA' });
    w = new CaWalk(server, tenant);
    const a = await createApp(server.ctx, tenant, { name: 'Payroll', redirectUris: [redirect()], publicClient: true });
    const b = await createApp(server.ctx, tenant, { name: 'Wiki', redirectUris: [redirect()], publicClient: true });
    protectedId = a.app.id;
    protectedApp = await rpConfig(server, tenant, a.app.id);
    openApp = await rpConfig(server, tenant, b.app.id);
    const op = localOperator(tenant.id);
    await createPolicy(server.ctx, tenant, op, {
      displayName: 'Payroll needs phishing-resistant MFA',
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [a.app.id] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
    });
    // Report-only: would block the wiki for everyone; it must change nothing.
    await createPolicy(server.ctx, tenant, op, {
      displayName: 'Wiki block (report-only)',
      state: 'enabledForReportingButNotEnforced',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [b.app.id] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
  });
  afterAll(() => server?.close());

  it('asks for the step an authentication context needs, and says in acrs that it was met (ID and access token)', async () => {
    const op = localOperator(tenant.id);
    await upsertAuthContext(server.ctx, tenant, op, 'c1', { displayName: 'Approve payments', isAvailable: true });
    await createPolicy(server.ctx, tenant, op, {
      displayName: 'Approving payments needs phishing-resistant MFA',
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeAuthenticationContextClassReferences: ['c1'] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
    });
    const who = await person({ passkey: true });
    await signedInWithPassword(who);
    // Without the context the wiki asks nothing more; with it (Entra's claims challenge), the passkey.
    const claims = JSON.stringify({
      id_token: { acrs: { essential: true, value: 'c1' } },
      access_token: { acrs: { essential: true, value: 'c1' } },
    });
    const { req, end } = await authorize(who, openApp, { claims, scope: 'openid profile User.Read' });
    if (end.at !== 'signin') throw new Error(`expected the step-up page, got ${end.at}`);
    expect(end.html).toContain('One more step to continue');
    const done = await withPasskey(who, end.uid);
    if (done.at !== 'app') throw new Error('expected the app');
    const tokens = await redeem(openApp, req, done.callback);
    expect(decodeJwt(tokens.id_token!).acrs).toEqual(['c1']);
    const at = decodeJwt(tokens.access_token);
    expect(at).toMatchObject({ acrs: ['c1'], acr: PHISHING_RESISTANT_STRENGTH_ID });
    expect(at.amr).toEqual(expect.arrayContaining(['hwk', 'pwd', 'mfa']));
    expect(typeof at.auth_time).toBe('number');
    const log = await logOf(who.user);
    const stepUp = log.find((e) => e.errorCode === 'CA_STEP_UP_REQUIRED');
    expect(stepUp).toBeDefined();
  });

  /** A password session made through the wiki (which asks for no more), in the person's browser. */
  const signedInWithPassword = (who: Person) => w.signedInWithPassword(who, openApp);

  it('offers no password or pass form for the app every user must reach with a passkey, and refuses a posted one', async () => {
    const who = await person({ passkey: false });
    const { end } = await authorize(who, protectedApp);
    if (end.at !== 'signin') throw new Error(`expected the sign-in page, got ${end.at}`);
    expect(end.html).toContain('id="passkey-form"');
    expect(end.html).not.toContain('password-form');
    expect(end.html).not.toContain('tap-form');
    // Posted anyway (an old page, a script): refused before it is checked or counted, and logged.
    const r = await w.post(who, 'password', {
      username: who.user.userPrincipalName,
      password: who.password,
      uid: end.uid,
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('CA_METHOD_NOT_ACCEPTED');
    const log = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((e) => e.userId === who.user.id);
    expect(log.map((e) => e.errorCode)).toEqual(['CA_METHOD_NOT_ACCEPTED']);
  });

  it('refuses a signed-in user with only a password, with the way out, and logs the policy that refused', async () => {
    const who = await person({ passkey: false });
    await signedInWithPassword(who);
    const { end } = await authorize(who, protectedApp);
    // The sign-in page's address answers with the refusal page itself.
    if (end.at === 'app') throw new Error('the app was answered');
    expect(end.status).toBe(403);
    expect(end.html).toContain('CA_STRENGTH_CANNOT_SATISFY');
    expect(end.html).toContain('Temporary Access Pass');
    const refused = (await logOf(who.user)).find((e) => e.result === 'failure');
    expect(refused).toMatchObject({ errorCode: 'CA_STRENGTH_CANNOT_SATISFY', appId: protectedId });
  });

  it('steps a password session up to exactly a passkey, without the password again, and the tokens say so', async () => {
    const who = await person({ passkey: true });
    await signedInWithPassword(who);
    const { req, end: stepUp } = await authorize(who, protectedApp);
    expect(stepUp.at).toBe('signin');
    if (stepUp.at !== 'signin') return;
    // Only the passkey is offered: no password, pass or code form (no downgrade).
    expect(stepUp.html).toContain('One more step to continue');
    expect(stepUp.html).toContain('id="passkey-form"');
    for (const form of ['password-form', 'tap-form', 'code-heading']) expect(stepUp.html).not.toContain(form);
    const cookieBefore = [...who.browser.jar.values()].join();
    const done = await withPasskey(who, stepUp.uid);
    expect(done.at).toBe('app');
    if (done.at !== 'app') return;
    // The session id rotated at the step-up.
    expect([...who.browser.jar.values()].join()).not.toBe(cookieBefore);
    const tokens = await redeem(protectedApp, req, done.callback);
    const claims = decodeJwt(tokens.id_token!);
    expect(claims.acr).toBe(PHISHING_RESISTANT_STRENGTH_ID);
    // Both steps, the password kept: a device-bound passkey added to it.
    expect(claims.amr).toEqual(['pop', 'hwk', 'user', 'fido', 'pwd', 'mfa']);
    const log = await logOf(who.user);
    expect(log.map((e) => e.errorCode)).toEqual(expect.arrayContaining(['CA_STEP_UP_REQUIRED', null]));
    // The passkey step and the app's answer are one request's entries: they share its correlation id.
    const all = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((e) => e.userId === who.user.id);
    const passkeyStep = all.find((e) => e.method === 'passkey');
    const answer = all.find((e) => e.method === 'authorization' && e.result === 'success' && e.appId === protectedId);
    expect(passkeyStep?.correlationId).toBeTruthy();
    expect(passkeyStep?.correlationId).toBe(answer?.correlationId);
    expect(passkeyStep?.appId).toBe(protectedId);
  });

  it('lets the wiki in despite a report-only block, and logs what it would have done', async () => {
    const who = await person({ passkey: false });
    const { req, end } = await authorize(who, openApp);
    if (end.at !== 'signin') throw new Error('expected the sign-in page');
    const done = await withPassword(who, end.uid);
    expect(done.at).toBe('app');
    if (done.at !== 'app') return;
    const claims = decodeJwt((await redeem(openApp, req, done.callback)).id_token!);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBeUndefined();
    const success = (await logOf(who.user)).find((e) => e.result === 'success');
    expect(success).toBeDefined();
  });

  it('honours acr_values=phr from an app no policy protects: a password session steps up, the token says phr', async () => {
    const who = await person({ passkey: true });
    await signedInWithPassword(who);
    // The same browser, already signed in with a password: the app asks for phishing-resistant sign-in.
    const { req, end } = await authorize(who, openApp, { acr_values: 'phr' });
    expect(end.at).toBe('signin');
    if (end.at !== 'signin') return;
    expect(end.html).toContain('One more step to continue');
    expect(end.html).not.toContain('password-form');
    const done = await withPasskey(who, end.uid);
    if (done.at !== 'app') throw new Error('expected the app');
    const claims = decodeJwt((await redeem(openApp, req, done.callback)).id_token!);
    expect(claims.acr).toBe('phr');
  });

  it('phrh is not met by a synced passkey: the user is told no passkey they have will do', async () => {
    const who = await person({ passkey: false });
    // A synced passkey only (backup-eligible).
    const synced = new SoftAuthenticator({ backupEligible: true });
    const onboarding = await startSession(server.ctx, server.ctx.db, {
      tenantId: tenant.id,
      userId: who.user.id,
      method: 'temporaryAccessPass',
      facts: { tap: { oneTime: true } },
    });
    await finishPasskeyRegistration(server.ctx, tenant, onboarding.session, {
      credential: await synced.register(await beginPasskeyRegistration(server.ctx, tenant, onboarding.session), {
        origin: server.url,
      }),
    });
    const { end } = await authorize(who, openApp, { acr_values: 'phrh' });
    if (end.at !== 'signin') throw new Error('expected the sign-in page');
    const after = await withPasskey({ ...who, key: synced }, end.uid);
    expect(after.at).toBe('page');
    if (after.at === 'page') expect(after.html).toContain('CA_PASSKEY_MODEL_NOT_ALLOWED');
  });

  it('refuses an essential acr Signet does not know, with its code, and the app gets no code', async () => {
    const who = await person({ passkey: true });
    await signedInWithPassword(who);
    const claims = JSON.stringify({ id_token: { acr: { essential: true, value: 'urn:example:unknown' } } });
    const { end } = await authorize(who, openApp, { claims });
    if (end.at === 'app') throw new Error('the app was answered');
    expect(end.status).toBe(400);
    expect(end.html).toContain('OIDC_ACR_UNSUPPORTED');
  });

  it('blocks a signed-in user where a block policy applies, naming the refusal, and logs it', async () => {
    const app = await createApp(server.ctx, tenant, { name: 'Closed', redirectUris: [redirect()], publicClient: true });
    const closed = await rpConfig(server, tenant, app.app.id);
    await createPolicy(server.ctx, tenant, localOperator(tenant.id), {
      displayName: 'Closed app: block',
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [app.app.id] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    const who = await person({ passkey: true });
    await signedInWithPassword(who);
    const { end } = await authorize(who, closed);
    if (end.at === 'app') throw new Error('the app was answered');
    expect(end.status).toBe(403);
    expect(end.html).toContain('CA_ACCESS_BLOCKED');
    expect((await logOf(who.user)).map((e) => e.errorCode)).toContain('CA_ACCESS_BLOCKED');
  });

  it('answers prompt=none with interaction_required when the session lacks the step, never a code', async () => {
    const who = await person({ passkey: true });
    await signedInWithPassword(who);
    const { end } = await authorize(who, protectedApp, { prompt: 'none' });
    expect(end.at).toBe('app');
    if (end.at !== 'app') return;
    expect(end.callback.searchParams.get('error')).toBe('interaction_required');
    expect(end.callback.searchParams.get('code')).toBeNull();
  });

  it('signs a passkey session into the protected app silently, and logs that authorization too', async () => {
    const who = await person({ passkey: true });
    const first = await authorize(who, protectedApp);
    if (first.end.at !== 'signin') throw new Error('expected the sign-in page');
    expect((await withPasskey(who, first.end.uid)).at).toBe('app');
    const { req, end } = await authorize(who, protectedApp);
    expect(end.at).toBe('app');
    if (end.at !== 'app') return;
    const claims = decodeJwt((await redeem(protectedApp, req, end.callback)).id_token!);
    expect(claims.amr).toEqual(['pop', 'hwk', 'user', 'fido', 'mfa']);
    expect((await logOf(who.user)).filter((e) => e.result === 'success')).toHaveLength(2);
  });
});
