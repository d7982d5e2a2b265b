// The second factor of a sign-in as GET /auditLogs/signIns shows it: a code from an authenticator app or sent by
// email, proved on the real second-factor page, reads with Graph's method names ('Software OATH token', and ours,
// 'Email OTP') as the multi-factor step ('Multifactor authentication', authenticationRequirement
// multiFactorAuthentication), refused or accepted, with the catalogue code of a refusal. Both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../src/core/totp.ts';
import { createTenant, createUser } from '../../src/flows/directory.ts';
import type { Tenant } from '../../src/store/tenants.ts';
import { engines } from '../support/engines.ts';
import { appToken, graphClient } from '../support/graph-client.ts';
import { addEmail, addTotp, enableCodeMethods } from '../support/otp-fixtures.ts';
import { postJson, sessionCookie } from '../support/otp-pages.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

interface Step {
  authenticationMethod: string;
  succeeded: boolean;
  authenticationStepRequirement: string;
}
interface Row {
  status: { errorCode: string | number };
  authenticationDetails: Step[];
  authenticationMethodsUsed: string[];
  authenticationRequirement: string;
}

describe.each(engines)('second-factor rows of the sign-in log through Graph on %s', (engine) => {
  let server: TestServer;
  let tenant: Tenant;
  let token = '';
  const graph = graphClient(() => server, { token: () => token });

  beforeAll(async () => {
    server = await startTestServer(engine);
    tenant = await createTenant(server.ctx, { slug: 'contoso' });
    await enableCodeMethods(server.ctx, tenant);
    token = (await appToken(server, tenant, 'AuditLog.Read.All')).token;
  });
  afterAll(() => server?.close());

  it('an authenticator code refused then accepted, and an email code refused, each the multi-factor step', async () => {
    const user = await createUser(server.ctx, tenant, { userPrincipalName: 'mfa@contoso.com' });
    const { secret } = await addTotp(server.ctx, tenant, user.id);
    await addEmail(server.ctx, tenant, user.id, 'mfa@mail.example');
    const { cookie } = await sessionCookie(server, tenant, user, { amr: ['pwd'] });
    const second = '/contoso/signin/second-factor';
    const right = totpCodeAt(secret, server.ctx.now());
    const wrong = right === '000000' ? '111111' : '000000';
    expect((await postJson(server, second, { method: 'email', code: '123456' }, cookie)).body.error.code).toBe(
      'OTP_CODE_NOT_SENT',
    );
    expect((await postJson(server, second, { method: 'totp', code: wrong }, cookie)).body.error.code).toBe(
      'OTP_CODE_INVALID',
    );
    const ok = await postJson(server, second, { method: 'totp', code: right }, cookie);
    expect(ok.status, JSON.stringify(ok.body)).toBeLessThan(400);

    const r = await graph('GET', `/auditLogs/signIns?$filter=userId eq '${user.id}'`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Newest first: the accepted app code, the refused one, the refused email code.
    const [accepted, refused, email] = r.body.value as unknown as Row[];
    expect(accepted).toMatchObject({
      status: { errorCode: 0 },
      authenticationMethodsUsed: ['Software OATH token'],
      authenticationRequirement: 'multiFactorAuthentication',
    });
    expect(accepted!.authenticationDetails).toEqual([
      expect.objectContaining({
        authenticationMethod: 'Software OATH token',
        succeeded: true,
        authenticationStepRequirement: 'Multifactor authentication',
        authenticationStepResultDetail: 'MFA successfully completed',
      }),
    ]);
    expect(refused).toMatchObject({
      status: { errorCode: 'OTP_CODE_INVALID' },
      authenticationMethodsUsed: [],
      authenticationRequirement: 'multiFactorAuthentication',
    });
    expect(refused!.authenticationDetails[0]).toMatchObject({
      authenticationMethod: 'Software OATH token',
      succeeded: false,
      authenticationStepRequirement: 'Multifactor authentication',
    });
    expect(email!.status.errorCode).toBe('OTP_CODE_NOT_SENT');
    expect(email!.authenticationDetails[0]).toMatchObject({
      authenticationMethod: 'Email OTP',
      succeeded: false,
      authenticationStepRequirement: 'Multifactor authentication',
    });
    expect(r.body.value).toHaveLength(3);
  });
});
