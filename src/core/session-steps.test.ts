import { describe, expect, it } from 'vitest';
import {
  amrOf,
  authTimeOf,
  type SessionStep,
  stepsFromLegacyAmr,
  stepsFromTokenAmr,
  strongAuthAtOf,
} from './session-steps.ts';

const deviceBound: SessionStep = {
  method: 'passkey',
  at: 1000,
  passkey: { aaguid: 'ee882879-721c-4913-9775-3dfcce97072a', type: 'deviceBound', attestation: 'verified' },
};
const synced: SessionStep = {
  method: 'passkey',
  at: 1000,
  passkey: { aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', type: 'synced', attestation: 'none' },
};

describe('amrOf', () => {
  it('describes a device-bound passkey as a hardware key held by a verified user, multi-factor, with the fido alias', () => {
    expect(amrOf([deviceBound])).toEqual(['pop', 'hwk', 'user', 'fido', 'mfa']);
  });

  it('describes a synced passkey as a software key (swk), never hwk', () => {
    expect(amrOf([synced])).toEqual(['pop', 'swk', 'user', 'fido', 'mfa']);
  });

  it('takes a passkey step without facts as synced', () => {
    expect(amrOf([{ method: 'passkey', at: 1 }])).not.toContain('hwk');
  });

  it('gives a Temporary Access Pass otp and mfa, and none of a passkey’s values', () => {
    const amr = amrOf([{ method: 'temporaryAccessPass', at: 1, tap: { oneTime: true } }]);
    expect(amr).toEqual(['otp', 'mfa']);
    for (const v of ['fido', 'hwk', 'swk', 'pop', 'user']) expect(amr).not.toContain(v);
  });

  it('gives a password alone pwd, and no mfa', () => {
    expect(amrOf([{ method: 'password', at: 1 }])).toEqual(['pwd']);
  });

  it('gives a password and a one-time code pwd, otp and mfa', () => {
    expect(
      amrOf([
        { method: 'password', at: 1 },
        { method: 'softwareOath', at: 2 },
      ]),
    ).toEqual(['pwd', 'otp', 'mfa']);
    expect(
      amrOf([
        { method: 'password', at: 1 },
        { method: 'email', at: 2 },
      ]),
    ).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('keeps what came before when a passkey is added to a password session (a step-up)', () => {
    expect(amrOf([{ method: 'password', at: 1 }, deviceBound])).toEqual(['pop', 'hwk', 'user', 'fido', 'pwd', 'mfa']);
  });

  it('does not call two codes of the same kind multi-factor', () => {
    expect(
      amrOf([
        { method: 'email', at: 1 },
        { method: 'softwareOath', at: 2 },
      ]),
    ).toEqual(['otp']);
  });

  it('is empty for no step', () => {
    expect(amrOf([])).toEqual([]);
  });
});

describe('authTimeOf and strongAuthAtOf', () => {
  it('dates the session by its newest step', () => {
    expect(
      authTimeOf([
        { method: 'password', at: 5 },
        { ...deviceBound, at: 9 },
      ]),
    ).toBe(9);
    expect(authTimeOf([])).toBe(0);
  });

  it('dates strong authentication by the newest passkey, pass, or code that joined a password', () => {
    expect(strongAuthAtOf([{ method: 'password', at: 5 }])).toBeNull();
    expect(
      strongAuthAtOf([
        { method: 'password', at: 5 },
        { method: 'softwareOath', at: 7 },
      ]),
    ).toBe(7);
    expect(
      strongAuthAtOf([
        { ...deviceBound, at: 3 },
        { method: 'password', at: 8 },
      ]),
    ).toBe(3);
    expect(strongAuthAtOf([{ method: 'temporaryAccessPass', at: 4, tap: { oneTime: true } }])).toBe(4);
    // A code alone is not strong authentication.
    expect(strongAuthAtOf([{ method: 'email', at: 4 }])).toBeNull();
  });
});

describe('stepsFromLegacyAmr', () => {
  it('rebuilds a stored passkey session as its weakest reading (synced, unattested)', () => {
    const steps = stepsFromLegacyAmr(['fido', 'mfa'], 10, 10);
    expect(steps).toEqual([
      { method: 'passkey', at: 10, passkey: { aaguid: '', type: 'synced', attestation: 'none' } },
    ]);
    expect(amrOf(steps)).not.toContain('hwk');
  });

  it('rebuilds a password session and its code, with the code’s time', () => {
    const steps = stepsFromLegacyAmr(['pwd', 'otp', 'mfa'], 10, 20);
    expect(steps.map((s) => [s.method, s.at])).toEqual([
      ['password', 10],
      ['email', 20],
    ]);
    expect(strongAuthAtOf(steps)).toBe(20);
  });

  it('rebuilds a pass session as multi-use (the weaker mode)', () => {
    expect(stepsFromLegacyAmr(['tap', 'mfa'], 10, 10)).toEqual([
      { method: 'temporaryAccessPass', at: 10, tap: { oneTime: false } },
    ]);
  });
});

describe('stepsFromTokenAmr', () => {
  it('reads a token’s amr back as the weakest steps that give it, dated auth_time', () => {
    expect(stepsFromTokenAmr(['pop', 'hwk', 'user', 'fido', 'mfa'], 5)).toEqual([
      { method: 'passkey', at: 5, passkey: { aaguid: '', type: 'deviceBound', attestation: 'none' } },
    ]);
    expect(stepsFromTokenAmr(['pop', 'swk', 'user', 'fido', 'mfa'], 5)[0]?.passkey?.type).toBe('synced');
    expect(stepsFromTokenAmr(['pwd', 'otp', 'mfa'], 5).map((s) => s.method)).toEqual(['password', 'email']);
    expect(stepsFromTokenAmr(['otp', 'mfa'], 5)).toEqual([
      { method: 'temporaryAccessPass', at: 5, tap: { oneTime: false } },
    ]);
    expect(stepsFromTokenAmr([], 5)).toEqual([]);
  });
});
