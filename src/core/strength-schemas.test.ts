import { describe, expect, it } from 'vitest';
import { strengthFilterOf } from './strength-filter.ts';
import {
  checkStrengthRules,
  judgeConfigurationCreate,
  judgeConfigurationPatch,
  judgeStrengthCreate,
  judgeStrengthPatch,
  judgeUpdateAllowedCombinations,
  MAX_ALLOWED_AAGUIDS,
  MAX_DESCRIPTION,
  MAX_DISPLAY_NAME,
  readStrengthDocument,
  toGraphStrength,
} from './strength-schemas.ts';
import { type AuthenticationStrength, BUILT_IN_STRENGTHS } from './strengths.ts';

const FIDO2_CONFIG = '#microsoft.graph.fido2CombinationConfiguration';
const AAGUID = 'CB69481E-8FF7-4039-93EC-0A2729A154A8';

const custom = (over: Partial<AuthenticationStrength> = {}): AuthenticationStrength => ({
  id: 'a',
  displayName: 'A',
  description: '',
  policyType: 'custom',
  requirementsSatisfied: 'mfa',
  allowedCombinations: ['fido2'],
  combinationConfigurations: [],
  createdAt: 0,
  modifiedAt: 0,
  ...over,
});

describe('judgeStrengthCreate', () => {
  it('takes Graph’s example body with spaced combinations, normalized, the description defaulting to empty', () => {
    expect(
      judgeStrengthCreate({
        '@odata.type': '#microsoft.graph.authenticationStrengthPolicy',
        displayName: ' Contoso level ',
        allowedCombinations: ['softwareOath, password', 'fido2'],
      }),
    ).toEqual({
      ok: true,
      value: {
        displayName: 'Contoso level',
        description: '',
        allowedCombinations: ['password,softwareOath', 'fido2'],
        combinationConfigurations: [],
      },
    });
  });

  it('takes configurations inline, their AAGUIDs lower case and each once', () => {
    const j = judgeStrengthCreate({
      displayName: 'Keys',
      allowedCombinations: ['fido2'],
      combinationConfigurations: [
        {
          '@odata.type': FIDO2_CONFIG,
          appliesToCombinations: ['fido2'],
          allowedAAGUIDs: [AAGUID, AAGUID.toLowerCase()],
        },
      ],
    });
    expect(j.ok && j.value.combinationConfigurations).toEqual([
      { appliesToCombinations: ['fido2'], allowedAAGUIDs: [AAGUID.toLowerCase()] },
    ]);
  });

  it('refuses each wrong body with the code and the field or entry', () => {
    const cases: [unknown, string, Record<string, string>][] = [
      [[], 'REQUEST_INVALID', { field: '' }],
      [{ allowedCombinations: ['fido2'] }, 'REQUEST_INVALID', { field: 'displayName' }],
      [{ displayName: '   ', allowedCombinations: ['fido2'] }, 'REQUEST_INVALID', { field: 'displayName' }],
      [
        { displayName: 'x'.repeat(MAX_DISPLAY_NAME + 1), allowedCombinations: ['fido2'] },
        'REQUEST_INVALID',
        { field: 'displayName' },
      ],
      [
        { displayName: 'A', description: 'x'.repeat(MAX_DESCRIPTION + 1), allowedCombinations: ['fido2'] },
        'REQUEST_INVALID',
        { field: 'description' },
      ],
      [{ displayName: 'A' }, 'REQUEST_INVALID', { field: 'allowedCombinations' }],
      [{ displayName: 'A', allowedCombinations: [] }, 'REQUEST_INVALID', { field: 'allowedCombinations' }],
      [{ displayName: 'A', allowedCombinations: [3] }, 'REQUEST_INVALID', { field: 'allowedCombinations[0]' }],
      [
        { displayName: 'A', allowedCombinations: ['password, sms'] },
        'STRENGTH_COMBINATION_INVALID',
        { combination: 'password, sms' },
      ],
      [
        { displayName: 'A', allowedCombinations: ['fido2'], extra: 1 },
        'GRAPH_PROPERTY_UNKNOWN',
        { properties: 'extra' },
      ],
      [{ displayName: 'A', allowedCombinations: ['fido2'], id: 'x' }, 'GRAPH_PROPERTY_READ_ONLY', { properties: 'id' }],
      [
        { displayName: 'A', allowedCombinations: ['fido2'], requirementsSatisfied: 'mfa' },
        'GRAPH_PROPERTY_READ_ONLY',
        { properties: 'requirementsSatisfied' },
      ],
      [
        { '@odata.type': '#microsoft.graph.user', displayName: 'A', allowedCombinations: ['fido2'] },
        'REQUEST_INVALID',
        { field: '@odata.type' },
      ],
      [
        {
          displayName: 'A',
          allowedCombinations: ['fido2'],
          combinationConfigurations: [{ appliesToCombinations: ['fido2'], allowedAAGUIDs: [], x: 1 }],
        },
        'GRAPH_PROPERTY_UNKNOWN',
        { properties: 'combinationConfigurations[0].x' },
      ],
      [
        {
          displayName: 'A',
          allowedCombinations: ['fido2'],
          combinationConfigurations: [{ appliesToCombinations: ['email'] }],
        },
        'STRENGTH_CONFIGURATION_COMBINATION_INVALID',
        { field: 'combinationConfigurations[0].appliesToCombinations' },
      ],
    ];
    for (const [body, code, detail] of cases) {
      const j = judgeStrengthCreate(body);
      expect(j.ok, JSON.stringify(body)).toBe(false);
      if (!j.ok) {
        expect(j.code, JSON.stringify(body)).toBe(code);
        expect(j.detail).toMatchObject(detail);
      }
    }
  });

  it('lists the valid combinations in the refusal of a bad one', () => {
    const j = judgeStrengthCreate({ displayName: 'A', allowedCombinations: ['voice'] });
    expect(!j.ok && j.detail.validCombinations).toBe(
      'fido2; temporaryAccessPassOneTime; temporaryAccessPassMultiUse; password,softwareOath; password; email; password,email',
    );
  });
});

describe('judgeStrengthPatch and judgeUpdateAllowedCombinations', () => {
  it('lets PATCH change the name and description only', () => {
    expect(judgeStrengthPatch({ displayName: 'B', description: 'd' })).toEqual({
      ok: true,
      value: { displayName: 'B', description: 'd' },
    });
    expect(judgeStrengthPatch({ allowedCombinations: ['fido2'], combinationConfigurations: [] })).toMatchObject({
      ok: false,
      code: 'STRENGTH_COMBINATIONS_BY_ACTION',
      detail: { properties: 'allowedCombinations, combinationConfigurations' },
    });
    expect(judgeStrengthPatch({ policyType: 'builtIn' })).toMatchObject({ code: 'GRAPH_PROPERTY_READ_ONLY' });
    expect(judgeStrengthPatch({ colour: 'x' })).toMatchObject({ code: 'GRAPH_PROPERTY_UNKNOWN' });
  });

  it('normalizes the action’s combinations and refuses anything else in its body', () => {
    expect(judgeUpdateAllowedCombinations({ allowedCombinations: ['email,password'] })).toEqual({
      ok: true,
      value: ['password,email'],
    });
    expect(judgeUpdateAllowedCombinations({ allowedCombinations: ['fido2'], x: 1 })).toMatchObject({
      code: 'GRAPH_PROPERTY_UNKNOWN',
    });
    expect(judgeUpdateAllowedCombinations({})).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(judgeUpdateAllowedCombinations({ allowedCombinations: ['hardwareOath'] })).toMatchObject({
      code: 'STRENGTH_COMBINATION_INVALID',
    });
  });
});

describe('combination configurations', () => {
  it('requires the fido2 type on POST, and takes Signet’s type and attestation options', () => {
    expect(
      judgeConfigurationCreate({
        '@odata.type': FIDO2_CONFIG,
        appliesToCombinations: ['fido2'],
        allowedAAGUIDs: [AAGUID],
        allowedPasskeyTypes: ['deviceBound', 'deviceBound'],
        requireAttestation: true,
      }),
    ).toEqual({
      ok: true,
      value: {
        appliesToCombinations: ['fido2'],
        allowedAAGUIDs: [AAGUID.toLowerCase()],
        allowedPasskeyTypes: ['deviceBound'],
        requireAttestation: true,
      },
    });
    expect(judgeConfigurationCreate({ appliesToCombinations: ['fido2'] })).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: '@odata.type' },
    });
    expect(
      judgeConfigurationCreate({ '@odata.type': FIDO2_CONFIG, appliesToCombinations: ['fido2', 'password'] }),
    ).toMatchObject({
      code: 'STRENGTH_CONFIGURATION_COMBINATION_INVALID',
    });
    expect(
      judgeConfigurationCreate({
        '@odata.type': FIDO2_CONFIG,
        appliesToCombinations: ['fido2'],
        allowedPasskeyTypes: ['roaming'],
      }),
    ).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'allowedPasskeyTypes[0]' },
    });
    const many = Array.from({ length: MAX_ALLOWED_AAGUIDS + 1 }, () => AAGUID);
    expect(
      judgeConfigurationCreate({ '@odata.type': FIDO2_CONFIG, appliesToCombinations: ['fido2'], allowedAAGUIDs: many }),
    ).toMatchObject({
      code: 'REQUEST_INVALID',
      detail: { field: 'allowedAAGUIDs' },
    });
    expect(
      judgeConfigurationCreate({ '@odata.type': FIDO2_CONFIG, appliesToCombinations: ['fido2'], id: 'x' }),
    ).toMatchObject({
      code: 'GRAPH_PROPERTY_READ_ONLY',
    });
  });

  it('lets PATCH change only what it sends', () => {
    expect(judgeConfigurationPatch({ requireAttestation: false })).toEqual({
      ok: true,
      value: { requireAttestation: false },
    });
    expect(judgeConfigurationPatch({ allowedAAGUIDs: ['nope'] })).toMatchObject({ code: 'REQUEST_INVALID' });
  });
});

describe('checkStrengthRules', () => {
  const config = { id: 'c', appliesToCombinations: ['fido2'] as ['fido2'], allowedAAGUIDs: [] };
  it('accepts a custom strength with fido2 and one configuration', () => {
    expect(checkStrengthRules(custom({ combinationConfigurations: [config] }))).toEqual({ ok: true });
  });
  it('refuses a configuration without fido2, a second one, one on a built-in, and one no passkey can meet', () => {
    expect(
      checkStrengthRules(
        custom({ allowedCombinations: ['password,softwareOath'], combinationConfigurations: [config] }),
      ),
    ).toMatchObject({
      code: 'STRENGTH_CONFIGURATION_NEEDS_FIDO2',
    });
    expect(checkStrengthRules(custom({ combinationConfigurations: [config, { ...config, id: 'd' }] }))).toMatchObject({
      code: 'STRENGTH_CONFIGURATION_EXISTS',
      detail: { id: 'c' },
    });
    expect(checkStrengthRules({ ...BUILT_IN_STRENGTHS[2]!, combinationConfigurations: [config] })).toMatchObject({
      code: 'STRENGTH_BUILT_IN_READ_ONLY',
    });
    expect(
      checkStrengthRules(
        custom({
          combinationConfigurations: [{ ...config, allowedPasskeyTypes: ['synced'], requireAttestation: true }],
        }),
      ),
    ).toMatchObject({ code: 'STRENGTH_CONFIGURATION_UNSATISFIABLE' });
    expect(
      checkStrengthRules(
        custom({
          combinationConfigurations: [
            { ...config, allowedPasskeyTypes: ['synced', 'deviceBound'], requireAttestation: true },
          ],
        }),
      ),
    ).toEqual({ ok: true });
  });
});

describe('stored documents and the Graph shape', () => {
  it('reads a stored document back, and says what is wrong with a damaged one', () => {
    const doc = { description: '', allowedCombinations: ['fido2'], combinationConfigurations: [] };
    expect(readStrengthDocument(doc)).toEqual({ ok: true, value: doc });
    expect(readStrengthDocument({ description: '' })).toMatchObject({ ok: false, code: 'REQUEST_INVALID' });
    expect(readStrengthDocument(undefined)).toMatchObject({ ok: false });
  });

  it('answers Graph’s shape with whole-second UTC times, and Signet’s options only when set', () => {
    const g = toGraphStrength(
      custom({
        createdAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
        modifiedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
        combinationConfigurations: [{ id: 'c', appliesToCombinations: ['fido2'], allowedAAGUIDs: [] }],
      }),
    );
    expect(g.createdDateTime).toBe('2026-01-02T03:04:05Z');
    expect(g.modifiedDateTime).toBe('2026-01-02T03:04:05Z');
    expect(g.combinationConfigurations).toEqual([
      { '@odata.type': FIDO2_CONFIG, id: 'c', appliesToCombinations: ['fido2'], allowedAAGUIDs: [] },
    ]);
  });
});

describe('strengthFilterOf', () => {
  const strengths = [
    ...BUILT_IN_STRENGTHS,
    custom({ id: 'pw-totp', displayName: "O'Brien level", allowedCombinations: ['password,softwareOath'] }),
    custom({ id: 'keys', displayName: 'Keys', allowedCombinations: ['fido2', 'password,email'] }),
  ];
  const ids = (filter: string) => {
    const f = strengthFilterOf(filter);
    if (!f.ok) throw new Error(f.reason);
    return strengths.filter(f.value).map((s) => s.id);
  };
  it('filters on policyType and displayName (any letter case, quotes doubled)', () => {
    expect(ids("policyType eq 'custom'")).toEqual(['pw-totp', 'keys']);
    expect(ids("policyType ne 'custom'")).toHaveLength(3);
    expect(ids("displayName eq 'keys'")).toEqual(['keys']);
    expect(ids("displayName eq 'O''Brien level'")).toEqual(['pw-totp']);
  });
  it('finds the strengths with a combination holding every named mode, as Graph’s has does', () => {
    expect(ids("allowedCombinations/any(x:x has 'softwareOath, password')")).toEqual([
      '00000000-0000-0000-0000-000000000002',
      'pw-totp',
    ]);
    expect(ids("allowedCombinations/any(c: c has 'email')")).toEqual(['keys']);
    expect(ids("policyType eq 'custom' and allowedCombinations/any(x:x has 'fido2')")).toEqual(['keys']);
  });
  it('refuses what it does not support, with the reason', () => {
    for (const f of [
      "startswith(displayName,'K')",
      "allowedCombinations/any(x:x has 'sms')",
      "id eq 'keys'",
      "allowedCombinations/any(x:y has 'fido2')",
    ])
      expect(strengthFilterOf(f).ok, f).toBe(false);
    expect(strengthFilterOf("allowedCombinations/any(x:x has 'sms')")).toMatchObject({
      reason: expect.stringContaining('sms'),
    });
  });
});
