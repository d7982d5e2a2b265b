import { describe, expect, it } from 'vitest';
import { authContextIdOf, judgeAuthContext, judgeNamedLocation, toGraphNamedLocation } from './ca-location-schemas.ts';
import { judgePolicyCreate, judgePolicyPatch, toGraphPolicy } from './ca-policy-schemas.ts';
import type { CaPolicy } from './conditional-access.ts';

const PR = '00000000-0000-0000-0000-000000000004';
const GROUP = 'BA8E7DED-8B0F-4836-BA06-8FF1ECC5C8BA';
const body = (over: Record<string, unknown> = {}) => ({
  displayName: 'Admins need a passkey',
  state: 'enabled',
  conditions: {
    clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
    applications: { includeApplications: ['All'] },
    users: { includeGroups: [GROUP] },
    locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
  },
  grantControls: { operator: 'OR', authenticationStrength: { id: PR } },
  ...over,
});

describe('judgePolicyCreate', () => {
  it('reads Graph’s body, fills what is omitted, lower-cases ids and keeps the strength id', () => {
    const j = judgePolicyCreate(body());
    expect(j).toEqual({
      ok: true,
      value: {
        displayName: 'Admins need a passkey',
        state: 'enabled',
        conditions: {
          users: {
            includeUsers: [],
            excludeUsers: [],
            includeGroups: [GROUP.toLowerCase()],
            excludeGroups: [],
            includeRoles: [],
            excludeRoles: [],
          },
          applications: {
            includeApplications: ['All'],
            excludeApplications: [],
            includeAuthenticationContextClassReferences: [],
            includeUserActions: [],
          },
          clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
          locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
        },
        grantControls: { operator: 'OR', builtInControls: [], authenticationStrengthId: PR },
        sessionControls: null,
      },
    });
  });

  it('refuses an unknown property by its path, and a read-only one', () => {
    expect(judgePolicyCreate(body({ colour: 'red' }))).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'colour' },
    });
    const c = body().conditions;
    expect(
      judgePolicyCreate(body({ conditions: { ...c, users: { includeUsers: ['All'], vip: true } } })),
    ).toMatchObject({
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'conditions.users.vip' },
    });
    expect(judgePolicyCreate(body({ id: 'x' }))).toMatchObject({ code: 'GRAPH_PROPERTY_READ_ONLY' });
  });

  it('refuses, by name, the conditions and controls Signet cannot evaluate, and takes them empty as unset', () => {
    const c = body().conditions;
    const cases: [Record<string, unknown>, string][] = [
      [{ conditions: { ...c, platforms: { includePlatforms: ['android'] } } }, 'conditions.platforms'],
      [{ conditions: { ...c, signInRiskLevels: ['high'] } }, 'conditions.signInRiskLevels'],
      [{ conditions: { ...c, devices: { deviceFilter: { mode: 'include', rule: 'x' } } } }, 'conditions.devices'],
      [{ conditions: { ...c, clientAppTypes: ['exchangeActiveSync'] } }, 'conditions.clientAppTypes'],
      [{ grantControls: { operator: 'OR', builtInControls: ['compliantDevice'] } }, 'grantControls.builtInControls'],
      [{ grantControls: { operator: 'OR', builtInControls: ['mfa'], termsOfUse: ['t'] } }, 'grantControls.termsOfUse'],
      [
        { sessionControls: { persistentBrowser: { mode: 'never', isEnabled: true } } },
        'sessionControls.persistentBrowser',
      ],
    ];
    for (const [over, field] of cases)
      expect(judgePolicyCreate(body(over)), field).toMatchObject({
        ok: false,
        code: 'CA_CONDITION_UNSUPPORTED',
        detail: { field },
      });
    expect(
      judgePolicyCreate(body({ conditions: { ...c, platforms: null, signInRiskLevels: [], userRiskLevels: [] } })).ok,
    ).toBe(true);
  });

  it('refuses mfa with a strength, block with another control, and a policy without controls or targets', () => {
    expect(
      judgePolicyCreate(
        body({ grantControls: { operator: 'OR', builtInControls: ['mfa'], authenticationStrength: { id: PR } } }),
      ),
    ).toMatchObject({ code: 'CA_GRANT_MFA_WITH_STRENGTH' });
    expect(
      judgePolicyCreate(body({ grantControls: { operator: 'OR', builtInControls: ['block', 'mfa'] } })),
    ).toMatchObject({ code: 'CA_GRANT_BLOCK_WITH_OTHERS' });
    expect(judgePolicyCreate(body({ grantControls: null }))).toMatchObject({ code: 'CA_POLICY_NO_CONTROLS' });
    const c = body().conditions;
    expect(judgePolicyCreate(body({ conditions: { ...c, users: {} } }))).toMatchObject({
      code: 'CA_POLICY_INCOMPLETE',
      detail: { field: 'conditions.users' },
    });
    expect(
      judgePolicyCreate(
        body({
          conditions: {
            ...c,
            applications: { includeApplications: ['All'], includeAuthenticationContextClassReferences: ['c1'] },
          },
        }),
      ),
    ).toMatchObject({ code: 'CA_POLICY_INCOMPLETE', detail: { field: 'conditions.applications' } });
  });

  it('checks values: an unknown role template, an authentication context outside c1..c99, a bad frequency', () => {
    const c = body().conditions;
    expect(
      judgePolicyCreate(
        body({ conditions: { ...c, users: { includeRoles: ['11111111-1111-1111-1111-111111111111'] } } }),
      ),
    ).toMatchObject({ code: 'REQUEST_INVALID', detail: { field: 'conditions.users.includeRoles.0' } });
    expect(
      judgePolicyCreate(
        body({ conditions: { ...c, applications: { includeAuthenticationContextClassReferences: ['c100'] } } }),
      ),
    ).toMatchObject({ code: 'REQUEST_INVALID' });
    const f = (signInFrequency: unknown) =>
      judgePolicyCreate(body({ grantControls: null, sessionControls: { signInFrequency } }));
    expect(f({ isEnabled: true, frequencyInterval: 'timeBased', type: 'hours', value: 25 })).toMatchObject({
      code: 'REQUEST_INVALID',
    });
    expect(f({ isEnabled: true, frequencyInterval: 'timeBased' })).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(f({ isEnabled: true, frequencyInterval: 'everyTime', type: 'days', value: 1 })).toMatchObject({
      code: 'REQUEST_INVALID',
    });
    expect(f({ isEnabled: true, frequencyInterval: 'everyTime' })).toMatchObject({ ok: true });
  });
});

describe('judgePolicyPatch', () => {
  it('replaces the properties sent and keeps the others, then checks the rules on the result', () => {
    const created = judgePolicyCreate(body());
    if (!created.ok) throw new Error('setup');
    const j = judgePolicyPatch({ state: 'disabled' }, created.value);
    expect(j).toEqual({ ok: true, value: { ...created.value, state: 'disabled' } });
    expect(
      judgePolicyPatch({ grantControls: { operator: 'OR', builtInControls: ['mfa'] } }, created.value),
    ).toMatchObject({
      ok: true,
      value: { grantControls: { builtInControls: ['mfa'], authenticationStrengthId: null } },
    });
    expect(judgePolicyPatch({ grantControls: null }, created.value)).toMatchObject({ code: 'CA_POLICY_NO_CONTROLS' });
  });
});

describe('toGraphPolicy', () => {
  it('answers Graph’s shape with omitted arrays as [] and objects as null, the strength expanded, and can be sent back', () => {
    const created = judgePolicyCreate(body());
    if (!created.ok) throw new Error('setup');
    const p: CaPolicy = { id: 'p1', createdAt: Date.UTC(2026, 0, 1), modifiedAt: null, ...created.value };
    const g = toGraphPolicy(p, (id) => ({ id, displayName: 'Phishing resistant MFA' }));
    expect(g).toMatchObject({
      id: 'p1',
      createdDateTime: '2026-01-01T00:00:00.000Z',
      modifiedDateTime: null,
      sessionControls: null,
      conditions: {
        platforms: null,
        devices: null,
        signInRiskLevels: [],
        users: { includeUsers: [], excludeGuestsOrExternalUsers: null },
      },
      grantControls: {
        operator: 'OR',
        builtInControls: [],
        termsOfUse: [],
        authenticationStrength: { id: PR, displayName: 'Phishing resistant MFA' },
      },
    });
    const {
      id: _i,
      createdDateTime: _c,
      modifiedDateTime: _m,
      templateId: _t,
      partialEnablementStrategy: _s,
      ...writable
    } = g;
    expect(judgePolicyCreate(writable)).toEqual(created);
  });
});

describe('named locations and authentication contexts', () => {
  it('reads an ipNamedLocation with v4 and v6 ranges, and answers it typed by family', () => {
    const j = judgeNamedLocation({
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      displayName: 'Office',
      isTrusted: true,
      ipRanges: [
        { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '192.0.2.0/24' },
        { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:DB8::/32' },
      ],
    });
    expect(j).toEqual({
      ok: true,
      value: { displayName: 'Office', isTrusted: true, ipRanges: ['192.0.2.0/24', '2001:db8::/32'] },
    });
    if (!j.ok) return;
    expect(toGraphNamedLocation({ id: 'l', ...j.value }, 0, 0).ipRanges.map((r) => r['@odata.type'])).toEqual([
      '#microsoft.graph.iPv4CidrRange',
      '#microsoft.graph.iPv6CidrRange',
    ]);
  });

  it('refuses a country location, a bad range, a range typed as the other family, and keeps fields on PATCH', () => {
    expect(
      judgeNamedLocation({
        '@odata.type': '#microsoft.graph.countryNamedLocation',
        displayName: 'x',
        countriesAndRegions: ['US'],
      }),
    ).toMatchObject({ code: 'CA_LOCATION_TYPE_UNSUPPORTED' });
    const ip = (cidrAddress: string, t?: string) =>
      judgeNamedLocation({
        '@odata.type': '#microsoft.graph.ipNamedLocation',
        displayName: 'x',
        ipRanges: [{ ...(t ? { '@odata.type': t } : {}), cidrAddress }],
      });
    expect(ip('192.0.2.0')).toMatchObject({
      code: 'CA_LOCATION_RANGE_INVALID',
      detail: { field: 'ipRanges[0].cidrAddress' },
    });
    expect(ip('192.0.2.0/24', '#microsoft.graph.iPv6CidrRange')).toMatchObject({ code: 'CA_LOCATION_RANGE_INVALID' });
    const current = { displayName: 'Office', isTrusted: true, ipRanges: ['192.0.2.0/24'] };
    expect(
      judgeNamedLocation({ '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ' }, current),
    ).toEqual({ ok: true, value: { ...current, displayName: 'HQ' } });
  });

  it('takes authentication context ids c1..c99 only, the URL’s id, and creates with a display name', () => {
    expect(authContextIdOf('C7')).toBe('c7');
    for (const bad of ['c0', 'c100', 'x1', 'c01']) expect(authContextIdOf(bad), bad).toBeUndefined();
    expect(judgeAuthContext('c1', { displayName: 'Admin portal', isAvailable: true })).toEqual({
      ok: true,
      value: { id: 'c1', displayName: 'Admin portal', description: '', isAvailable: true },
    });
    expect(judgeAuthContext('c1', { description: 'x' })).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'displayName' },
    });
    expect(judgeAuthContext('c1', { id: 'c2', displayName: 'x' })).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'id' },
    });
    expect(judgeAuthContext('c100', { displayName: 'x' })).toMatchObject({ code: 'CA_CONTEXT_ID_INVALID' });
    const current = { id: 'c1', displayName: 'A', description: 'd', isAvailable: true };
    expect(judgeAuthContext('c1', { isAvailable: false }, current)).toEqual({
      ok: true,
      value: { ...current, isAvailable: false },
    });
  });
});
