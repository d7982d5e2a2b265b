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
  secretHash: 'hmac-of-the-secret',
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
    expect(g.passwordCredentials).toEqual([
      {
        customKeyIdentifier: null,
        displayName: null,
        endDateTime: null,
        hint: null,
        keyId: secretKeyId(app.secretHash),
        startDateTime: null,
      },
    ]);
    expect(JSON.stringify(g)).not.toContain(app.secretHash);
    expect(toGraphApplication({ ...app, publicClient: true, secretHash: null })).toMatchObject({
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
      parseAddPassword({ passwordCredential: { displayName: 'ci', endDateTime: '2030-01-01T00:00:00Z' } }),
    ).toEqual({ ok: true, value: { displayName: 'ci' } });
    expect(parseRemovePassword({})).toMatchObject({ ok: false, code: 'REQUEST_INVALID' });
    expect(parseRemovePassword({ keyId: 'k' })).toEqual({ ok: true, value: { keyId: 'k' } });
  });
});
