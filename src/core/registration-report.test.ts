import { describe, expect, it } from 'vitest';
import { parseCollectionQuery } from './odata.ts';
import {
  isMfaCapable,
  isPasswordlessCapable,
  isSecurityKey,
  type RegistrationFacts,
  registeredMethods,
  registrationDetailsQuerySpec,
  toUserRegistrationDetails,
} from './registration-report.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const HOUR = 3_600_000;
const platform = { backupEligible: false, transports: ['internal'], createdAt: NOW - 3 * HOUR };
const synced = { backupEligible: true, transports: ['internal', 'hybrid'], createdAt: NOW - 2 * HOUR };
const usbKey = { backupEligible: false, transports: ['usb', 'nfc'], createdAt: NOW - HOUR };
const tap = { createdAt: NOW - HOUR, expiresAt: NOW + HOUR, oneTime: true, usedAt: null };

const facts = (over: Partial<RegistrationFacts> = {}): RegistrationFacts => ({
  id: '11111111-1111-4111-8111-111111111111',
  userPrincipalName: 'ada@contoso.com',
  displayName: 'Ada',
  createdAt: NOW - 10 * HOUR,
  roles: [],
  passkeys: [],
  tap: null,
  passwordSetAt: null,
  ...over,
});

describe('registeredMethods: Signet methods in Graph methodsRegistered names', () => {
  it('names a device-bound passkey passKeyDeviceBound and a synced one passKeySynced', () => {
    expect(registeredMethods({ passkeys: [platform], tap: null }, NOW)).toEqual(['passKeyDeviceBound']);
    expect(registeredMethods({ passkeys: [synced], tap: null }, NOW)).toEqual(['passKeySynced']);
    expect(registeredMethods({ passkeys: [synced, platform, platform], tap: null }, NOW)).toEqual([
      'passKeyDeviceBound',
      'passKeySynced',
    ]);
  });

  it('adds fido2SecurityKey for a device-bound passkey on a roaming key, never for a platform or synced one', () => {
    expect(registeredMethods({ passkeys: [usbKey], tap: null }, NOW)).toEqual([
      'passKeyDeviceBound',
      'fido2SecurityKey',
    ]);
    expect(isSecurityKey(usbKey)).toBe(true);
    expect(isSecurityKey(platform)).toBe(false);
    expect(isSecurityKey({ ...usbKey, transports: ['usb', 'internal'] })).toBe(false);
    expect(isSecurityKey({ ...usbKey, transports: ['hybrid', 'ble'] })).toBe(false);
    expect(isSecurityKey({ ...usbKey, backupEligible: true })).toBe(false);
    expect(isSecurityKey({ ...usbKey, transports: [] })).toBe(false);
  });

  it('lists a pass while it can still be used (also before it starts), not once expired or used up', () => {
    expect(registeredMethods({ passkeys: [], tap }, NOW)).toEqual(['temporaryAccessPass']);
    expect(registeredMethods({ passkeys: [], tap: { ...tap, expiresAt: NOW } }, NOW)).toEqual([]);
    expect(registeredMethods({ passkeys: [], tap: { ...tap, usedAt: NOW - 1 } }, NOW)).toEqual([]);
    expect(registeredMethods({ passkeys: [], tap: { ...tap, oneTime: false, usedAt: NOW - 1 } }, NOW)).toEqual([
      'temporaryAccessPass',
    ]);
  });
});

describe('isMfaCapable and isPasswordlessCapable', () => {
  it('counts any passkey as both', () => {
    for (const p of [platform, synced, usbKey]) {
      const m = registeredMethods({ passkeys: [p], tap: null }, NOW);
      expect(isMfaCapable(m)).toBe(true);
      expect(isPasswordlessCapable(m)).toBe(true);
    }
  });

  it('counts a Temporary Access Pass alone as neither, and nothing as neither', () => {
    expect(isMfaCapable(['temporaryAccessPass'])).toBe(false);
    expect(isPasswordlessCapable(['temporaryAccessPass'])).toBe(false);
    expect(isMfaCapable([])).toBe(false);
    expect(isPasswordlessCapable([])).toBe(false);
  });
});

describe('toUserRegistrationDetails', () => {
  it("answers in Graph's userRegistrationDetails shape", () => {
    const row = toUserRegistrationDetails(
      facts({ roles: ['Reports Reader'], passkeys: [synced], tap, passwordSetAt: NOW - 5 * HOUR }),
      NOW,
    );
    expect(row).toEqual({
      id: '11111111-1111-4111-8111-111111111111',
      userPrincipalName: 'ada@contoso.com',
      userDisplayName: 'Ada',
      userType: 'member',
      isAdmin: true,
      isSsprRegistered: false,
      isSsprEnabled: false,
      isSsprCapable: false,
      isMfaRegistered: true,
      isMfaCapable: true,
      isPasswordlessCapable: true,
      methodsRegistered: ['passKeySynced', 'temporaryAccessPass'],
      isSystemPreferredAuthenticationMethodEnabled: false,
      systemPreferredAuthenticationMethods: [],
      userPreferredMethodForSecondaryAuthentication: 'none',
      lastUpdatedDateTime: '2026-12-01T11:00:00Z',
    });
  });

  it('is a plain member with nothing registered for a new passwordless user, last updated when created', () => {
    const row = toUserRegistrationDetails(facts(), NOW);
    expect(row).toMatchObject({
      isAdmin: false,
      isMfaCapable: false,
      isMfaRegistered: false,
      isPasswordlessCapable: false,
      methodsRegistered: [],
      lastUpdatedDateTime: '2026-12-01T02:00:00Z',
    });
  });

  it('projects on $select', () => {
    expect(toUserRegistrationDetails(facts(), NOW, ['id', 'isMfaCapable'])).toEqual({
      id: '11111111-1111-4111-8111-111111111111',
      isMfaCapable: false,
    });
  });
});

describe('the report’s $filter', () => {
  const parse = (filter: string) => parseCollectionQuery({ $filter: filter }, registrationDetailsQuerySpec);

  it("parses methodsRegistered/any(m: m eq 'passKeyDeviceBound') as an any comparison", () => {
    const r = parse("methodsRegistered/any(m: m eq 'passKeyDeviceBound') and isAdmin eq false");
    expect(r.ok && r.query.filter).toEqual({
      op: 'and',
      left: { op: 'any', property: 'methodsRegistered', value: 'passKeyDeviceBound' },
      right: { op: 'eq', property: 'isAdmin', value: false },
    });
    const spaced = parse("methodsregistered/any( x :x eq 'passKeySynced' )");
    expect(spaced.ok && spaced.query.filter).toEqual({
      op: 'any',
      property: 'methodsRegistered',
      value: 'passKeySynced',
    });
  });

  it('refuses a malformed lambda, a lambda on another property, and other operators inside it, naming why', () => {
    for (const bad of [
      "methodsRegistered/any(m: n eq 'sms')",
      "methodsRegistered/any(m: m ne 'sms')",
      "methodsRegistered/any(m m eq 'sms')",
      "methodsRegistered/any(m: m eq 'sms'",
      'methodsRegistered/any(m: m eq true)',
      "userPrincipalName/any(m: m eq 'a')",
      "methodsRegistered eq 'sms'",
    ]) {
      const r = parse(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) {
        expect(r.code).toBe('GRAPH_QUERY_INVALID');
        expect(r.detail.parameter).toBe('$filter');
      }
    }
  });

  it('allows eq on the booleans and eq/startswith on the names, and $orderby on the names only', () => {
    expect(parse('isMfaCapable eq true and isPasswordlessCapable eq false').ok).toBe(true);
    expect(parse("startswith(userPrincipalName,'ad') or userDisplayName eq 'Ada'").ok).toBe(true);
    expect(parseCollectionQuery({ $orderby: 'userDisplayName desc' }, registrationDetailsQuerySpec).ok).toBe(true);
    expect(parseCollectionQuery({ $orderby: 'isAdmin' }, registrationDetailsQuerySpec).ok).toBe(false);
    expect(parse("isMfaCapable eq 'yes'").ok).toBe(false);
  });
});
