// The second-factor step of a sign-in: a session holding a password only (amr ['pwd']) proves a one-time code —
// from an authenticator app or sent by email — and becomes multi-factor: amr gains otp and mfa, strong
// authentication is dated now (so a passkey may then be registered, SPEC §2.2). Every attempt is in the sign-in
// log with its code; every attempt counts toward the lockout before the code is compared.
import { type ErrorCode, SignetError } from '../core/errors.ts';
import { maskEmail, needsSecondFactor } from '../core/one-time-code.ts';
import { normalizeCode } from '../core/totp.ts';
import { findEmailMethod, listTotpMethods } from '../store/otp-methods.ts';
import type { Session } from '../store/sessions.ts';
import type { Tenant } from '../store/tenants.ts';
import { findUserById, type User } from '../store/users.ts';
import type { Ctx } from './context.ts';
import { countWrongEmailCode, emailAllowedFor, sendEmailCode, takeEmailCode } from './email-code.ts';
import { countOneTimeCodeAttempt } from './one-time-code-lockout.ts';
import { type ClientInfo, recordSignIn } from './record-sign-in.ts';
import { addSessionStep } from './sessions.ts';
import { takeTotpCode, totpAllowedFor } from './totp.ts';

export type SecondFactorMethod = 'totp' | 'email';
/** The sign-in log's method names (Graph's authenticationMethodModes). */
const LOG_METHOD: Record<SecondFactorMethod, string> = { totp: 'softwareOath', email: 'email' };

export interface SecondFactorChoices {
  user: User;
  /** The user has an authenticator app and the policy allows it. */
  totp: boolean;
  /** The masked address codes go to, when the user has one and the policy allows it. */
  email?: string;
}

/** The session's user and what they can use, when the session waits for a second factor. */
export async function secondFactorChoices(ctx: Ctx, tenant: Tenant, session: Session): Promise<SecondFactorChoices> {
  const user = await findUserById(ctx.db, tenant.id, session.userId);
  if (!user?.enabled) throw new SignetError('SESSION_REQUIRED');
  if (!needsSecondFactor(session.amr)) throw new SignetError('OTP_SECOND_FACTOR_NOT_PENDING');
  const [totpOk, emailOk, apps, email] = await Promise.all([
    totpAllowedFor(ctx, tenant.id, user),
    emailAllowedFor(ctx, tenant.id, user),
    listTotpMethods(ctx.db, tenant.id, user.id),
    findEmailMethod(ctx.db, tenant.id, user.id),
  ]);
  return {
    user,
    totp: totpOk.ok && apps.length > 0,
    ...(emailOk.ok && email ? { email: maskEmail(email.emailAddress) } : {}),
  };
}

/**
 * Whether this session must prove a second factor before it may finish an app's sign-in request: it holds a password
 * only and its user has a second factor the policy allows. A user who set up an authenticator app or an email code
 * is always asked for it (else a stolen password alone would do); one who has none signs in with the password alone,
 * for Conditional Access to judge.
 */
export async function secondFactorPending(ctx: Ctx, tenant: Tenant, session: Session): Promise<boolean> {
  if (!needsSecondFactor(session.amr)) return false;
  const choices = await secondFactorChoices(ctx, tenant, session);
  return choices.totp || choices.email !== undefined;
}

/** Emails the waiting session's user a code (the resend rules in flows/email-code.ts). */
export async function sendSecondFactorEmail(ctx: Ctx, tenant: Tenant, session: Session) {
  const { user } = await secondFactorChoices(ctx, tenant, session);
  const sent = await sendEmailCode(ctx, tenant, user);
  return { to: maskEmail(sent.to), expiresAt: sent.expiresAt };
}

/** Verifies the code and adds the factor to the session, which gets a new id: its new cookie value and itself. */
export async function completeSecondFactor(
  ctx: Ctx,
  tenant: Tenant,
  session: Session,
  p: { method: SecondFactorMethod; code: string },
  client: ClientInfo = {},
): Promise<{ token: string; session: Session }> {
  const user = await findUserById(ctx.db, tenant.id, session.userId);
  if (!user?.enabled) throw new SignetError('SESSION_REQUIRED');
  const method = LOG_METHOD[p.method];
  const fail = async (err: unknown) => {
    if (err instanceof SignetError)
      await recordSignIn(ctx, ctx.db, {
        tenantId: tenant.id,
        method,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        errorCode: err.code as ErrorCode,
        detail: { step: 'secondFactor' },
        client,
      });
    return err;
  };
  try {
    if (!needsSecondFactor(session.amr)) throw new SignetError('OTP_SECOND_FACTOR_NOT_PENDING');
    // Not a code at all (empty, letters): said at once, and not counted as a guess.
    if (!normalizeCode(p.code)) throw new SignetError('OTP_CODE_INVALID', { reason: 'not a code' });
    const allowed =
      p.method === 'totp' ? await totpAllowedFor(ctx, tenant.id, user) : await emailAllowedFor(ctx, tenant.id, user);
    if (!allowed.ok) throw new SignetError(allowed.code, allowed.detail);
    const kind = p.method === 'totp' ? 'totp' : 'email-code';
    const attempt = await countOneTimeCodeAttempt(ctx, tenant.id, user, kind, client.ip);
    const outcome = await ctx.db.transaction().execute(async (trx) => {
      if (p.method === 'totp') await takeTotpCode(ctx, trx, tenant, user, p.code);
      else if ((await takeEmailCode(ctx, trx, tenant, user, p.code)) === 'wrong') return 'wrong' as const;
      // The session gains the step under a new id (ATK-05: rotation at step-up).
      const next = await addSessionStep(ctx, trx, session, {
        method: p.method === 'totp' ? 'softwareOath' : 'email',
        ...(client.correlationId ? { facts: { request: client.correlationId } } : {}),
      });
      await attempt.clear(trx);
      await recordSignIn(ctx, trx, {
        tenantId: tenant.id,
        method,
        userId: user.id,
        userPrincipalName: user.userPrincipalName,
        detail: { step: 'secondFactor' },
        client,
      });
      return next;
    });
    // A wrong email code is counted on the code after the transaction, so the count stays.
    if (outcome === 'wrong') {
      await countWrongEmailCode(ctx, tenant, user);
      throw new SignetError('OTP_CODE_INVALID');
    }
    return outcome;
  } catch (err) {
    throw await fail(err);
  }
}
