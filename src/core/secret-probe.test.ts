import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideSecretAtStart, secretProbe } from './secret-probe.ts';

const a = secretProbe(randomBytes(32));
const b = secretProbe(randomBytes(32));

describe('decideSecretAtStart', () => {
  it('starts when the stored probe is the probe of this secret', () => {
    for (const source of ['env', 'file'] as const)
      expect(decideSecretAtStart({ stored: a, mine: a, source, hasTenants: true })).toEqual({ action: 'start' });
  });

  it('refuses another secret, from the variable, the file or freshly generated', () => {
    for (const source of ['env', 'file', 'generated'] as const)
      for (const hasTenants of [true, false])
        expect(decideSecretAtStart({ stored: a, mine: b, source, hasTenants }).action).toBe('refuse');
  });

  it('never generates a secret for a database that has tenants', () => {
    expect(decideSecretAtStart({ stored: undefined, mine: a, source: 'generated', hasTenants: true }).action).toBe(
      'refuse',
    );
  });

  it('records the probe on a new database, writing a generated secret file first', () => {
    expect(decideSecretAtStart({ stored: undefined, mine: a, source: 'generated', hasTenants: false })).toEqual({
      action: 'record',
      writeSecretFile: true,
      checkSealedData: false,
    });
    expect(decideSecretAtStart({ stored: undefined, mine: a, source: 'env', hasTenants: false })).toEqual({
      action: 'record',
      writeSecretFile: false,
      checkSealedData: false,
    });
  });

  it('records the probe on a database made before probes, after checking its sealed data', () => {
    expect(decideSecretAtStart({ stored: undefined, mine: a, source: 'file', hasTenants: true })).toEqual({
      action: 'record',
      writeSecretFile: false,
      checkSealedData: true,
    });
  });

  it('a probe depends on the secret and is not the secret', () => {
    const s = randomBytes(32);
    expect(secretProbe(s)).toBe(secretProbe(Buffer.from(s)));
    expect(secretProbe(s)).not.toContain(s.toString('base64url'));
    expect(a).not.toBe(b);
  });
});
