// What a user could still do in a sign-in: the methods they have set up that the methods policy lets them use now,
// with a passkey's facts (for strengths that restrict models, types or attestation). The interaction decision offers
// only these, and refuses a step-up none of them can give (core/interaction-decision.ts).
import { namesAnyGroup, targetsUser } from '../core/method-targets.ts';
import { targetsAnyGroup } from '../core/passkey-method.ts';
import { evaluateSignInGate } from '../core/sign-in-gate.ts';
import type { AvailableMethod } from '../core/strengths.ts';
import { evaluateTapUse } from '../core/tap.ts';
import { findEmailMethod, listTotpMethods } from '../store/otp-methods.ts';
import { listPasskeys } from '../store/passkeys.ts';
import { findPasswordCredential } from '../store/password-credentials.ts';
import { methodPoliciesOf, passkeyMethodConfigOf } from '../store/policy-cache.ts';
import { findTapOfUser } from '../store/taps.ts';
import { groupIdsOf, type User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { emailAllowedFor } from './email-code.ts';
import { tapPolicyOf } from './temporary-access-pass.ts';
import { totpAllowedFor } from './totp.ts';

export async function availableMethodsOf(ctx: Ctx, tenantId: string, user: User): Promise<AvailableMethod[]> {
  const now = ctx.now();
  const [config, policies] = await Promise.all([passkeyMethodConfigOf(ctx, tenantId), methodPoliciesOf(ctx, tenantId)]);
  const needGroups = targetsAnyGroup(config) || namesAnyGroup(policies.methods.Password);
  const groupIds = needGroups ? await groupIdsOf(ctx.db, tenantId, user.id) : [];
  const [passkeys, password, tap, tapPolicy, totpOk, totps, emailOk, email] = await Promise.all([
    listPasskeys(ctx.db, tenantId, user.id),
    findPasswordCredential(ctx.db, tenantId, user.id),
    findTapOfUser(ctx.db, tenantId, user.id),
    tapPolicyOf(ctx, tenantId, user.id),
    totpAllowedFor(ctx, tenantId, user),
    listTotpMethods(ctx.db, tenantId, user.id),
    emailAllowedFor(ctx, tenantId, user),
    findEmailMethod(ctx.db, tenantId, user.id),
  ]);
  const out: AvailableMethod[] = [];
  for (const p of passkeys) {
    // Only a passkey that would sign in now: the method targets the user and a profile still allows it.
    if (p.cloneSuspectedAt !== null) continue;
    if (!evaluateSignInGate(config, { userId: user.id, groupIds, enabled: user.enabled }, p).ok) continue;
    out.push({
      method: 'passkey',
      passkey: { aaguid: p.aaguid, type: p.backupEligible ? 'synced' : 'deviceBound', attestation: p.attestationTrust },
    });
  }
  if (tap && evaluateTapUse(tap, tapPolicy.facts, now).ok)
    out.push({ method: 'temporaryAccessPass', tap: { oneTime: tap.oneTime } });
  const passwordPolicy = policies.methods.Password;
  if (password && passwordPolicy.state === 'enabled' && targetsUser(passwordPolicy, { userId: user.id, groupIds }))
    out.push({ method: 'password' });
  if (totpOk.ok && totps.some((t) => t.confirmedAt !== null)) out.push({ method: 'softwareOath' });
  if (emailOk.ok && email) out.push({ method: 'email' });
  return out;
}
