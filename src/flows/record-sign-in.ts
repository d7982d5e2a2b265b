import type { ErrorCode } from '../core/errors.ts';
import type { SignInConditionalAccessFacts } from '../core/sign-in-facts.ts';
import type { Db } from '../store/db.ts';
import { insertSignIn } from '../store/logs.ts';
import type { Ctx } from './context.ts';

export interface ClientInfo {
  ip?: string;
  userAgent?: string;
  appId?: string;
  /** The app's authorization request the step was made for (flows/authorization-decision.ts correlationIdOf). */
  correlationId?: string;
}

/** Every sign-in attempt lands in the sign-in log, a failure with the same code the user was shown. */
export async function recordSignIn(
  ctx: Ctx,
  db: Db,
  e: {
    tenantId: string;
    method: string;
    userId?: string | null;
    userPrincipalName?: string | null;
    errorCode?: ErrorCode | null;
    detail?: Record<string, string>;
    client?: ClientInfo;
    /** The authorization request the entry belongs to: the steps of one request share it (Graph correlationId). */
    correlationId?: string | null;
    sessionId?: string | null;
    /** How Conditional Access decided this sign-in (steps, policies applied, strengths required and met). */
    conditionalAccess?: SignInConditionalAccessFacts;
  },
): Promise<void> {
  await insertSignIn(db, {
    id: ctx.newId(),
    tenantId: e.tenantId,
    createdAt: ctx.now(),
    userId: e.userId ?? null,
    userPrincipalName: e.userPrincipalName ?? null,
    appId: e.client?.appId ?? null,
    method: e.method,
    result: e.errorCode ? 'failure' : 'success',
    errorCode: e.errorCode ?? null,
    detail: e.detail ?? {},
    ip: e.client?.ip ?? null,
    userAgent: e.client?.userAgent?.slice(0, 512) ?? null,
    correlationId: e.correlationId ?? e.client?.correlationId ?? null,
    sessionId: e.sessionId ?? null,
    conditionalAccess: e.conditionalAccess ?? null,
  });
}
