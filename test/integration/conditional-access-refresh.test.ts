// Conditional Access at a refresh (both engines): a refresh is a non-interactive sign-in judged by the policies in
// force now — a block or a stronger strength added since, or a sign-in frequency that has run out, ends the refresh
// token (invalid_grant) and is logged with its code as a non-interactive entry; a refresh the policies allow goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHISHING_RESISTANT_STRENGTH_ID } from '../../src/core/strengths.ts';
import { createPolicy } from '../../src/flows/conditional-access.ts';
import { createApp, createTenant } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { CaWalk, type Person } from '../support/ca-walk.ts';
import { engines } from '../support/engines.ts';
import { postForm, rpConfig } from '../support/oidc-rp.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const HOUR = 3_600_000;

describe.each(engines)('Conditional Access at a refresh on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let w: CaWalk;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `refresh-${engine}`, displayName: 'Refresh Ltd' });
    w = new CaWalk(server, tenant);
  });
  afterAll(() => server?.close());

  /** A new app, and a person's refresh token for it after a sign-in with `how`. */
  async function tokensFor(how: 'password' | 'passkey') {
    const app = await createApp(server.ctx, tenant, {
      name: `App ${++n}`,
      redirectUris: [w.redirect],
      publicClient: true,
    });
    const config = await rpConfig(server, tenant, app.app.id);
    const who = await w.person({ passkey: how === 'passkey' });
    const { req, end } = await w.authorize(who, config, { scope: 'openid offline_access' });
    if (end.at !== 'signin') throw new Error('expected the sign-in page');
    const done = how === 'password' ? await w.withPassword(who, end.uid) : await w.withPasskey(who, end.uid);
    if (done.at !== 'app') throw new Error(`expected the app, got ${done.at}`);
    const tokens = await w.redeem(config, req, done.callback);
    return { appId: app.app.id, config, who, refreshToken: tokens.refresh_token! };
  }
  const refresh = (appId: string, token: string) =>
    postForm(server, tenant, 'token', { grant_type: 'refresh_token', refresh_token: token, client_id: appId });
  const policyFor = (appId: string, over: Record<string, unknown>) =>
    createPolicy(server.ctx, tenant, localOperator(tenant.id), {
      displayName: `Policy for ${appId}`,
      state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'] },
        applications: { includeApplications: [appId] },
        clientAppTypes: ['all'],
      },
      ...over,
    });
  const refusalsOf = async (who: Person) =>
    (await listSignIns(server.ctx.db, tenant.id, 1000)).filter(
      (e) => e.userId === who.user.id && e.errorCode === 'CA_REFRESH_SIGN_IN_REQUIRED',
    );

  it('ends the refresh token of a password sign-in once the app requires phishing-resistant MFA, and logs it', async () => {
    const t = await tokensFor('password');
    const first = await refresh(t.appId, t.refreshToken);
    expect(first.status).toBe(200);
    await policyFor(t.appId, {
      grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
    });
    const r = await refresh(t.appId, String(first.body.refresh_token));
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_grant');
    expect(r.body.access_token).toBeUndefined();
    expect(await refusalsOf(t.who)).toHaveLength(1);
  });

  it('lets a passkey sign-in’s refresh token go on under the same policy', async () => {
    const t = await tokensFor('passkey');
    await policyFor(t.appId, {
      grantControls: { operator: 'OR', authenticationStrength: { id: PHISHING_RESISTANT_STRENGTH_ID } },
    });
    expect((await refresh(t.appId, t.refreshToken)).status).toBe(200);
  });

  it('ends a refresh token when a block is added, whatever the sign-in', async () => {
    const t = await tokensFor('passkey');
    await policyFor(t.appId, { grantControls: { operator: 'OR', builtInControls: ['block'] } });
    expect((await refresh(t.appId, t.refreshToken)).body.error).toBe('invalid_grant');
  });

  it('ends a refresh token when the sign-in frequency has run out, not before', async () => {
    const t = await tokensFor('passkey');
    await policyFor(t.appId, {
      sessionControls: {
        signInFrequency: { isEnabled: true, type: 'hours', value: 4, frequencyInterval: 'timeBased' },
      },
    });
    server.clock.offsetMs += 3 * HOUR;
    const within = await refresh(t.appId, t.refreshToken);
    expect(within.status).toBe(200);
    server.clock.offsetMs += 2 * HOUR;
    const after = await refresh(t.appId, String(within.body.refresh_token));
    expect(after.body.error).toBe('invalid_grant');
    expect(await refusalsOf(t.who)).toHaveLength(1);
  });

  it('keeps report-only policies out of it', async () => {
    const t = await tokensFor('password');
    await policyFor(t.appId, {
      state: 'enabledForReportingButNotEnforced',
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    expect((await refresh(t.appId, t.refreshToken)).status).toBe(200);
  });
});
