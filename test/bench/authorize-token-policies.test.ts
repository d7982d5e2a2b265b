// The authorization benchmark's policy mix (bench/authorize-token-policies.ts) is what its figures say it is: 200
// valid policies, most not applying to the benchmark's app or users, about a tenth applying and each met by a
// device-bound passkey session; and the applying ones really ask for something (a password alone does not meet
// them), so the benchmark measures a check that decides.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { policyBody } from '../../bench/authorize-token-policies.ts';
import { judgePolicyCreate } from '../../src/core/ca-policy-schemas.ts';
import { type CaPolicy, evaluateConditionalAccess, type SignInContext } from '../../src/core/conditional-access.ts';
import type { SessionStep } from '../../src/core/session-steps.ts';
import { type AuthenticationStrength, BUILT_IN_STRENGTHS } from '../../src/core/strengths.ts';

const strengths = new Map<string, AuthenticationStrength>(BUILT_IN_STRENGTHS.map((s) => [s.id, s]));
const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
const mix = {
  appId: randomUUID(),
  otherApps: ids(40),
  memberGroups: ids(1000),
  otherGroups: ids(200),
  locations: ids(20),
};
const now = Date.UTC(2026, 11, 1, 12);
const policies: CaPolicy[] = Array.from({ length: 200 }, (_, i) => {
  const j = judgePolicyCreate(policyBody(i, mix));
  if (!j.ok) throw new Error(`policy ${i}: ${j.code} ${JSON.stringify(j.detail)}`);
  return { ...j.value, id: randomUUID(), createdAt: now, modifiedAt: null };
});
const context = (appId: string): SignInContext => ({
  user: { id: randomUUID(), groupIds: mix.memberGroups, roleTemplateIds: [] },
  appId,
  authenticationContexts: [],
  userAction: null,
  clientAppType: 'browser',
  ip: '127.0.0.1',
  namedLocations: [],
  now,
  requestStartedAt: now,
});
const passkey: SessionStep[] = [
  {
    method: 'passkey',
    at: now - 60_000,
    passkey: { aaguid: randomUUID(), type: 'deviceBound', attestation: 'none' },
  },
];
const count = (r: ReturnType<typeof evaluateConditionalAccess>, ...values: string[]) =>
  r.results.filter((x) => values.includes(x.result)).length;

describe("the authorization benchmark's policy mix", () => {
  it('is 200 valid policies of which a tenth apply to the app, all met by a device-bound passkey', () => {
    const r = evaluateConditionalAccess(policies, context(mix.appId), strengths, passkey);
    expect(r.unmet).toEqual([]);
    expect(count(r, 'success')).toBe(10);
    expect(count(r, 'reportOnlySuccess', 'reportOnlyFailure')).toBe(5);
    expect(count(r, 'notApplied', 'reportOnlyNotApplied')).toBe(173);
    expect(count(r, 'notEnabled')).toBe(12);
    // Every kind of grant a tenant uses is among the applying ones.
    const applying = r.results.filter((x) => x.result === 'success').map((x) => x.policy);
    expect(applying.some((p) => p.grantControls?.builtInControls.includes('mfa'))).toBe(true);
    expect(new Set(applying.map((p) => p.grantControls?.authenticationStrengthId).filter(Boolean)).size).toBe(3);
    expect(applying.filter((p) => p.sessionControls?.signInFrequency?.isEnabled).length).toBe(5);
    expect(applying.filter((p) => p.conditions.locations).length).toBe(5);
  });

  it('asks a password-only session for more, so the check decides', () => {
    const password: SessionStep[] = [{ method: 'password', at: now - 60_000 }];
    const r = evaluateConditionalAccess(policies, context(mix.appId), strengths, password);
    expect(r.unmet.length).toBe(10);
  });

  it("is mostly about the tenant's other apps: one of them meets more policies than the benchmark's app", () => {
    const ours = evaluateConditionalAccess(policies, context(mix.appId), strengths, passkey);
    const other = evaluateConditionalAccess(policies, context(mix.otherApps[0]!), strengths, passkey);
    const applying = (r: typeof ours) => count(r, 'success', 'failure', 'reportOnlySuccess', 'reportOnlyFailure');
    expect(applying(ours)).toBe(15);
    expect(applying(other)).toBeGreaterThan(2 * applying(ours));
  });
});
