// The sign-in page follows the methods policy tenant-wide (issue 8), on both engines: the Temporary Access Pass form
// is there only while the TemporaryAccessPass method is on (as the password form follows the Password method),
// the same for every name; a form post to the pass route while it is off gets the page again with the plain-words
// refusal (logged, nothing counted toward a lockout); an empty password on the form without script is asked for
// in its own words; a locked pass says how long the pause is, truly.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { localOperator } from '../../src/flows/local-operator.ts';
import { updateMethodConfiguration } from '../../src/flows/method-policy.ts';
import { issueTap } from '../../src/flows/temporary-access-pass.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

type Json = Record<string, unknown>;
const TAP_TYPE = '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration';
const SYSTEM = { type: 'system', id: null } as const;

describe.each(engines)('the sign-in page and the methods policy on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: `sp-${randomBytes(4).toString('hex')}` });
  });
  afterAll(() => server?.close());

  const newUser = () =>
    createUser(server.ctx, tenant, { userPrincipalName: `s${++n}-${randomBytes(3).toString('hex')}@contoso.com` });
  const setTap = (config: Json) =>
    updateMethodConfiguration(server.ctx, tenant, localOperator(tenant.id), 'TemporaryAccessPass', {
      '@odata.type': TAP_TYPE,
      ...config,
    });
  const page = async (query = '') => (await fetch(`${server.url}/${tenant.slug}/signin${query}`)).text();
  /** The form as a browser without script sends it. */
  const formPost = (route: string, fields: Record<string, string>) =>
    fetch(`${server.url}/${tenant.slug}/signin/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, accept: 'text/html' },
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });
  const tapLog = async (user: User) =>
    (await listSignIns(server.ctx.db, tenant.id, 1000))
      .filter((r) => r.userId === user.id && r.method === 'temporaryAccessPass')
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((r) => r.errorCode ?? 'success');

  it('shows the pass form only while the TAP method is on, the same page for everyone, and says what is left', async () => {
    const on = await page();
    expect(on).toContain('id="tap-form"');
    expect(on).toContain('or sign in with a Temporary Access Pass below.');
    await setTap({ state: 'disabled' });
    try {
      const off = await page();
      expect(off).not.toContain('id="tap-form"');
      expect(off).not.toContain('Temporary Access Pass');
      // The password form (Password is on by default) is what the notices point to instead.
      expect(off).toContain('id="password-form"');
      expect(off).toContain(
        'Passkeys need JavaScript, which is turned off in this browser. Turn it on to use a passkey, or sign in with your password below.',
      );
      // An app's sign-in request is no different: the page says nothing about any one person.
      expect(await page('?return=%2Fx')).not.toContain('id="tap-form"');
      // The passkey form posted without script points to what is there, not to a pass form that is not.
      const passkey = await formPost('passkey', { username: 'anyone@contoso.com' });
      const html = await passkey.text();
      expect(html).toContain('Reload the page and try again, or sign in with your password below.');
      expect(html).not.toContain('Temporary Access Pass');
    } finally {
      await setTap({ state: 'enabled' });
    }
    expect(await page()).toContain('id="tap-form"');
  });

  it('answers a pass posted while the method is off with the page again and its plain words, logged, nothing counted', async () => {
    const user = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM, oneTime: true });
    await setTap({ state: 'disabled' });
    try {
      // The right pass, a wrong one and a name without an account: one answer, the tenant's setting.
      for (const [username, p] of [
        [user.userPrincipalName, pass],
        [user.userPrincipalName, `${pass}x`],
        ['nobody@contoso.com', pass],
      ] as const) {
        const res = await formPost('tap', { username, pass: p });
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        const html = await res.text();
        expect(html).toContain('Your organization has turned off signing in with a Temporary Access Pass.');
        expect(html).toContain('Sign in with a passkey, or ask your help desk how to sign in now.');
        expect(html).toContain('<code>TAP_METHOD_DISABLED</code>');
        expect(html).not.toContain('id="tap-form"');
        expect(html).not.toContain(p);
        expect(html).toContain(`value="${username}"`);
      }
      // The script's JSON call gets the code too.
      const json = await fetch(`${server.url}/${tenant.slug}/signin/tap`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ username: user.userPrincipalName, pass }),
      });
      expect(json.status).toBe(403);
      expect(((await json.json()) as { error: { code: string } }).error.code).toBe('TAP_METHOD_DISABLED');
      // Fifteen more posts: none counted toward the pass's lockout.
      for (let i = 0; i < 15; i++) await formPost('tap', { username: user.userPrincipalName, pass: `${pass}${i}` });
    } finally {
      await setTap({ state: 'enabled' });
    }
    expect(await tapLog(user)).toEqual(Array(18).fill('TAP_METHOD_DISABLED'));
    // Turned on again, the one-time pass was neither spent nor locked: it signs in.
    const res = await formPost('tap', { username: user.userPrincipalName, pass });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/${tenant.slug}/account`);
    expect((await tapLog(user)).at(-1)).toBe('success');
  });

  it('asks for the password in its own words when the field is left empty without script', async () => {
    const res = await formPost('password', { username: 'someone@contoso.com', password: '' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<p class="status-text">Enter your password.</p>');
    expect(html).not.toContain('Something in the form is missing');
    expect(html).toContain('<code>REQUEST_INVALID</code>');
    expect(html).toContain('value="someone@contoso.com"');
    // The script's table has the same sentence for the same field.
    const table = await (await fetch(`${server.url}/static/messages.js`)).text();
    expect(table).toContain('Enter your password.');
  });

  it('says a locked pass pauses for 15 minutes at first and longer after each lockout, not a fixed wait', async () => {
    const user = await newUser();
    const { pass } = await issueTap(server.ctx, tenant, user, { actor: SYSTEM });
    for (let i = 0; i < 10; i++) await formPost('tap', { username: user.userPrincipalName, pass: `${pass}${i}` });
    const res = await formPost('tap', { username: user.userPrincipalName, pass });
    expect(res.status).toBe(429);
    const html = await res.text();
    expect(html).toContain('<code>TAP_LOCKED_OUT</code>');
    expect(html).toContain(
      'Wait and try again later: the first pause lasts 15 minutes, and each lockout in a row doubles it, up to 4 hours.',
    );
    expect(html).not.toContain('Wait 15 minutes');
    expect((await tapLog(user)).at(-1)).toBe('TAP_LOCKED_OUT');
  });
});
