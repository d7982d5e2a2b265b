import { describe, expect, it } from 'vitest';
import {
  parseAddPassword,
  parseApplicationCreate,
  parseApplicationUpdate,
  parseRemovePassword,
  secretKeyId,
  toGraphApplication,
} from './graph-application.ts';

const app = {
  id: '11111111-2222-4333-8444-555555555555',
  displayName: 'Payroll',
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  redirectUris: ['https://app.example/cb'],
  publicClient: false,
  secrets: [
    {
      keyId: 'k-1',
      displayName: 'ci',
      hint: 'abc',
      startAt: Date.UTC(2026, 0, 2),
      endAt: Date.UTC(2028, 0, 2),
      removedAt: null,
    },
    { keyId: 'k-old', displayName: null, hint: null, startAt: 0, endAt: null, removedAt: 1 },
    { keyId: 'k-2', displayName: null, hint: null, startAt: Date.UTC(2026, 0, 2), endAt: null, removedAt: null },
  ],
};

describe('the Graph application shape', () => {
  it('answers Graph names, web or spa redirect URIs, and secret metadata without its text', () => {
    const g = toGraphApplication(app);
    expect(g).toMatchObject({
      id: app.id,
      appId: app.id,
      displayName: 'Payroll',
      createdDateTime: '2026-01-02T03:04:05Z',
      web: { redirectUris: ['https://app.example/cb'] },
      spa: { redirectUris: [] },
    });
    // Every secret not removed, each with its own keyId and validity; the removed one is gone.
    expect(g.passwordCredentials).toEqual([
      {
        customKeyIdentifier: null,
        displayName: 'ci',
        endDateTime: '2028-01-02T00:00:00Z',
        hint: 'abc',
        keyId: 'k-1',
        startDateTime: '2026-01-02T00:00:00Z',
      },
      {
        customKeyIdentifier: null,
        displayName: null,
        endDateTime: null,
        hint: null,
        keyId: 'k-2',
        startDateTime: '2026-01-02T00:00:00Z',
      },
    ]);
    expect(JSON.stringify(g)).not.toContain('secretText');
    expect(toGraphApplication({ ...app, publicClient: true, secrets: [] })).toMatchObject({
      web: { redirectUris: [] },
      spa: { redirectUris: ['https://app.example/cb'] },
      passwordCredentials: [],
    });
    expect(toGraphApplication(app, ['displayName'])).toEqual({ displayName: 'Payroll' });
  });

  it('derives a stable GUID-shaped keyId per secret', () => {
    expect(secretKeyId('a')).toBe(secretKeyId('a'));
    expect(secretKeyId('a')).not.toBe(secretKeyId('b'));
    expect(secretKeyId('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('parses the bodies, refusing unknown properties and web with spa by name', () => {
    expect(parseApplicationCreate({ displayName: ' X ' })).toEqual({ ok: true, value: { displayName: 'X' } });
    expect(parseApplicationCreate({})).toMatchObject({ ok: false, code: 'REQUEST_INVALID' });
    expect(
      parseApplicationCreate({ displayName: 'X', web: { redirectUris: [] }, spa: { redirectUris: [] } }),
    ).toMatchObject({ ok: false, detail: { field: 'spa' } });
    expect(parseApplicationUpdate({ signInAudience: 'AzureADMyOrg' })).toMatchObject({
      ok: false,
      detail: { field: 'signInAudience' },
    });
    expect(parseApplicationUpdate([])).toMatchObject({ ok: false, code: 'REQUEST_INVALID' });
    expect(parseAddPassword(undefined)).toEqual({ ok: true, value: {} });
    expect(
      parseAddPassword({
        passwordCredential: {
          displayName: 'ci',
          startDateTime: '2030-01-01T00:00:00+02:00',
          endDateTime: '2030-01-01T00:00:00Z',
          keyId: 'ignored',
        },
      }),
    ).toEqual({
      ok: true,
      value: { displayName: 'ci', startAt: Date.UTC(2029, 11, 31, 22), endAt: Date.UTC(2030, 0, 1) },
    });
    expect(parseAddPassword({ passwordCredential: { endDateTime: null } })).toEqual({ ok: true, value: {} });
    expect(parseAddPassword({ passwordCredential: { endDateTime: 'next year' } })).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'passwordCredential.endDateTime' },
    });
    expect(parseAddPassword({ secretText: 'mine' })).toMatchObject({ ok: false, detail: { field: 'secretText' } });
    expect(parseRemovePassword({})).toMatchObject({ ok: false, code: 'REQUEST_INVALID' });
    expect(parseRemovePassword({ keyId: 'k' })).toEqual({ ok: true, value: { keyId: 'k' } });
  });
});
