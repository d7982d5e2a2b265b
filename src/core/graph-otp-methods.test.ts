import { describe, expect, it } from 'vitest';
import { EMAIL_METHOD_ID, emailAddressOf, toGraphEmail, toGraphSoftwareOath } from './graph-otp-methods.ts';

describe('Graph shapes of the one-time code methods', () => {
  it('never returns the authenticator key', () => {
    expect(toGraphSoftwareOath({ id: 'm1', confirmedAt: Date.UTC(2026, 0, 2), createdAt: 0 })).toEqual({
      '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod',
      id: 'm1',
      secretKey: null,
      createdDateTime: '2026-01-02T00:00:00Z',
    });
  });

  it("gives the email method Graph's fixed id", () => {
    expect(toGraphEmail({ emailAddress: 'a@example.com' })).toEqual({
      '@odata.type': '#microsoft.graph.emailAuthenticationMethod',
      id: EMAIL_METHOD_ID,
      emailAddress: 'a@example.com',
    });
  });

  it('reads emailAddress and refuses any other field, naming it', () => {
    expect(emailAddressOf({ emailAddress: 'a@example.com' })).toEqual({ ok: true, value: 'a@example.com' });
    expect(emailAddressOf({ '@odata.type': '#microsoft.graph.emailAuthenticationMethod', emailAddress: 'x' })).toEqual({
      ok: true,
      value: 'x',
    });
    expect(emailAddressOf({ emailAddress: 'a@example.com', id: 'x' })).toMatchObject({ ok: false, field: 'id' });
    expect(emailAddressOf({})).toMatchObject({ ok: false, field: 'emailAddress' });
    expect(emailAddressOf([])).toMatchObject({ ok: false, field: '(body)' });
  });
});
