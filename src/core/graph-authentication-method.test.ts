import { describe, expect, it } from 'vitest';
import { methodsContext, parseTapCreate, toGraphFido2, toGraphTap } from './graph-authentication-method.ts';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const ON = { state: 'enabled', targeted: true } as const;
const tap = { id: 't1', oneTime: true, createdAt: NOW, startsAt: NOW, expiresAt: NOW + 60 * 60_000, usedAt: null };

describe('Graph authentication method shapes', () => {
  it('a passkey as fido2AuthenticationMethod, with attestation level and passkey type', () => {
    const facts = {
      id: 'p1',
      displayName: 'Red key',
      createdAt: Date.parse('2026-05-01T08:09:10.123Z'),
      aaguid: '2fc0579f-8113-47ea-b116-555a8db9202a',
      model: 'NFC key',
      attested: true,
      passkeyType: 'deviceBound' as const,
    };
    expect(toGraphFido2(facts)).toEqual({
      '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
      id: 'p1',
      displayName: 'Red key',
      createdDateTime: '2026-05-01T08:09:10Z',
      aaGuid: '2fc0579f-8113-47ea-b116-555a8db9202a',
      model: 'NFC key',
      attestationCertificates: [],
      attestationLevel: 'attested',
      passkeyType: 'deviceBound',
    });
    expect(toGraphFido2({ ...facts, attested: false, model: null })).toMatchObject({
      attestationLevel: 'notAttested',
      model: null,
    });
  });

  it('a pass as temporaryAccessPassAuthenticationMethod: the pass only when given, usability from the facts', () => {
    expect(toGraphTap(tap, ON, NOW)).toEqual({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
      id: 't1',
      temporaryAccessPass: null,
      createdDateTime: '2026-06-01T12:00:00Z',
      startDateTime: '2026-06-01T12:00:00Z',
      lifetimeInMinutes: 60,
      isUsableOnce: true,
      isUsable: true,
      methodUsabilityReason: 'EnabledByPolicy',
    });
    expect(toGraphTap(tap, ON, NOW, 'secret').temporaryAccessPass).toBe('secret');
    expect(toGraphTap(tap, ON, NOW - 1)).toMatchObject({ isUsable: false, methodUsabilityReason: 'NotYetValid' });
    expect(toGraphTap({ ...tap, usedAt: NOW }, ON, NOW)).toMatchObject({ methodUsabilityReason: 'OneTimeUsed' });
    // The policy as it covers the user now (core/tap.ts tapUsability has the full table).
    expect(toGraphTap(tap, { state: 'disabled', targeted: true }, NOW)).toMatchObject({
      isUsable: false,
      methodUsabilityReason: 'DisabledByPolicy',
    });
  });

  it('the context of a user’s methods', () => {
    expect(methodsContext('https://x/graph/v1.0', 'u1', 'fido2Methods', true)).toBe(
      "https://x/graph/v1.0/$metadata#users('u1')/authentication/fido2Methods/$entity",
    );
  });
});

describe('parseTapCreate', () => {
  it('accepts an empty body and each optional property', () => {
    expect(parseTapCreate(undefined, NOW)).toEqual({ ok: true, value: {} });
    expect(parseTapCreate({}, NOW)).toEqual({ ok: true, value: {} });
    expect(
      parseTapCreate(
        {
          '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod',
          startDateTime: '2026-06-02T00:00:00.000Z',
          lifetimeInMinutes: 43_200,
          isUsableOnce: false,
        },
        NOW,
      ),
    ).toEqual({
      ok: true,
      value: { startsAt: Date.parse('2026-06-02T00:00:00Z'), lifetimeMinutes: 43_200, oneTime: false },
    });
    // A start in the past is now.
    expect(parseTapCreate({ startDateTime: '2020-01-01T00:00:00Z' }, NOW)).toEqual({
      ok: true,
      value: { startsAt: NOW },
    });
    expect(parseTapCreate({ lifetimeInMinutes: 10 }, NOW)).toMatchObject({ ok: true, value: { lifetimeMinutes: 10 } });
  });

  it.each([
    [{ lifetimeInMinutes: 9 }, 'REQUEST_INVALID', 'lifetimeInMinutes'],
    [{ lifetimeInMinutes: 43_201 }, 'REQUEST_INVALID', 'lifetimeInMinutes'],
    [{ lifetimeInMinutes: 60.5 }, 'REQUEST_INVALID', 'lifetimeInMinutes'],
    [{ startDateTime: '2026-06-02' }, 'REQUEST_INVALID', 'startDateTime'],
    [{ startDateTime: '2026-06-02T00:00:00' }, 'REQUEST_INVALID', 'startDateTime'],
    [{ startDateTime: '2026-13-02T00:00:00Z' }, 'REQUEST_INVALID', 'startDateTime'],
    [{ startDateTime: '2026-08-01T00:00:00Z' }, 'REQUEST_INVALID', 'startDateTime'],
    [{ isUsableOnce: 1 }, 'REQUEST_INVALID', 'isUsableOnce'],
    [{ '@odata.type': '#microsoft.graph.user' }, 'REQUEST_INVALID', '@odata.type'],
    ['text', 'REQUEST_INVALID', ''],
  ])('refuses %j with %s', (body, code, field) => {
    expect(parseTapCreate(body, NOW)).toMatchObject({ ok: false, code, detail: { field } });
  });

  it('names unknown and read-only properties', () => {
    expect(parseTapCreate({ a: 1, b: 2 }, NOW)).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'a, b' },
    });
    expect(parseTapCreate({ id: 'x', isUsable: true }, NOW)).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'id, isUsable' },
    });
  });
});
