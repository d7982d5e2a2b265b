// SPEC §2.2: admin-initiated provisioning is a separate path from self-service. An administrator (or an app)
// registering a passkey for a user needs the passkey method on and targeting that user, and the per-user limit
// to hold; whether the user may set up passkeys themselves, and their own recent strong sign-in, do not apply
// (the administrator's authorization stands in for them).
import { allow, type Decision, deny } from './errors.ts';
import { isTargeted, type PasskeyMethodConfig, type UserScope } from './passkey-method.ts';

export interface ProvisioningContext {
  config: PasskeyMethodConfig;
  user: UserScope;
  passkeyCount: number;
}

export function evaluateProvisioningGate(ctx: ProvisioningContext): Decision {
  if (ctx.config.state !== 'enabled') return deny('PASSKEY_METHOD_DISABLED');
  if (!isTargeted(ctx.config, ctx.user)) return deny('PASSKEY_METHOD_NOT_TARGETED');
  if (ctx.passkeyCount >= ctx.config.passkeysPerUserLimit)
    return deny('PASSKEY_LIMIT_REACHED', { limit: String(ctx.config.passkeysPerUserLimit) });
  return allow;
}
