// Email one-time codes end to end: an administrator sets the address (Graph emailMethods), the second-factor page
// emails a code through a real SMTP server (smtp-server, in process), and the code finishes the sign-in once,
// within 10 minutes, with at most 5 wrong attempts and a resend at most once a minute. Without SMTP the message
// goes to the log and the management listener's dev outbox, never to the public listener.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMailFrom, parseSmtpUrl } from '../../src/config.ts';
import { tokenId } from '../../src/flows/context.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import { isLoopbackPeer } from '../../src/http/routes/dev-outbox.ts';
import { listSignIns } from '../../src/store/logs.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import type { User } from '../../src/store/users.ts';
import { engines } from '../support/engines.ts';
import { appToken, graphClient } from '../support/graph-client.ts';
import { enableCodeMethods } from '../support/otp-fixtures.ts';
import { load, pageCode, postJson, sessionCookie, submit } from '../support/otp-pages.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startTestSmtp, type TestSmtp } from '../support/smtp.ts';

const STEP = '/contoso/signin/second-factor';

describe.each(engines)('email one-time codes on %s', (engine) => {
  let smtp: TestSmtp;
  let server: TestServer;
  let tenant: Tenant;
  let token = '';
  let n = 0;
  const graph = graphClient(() => server, { token: () => token });

  beforeAll(async () => {
    smtp = await startTestSmtp();
    server = await startTestServer(engine, { smtpUrl: smtp.url, mailFrom: 'Contoso sign-in <signin@contoso.com>' });
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
    token = (await appToken(server, tenant, 'UserAuthenticationMethod.ReadWrite.All')).token;
  });
  afterAll(async () => {
    await server?.close();
    await smtp?.close();
  });

  /** A user with an email method set through Graph, and a session that waits for its second factor. */
  async function waiting(): Promise<{ user: User; address: string; cookie: string; sessionId: string }> {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: `mail${++n}@contoso.com` });
    const address = `person${n}@mail.example`;
    const r = await graph('POST', `/users/${user.id}/authentication/emailMethods`, { body: { emailAddress: address } });
    expect(r.status, r.text).toBe(201);
    return { user, address, ...(await sessionCookie(server, tenant, user, { amr: ['pwd'] })) };
  }

  const send = (cookie: string) => submit(server, `${STEP}/email`, {}, cookie);

  it('emails a code over SMTP and the code finishes the sign-in once: amr otp and mfa, strong auth now', async () => {
    const { user, address, cookie } = await waiting();
    const page = await load(server, STEP, cookie);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Email me a code');
    expect(page.html).toContain('p•••@mail.example');
    expect(page.html).not.toContain(address);
    const sent = await send(cookie);
    expect(sent.status).toBe(303);
    expect(sent.location).toBe(`${STEP}?sent=1`);
    const code = smtp.codeFor(address)!;
    expect(code).toMatch(/^\d{6}$/);
    const mail = smtp.received.filter((m) => m.to.includes(address)).at(-1)!;
    expect(mail.from).toBe('signin@contoso.com');
    // Only an HMAC of the code is stored.
    const row = await server.ctx.db
      .selectFrom('email_codes')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(code);
    expect((await load(server, `${STEP}?sent=1`, cookie)).html).toContain('id="sent"');

    const ok = await submit(server, STEP, { method: 'email', code, return: '/contoso/account' }, cookie);
    expect(ok.status, ok.html).toBe(303);
    expect(ok.location).toBe('/contoso/account');
    // The session continues under a new id (rotation at step-up): the old cookie is over, the new one holds both steps.
    expect(ok.setCookie).toBeTruthy();
    const s = await server.ctx.db
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', tokenId(ok.setCookie!.split('=')[1]!))
      .executeTakeFirstOrThrow();
    expect(JSON.parse(s.amr)).toEqual(['pwd', 'otp', 'mfa']);
    expect(Number(s.strong_auth_at)).toBeGreaterThan(Date.now() - 5000);
    expect((await load(server, STEP, cookie)).location).toBe('/contoso/signin');
    // The page is done with: on to where the person was going.
    expect((await load(server, STEP, ok.setCookie)).location).toBe('/contoso/account');
    // The code is spent.
    const other = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
    const replay = await postJson(server, STEP, { method: 'email', code }, other.cookie);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('OTP_CODE_ALREADY_USED');
    const log = (await listSignIns(server.ctx.db, tenant.id, 1000)).filter((r) => r.userId === user.id);
    expect(log.filter((r) => r.method === 'email' && r.result === 'success')).toHaveLength(1);
    expect(log.filter((r) => r.errorCode === 'OTP_CODE_ALREADY_USED')).toHaveLength(1);
  });

  it('sends at most once a minute, and a new code replaces the old one', async () => {
    const { address, cookie } = await waiting();
    expect((await send(cookie)).status).toBe(303);
    const first = smtp.codeFor(address)!;
    const count = smtp.received.length;
    const soon = await send(cookie);
    expect(soon.status).toBe(429);
    expect(pageCode(soon.html)).toBe('OTP_RESEND_TOO_SOON');
    expect(smtp.received.length).toBe(count);
    server.clock.offsetMs = 61_000;
    try {
      expect((await send(cookie)).status).toBe(303);
      const second = smtp.codeFor(address)!;
      if (second !== first) {
        const old = await postJson(server, STEP, { method: 'email', code: first }, cookie);
        expect(old.body.error.code).toBe('OTP_CODE_INVALID');
      }
      expect((await postJson(server, STEP, { method: 'email', code: second }, cookie)).status).toBe(200);
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('refuses a code after 10 minutes', async () => {
    const { address, cookie } = await waiting();
    await send(cookie);
    const code = smtp.codeFor(address)!;
    server.clock.offsetMs = 10 * 60_000;
    try {
      const r = await postJson(server, STEP, { method: 'email', code }, cookie);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('OTP_CODE_EXPIRED');
    } finally {
      server.clock.offsetMs = 0;
    }
  });

  it('kills a code after 5 wrong attempts: the right code is then refused too', async () => {
    const { address, cookie } = await waiting();
    await send(cookie);
    const code = smtp.codeFor(address)!;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 5; i++) {
      const r = await submit(server, STEP, { method: 'email', code: wrong }, cookie);
      expect(r.status).toBe(401);
      expect(pageCode(r.html)).toBe('OTP_CODE_INVALID');
    }
    const right = await postJson(server, STEP, { method: 'email', code }, cookie);
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('OTP_CODE_ATTEMPTS_EXCEEDED');
  });

  it("refuses another user's code, and the code of a user of another tenant", async () => {
    const alice = await waiting();
    const bob = await waiting();
    await send(alice.cookie);
    await send(bob.cookie);
    const aliceCode = smtp.codeFor(alice.address)!;
    const bobCode = smtp.codeFor(bob.address)!;
    if (aliceCode !== bobCode) {
      const r = await postJson(server, STEP, { method: 'email', code: aliceCode }, bob.cookie);
      expect(r.body.error.code).toBe('OTP_CODE_INVALID');
    }
    const other = await createTenant(server.ctx, { slug: `other-${++n}` });
    await enableCodeMethods(server.ctx, other);
    const carol = await createUser(server.ctx, other, { userPrincipalName: 'carol@other.example' });
    const c = await sessionCookie(server, other, carol, { amr: ['pwd'] });
    const there = await postJson(
      server,
      `/${other.slug}/signin/second-factor`,
      { method: 'email', code: aliceCode },
      c.cookie,
    );
    expect(there.body.error.code).toBe('OTP_CODE_NOT_SENT');
    // Alice's own code still works for her.
    expect((await postJson(server, STEP, { method: 'email', code: aliceCode }, alice.cookie)).status).toBe(200);
  });

  it('says so when the mail cannot be sent, and lets the person try again at once', async () => {
    const { cookie } = await waiting();
    await smtp.close();
    try {
      const r = await postJson(server, `${STEP}/email`, {}, cookie);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('OTP_EMAIL_NOT_SENT');
    } finally {
      smtp = await startTestSmtp();
    }
    // The server still points at the old port: the refusal stands, and is not a "too soon".
    const again = await postJson(server, `${STEP}/email`, {}, cookie);
    expect(again.body.error.code).toBe('OTP_EMAIL_NOT_SENT');
  });
});

describe.each(engines)('email codes without SMTP on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
  });
  afterAll(() => server?.close());

  it('writes the message to the dev outbox of the management listener only', async () => {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: 'first@contoso.com' });
    const token = (await appToken(server, tenant, 'UserAuthenticationMethod.ReadWrite.All')).token;
    const graph = graphClient(() => server, { token: () => token });
    await graph('POST', `/users/${user.id}/authentication/emailMethods`, {
      body: { emailAddress: 'first@mail.example' },
    });
    const { cookie } = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
    expect((await postJson(server, `${STEP}/email`, {}, cookie)).status).toBe(202);
    const outbox = await fetch(`${server.managementUrl}/dev/outbox`);
    expect(outbox.status).toBe(200);
    const { messages } = (await outbox.json()) as { messages: { to: string; text: string }[] };
    expect(messages[0]!.to).toBe('first@mail.example');
    const code = /is (\d{6})/.exec(messages[0]!.text)![1]!;
    const html = await fetch(`${server.managementUrl}/dev/outbox`, { headers: { accept: 'text/html' } });
    expect(await html.text()).toContain(code);
    // Never on the public listener.
    const pub = await fetch(`${server.url}/dev/outbox`);
    expect(pub.status).toBe(404);
    expect(await pub.text()).not.toContain(code);
    expect((await postJson(server, STEP, { method: 'email', code }, cookie)).status).toBe(200);
  });

  it('serves no outbox once SMTP is configured', async () => {
    const smtp = await startTestSmtp();
    const other = await startTestServer(engine, { smtpUrl: smtp.url });
    try {
      expect((await fetch(`${other.managementUrl}/dev/outbox`)).status).toBe(404);
    } finally {
      await other.close();
      await smtp.close();
    }
  });
});

describe('mail configuration and the dev outbox', () => {
  it('serves the dev outbox to this machine only, whatever the listener is bound to', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackPeer(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '192.168.1.127', 'fe80::1', '', undefined])
      expect(isLoopbackPeer(a), String(a)).toBe(false);
  });

  it('accepts smtp:// and smtps:// URLs and a From address, and names the variable of a bad one', () => {
    expect(parseSmtpUrl('smtp://user:pw@mail.example.com:587')).toBe('smtp://user:pw@mail.example.com:587');
    expect(parseSmtpUrl('smtps://mail.example.com')).toBe('smtps://mail.example.com');
    expect(parseSmtpUrl(undefined)).toBeUndefined();
    for (const bad of ['http://mail.example.com', 'mail.example.com', 'smtp://'])
      expect(() => parseSmtpUrl(bad), bad).toThrow(
        expect.objectContaining({ detail: expect.objectContaining({ variable: 'SIGNET_SMTP_URL' }) }),
      );
    // A password in the URL is never repeated in the error.
    try {
      parseSmtpUrl('ftp://user:hunter2@mail.example.com');
    } catch (err) {
      expect(JSON.stringify((err as { detail: unknown }).detail)).not.toContain('hunter2');
    }
    expect(parseMailFrom('Signet <no-reply@example.com>')).toBe('Signet <no-reply@example.com>');
    expect(parseMailFrom('no-reply@example.com')).toBe('no-reply@example.com');
    expect(() => parseMailFrom('Signet')).toThrow(
      expect.objectContaining({ detail: expect.objectContaining({ variable: 'SIGNET_MAIL_FROM' }) }),
    );
  });
});
