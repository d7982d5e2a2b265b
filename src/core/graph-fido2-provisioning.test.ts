import { describe, expect, it } from 'vitest';
import {
  parseChallengeTimeout,
  parseFido2MethodCreate,
  parseFido2MethodUpdate,
  toGraphCreationOptions,
} from './graph-fido2-provisioning.ts';

const credential = {
  '@odata.type': '#microsoft.graph.webauthnPublicKeyCredential',
  id: 'Y3JlZA',
  response: {
    '@odata.type': '#microsoft.graph.webauthnAuthenticatorAttestationResponse',
    clientDataJSON: 'Y2Q',
    attestationObject: 'YW8',
  },
  clientExtensionResults: {
    '@odata.type': '#microsoft.graph.webauthnAuthenticationExtensionsClientOutputs',
    credProps: { rk: true },
  },
};

describe('parseChallengeTimeout', () => {
  it('is 5 minutes without the function parameter, and takes whole minutes from 5 to 43200', () => {
    expect(parseChallengeTimeout(undefined)).toEqual({ ok: true, value: 5 });
    for (const [raw, value] of [
      ['5', 5],
      ['60', 60],
      ['43200', 43_200],
      ['0000000060', 60],
    ] as const)
      expect(parseChallengeTimeout(raw)).toEqual({ ok: true, value });
  });

  it('refuses anything else, naming the parameter', () => {
    for (const raw of ['4', '0', '43201', '-5', '+5', '1.5', '5e1', ' 5', 'abc', '', '99999999999', '0x10'])
      expect(parseChallengeTimeout(raw), raw).toMatchObject({
        ok: false,
        code: 'REQUEST_INVALID',
        detail: { field: 'challengeTimeoutInMinutes' },
      });
  });
});

describe('toGraphCreationOptions', () => {
  it("puts the pages' options in Graph's shape, each object annotated, the expiry as ISO 8601 UTC", () => {
    const g = toGraphCreationOptions(
      {
        rp: { id: 'login.contoso.com', name: 'Contoso' },
        user: { id: 'aGFuZGxl', name: 'ada@contoso.com', displayName: 'Ada' },
        challenge: 'Y2hhbGxlbmdl',
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
        timeout: 300_000,
        excludeCredentials: [{ id: 'b2xk', type: 'public-key', transports: ['usb'] }],
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        attestation: 'direct',
        extensions: { credProps: true },
      },
      Date.UTC(2026, 3, 20, 10, 5, 0),
    );
    expect(g).toEqual({
      '@odata.type': '#microsoft.graph.webauthnCredentialCreationOptions',
      challengeTimeoutDateTime: '2026-04-20T10:05:00Z',
      publicKey: {
        '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialCreationOptions',
        rp: {
          '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialRpEntity',
          id: 'login.contoso.com',
          name: 'Contoso',
        },
        user: {
          '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialUserEntity',
          id: 'aGFuZGxl',
          name: 'ada@contoso.com',
          displayName: 'Ada',
        },
        challenge: 'Y2hhbGxlbmdl',
        pubKeyCredParams: [
          { '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialParameters', type: 'public-key', alg: -7 },
        ],
        timeout: 300_000,
        excludeCredentials: [
          {
            '@odata.type': '#microsoft.graph.webauthnPublicKeyCredentialDescriptor',
            id: 'b2xk',
            type: 'public-key',
            transports: ['usb'],
          },
        ],
        authenticatorSelection: {
          '@odata.type': '#microsoft.graph.webauthnAuthenticatorSelectionCriteria',
          residentKey: 'required',
          requireResidentKey: true,
          userVerification: 'required',
        },
        attestation: 'direct',
        extensions: { '@odata.type': '#microsoft.graph.webauthnAuthenticationExtensionsClientInputs', credProps: true },
      },
    });
  });
});

describe('parseFido2MethodCreate', () => {
  it("takes Graph's body: the credential in the verifier's shape, Graph's annotations left out", () => {
    expect(
      parseFido2MethodCreate({
        '@odata.type': '#microsoft.graph.fido2AuthenticationMethod',
        displayName: 'Red key',
        publicKeyCredential: credential,
      }),
    ).toEqual({
      ok: true,
      value: {
        displayName: 'Red key',
        credential: {
          id: 'Y3JlZA',
          rawId: 'Y3JlZA',
          type: 'public-key',
          response: { clientDataJSON: 'Y2Q', attestationObject: 'YW8' },
          clientExtensionResults: { credProps: { rk: true } },
        },
      },
    });
  });

  it('leaves displayName optional (null is none)', () => {
    const r = parseFido2MethodCreate({
      displayName: null,
      publicKeyCredential: { ...credential, clientExtensionResults: undefined },
    });
    expect(r.ok && r.value).toEqual({
      credential: expect.objectContaining({ id: 'Y3JlZA', clientExtensionResults: {} }),
    });
  });

  it('names the missing or mistyped field', () => {
    const field = (body: unknown) => {
      const r = parseFido2MethodCreate(body);
      return r.ok ? 'ok' : `${r.code} ${r.detail.field ?? r.detail.properties}`;
    };
    expect(field({})).toBe('REQUEST_INVALID publicKeyCredential');
    expect(field(null)).toBe('REQUEST_INVALID ');
    expect(field({ publicKeyCredential: { ...credential, id: 5 } })).toBe('REQUEST_INVALID publicKeyCredential.id');
    expect(field({ publicKeyCredential: { ...credential, response: { clientDataJSON: 'x' } } })).toBe(
      'REQUEST_INVALID publicKeyCredential.response.attestationObject',
    );
    expect(field({ displayName: 3, publicKeyCredential: credential })).toBe('REQUEST_INVALID displayName');
    expect(field({ '@odata.type': '#microsoft.graph.user', publicKeyCredential: credential })).toBe(
      'REQUEST_INVALID @odata.type',
    );
  });

  it('refuses unknown and read-only properties by name', () => {
    expect(parseFido2MethodCreate({ publicKeyCredential: credential, colour: 'red' })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'colour' },
    });
    expect(parseFido2MethodCreate({ publicKeyCredential: credential, id: 'x', passkeyType: 'synced' })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'id, passkeyType' },
    });
  });
});

describe('parseFido2MethodUpdate', () => {
  it('takes displayName only', () => {
    expect(parseFido2MethodUpdate({ displayName: 'Blue key' })).toEqual({
      ok: true,
      value: { displayName: 'Blue key' },
    });
    expect(parseFido2MethodUpdate({})).toMatchObject({
      ok: false,
      code: 'REQUEST_INVALID',
      detail: { field: 'displayName' },
    });
  });

  it('refuses the read-only properties (the credential among them) and unknown ones, naming them', () => {
    expect(parseFido2MethodUpdate({ displayName: 'x', aaGuid: 'y', publicKeyCredential: credential })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_READ_ONLY',
      detail: { properties: 'aaGuid, publicKeyCredential' },
    });
    expect(parseFido2MethodUpdate({ displayName: 'x', nickname: 'y' })).toMatchObject({
      ok: false,
      code: 'GRAPH_PROPERTY_UNKNOWN',
      detail: { properties: 'nickname' },
    });
  });
});
