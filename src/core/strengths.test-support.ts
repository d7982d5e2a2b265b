// The strengths tests' shared fixtures: AAGUIDs, the built-in and some custom strengths, sessions by name.
import type { SessionStep } from './session-steps.ts';
import { type AuthenticationStrength, BUILT_IN_STRENGTHS } from './strengths.ts';

export const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
export const WINDOWS_HELLO = '08987058-cadc-4b81-b6e1-30de50dcbe96';
export const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';

export const [mfa, passwordless, phishingResistant] = BUILT_IN_STRENGTHS as [
  AuthenticationStrength,
  AuthenticationStrength,
  AuthenticationStrength,
];
export const custom = (id: string, over: Partial<AuthenticationStrength>): AuthenticationStrength => ({
  id,
  displayName: id,
  description: '',
  policyType: 'custom',
  requirementsSatisfied: 'mfa',
  allowedCombinations: ['fido2'],
  combinationConfigurations: [],
  createdAt: 0,
  modifiedAt: 0,
  ...over,
});
/** "Only this security key model may sign in to the admin portal." */
export const yubikeyOnly = custom('yubikey-only', {
  combinationConfigurations: [{ id: 'c1', appliesToCombinations: ['fido2'], allowedAAGUIDs: [YUBIKEY_5] }],
});
/** Signet's, beyond Graph: any device-bound passkey whose attestation was verified. */
export const attestedDeviceBound = custom('attested-device-bound', {
  combinationConfigurations: [
    {
      id: 'c2',
      appliesToCombinations: ['fido2'],
      allowedAAGUIDs: [],
      allowedPasskeyTypes: ['deviceBound'],
      requireAttestation: true,
    },
  ],
});

export const at = 1_000;
export const sessions: Record<string, SessionStep[]> = {
  password: [{ method: 'password', at }],
  'password+TOTP': [
    { method: 'password', at },
    { method: 'softwareOath', at },
  ],
  'password+email code': [
    { method: 'password', at },
    { method: 'email', at },
  ],
  'TAP one-time': [{ method: 'temporaryAccessPass', at, tap: { oneTime: true } }],
  'TAP multi-use': [{ method: 'temporaryAccessPass', at, tap: { oneTime: false } }],
  'synced passkey': [
    { method: 'passkey', at, passkey: { aaguid: GOOGLE_PASSWORD_MANAGER, type: 'synced', attestation: 'none' } },
  ],
  'device-bound passkey, unattested, other model': [
    { method: 'passkey', at, passkey: { aaguid: WINDOWS_HELLO, type: 'deviceBound', attestation: 'none' } },
  ],
  'attested security key of the allowed model': [
    { method: 'passkey', at, passkey: { aaguid: YUBIKEY_5, type: 'deviceBound', attestation: 'verified' } },
  ],
};
