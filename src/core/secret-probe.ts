// Is SIGNET_SECRET the secret this database was set up with? A probe (an HMAC of a fixed label under the secret)
// is stored once; every start compares. Pure: the facts come in, a decision goes out.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function secretProbe(secret: Buffer): string {
  return createHmac('sha256', secret).update('signet-secret-probe\0v1').digest('base64url');
}

export interface SecretFacts {
  /** The probe stored in the database, if any. */
  stored: string | undefined;
  /** The probe of the secret this process was given. */
  mine: string;
  /** Where that secret came from: `generated` means there was neither SIGNET_SECRET nor a secret file. */
  source: 'env' | 'file' | 'generated';
  /** The database already holds tenants (it was set up, perhaps before probes existed). */
  hasTenants: boolean;
}

export type SecretDecision =
  | { action: 'start' }
  /** No probe yet: record it (after writing a generated secret file; after checking sealed data on an old database). */
  | { action: 'record'; writeSecretFile: boolean; checkSealedData: boolean }
  | { action: 'refuse'; reason: string };

export function decideSecretAtStart(f: SecretFacts): SecretDecision {
  if (f.stored !== undefined) {
    if (probesEqual(f.stored, f.mine)) return { action: 'start' };
    return {
      action: 'refuse',
      reason:
        f.source === 'generated'
          ? 'SIGNET_SECRET is unset and the data directory has no secret file, but this database was set up with a secret: set SIGNET_SECRET to it or restore the secret file'
          : `SIGNET_SECRET${f.source === 'file' ? ' (from the secret file)' : ''} differs from the secret this database was set up with: start with the original secret`,
    };
  }
  if (f.hasTenants && f.source === 'generated')
    return {
      action: 'refuse',
      reason:
        'SIGNET_SECRET is unset and the data directory has no secret file, but this database already has tenants: set SIGNET_SECRET to the secret it was set up with or restore the secret file (a new secret is never generated for an existing database)',
    };
  return { action: 'record', writeSecretFile: f.source === 'generated', checkSealedData: f.hasTenants };
}

function probesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
