// At every start: is SIGNET_SECRET the secret this database was set up with? Stops with CONFIG_SECRET_MISMATCH
// naming SIGNET_SECRET if not; on a new database writes the generated secret file (only then) and the probe.
import { writeGeneratedSecret } from '../config.ts';
import { SignetError } from '../core/errors.ts';
import { decideSecretAtStart, secretProbe } from '../core/secret-probe.ts';
import type { Ctx } from '../flows/context.ts';
import { loadPrivateJwks } from '../flows/signing-keys.ts';
import { readSecretProbe, recordSecretProbe } from '../store/instance.ts';
import { listSigningKeys } from '../store/signing-keys.ts';
import { hasTenants, listTenants } from '../store/tenants.ts';

/** Names the secret file it read or looked for, so the operator knows which file to restore. */
function mismatch(config: Ctx['config'], reason: string): SignetError {
  const detail: Record<string, string> = { variable: 'SIGNET_SECRET', reason };
  const file = config.secretFile;
  if (config.secretSource === 'generated' && file) {
    detail.secretFile = `${file} (not found)`;
    detail.remediation = `Set SIGNET_SECRET to the secret this database was set up with, or put its secret file back at ${file}; then restart.`;
  } else if (config.secretSource === 'file' && file) {
    detail.secretFile = file;
    detail.remediation = `${file} is not the secret this database was set up with: restore the original file there, or set SIGNET_SECRET to the original secret; then restart.`;
  }
  return new SignetError('CONFIG_SECRET_MISMATCH', detail);
}

export async function checkInstanceSecret(ctx: Ctx): Promise<void> {
  const { config } = ctx;
  const mine = secretProbe(config.secret);
  const decision = decideSecretAtStart({
    stored: await readSecretProbe(ctx.db),
    mine,
    source: config.secretSource ?? 'env',
    hasTenants: await hasTenants(ctx.db),
  });
  if (decision.action === 'start') return;
  if (decision.action === 'refuse') throw mismatch(config, decision.reason);
  // A database from before the probe: the secret must still open what it sealed (the tenants' signing keys).
  if (decision.checkSealedData && !(await opensSealedKeys(ctx)))
    throw mismatch(
      config,
      'SIGNET_SECRET cannot open the signing keys this database holds: it is not the secret the database was set up with',
    );
  if (decision.writeSecretFile) writeGeneratedSecret(config);
  await recordSecretProbe(ctx.db, mine, ctx.now());
  // Another process may have recorded its own probe first: compare with what is stored now.
  if ((await readSecretProbe(ctx.db)) !== mine)
    throw mismatch(
      config,
      'another Signet process set this database up with a different SIGNET_SECRET at the same time',
    );
}

async function opensSealedKeys(ctx: Ctx): Promise<boolean> {
  for (const tenant of await listTenants(ctx.db)) {
    if ((await listSigningKeys(ctx.db, tenant.id)).every((k) => k.retiredAt !== null)) continue;
    try {
      await loadPrivateJwks(ctx, tenant.id);
      return true;
    } catch {
      return false;
    }
  }
  return true;
}
