import { allow, type Decision, deny } from './errors.ts';
import { isTargeted, type PasskeyMethodConfig, type UserScope } from './passkey-method.ts';

export const STRONG_AUTH_FRESHNESS_MS = 5 * 60 * 1000;

/** A strong factor proven within the last 5 minutes (and not in the future). */
export function isStrongAuthFresh(strongAuthAt: number | null, now: number): boolean {
  return strongAuthAt !== null && strongAuthAt <= now && now - strongAuthAt <= STRONG_AUTH_FRESHNESS_MS;
}

export interface RegistrationContext {
  config: PasskeyMethodConfig;
  user: UserScope & { enabled: boolean };
  /** When the session last proved a strong factor (passkey, TAP, MFA); null when never. */
  strongAuthAt: number | null;
  /** Omitted when the caller judges the limit itself, under the user's row lock (finishing a registration). */
  passkeyCount?: number;
  now: number;
}

/** SPEC §2.2: the checks before registration options are issued, in this order, each with its own code. */
export function evaluateRegistrationGate(ctx: RegistrationContext): Decision {
  if (!ctx.user.enabled) return deny('SIGNIN_USER_DISABLED');
  if (ctx.config.state !== 'enabled') return deny('PASSKEY_METHOD_DISABLED');
  if (!isTargeted(ctx.config, ctx.user)) return deny('PASSKEY_METHOD_NOT_TARGETED');
  if (!ctx.config.isSelfServiceRegistrationAllowed) return deny('PASSKEY_SELF_SERVICE_DISABLED');
  if (!isStrongAuthFresh(ctx.strongAuthAt, ctx.now))
    return deny('PASSKEY_STRONG_AUTH_REQUIRED', { maxAgeSeconds: String(STRONG_AUTH_FRESHNESS_MS / 1000) });
  if (ctx.passkeyCount !== undefined && ctx.passkeyCount >= ctx.config.passkeysPerUserLimit)
    return deny('PASSKEY_LIMIT_REACHED', { limit: String(ctx.config.passkeysPerUserLimit) });
  return allow;
}
