// Top test 7 (ATK-01): a phishing-resistant authentication strength is never satisfied by a password, a one-time code
// or a Temporary Access Pass, whatever the browser sends or which method the user picks — for an app a policy
// protects, and for an app that asks with acr_values=phr. Sessions are made by the real flows' session steps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepMethod } from '../../src/core/session-steps.ts';
import { MFA_STRENGTH_ID, PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createPolicy } from '../../src/flows/conditional-access.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { addSessionStep, startSession } from '../../src/flows/sessions.ts';
import { sessionCookieName } from '../../src/http/session-cookie.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CaWalk, type Person } from '../support/ca-walk.ts';
import { engines } from '../support/engines.ts';
import { type oidc, rpConfig } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Made = { first: StepMethod; next?: StepMethod; tapOneTime?: boolean };
const PHISHABLE: Record<string, Made> = {
  password: { first: 'password' },
  'password + authenticator app': { first: 'password', next: 'softwareOath' },
  'password + email code': { first: 'password', next: 'email' },
  'one-time Temporary Access Pass': { first: 'temporaryAccessPass', tapOneTime: true },
  'multi-use Temporary Access Pass': { first: 'temporaryAccessPass', tapOneTime: false },
  'a pass, then a password': { first: 'temporaryAccessPass', next: 'password', tapOneTime: true },
};

describe.each(engines)('phishing-resistant MFA is never met by a phishable method (ATK-01) on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let w: CaWalk;
  let guarded: oidc.Configuration;
  let plain: oidc.Configuration;

  /** The person's browser holds a live session made of these steps, as the sign-in flows make it. */
  async function sessionOf(who: Person, m: Made) {
    const tap = m.tapOneTime === undefined ? {} : { facts: { tap: { oneTime: m.tapOneTime } } };
    let s = await startSession(server.ctx, server.ctx.db, {
      tenantId: tenant.id,
      userId: who.user.id,
      method: m.first,
      ...tap,
    });
    if (m.next) s = await addSessionStep(server.ctx, server.ctx.db, s.session, { method: m.next });
    who.browser.jar.set(sessionCookieName(server.ctx.config, tenant), s.token);
  }

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `phr-${engine}`, displayName: 'Phishing-resistant Inc' });
    w = new CaWalk(server, tenant);
    const a = await createApp(server.ctx, tenant, {
      name: 'Admin portal',
      redirectUris: [w.redirect],
      publicClient: true,
    });
    const b = await createApp(server.ctx, tenant, { name: 'Notes', redirectUris: [w.redirect], publicClient: true });
    guarded = await rpConfig(server, tenant, a.app.id);
    plain = await rpConfig(server, tenant, b.app.id);
    await createPolicy(server.ctx, tenant, localOperator(tenant.id), {
      displayName: 'Admin portal: phishing-resistant MFA',
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [a.app.id] },
        clientAppTypes: ['all'],
      },
      grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
    });
  });
  afterAll(() => server?.close());

  for (const [name, made] of Object.entries(PHISHABLE)) {
    it(`a session made by ${name} gets no code from the protected app, and is offered only the passkey`, async () => {
      const who = await w.person({ passkey: true });
      await sessionOf(who, made);
      // Asking for less (the MFA strength) does not lower what the policy requires.
      const { end } = await w.authorize(who, guarded, { acr_values: MFA_STRENGTH_ID });
      expect(end.at).toBe('signin');
      if (end.at !== 'signin') return;
      expect(end.html).toContain('One more step to continue');
      for (const form of ['password-form', 'tap-form', 'code-heading']) expect(end.html).not.toContain(form);
      // Silently: an error back to the app (login_required while the provider has no session of its own, else
      // interaction_required), never a code.
      const silent = await w.authorize(who, guarded, { prompt: 'none' });
      if (silent.end.at !== 'app') throw new Error('prompt=none must answer the app');
      expect(silent.end.callback.searchParams.get('code')).toBeNull();
      expect(['login_required', 'interaction_required']).toContain(silent.end.callback.searchParams.get('error'));
      // Nor for an app that asks for phishing-resistant sign-in itself.
      const asked = await w.authorize(who, plain, { acr_values: 'phr', prompt: 'none' });
      expect(asked.end.at === 'app' && asked.end.callback.searchParams.get('code')).toBeNull();
    });
  }

  it('refuses a password or a pass posted for the protected app, before checking it, whichever the user picks', async () => {
    const who = await w.person({ passkey: true });
    const { end } = await w.authorize(who, guarded);
    if (end.at !== 'signin') throw new Error('expected the sign-in page');
    const pwd = await w.post(who, 'password', {
      username: who.user.userPrincipalName,
      password: who.password,
      uid: end.uid,
    });
    const tap = await w.post(who, 'tap', {
      username: who.user.userPrincipalName,
      pass: 'ABCDEFGHJKLMNPQR',
      uid: end.uid,
    });
    for (const r of [pwd, tap]) {
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('CA_METHOD_NOT_ACCEPTED');
    }
  });

  it('offers and accepts no password or pass where the app itself asks acr_values=phr', async () => {
    const who = await w.person({ passkey: true });
    const { end } = await w.authorize(who, plain, { acr_values: 'phr' });
    if (end.at !== 'signin') throw new Error('expected the sign-in page');
    expect(end.html).not.toContain('password-form');
    expect(end.html).not.toContain('tap-form');
    const pwd = await w.post(who, 'password', {
      username: who.user.userPrincipalName,
      password: who.password,
      uid: end.uid,
    });
    expect(pwd.status).toBe(403);
    expect(((await pwd.json()) as { error: { code: string } }).error.code).toBe('CA_METHOD_NOT_ACCEPTED');
    // The same app asking for MFA keeps both forms.
    const mfa = await w.authorize(who, plain, { acr_values: MFA_STRENGTH_ID });
    if (mfa.end.at !== 'signin') throw new Error('expected the sign-in page');
    expect(mfa.end.html).toContain('password-form');
  });

  it('is met by a passkey, synced or device-bound', async () => {
    const who = await w.person({ passkey: true });
    await sessionOf(who, { first: 'password' });
    const { req, end } = await w.authorize(who, guarded);
    if (end.at !== 'signin') throw new Error('expected the step-up page');
    const done = await w.withPasskey(who, end.uid);
    expect(done.at).toBe('app');
    if (done.at === 'app') expect((await w.redeem(guarded, req, done.callback)).id_token).toBeTruthy();
  });
});
