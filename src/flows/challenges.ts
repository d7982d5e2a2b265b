// Issuing and taking the single-use challenges of the ceremonies: 5 minutes to live, bound to a purpose and
// (where there is one) a user and a session, consumed with one conditional write.
import { SignetError } from '../core/errors.ts';
import {
  type Challenge,
  type ChallengePurpose,
  consumeChallenge,
  consumeChallengeByValue,
  findChallenge,
  insertChallenge,
} from '../store/challenges.ts';
import { CEREMONY_TIMEOUT_MS } from '../webauthn/registration.ts';
import type { Ctx } from './context.ts';

export async function issueChallenge(
  ctx: Ctx,
  tenantId: string,
  purpose: ChallengePurpose,
  challenge: string,
  bound: { userId?: string | null; sessionId?: string | null; data?: Record<string, unknown> } = {},
): Promise<void> {
  const now = ctx.now();
  await insertChallenge(ctx.db, {
    id: ctx.newId(),
    tenantId,
    purpose,
    challenge,
    userId: bound.userId ?? null,
    sessionId: bound.sessionId ?? null,
    data: bound.data ?? {},
    createdAt: now,
    expiresAt: now + CEREMONY_TIMEOUT_MS,
    usedAt: null,
  });
}

/**
 * Takes a challenge that was issued here for `purpose` and passes `belongs` (its session, its user): it is
 * burned before the response is verified, so a failed attempt cannot be retried with it.
 */
export async function takeChallenge(
  ctx: Ctx,
  tenantId: string,
  purpose: ChallengePurpose,
  value: string,
  belongs: (c: Challenge) => boolean,
): Promise<Challenge> {
  const issued = await findChallenge(ctx.db, tenantId, purpose, value);
  if (!issued || issued.usedAt !== null || !belongs(issued)) throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
  if (!(await consumeChallenge(ctx.db, tenantId, issued.id, ctx.now())))
    throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
  if (ctx.now() > issued.expiresAt) throw new SignetError('WEBAUTHN_CHALLENGE_EXPIRED');
  return issued;
}

/**
 * Takes a challenge issued here for `purpose` to this browser session and its user, in one conditional write (the
 * binding is part of it, so a challenge presented from another session is neither taken nor burned there).
 */
export async function takeSessionChallenge(
  ctx: Ctx,
  tenantId: string,
  purpose: ChallengePurpose,
  value: string,
  bound: { sessionId: string; userId: string },
): Promise<Challenge> {
  const issued = await consumeChallengeByValue(ctx.db, tenantId, purpose, value, bound, ctx.now());
  if (!issued) throw new SignetError('WEBAUTHN_CHALLENGE_UNKNOWN');
  if (ctx.now() > issued.expiresAt) throw new SignetError('WEBAUTHN_CHALLENGE_EXPIRED');
  return issued;
}
