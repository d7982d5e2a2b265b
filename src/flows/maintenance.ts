import { purgeChallenges } from '../store/challenges.ts';
import { purgeLockouts } from '../store/lockouts.ts';
import { purgeOidcPayloads } from '../store/oidc-payloads.ts';
import type { Ctx } from './context.ts';

/** Expired challenges and OIDC artifacts are useless once past their lifetime; keep the tables small. */
export async function purgeExpired(ctx: Ctx): Promise<{ challenges: number; oidcArtifacts: number; lockouts: number }> {
  const before = ctx.now() - 60 * 60 * 1000;
  return {
    challenges: await purgeChallenges(ctx.db, before),
    oidcArtifacts: await purgeOidcPayloads(ctx.db, before),
    lockouts: await purgeLockouts(ctx.db, before),
  };
}
