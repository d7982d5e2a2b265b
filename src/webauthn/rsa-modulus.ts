// Partial public-key validation of an RSA modulus (NIST SP 800-89 §5.3.3): beyond its size, a modulus that
// anyone can factor from the public key alone lets anyone sign. Pure arithmetic on the modulus; no crypto.
//
// - No prime factor below 2^14 (SP 800-89 asks for none below 752): n = 3·q is factored by trial division.
// - Not a perfect power (SP 800-89: "not a power of a prime"): n = p·p, as a generator whose two primes came out
//   equal makes, is factored by a square root.

/** Primes below 2^14, grouped so that each group's product stays under 2^48 (exact in a double). */
const SMALL_PRIME_GROUPS: ReadonlyArray<{ product: bigint; primes: readonly number[] }> = (() => {
  const limit = 1 << 14;
  const composite = new Uint8Array(limit);
  const groups: Array<{ product: bigint; primes: number[] }> = [];
  let product = 1;
  let primes: number[] = [];
  for (let i = 2; i < limit; i++) {
    if (composite[i]) continue;
    for (let j = i * i; j < limit; j += i) composite[j] = 1;
    if (product * i > 2 ** 48) {
      groups.push({ product: BigInt(product), primes });
      product = 1;
      primes = [];
    }
    product *= i;
    primes.push(i);
  }
  groups.push({ product: BigInt(product), primes });
  return groups;
})();
const SMALLEST_UNCHECKED_FACTOR_BITS = 14;
const ROOT_DEGREES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

/** The reason a modulus can be factored from itself, or undefined. `n` is the modulus, already at least 2048 bits. */
export function rsaModulusWeakness(n: bigint): string | undefined {
  for (const g of SMALL_PRIME_GROUPS) {
    const r = Number(n % g.product);
    for (const p of g.primes) if (r % p === 0) return `modulus has a small factor (${p})`;
  }
  // A base has no factor below 2^14, so a k-th power of it needs at least 14·k bits.
  const bits = n.toString(2).length;
  for (const k of ROOT_DEGREES) {
    if (k * SMALLEST_UNCHECKED_FACTOR_BITS > bits) break;
    if (integerRoot(n, k) ** BigInt(k) === n) return `modulus is a perfect power (degree ${k})`;
  }
  return undefined;
}

/** floor(n^(1/k)) by Newton's method from a floating-point estimate just above the root. */
export function integerRoot(n: bigint, k: number): bigint {
  if (n < 2n) return n;
  const bits = n.toString(2).length;
  const shift = Math.max(0, bits - 53);
  const log2 = Math.log2(Number(n >> BigInt(shift))) + shift;
  const e = log2 / k;
  const whole = Math.floor(e);
  let x = BigInt(Math.ceil(2 ** (e - whole) * 2 ** 52 * (1 + 2 ** -40)));
  x = whole >= 52 ? x << BigInt(whole - 52) : (x >> BigInt(52 - whole)) + 1n;
  const K = BigInt(k);
  // Newton's step never goes below the root; it stops falling once at it.
  for (;;) {
    const y = ((K - 1n) * x + n / x ** (K - 1n)) / K;
    if (y >= x) break;
    x = y;
  }
  while (x ** K > n) x -= 1n;
  while ((x + 1n) ** K <= n) x += 1n;
  return x;
}
