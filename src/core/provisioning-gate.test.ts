import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from './passkey-method.ts';
import { evaluateProvisioningGate, type ProvisioningContext } from './provisioning-gate.ts';

function ctx(over: Partial<ProvisioningContext> = {}, config: Partial<PasskeyMethodConfig> = {}): ProvisioningContext {
  return {
    config: { ...defaultPasskeyMethodConfig(), ...config },
    user: { userId: 'user-alice', groupIds: ['group-admins'] },
    passkeyCount: 0,
    ...over,
  };
}
const code = (d: Decision) => (d.ok ? 'ok' : d.code);

describe('evaluateProvisioningGate (admin-initiated provisioning, SPEC §2.2)', () => {
  it('allows a targeted user below the limit', () => {
    expect(evaluateProvisioningGate(ctx())).toEqual({ ok: true });
  });

  it('does not ask for self-service setup: an administrator provisions where users may not', () => {
    expect(code(evaluateProvisioningGate(ctx({}, { isSelfServiceRegistrationAllowed: false })))).toBe('ok');
  });

  it('refuses when the passkey method is disabled', () => {
    expect(code(evaluateProvisioningGate(ctx({}, { state: 'disabled' })))).toBe('PASSKEY_METHOD_DISABLED');
  });

  it('refuses a user the method does not include, or excludes by group or by name', () => {
    const onlySales = {
      includeTargets: [
        { id: 'group-sales', targetType: 'group' as const, isRegistrationRequired: false, allowedPasskeyProfiles: [] },
      ],
    };
    expect(code(evaluateProvisioningGate(ctx({}, onlySales)))).toBe('PASSKEY_METHOD_NOT_TARGETED');
    const byGroup = { excludeTargets: [{ id: 'group-admins', targetType: 'group' as const }] };
    expect(code(evaluateProvisioningGate(ctx({}, byGroup)))).toBe('PASSKEY_METHOD_NOT_TARGETED');
    const byName = { excludeTargets: [{ id: 'user-alice', targetType: 'user' as const }] };
    expect(code(evaluateProvisioningGate(ctx({}, byName)))).toBe('PASSKEY_METHOD_NOT_TARGETED');
  });

  it('refuses at the per-user limit, naming it, and allows one below it', () => {
    const limit = defaultPasskeyMethodConfig().passkeysPerUserLimit;
    expect(evaluateProvisioningGate(ctx({ passkeyCount: limit }))).toEqual({
      ok: false,
      code: 'PASSKEY_LIMIT_REACHED',
      detail: { limit: String(limit) },
    });
    expect(code(evaluateProvisioningGate(ctx({ passkeyCount: limit - 1 })))).toBe('ok');
  });

  it('checks the method before the limit', () => {
    const limit = defaultPasskeyMethodConfig().passkeysPerUserLimit;
    expect(code(evaluateProvisioningGate(ctx({ passkeyCount: limit }, { state: 'disabled' })))).toBe(
      'PASSKEY_METHOD_DISABLED',
    );
  });
});
