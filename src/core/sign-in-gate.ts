import { allow, type Decision, deny } from './errors.ts';
import { isTargeted, type PasskeyMethodConfig, profilesForUser, type UserScope } from './passkey-method.ts';
import { type CredentialFacts, evaluatePasskeyProfiles } from './passkey-profile.ts';

/**
 * SPEC §2.3: after the signature, may this user sign in with this passkey now? The account is enabled, the
 * passkey method is on and still targets the user, and one of the user's profiles still allows the passkey
 * (a passkey blocked after registration can no longer sign in).
 */
export function evaluateSignInGate(
  config: PasskeyMethodConfig,
  user: UserScope & { enabled: boolean },
  credential: CredentialFacts,
): Decision {
  if (!user.enabled) return deny('SIGNIN_USER_DISABLED');
  if (config.state !== 'enabled') return deny('PASSKEY_METHOD_DISABLED');
  if (!isTargeted(config, user)) return deny('PASSKEY_METHOD_NOT_TARGETED');
  const profile = evaluatePasskeyProfiles(credential, profilesForUser(config, user), 'signIn');
  return profile.ok ? allow : profile;
}
