// Conditional Access at a refresh (a non-interactive sign-in, as Entra judges one): the policies in force now, for
// the user, the app and the address of the refresh, against the steps of the sign-in the refresh token came from
// (the Signet session behind it, ended or not; else the weakest steps its amr stands for). A policy added or
// tightened since, a block, or a sign-in frequency that has run out ends the refresh token: the app must send the
// user through an interactive sign-in (Entra's 70043 / interaction_required), which asks for exactly the step.
import { contextsMet } from '../core/authorization-request.ts';
import { evaluateConditionalAccess, toAppliedConditionalAccessPolicy } from '../core/conditional-access.ts';
import { stepsFromTokenAmr } from '../core/session-steps.ts';
import { stepFactOf } from '../core/sign-in-facts.ts';
import { findSessionById } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById } from '../store/users.ts';
import { caSnapshotOf, signInContextFor } from './conditional-access.ts';
import type { Ctx } from './context.ts';
import { recordSignIn } from './record-sign-in.ts';
import { strengthsOf } from './strengths.ts';

export interface RefreshFacts {
  userId: string;
  clientId: string;
  /** The Signet session that confirmed the sign-in behind the refresh token (its row id), when known. */
  signetSessionId?: string;
  /** What the refresh token recorded: amr, auth_time (seconds) and the claims parameter of its authorization. */
  amr: readonly string[];
  authTime: number;
  claims?: unknown;
  ip: string | null;
  userAgent?: string;
}

/** Whether the refresh may go on; when not, the refusal is logged as a non-interactive sign-in with its code. */
export async function refreshAllowed(ctx: Ctx, tenant: Tenant, f: RefreshFacts): Promise<boolean> {
  const [docs, strengths, stored, user] = await Promise.all([
    caSnapshotOf(ctx, tenant.id),
    strengthsOf(ctx, tenant.id),
    f.signetSessionId ? findSessionById(ctx.db, tenant.id, f.signetSessionId) : undefined,
    findUserById(ctx.db, tenant.id, f.userId),
  ]);
  // No policy at all: nothing to judge (the common case costs no query of groups).
  if (docs.policies.length === 0) return true;
  const steps = stored?.userId === f.userId ? stored.steps : stepsFromTokenAmr(f.amr, f.authTime * 1000);
  const context = await signInContextFor(ctx, tenant, {
    userId: f.userId,
    appId: f.clientId,
    ip: f.ip,
    authenticationContexts: contextsMet(f.claims),
  });
  const { results, unmet } = evaluateConditionalAccess(docs.policies, context, strengths, steps);
  if (unmet.length === 0) return true;
  const needs = unmet.flatMap((r) => r.anyOf.slice(0, 1)).map((s) => ({ id: s.id, displayName: s.displayName }));
  await recordSignIn(ctx, ctx.db, {
    tenantId: tenant.id,
    method: 'refresh',
    userId: f.userId,
    userPrincipalName: user?.userPrincipalName ?? null,
    errorCode: 'CA_REFRESH_SIGN_IN_REQUIRED',
    detail: { policy: unmet[0]!.displayName },
    client: { ...(f.ip ? { ip: f.ip } : {}), ...(f.userAgent ? { userAgent: f.userAgent } : {}), appId: f.clientId },
    ...(stored ? { sessionId: stored.id } : {}),
    conditionalAccess: {
      authenticationRequirement:
        steps.length > 1 || steps.some((s) => s.method === 'passkey')
          ? 'multiFactorAuthentication'
          : 'singleFactorAuthentication',
      steps: steps.map((s) => stepFactOf(s, { resultDetail: 'Satisfied by token' })),
      appliedConditionalAccessPolicies: results.map(toAppliedConditionalAccessPolicy),
      conditionalAccessStatus: 'failure',
      authenticationContextClassReferences: [],
      strengthsRequired: needs,
      strengthsSatisfied: [],
    },
  });
  return false;
}
