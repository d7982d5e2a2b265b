import { describe, expect, it } from 'vitest';
import {
  defaultMethodDocument,
  fieldPath,
  judgeMethodPatch,
  judgePolicyRootPatch,
  METHOD_IDS,
  methodIdOf,
  readMethodDocument,
  toGraphMethodConfiguration,
} from './method-policy-schemas.ts';
import { DEFAULT_PROFILE_ID } from './passkey-method.ts';

const FIDO2 = '#microsoft.graph.fido2AuthenticationMethodConfiguration';
const profile = (over: Record<string, unknown> = {}) => ({
  id: DEFAULT_PROFILE_ID,
  name: 'Default passkey profile',
  passkeyTypes: 'deviceBound,synced',
  attestationEnforcement: 'disabled',
  keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
  ...over,
});

describe('method configuration ids', () => {
  it('are matched in any letter case, as Graph does, and nothing else matches', () => {
    expect(methodIdOf('fido2')).toBe('Fido2');
    expect(methodIdOf('temporaryAccessPass')).toBe('TemporaryAccessPass');
    expect(methodIdOf('SOFTWAREOATH')).toBe('SoftwareOath');
    expect(methodIdOf('Sms')).toBeUndefined();
    expect(methodIdOf('fido')).toBeUndefined();
  });
});

describe('judgeMethodPatch', () => {
  it('requires the method’s own @odata.type', () => {
    expect(judgeMethodPatch('Fido2', { state: 'enabled' })).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: '@odata.type' },
    });
    expect(
      judgeMethodPatch('Fido2', { '@odata.type': '#microsoft.graph.emailAuthenticationMethodConfiguration' }),
    ).toMatchObject({ ok: false, detail: { field: '@odata.type' } });
    expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2.slice(1), state: 'disabled' })).toEqual({
      ok: true,
      value: { state: 'disabled' },
    });
  });

  it('takes id only as the method’s own, in any case', () => {
    expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2, id: 'fido2' }).ok).toBe(true);
    expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2, id: 'Email' })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'id' },
    });
  });

  it('refuses unknown properties by their path, at the top and nested', () => {
    expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2, colour: 'red' })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'colour' },
    });
    const r = judgeMethodPatch('Fido2', {
      '@odata.type': FIDO2,
      passkeyProfiles: [profile(), profile({ id: crypto.randomUUID(), extra: 1 })],
    });
    expect(r).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'passkeyProfiles[1].extra' },
    });
  });

  it('names the field path of a wrong type or value', () => {
    const r = judgeMethodPatch('Fido2', {
      '@odata.type': FIDO2,
      passkeyProfiles: [
        profile(),
        profile({ id: crypto.randomUUID() }),
        profile({ id: crypto.randomUUID(), passkeyTypes: 'cloud' }),
      ],
    });
    expect(r).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'passkeyProfiles[2].passkeyTypes' },
    });
    expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2, isSelfServiceRegistrationAllowed: 'yes' })).toMatchObject({
      ok: false,
      detail: { field: 'isSelfServiceRegistrationAllowed' },
    });
    expect(
      judgeMethodPatch('Fido2', {
        '@odata.type': FIDO2,
        includeTargets: [{ id: 'not-a-group', targetType: 'group' }],
      }),
    ).toMatchObject({ ok: false, detail: { field: 'includeTargets[0].id' } });
  });

  it('keeps passkeyTypes in one canonical order, drops nested @odata.type tags and fills target defaults', () => {
    const r = judgeMethodPatch('Fido2', {
      '@odata.type': FIDO2,
      passkeyProfiles: [
        profile({ '@odata.type': '#microsoft.graph.passkeyProfile', passkeyTypes: 'synced, deviceBound' }),
      ],
      includeTargets: [{ id: 'all_users', targetType: 'group' }],
    });
    expect(r.ok && r.value.passkeyProfiles?.[0]).toEqual(profile());
    expect(r.ok && r.value.includeTargets).toEqual([
      { id: 'all_users', targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [] },
    ]);
  });

  it('bounds passkeysPerUserLimit and the TAP properties', () => {
    for (const n of [0, 101, 2.5])
      expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2, passkeysPerUserLimit: n })).toMatchObject({
        ok: false,
        detail: { field: 'passkeysPerUserLimit' },
      });
    expect(judgeMethodPatch('Fido2', { '@odata.type': FIDO2, passkeysPerUserLimit: 100 }).ok).toBe(true);
    const tap = '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration';
    expect(judgeMethodPatch('TemporaryAccessPass', { '@odata.type': tap, defaultLength: 48 }).ok).toBe(true);
    expect(judgeMethodPatch('TemporaryAccessPass', { '@odata.type': tap, defaultLength: 49 })).toMatchObject({
      ok: false,
      detail: { field: 'defaultLength' },
    });
    expect(
      judgeMethodPatch('TemporaryAccessPass', { '@odata.type': tap, maximumLifetimeInMinutes: 43_201 }),
    ).toMatchObject({ ok: false, detail: { field: 'maximumLifetimeInMinutes' } });
    expect(judgeMethodPatch('TemporaryAccessPass', { '@odata.type': tap, minimumLifetimeInMinutes: 9 })).toMatchObject({
      ok: false,
      detail: { field: 'minimumLifetimeInMinutes' },
    });
  });
});

describe('judgePolicyRootPatch', () => {
  it('accepts the campaign in part, refuses read-only and unstored properties by name', () => {
    expect(
      judgePolicyRootPatch({
        registrationEnforcement: {
          authenticationMethodsRegistrationCampaign: { state: 'enabled', snoozeDurationInDays: 3 },
        },
      }),
    ).toEqual({
      ok: true,
      value: {
        registrationEnforcement: {
          authenticationMethodsRegistrationCampaign: { state: 'enabled', snoozeDurationInDays: 3 },
        },
      },
    });
    expect(judgePolicyRootPatch({ policyVersion: '2' })).toMatchObject({ code: 'GRAPH_PROPERTY_READ_ONLY' });
    expect(judgePolicyRootPatch({ systemCredentialPreferences: {} })).toMatchObject({ code: 'GRAPH_PROPERTY_UNKNOWN' });
    expect(
      judgePolicyRootPatch({
        registrationEnforcement: { authenticationMethodsRegistrationCampaign: { snoozeDurationInDays: 15 } },
      }),
    ).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays' },
    });
  });
});

describe('stored documents', () => {
  it('read back through the same schemas: every default passes, a damaged one does not', () => {
    for (const m of METHOD_IDS) expect(readMethodDocument(m, defaultMethodDocument(m)).ok, m).toBe(true);
    const broken = { ...defaultMethodDocument('Fido2'), passkeyProfiles: 'all' };
    expect(readMethodDocument('Fido2', broken)).toMatchObject({ ok: false, detail: { field: 'passkeyProfiles' } });
  });

  it('answer in Graph’s shape, the deprecated global properties mirroring the default profile', () => {
    const g = toGraphMethodConfiguration('Fido2', defaultMethodDocument('Fido2'));
    expect(g).toMatchObject({
      '@odata.type': FIDO2,
      id: 'Fido2',
      isAttestationEnforced: false,
      keyRestrictions: { isEnforced: false, enforcementType: 'allow', aaGuids: [] },
      defaultPasskeyProfile: DEFAULT_PROFILE_ID,
    });
    expect(
      toGraphMethodConfiguration('TemporaryAccessPass', defaultMethodDocument('TemporaryAccessPass')),
    ).toMatchObject({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      id: 'TemporaryAccessPass',
      defaultLifetimeInMinutes: 60,
    });
  });

  it('write paths as people read them', () => {
    expect(fieldPath(['passkeyProfiles', 2, 'keyRestrictions', 'aaGuids', 0])).toBe(
      'passkeyProfiles[2].keyRestrictions.aaGuids[0]',
    );
  });
});
