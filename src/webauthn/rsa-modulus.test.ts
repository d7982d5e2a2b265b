import { generateKeyPairSync, generatePrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { integerRoot, rsaModulusWeakness } from './rsa-modulus.ts';

const modulusOf = (bits: number) => {
  const n = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' }).n!;
  return BigInt(`0x${Buffer.from(n, 'base64url').toString('hex')}`);
};
const prime = (bits: number) => generatePrimeSync(bits, { bigint: true }) as bigint;

describe('rsaModulusWeakness (NIST SP 800-89 partial public-key validation)', () => {
  it.each([2048, 3072, 4096])('passes a real %i-bit modulus', (bits) => {
    expect(rsaModulusWeakness(modulusOf(bits))).toBeUndefined();
  });

  it.each([3, 5, 751, 761, 16381])('refuses a modulus with the small factor %i', (p) => {
    const n = BigInt(p) * prime(2048);
    expect(rsaModulusWeakness(n)).toBe(`modulus has a small factor (${p})`);
  });

  it('refuses moduli of a special form that small primes divide (2^2048 - 1, 2^2047 + 1)', () => {
    expect(rsaModulusWeakness(2n ** 2048n - 1n)).toMatch(/small factor/);
    expect(rsaModulusWeakness(2n ** 2047n + 1n)).toMatch(/small factor/);
  });

  it.each([
    [1024, 2],
    [683, 3],
    [410, 5],
    [293, 7],
    [100, 23],
  ])('refuses a perfect power: a %i-bit prime to the power %i', (bits, k) => {
    const n = prime(bits) ** BigInt(k);
    expect(rsaModulusWeakness(n)).toBe(`modulus is a perfect power (degree ${k})`);
  });

  it('passes the product of two distinct primes even when one is just above the trial bound', () => {
    expect(rsaModulusWeakness(16411n * prime(2040))).toBeUndefined();
  });
});

describe('integerRoot', () => {
  it('is the floor of the k-th root, for exact powers and their neighbours', () => {
    for (let i = 0; i < 300; i++) {
      const k = 2 + (i % 9);
      const base = BigInt(2 + ((i * 7919) % 100_000)) ** BigInt(1 + (i % 40));
      for (const n of [base ** BigInt(k) - 1n, base ** BigInt(k), base ** BigInt(k) + 1n]) {
        const r = integerRoot(n, k);
        expect(r ** BigInt(k) <= n && (r + 1n) ** BigInt(k) > n, `${n} ${k}`).toBe(true);
      }
    }
  });
});
