// The impact preview and the registration What If (issue 8): a proposed passkey (Fido2) configuration, the body of
// its PATCH, judged exactly as the PATCH judges it (schema, rules, targets of this tenant), then evaluated against
// the tenant's users and passkeys (streamed, store/impact-query.ts) or one user and authenticator, with the pure
// rules of core/policy-impact.ts and core/registration-whatif.ts. Nothing is written: no document, no audit row.
import { describeError, type ErrorCode, SignetError } from '../core/errors.ts';
import {
  applyMethodPatch,
  checkMethodConfig,
  checkTargetsExist,
  targetReferences,
} from '../core/method-policy-rules.ts';
import { type Fido2Document, judgeMethodPatch } from '../core/method-policy-schemas.ts';
import type { PasskeyMethodConfig } from '../core/passkey-method.ts';
import { isMetadataStale } from '../core/passkey-profile.ts';
import {
  type CompromiseLookup,
  type GroupImpact,
  ImpactTally,
  impactNeedsGroups,
  type PolicyImpact,
  tapAvailability,
  type UserImpact,
  userImpact,
} from '../core/policy-impact.ts';
import {
  evaluateRegistrationWhatIf,
  type RegistrationWhatIf,
  type WhatIfAuthenticator,
} from '../core/registration-whatif.ts';
import { existingTargetIds, groupNames, impactBatches } from '../store/impact-query.ts';
import { countPasskeys } from '../store/passkeys.ts';
import { methodPoliciesOf, passkeyMethodConfigOf } from '../store/policy-cache.ts';
import type { Tenant } from '../store/tenants.ts';
import { groupIdsOf, type User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { compromiseDetail, metadataCurrent } from './metadata-service.ts';

/** How many affected users a preview lists (all are counted): enough to act on, small enough for one answer. */
export const PREVIEW_USER_LIMIT = 1000;

/**
 * The Fido2 configuration a PATCH body would make, judged as updateMethodConfiguration judges it (the same codes
 * for a bad body), against the configuration in force.
 */
export async function proposedFido2Config(
  ctx: Ctx,
  tenant: Tenant,
  body: unknown,
): Promise<{ current: Fido2Document; proposed: Fido2Document }> {
  const patch = judgeMethodPatch('Fido2', body);
  if (!patch.ok) throw new SignetError(patch.code, patch.detail);
  const current = await passkeyMethodConfigOf(ctx, tenant.id);
  const checked = checkMethodConfig('Fido2', applyMethodPatch('Fido2', current, patch.value), current);
  if (!checked.ok) throw new SignetError(checked.code, checked.detail);
  const refs = targetReferences(checked.value);
  const ids = (kind: 'group' | 'user') => [...new Set(refs.filter((r) => r.kind === kind).map((r) => r.id))];
  const found = await existingTargetIds(ctx.db, tenant.id, { groups: ids('group'), users: ids('user') });
  const d = checkTargetsExist(refs, found);
  if (!d.ok) throw new SignetError(d.code, d.detail);
  return { current, proposed: checked.value };
}

/** What sign-in would say of a model: the compromise detail of the BLOB in force (as current as sign-in's). */
async function compromiseLookup(ctx: Ctx): Promise<CompromiseLookup> {
  await metadataCurrent(ctx);
  return (aaguid) => {
    const c = ctx.metadata.compromiseOf(aaguid);
    return c ? compromiseDetail(c) : undefined;
  };
}

export type NamedGroupImpact = GroupImpact & { displayName: string | null };
export interface PolicyImpactReport extends Omit<PolicyImpact, 'groups'> {
  groups: NamedGroupImpact[];
  elapsedMs: number;
}

/** Every user and passkey of the tenant under both configurations; memberships read only when a group is named. */
export async function policyImpact(
  ctx: Ctx,
  tenantId: string,
  current: PasskeyMethodConfig,
  proposed: PasskeyMethodConfig,
  opts: { limit?: number; batch?: number } = {},
): Promise<PolicyImpactReport> {
  const started = performance.now();
  const compromised = await compromiseLookup(ctx);
  const models = new Map<string, string | null>();
  const modelOf = (aaguid: string) => {
    let m = models.get(aaguid);
    if (m === undefined) {
      m = ctx.metadata.nameOf(aaguid) ?? null;
      models.set(aaguid, m);
    }
    return m;
  };
  // Who loses every passkey needs a Temporary Access Pass: whether the TAP method would give them one.
  const tap = (await methodPoliciesOf(ctx, tenantId)).methods.TemporaryAccessPass;
  const now = ctx.now();
  const withGroups = impactNeedsGroups(current, proposed, tap);
  const tally = new ImpactTally(opts.limit ?? PREVIEW_USER_LIMIT, withGroups);
  for await (const batch of impactBatches(ctx.db, tenantId, { withGroups, batch: opts.batch }))
    for (const u of batch) {
      const passkeys = u.passkeys.map((p) => ({ ...p, model: modelOf(p.aaguid) }));
      // Sign-in's verdict: attestation, and so stale metadata (REL-14), is judged at registration only (the What If).
      const impact = userImpact(current, proposed, u, passkeys, compromised);
      if (impact.losesEveryPasskey) impact.tap = tapAvailability(tap, u, now);
      tally.add(impact);
    }
  const result = tally.result();
  const names = await groupNames(
    ctx.db,
    tenantId,
    result.groups.map((g) => g.id),
  );
  return {
    ...result,
    groups: result.groups.map((g) => ({ ...g, displayName: names.get(g.id) ?? null })),
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** The preview of a PATCH body of the Fido2 configuration: judged as the PATCH, then evaluated; nothing saved. */
export async function previewFido2Patch(
  ctx: Ctx,
  tenant: Tenant,
  body: unknown,
  opts: { limit?: number } = {},
): Promise<PolicyImpactReport> {
  const { current, proposed } = await proposedFido2Config(ctx, tenant, body);
  return policyImpact(ctx, tenant.id, current, proposed, opts);
}

export interface RegistrationWhatIfReport extends RegistrationWhatIf {
  user: Pick<User, 'id' | 'userPrincipalName' | 'displayName' | 'enabled'>;
  authenticator: WhatIfAuthenticator & { model: string | null };
  configuration: 'current' | 'proposed';
  passkeyCount: number;
}

/**
 * Would this user's registration of this authenticator be accepted, under the configuration in force or under the
 * one a PATCH body (`proposed`, judged as the PATCH) would make? The edge finds the user (its own not-found code).
 */
export async function registrationWhatIf(
  ctx: Ctx,
  tenant: Tenant,
  p: { user: User; authenticator: WhatIfAuthenticator; proposed?: unknown },
): Promise<RegistrationWhatIfReport> {
  const { user } = p;
  const config =
    p.proposed === undefined
      ? await passkeyMethodConfigOf(ctx, tenant.id)
      : (await proposedFido2Config(ctx, tenant, p.proposed)).proposed;
  const [groupIds, passkeyCount, compromised] = await Promise.all([
    groupIdsOf(ctx.db, tenant.id, user.id),
    countPasskeys(ctx.db, tenant.id, user.id),
    compromiseLookup(ctx),
  ]);
  const aaguid = p.authenticator.aaguid.toLowerCase();
  const model = ctx.metadata.nameOf(aaguid) ?? null;
  const result = evaluateRegistrationWhatIf({
    model,
    metadataStale: isMetadataStale({
      blobNextUpdate: ctx.metadata.blob?.nextUpdate,
      fromAdministratorFile: ctx.metadata.fromAdministratorFile(aaguid),
      now: ctx.now(),
    }),
    config,
    user: { userId: user.id, groupIds, enabled: user.enabled },
    passkeyCount,
    authenticator: { ...p.authenticator, aaguid },
    compromised: compromised(aaguid),
    now: ctx.now(),
  });
  return {
    ...result,
    user: {
      id: user.id,
      userPrincipalName: user.userPrincipalName,
      displayName: user.displayName,
      enabled: user.enabled,
    },
    authenticator: { ...p.authenticator, aaguid, model },
    configuration: p.proposed === undefined ? 'current' : 'proposed',
    passkeyCount,
  };
}

const refusal = (code: ErrorCode, detail: Record<string, string>) => ({
  code,
  message: describeError(code).message,
  detail,
});

/** One affected user as the answer lists them: the passkeys that would stop working, each with sign-in's refusal. */
function toAffectedUser(u: UserImpact) {
  return {
    id: u.user.id,
    userPrincipalName: u.user.userPrincipalName,
    displayName: u.user.displayName,
    accountEnabled: u.user.enabled,
    usablePasskeysNow: u.usableNow,
    usablePasskeysAfter: u.usableAfter,
    // No usable passkey left: a Temporary Access Pass is how they sign in and register a passkey the policy allows.
    needsTemporaryAccessPass: u.losesEveryPasskey,
    ...(u.tap
      ? {
          temporaryAccessPass: u.tap.ok
            ? { canBeIssued: true }
            : { canBeIssued: false, ...refusal(u.tap.code, u.tap.detail) },
        }
      : {}),
    passkeys: u.stopping.map((c) => ({
      id: c.passkey.id,
      displayName: c.passkey.displayName,
      aaGuid: c.passkey.aaguid,
      model: c.passkey.model,
      passkeyType: c.passkeyType,
      ...refusal(c.code, c.detail),
    })),
  };
}

/** The preview as the admin API answers it and `signet policy set --dry-run --json` prints it. */
export function impactAnswer(r: PolicyImpactReport) {
  return {
    summary: {
      ...r.summary,
      reasons: r.summary.reasons.map((x) => ({ ...x, message: describeError(x.code).message })),
    },
    groupsCounted: r.groupsCounted,
    groups: r.groups,
    // Capped, not paged: the first affected users in object id order; the summary counts them all.
    affectedUsersCount: r.summary.usersAffected,
    affectedUsersLimit: r.affectedUsersLimit,
    affectedUsersCapped: r.affectedUsersCapped,
    affectedUsers: r.affectedUsers.map(toAffectedUser),
    elapsedMilliseconds: r.elapsedMs,
  };
}

/** The What If as the admin API answers it and `signet policy whatif --json` prints it. */
export function whatIfAnswer(r: RegistrationWhatIfReport) {
  return {
    isAccepted: r.decision.ok,
    ...(r.decision.ok ? { code: null, message: null, detail: {} } : refusal(r.decision.code, r.decision.detail)),
    decidedBy: r.step,
    configuration: r.configuration,
    user: {
      id: r.user.id,
      userPrincipalName: r.user.userPrincipalName,
      displayName: r.user.displayName,
      accountEnabled: r.user.enabled,
      passkeyCount: r.passkeyCount,
    },
    authenticator: {
      aaGuid: r.authenticator.aaguid,
      model: r.authenticator.model,
      passkeyType: r.authenticator.passkeyType,
      attestationFormat: r.authenticator.attestationFormat,
      attestationTrust: r.authenticator.attestationTrust,
    },
    passkeyProfiles: r.profiles.map((p) => ({
      id: p.id,
      name: p.name,
      isAllowed: p.decision.ok,
      ...(p.decision.ok ? { code: null, detail: {} } : { code: p.decision.code, detail: p.decision.detail }),
    })),
    assumptions: r.assumptions,
  };
}
