import { describe, expect, it } from 'vitest';
import type { Decision } from './errors.ts';
import { defaultPasskeyMethodConfig, type PasskeyMethodConfig } from './passkey-method.ts';
import { evaluateRegistrationGate, type RegistrationContext, STRONG_AUTH_FRESHNESS_MS } from './registration-gate.ts';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MINUTE = 60_000;

function ctx(over: Partial<RegistrationContext> = {}, config: Partial<PasskeyMethodConfig> = {}): RegistrationContext {
  return {
    config: { ...defaultPasskeyMethodConfig(), ...config },
    user: { userId: 'user-alice', groupIds: ['group-admins'], enabled: true },
    strongAuthAt: NOW - MINUTE,
    passkeyCount: 0,
    now: NOW,
    ...over,
  };
}

const code = (d: Decision) => (d.ok ? 'ok' : d.code);

describe('evaluateRegistrationGate', () => {
  it('allows registration for an enabled, targeted user who signed in strongly a minute ago', () => {
    expect(evaluateRegistrationGate(ctx())).toEqual({ ok: true });
  });

  describe('in SPEC order, each check with its own code', () => {
    it('refuses a disabled user', () => {
      const c = ctx({ user: { userId: 'user-alice', groupIds: [], enabled: false } });
      expect(code(evaluateRegistrationGate(c))).toBe('SIGNIN_USER_DISABLED');
    });

    it('refuses when the passkey method is disabled', () => {
      expect(code(evaluateRegistrationGate(ctx({}, { state: 'disabled' })))).toBe('PASSKEY_METHOD_DISABLED');
    });

    it('refuses a user the passkey method does not include', () => {
      const c = ctx(
        {},
        {
          includeTargets: [
            { id: 'group-sales', targetType: 'group', isRegistrationRequired: false, allowedPasskeyProfiles: [] },
          ],
        },
      );
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_METHOD_NOT_TARGETED');
    });

    it('refuses a user excluded through a group even though all users are included', () => {
      const c = ctx({}, { excludeTargets: [{ id: 'group-admins', targetType: 'group' }] });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_METHOD_NOT_TARGETED');
    });

    it('refuses a user excluded by name', () => {
      const c = ctx({}, { excludeTargets: [{ id: 'user-alice', targetType: 'user' }] });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_METHOD_NOT_TARGETED');
    });

    it('refuses when self-service registration is turned off', () => {
      const c = ctx({}, { isSelfServiceRegistrationAllowed: false });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_SELF_SERVICE_DISABLED');
    });

    it('asks for step-up when the session never proved a strong factor', () => {
      expect(code(evaluateRegistrationGate(ctx({ strongAuthAt: null })))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
    });

    it('refuses a user who already holds the per-user passkey limit', () => {
      const c = ctx({ passkeyCount: 3 }, { passkeysPerUserLimit: 3 });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_LIMIT_REACHED');
    });

    it('reports the method being disabled before the user not being targeted', () => {
      const c = ctx({}, { state: 'disabled', includeTargets: [] });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_METHOD_DISABLED');
    });

    it('reports the user not being targeted before self-service being off', () => {
      const c = ctx({}, { includeTargets: [], isSelfServiceRegistrationAllowed: false });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_METHOD_NOT_TARGETED');
    });

    it('reports self-service being off before a missing strong authentication', () => {
      const c = ctx({ strongAuthAt: null }, { isSelfServiceRegistrationAllowed: false });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_SELF_SERVICE_DISABLED');
    });

    it('reports a missing strong authentication before the passkey limit', () => {
      const c = ctx({ strongAuthAt: null, passkeyCount: 10 }, { passkeysPerUserLimit: 10 });
      expect(code(evaluateRegistrationGate(c))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
    });

    it('walks the checks in order as each failing condition is fixed in turn', () => {
      const c = ctx(
        { strongAuthAt: null, passkeyCount: 1 },
        {
          state: 'disabled',
          includeTargets: [],
          isSelfServiceRegistrationAllowed: false,
          passkeysPerUserLimit: 1,
        },
      );
      const seen: string[] = [];
      seen.push(code(evaluateRegistrationGate(c)));
      c.config.state = 'enabled';
      seen.push(code(evaluateRegistrationGate(c)));
      c.config.includeTargets = defaultPasskeyMethodConfig().includeTargets;
      seen.push(code(evaluateRegistrationGate(c)));
      c.config.isSelfServiceRegistrationAllowed = true;
      seen.push(code(evaluateRegistrationGate(c)));
      c.strongAuthAt = NOW;
      seen.push(code(evaluateRegistrationGate(c)));
      c.passkeyCount = 0;
      seen.push(code(evaluateRegistrationGate(c)));
      expect(seen).toEqual([
        'PASSKEY_METHOD_DISABLED',
        'PASSKEY_METHOD_NOT_TARGETED',
        'PASSKEY_SELF_SERVICE_DISABLED',
        'PASSKEY_STRONG_AUTH_REQUIRED',
        'PASSKEY_LIMIT_REACHED',
        'ok',
      ]);
    });
  });

  describe('strong authentication freshness', () => {
    it('uses a five-minute window', () => {
      expect(STRONG_AUTH_FRESHNESS_MS).toBe(5 * MINUTE);
    });

    it('accepts a strong authentication at this very moment', () => {
      expect(evaluateRegistrationGate(ctx({ strongAuthAt: NOW })).ok).toBe(true);
    });

    it('accepts a strong authentication exactly five minutes ago', () => {
      expect(evaluateRegistrationGate(ctx({ strongAuthAt: NOW - 5 * MINUTE })).ok).toBe(true);
    });

    it('asks for step-up one millisecond after the five minutes have passed', () => {
      const d = evaluateRegistrationGate(ctx({ strongAuthAt: NOW - 5 * MINUTE - 1 }));
      expect(code(d)).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
    });

    it('asks for step-up after an old strong authentication', () => {
      expect(code(evaluateRegistrationGate(ctx({ strongAuthAt: NOW - 60 * MINUTE })))).toBe(
        'PASSKEY_STRONG_AUTH_REQUIRED',
      );
    });

    it('refuses a strong authentication time in the future', () => {
      expect(code(evaluateRegistrationGate(ctx({ strongAuthAt: NOW + 1 })))).toBe('PASSKEY_STRONG_AUTH_REQUIRED');
      expect(code(evaluateRegistrationGate(ctx({ strongAuthAt: NOW + 10 * MINUTE })))).toBe(
        'PASSKEY_STRONG_AUTH_REQUIRED',
      );
    });

    it('tells the caller the maximum age in seconds', () => {
      expect(evaluateRegistrationGate(ctx({ strongAuthAt: null }))).toMatchObject({
        ok: false,
        detail: { maxAgeSeconds: '300' },
      });
    });
  });

  describe('per-user passkey limit', () => {
    it('allows the passkey that brings the user up to the limit', () => {
      expect(evaluateRegistrationGate(ctx({ passkeyCount: 9 }, { passkeysPerUserLimit: 10 })).ok).toBe(true);
    });

    it('refuses at the limit and beyond it', () => {
      expect(code(evaluateRegistrationGate(ctx({ passkeyCount: 10 }, { passkeysPerUserLimit: 10 })))).toBe(
        'PASSKEY_LIMIT_REACHED',
      );
      expect(code(evaluateRegistrationGate(ctx({ passkeyCount: 11 }, { passkeysPerUserLimit: 10 })))).toBe(
        'PASSKEY_LIMIT_REACHED',
      );
    });

    it('names the limit in the detail', () => {
      expect(evaluateRegistrationGate(ctx({ passkeyCount: 2 }, { passkeysPerUserLimit: 2 }))).toMatchObject({
        ok: false,
        detail: { limit: '2' },
      });
    });

    it('refuses every registration when the limit is zero', () => {
      expect(code(evaluateRegistrationGate(ctx({ passkeyCount: 0 }, { passkeysPerUserLimit: 0 })))).toBe(
        'PASSKEY_LIMIT_REACHED',
      );
    });
  });
});
