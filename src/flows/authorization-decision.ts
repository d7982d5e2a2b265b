// The decision for one app authorization request with a live session: Conditional Access (every policy, report-only
// included), what the app itself asked for, and the session's steps, through core/interaction-decision.ts. The OIDC
// provider calls it on every authorization request (silent ones too), the sign-in pages when they finish one; both
// get the same answer from the same inputs. Each decision the user sees is one sign-in log entry.
import { createHash } from 'node:crypto';
import { appRequestOf } from '../core/authorization-request.ts';
import {
  evaluateConditionalAccess,
  type PolicyResult,
  toAppliedConditionalAccessPolicy,
} from '../core/conditional-access.ts';
import { type ErrorCode, SignetError } from '../core/errors.ts';
import { decideInteraction, type InteractionDecision, strengthOfAcr } from '../core/interaction-decision.ts';
import type { SignInConditionalAccessFacts } from '../core/sign-in-facts.ts';
import { passkeyMethodDetail, stepFactOf } from '../core/sign-in-facts.ts';
import type { AuthenticationStrength, AvailableMethod } from '../core/strengths.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import type { User } from '../store/users.ts';
import { availableMethodsOf } from './available-methods.ts';
import { caSnapshotOf, signInContextFor } from './conditional-access.ts';
import type { Ctx } from './context.ts';
import { recordSignIn } from './record-sign-in.ts';
import { strengthsOf } from './strengths.ts';

export interface AuthorizationFacts {
  session: Session;
  user: User;
  clientId: string;
  /** The request's OIDC parameters as the provider parsed them. */
  params: Record<string, unknown>;
  /** When the request began (its interaction), epoch milliseconds; undefined before there is one. */
  startedAt: number | undefined;
  promptLogin: boolean;
  ip: string | null;
  userAgent?: string;
  /** The interaction's uid: the log entries of one request share a correlation id derived from it. */
  interactionUid?: string;
}

export interface AuthorizationOutcome {
  decision: InteractionDecision;
  results: PolicyResult[];
  /** Strengths the requirements not met asked for, and those met (for the log). */
  required: AuthenticationStrength[];
}

export async function decideAuthorization(
  ctx: Ctx,
  tenant: Tenant,
  f: AuthorizationFacts,
): Promise<AuthorizationOutcome> {
  const now = ctx.now();
  const request = appRequestOf({ params: f.params, startedAt: f.startedAt, promptLogin: f.promptLogin, now });
  const [docs, strengths, context] = await Promise.all([
    caSnapshotOf(ctx, tenant.id),
    strengthsOf(ctx, tenant.id),
    signInContextFor(ctx, tenant, {
      userId: f.user.id,
      appId: f.clientId,
      ip: f.ip,
      authenticationContexts: request.authenticationContexts,
      ...(f.startedAt !== undefined ? { requestStartedAt: f.startedAt } : {}),
    }),
  ]);
  const decide = (available: AvailableMethod[]) => {
    const ca = evaluateConditionalAccess(docs.policies, context, strengths, f.session.steps, available);
    const decision = decideInteraction({
      unmet: ca.unmet,
      results: ca.results,
      request,
      strengths,
      steps: f.session.steps,
      available,
    });
    return { ca, decision };
  };
  // What the user could still do is read only when something is missing.
  let { ca, decision } = decide([]);
  if (decision.kind !== 'finish') ({ ca, decision } = decide(await availableMethodsOf(ctx, tenant.id, f.user)));
  return {
    decision,
    results: ca.results,
    required: decision.kind === 'finish' ? metRequirements(ca.results, request, strengths) : decision.needs,
  };
}

/** On a finish, what the sign-in had to meet: each enforced policy's strength, and the acr the app asked for. */
function metRequirements(
  results: readonly PolicyResult[],
  request: ReturnType<typeof appRequestOf>,
  strengths: ReadonlyMap<string, AuthenticationStrength>,
): AuthenticationStrength[] {
  const out = new Map<string, AuthenticationStrength>();
  for (const r of results)
    if (r.result === 'success' && r.requirement?.anyOf[0]) out.set(r.requirement.anyOf[0].id, r.requirement.anyOf[0]);
  const asked = request.acrValues.map((v) => strengthOfAcr(v, strengths)).find((s) => s !== undefined);
  if (asked) out.set(asked.id, asked);
  return [...out.values()];
}

const STATUS_OF = (results: readonly PolicyResult[]): SignInConditionalAccessFacts['conditionalAccessStatus'] => {
  const enforced = results.filter((r) => r.result === 'success' || r.result === 'failure');
  if (enforced.length === 0) return 'notApplied';
  return enforced.some((r) => r.result === 'failure') ? 'failure' : 'success';
};

/** The log entry of a decision the user meets: its code when it is not the app's answer, and how it was decided. */
export async function recordAuthorization(
  ctx: Ctx,
  tenant: Tenant,
  f: AuthorizationFacts,
  o: AuthorizationOutcome,
): Promise<void> {
  const d = o.decision;
  const code: ErrorCode | null = d.kind === 'finish' ? null : d.kind === 'stepUp' ? 'CA_STEP_UP_REQUIRED' : d.code;
  const requirementName = o.required[0]?.displayName ?? null;
  const facts: SignInConditionalAccessFacts = {
    authenticationRequirement: f.session.amr.includes('mfa')
      ? 'multiFactorAuthentication'
      : 'singleFactorAuthentication',
    // A step made for this request (it carries the request's correlation id) is this sign-in's; another was
    // satisfied before.
    steps: f.session.steps.map((s) =>
      stepFactOf(s, {
        resultDetail:
          f.interactionUid && s.request === correlationIdOf(f.interactionUid)
            ? 'Authentication succeeded'
            : 'Previously satisfied',
        requirement: requirementName,
        ...(s.passkey ? { detail: passkeyMethodDetail(ctx.metadata.nameOf(s.passkey.aaguid), s.passkey.aaguid) } : {}),
      }),
    ),
    appliedConditionalAccessPolicies: o.results.map(toAppliedConditionalAccessPolicy),
    conditionalAccessStatus: STATUS_OF(o.results),
    authenticationContextClassReferences: appRequestOf({
      params: f.params,
      startedAt: f.startedAt,
      promptLogin: f.promptLogin,
      now: ctx.now(),
    }).authenticationContexts.map((id) => ({ id, detail: d.kind === 'finish' ? 'previouslySatisfied' : 'required' })),
    strengthsRequired: o.required.map((s) => ({ id: s.id, displayName: s.displayName })),
    strengthsSatisfied: d.kind === 'finish' ? d.satisfied.map((s) => ({ id: s.id, displayName: s.displayName })) : [],
  };
  await recordSignIn(ctx, ctx.db, {
    tenantId: tenant.id,
    method: 'authorization',
    userId: f.user.id,
    userPrincipalName: f.user.userPrincipalName,
    errorCode: code,
    detail: d.kind === 'finish' ? {} : d.kind === 'block' ? d.detail : { offer: d.offer.join(' ') },
    client: { ip: f.ip ?? undefined, userAgent: f.userAgent, appId: f.clientId },
    correlationId: f.interactionUid ? correlationIdOf(f.interactionUid) : null,
    sessionId: f.session.id,
    conditionalAccess: facts,
  });
}

/**
 * The sign-in log's correlation id for an authorization request: a GUID made from a hash of its interaction id, so
 * the entries of one request are found together while the interaction id itself (a live handle) is never stored.
 */
export function correlationIdOf(interactionUid: string): string {
  const h = createHash('sha256').update(`signet-correlation:${interactionUid}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A refusal as the pages and the provider raise it. */
export function refusalOf(d: Extract<InteractionDecision, { kind: 'block' }>): SignetError {
  return new SignetError(d.code, d.detail);
}
