import { purgeChallenges } from '../store/challenges.ts';
import { purgeFamiliarSources, purgeLockouts } from '../store/lockouts.ts';
import { purgeSignIns } from '../store/logs.ts';
import { purgeOidcPayloads } from '../store/oidc-payloads.ts';
import type { Ctx } from './context.ts';
import { refreshMdsIfDue } from './metadata-service.ts';
import { retireExpiredSigningKeysOfEveryTenant } from './signing-keys.ts';
import { FAMILIAR_FOR_MS } from './smart-lockout.ts';

/** Sign-in log rows are kept 30 days, as Entra keeps them; failed attempts cannot grow the table forever. */
export const SIGN_IN_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** Expired challenges, OIDC artifacts and lockout counters are useless past their lifetime; keep tables small. */
export async function purgeExpired(ctx: Ctx): Promise<{
  challenges: number;
  oidcArtifacts: number;
  lockouts: number;
  familiarSources: number;
  signIns: number;
  signingKeys: number;
  metadata: string;
}> {
  const before = ctx.now() - 60 * 60 * 1000;
  return {
    challenges: await purgeChallenges(ctx.db, before),
    oidcArtifacts: await purgeOidcPayloads(ctx.db, before),
    lockouts: await purgeLockouts(ctx.db, before),
    // An address not signed in from for 90 days counts as unfamiliar again (smart lockout).
    familiarSources: await purgeFamiliarSources(ctx.db, ctx.now() - FAMILIAR_FOR_MS),
    signIns: await purgeSignIns(ctx.db, ctx.now() - SIGN_IN_RETENTION_MS),
    // Rotated-out signing keys whose tokens have all expired leave the JWKS of every process.
    signingKeys: await retireExpiredSigningKeysOfEveryTenant(ctx),
    // The MDS BLOB from SIGNET_MDS_URL once its nextUpdate has passed; a failure keeps the last good copy.
    metadata: await refreshMdsIfDue(ctx),
  };
}
