// The registration campaign after a sign-in (core/registration-campaign.ts): load the campaign, the user's
// passkeys, whether they could register one, and their snoozes; decide; store a "Not now" with one conditional
// write. The pages are src/web/pages/campaign.ts, the routes src/http/routes/campaign.ts.
import { SignetError } from '../core/errors.ts';
import { isTargeted } from '../core/passkey-method.ts';
import {
  type CampaignDecision,
  type CampaignFacts,
  decideCampaign,
  snoozeCampaign,
} from '../core/registration-campaign.ts';
import { findCampaignSnooze, saveCampaignSnooze } from '../store/campaign-snoozes.ts';
import { countPasskeys } from '../store/passkeys.ts';
import { methodPoliciesOf } from '../store/policy-cache.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, groupIdsOf } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { recordSignIn } from './record-sign-in.ts';

async function campaignFacts(ctx: Ctx, tenant: Tenant, session: Session): Promise<CampaignFacts> {
  const policies = await methodPoliciesOf(ctx, tenant.id);
  const campaign = policies.root.registrationEnforcement.authenticationMethodsRegistrationCampaign;
  const fido2 = policies.methods.Fido2;
  const now = ctx.now();
  const base = { campaign, sessionId: session.id, now };
  // The default tenant has the campaign off: the sign-in pays for nothing more than the cached policy.
  if (campaign.state !== 'enabled')
    return {
      ...base,
      user: { userId: session.userId, groupIds: [] },
      passkeyCount: 0,
      canRegister: false,
      snooze: undefined,
    };
  const [groupIds, passkeyCount, snooze] = await Promise.all([
    groupIdsOf(ctx.db, tenant.id, session.userId),
    countPasskeys(ctx.db, tenant.id, session.userId),
    findCampaignSnooze(ctx.db, tenant.id, session.userId),
  ]);
  const user = { userId: session.userId, groupIds };
  // As Entra, after a multi-factor sign-in (a TAP, or a password with its second factor): a password alone could not
  // register a passkey. Not "within 5 minutes": a session that waited would step around an enforced registration;
  // the account page asks a stale one to sign in again before it registers.
  const canRegister =
    session.amr.includes('mfa') &&
    fido2.state === 'enabled' &&
    isTargeted(fido2, user) &&
    fido2.isSelfServiceRegistrationAllowed &&
    passkeyCount < fido2.passkeysPerUserLimit;
  return { ...base, user, passkeyCount, canRegister, snooze };
}

/** Whether the sign-in that `session` is should stop at "Set up a passkey", and with which choices. */
export async function campaignFor(ctx: Ctx, tenant: Tenant, session: Session): Promise<CampaignDecision> {
  return decideCampaign(await campaignFacts(ctx, tenant, session));
}

/** "Not now": one more snooze, refused once they are spent (CAMPAIGN_SNOOZES_USED); nothing when not asked. */
export async function snoozeRegistrationCampaign(
  ctx: Ctx,
  tenant: Tenant,
  session: Session,
  client: { ip?: string; userAgent?: string } = {},
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const facts = await campaignFacts(ctx, tenant, session);
    const r = snoozeCampaign(facts);
    if (!r.ok) {
      // The user is held at registration: in the sign-in log, with the code they were shown.
      const user = await findUserById(ctx.db, tenant.id, session.userId);
      await recordSignIn(ctx, ctx.db, {
        tenantId: tenant.id,
        method: 'registrationCampaign',
        userId: session.userId,
        userPrincipalName: user?.userPrincipalName ?? null,
        errorCode: r.code,
        detail: r.detail,
        client,
      });
      throw new SignetError(r.code, r.detail);
    }
    if (!r.next) return;
    if (await saveCampaignSnooze(ctx.db, tenant.id, session.userId, facts.snooze, r.next, facts.now)) return;
  }
  // Five writes in a row lost to others: the same user clicking in many tabs; the last one stands.
}
