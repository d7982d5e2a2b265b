import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { evaluateCredentialKey } from './key-strength.ts';

type Cose = Map<number, number | Uint8Array>;
const encode = (m: Cose) => isoCBOR.encode(m) as Uint8Array<ArrayBuffer>;
const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' });
const raw = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
const int = (n: bigint) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};

// Real keys, made once: generating RSA keys is slow.
const rsa = new Map<number, KeyObject>(
  [512, 1024, 2047, 2048, 3072, 4096].map((bits) => [
    bits,
    generateKeyPairSync('rsa', { modulusLength: bits }).publicKey,
  ]),
);
const rsaE3 = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).publicKey;
const p256 = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey);
const p384 = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
const p521 = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey);
const ed = jwkOf(generateKeyPairSync('ed25519').publicKey);

function rsaCose(key: KeyObject, alg = -257, change: { n?: Buffer; e?: Buffer } = {}): Cose {
  const j = jwkOf(key);
  return new Map<number, number | Uint8Array>([
    [1, 3],
    [3, alg],
    [-1, change.n ?? raw(j.n)],
    [-2, change.e ?? raw(j.e)],
  ]);
}
function ecCose(j: JsonWebKey, alg: number, crv: number, change: { x?: Buffer; y?: Buffer } = {}): Cose {
  return new Map<number, number | Uint8Array>([
    [1, 2],
    [3, alg],
    [-1, crv],
    [-2, change.x ?? raw(j.x)],
    [-3, change.y ?? raw(j.y)],
  ]);
}
function okpCose(x: Buffer, crv = 6): Cose {
  return new Map<number, number | Uint8Array>([
    [1, 1],
    [3, -8],
    [-1, crv],
    [-2, x],
  ]);
}
const verdict = (m: Cose, alg: number) => {
  const v = evaluateCredentialKey(encode(m), alg);
  return v.ok ? 'ok' : v.code;
};
const flipped = (b: Buffer, i: number, mask = 1) => {
  const c = Buffer.from(b);
  c[i]! ^= mask;
  return c;
};

describe('credential key strength', () => {
  describe('RSA', () => {
    it.each([
      [512, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
      [1024, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
      [2047, 'WEBAUTHN_PUBLIC_KEY_WEAK'],
      [2048, 'ok'],
      [3072, 'ok'],
      [4096, 'ok'],
    ])('a %i-bit modulus with e = 65537: %s', (bits, expected) => {
      expect(verdict(rsaCose(rsa.get(bits)!), -257)).toBe(expected);
    });

    it.each([
      ['1', 1n],
      ['3', 3n],
      ['17', 17n],
      ['2 (even)', 2n],
      ['65536 (even)', 65536n],
      ['65538 (even)', 65538n],
      ['65539', 65539n],
      ['2^32 + 1', 2n ** 32n + 1n],
      ['0', 0n],
    ])('refuses the public exponent %s on a 2048-bit modulus', (_name, e) => {
      expect(verdict(rsaCose(rsa.get(2048)!, -257, { e: int(e) }), -257)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it('refuses a real key generated with e = 3', () => {
      expect(verdict(rsaCose(rsaE3), -257)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it('accepts 65537 written with a leading zero byte', () => {
      expect(verdict(rsaCose(rsa.get(2048)!, -257, { e: Buffer.from('00010001', 'hex') }), -257)).toBe('ok');
    });

    it.each([2048, 4096])('refuses an even %i-bit modulus', (bits) => {
      const n = raw(jwkOf(rsa.get(bits)!).n);
      expect(verdict(rsaCose(rsa.get(bits)!, -257, { n: flipped(n, n.length - 1) }), -257)).toBe(
        'WEBAUTHN_PUBLIC_KEY_WEAK',
      );
    });

    it('counts the bits of the modulus, not its bytes: a 2048-bit key padded with a leading zero is fine, 2047 bits in 256 bytes is not', () => {
      const n2048 = raw(jwkOf(rsa.get(2048)!).n);
      expect(verdict(rsaCose(rsa.get(2048)!, -257, { n: Buffer.concat([Buffer.of(0), n2048]) }), -257)).toBe('ok');
      const n2047 = raw(jwkOf(rsa.get(2047)!).n);
      expect(n2047.length).toBe(256);
      expect(verdict(rsaCose(rsa.get(2047)!), -257)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it('refuses an empty modulus or exponent, and a missing one', () => {
      expect(verdict(rsaCose(rsa.get(2048)!, -257, { n: Buffer.alloc(0) }), -257)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
      expect(verdict(rsaCose(rsa.get(2048)!, -257, { e: Buffer.alloc(0) }), -257)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
      const m = rsaCose(rsa.get(2048)!);
      m.delete(-2);
      expect(verdict(m, -257)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it.each([-257, -258, -259, -37, -38, -39, -65535])('applies the same rule to every RSA algorithm (%i)', (alg) => {
      expect(verdict(rsaCose(rsa.get(2048)!, alg), alg)).toBe('ok');
      expect(verdict(rsaCose(rsa.get(1024)!, alg), alg)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
      expect(verdict(rsaCose(rsa.get(2048)!, alg, { e: int(1n) }), alg)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it('refuses an RSA key for an EC algorithm, and an EC key for RS256', () => {
      expect(verdict(rsaCose(rsa.get(2048)!, -7), -7)).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
      expect(verdict(ecCose(p256, -257, 1), -257)).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
    });
  });

  describe('EC2', () => {
    it.each([
      ['ES256 on P-256', p256, -7, 1],
      ['ES384 on P-384', p384, -35, 2],
      ['ES512 on P-521', p521, -36, 3],
    ])('accepts %s', (_name, j, alg, crv) => {
      expect(verdict(ecCose(j, alg, crv), alg)).toBe('ok');
    });

    it.each([
      ['P-256', p256, -7, 1],
      ['P-384', p384, -35, 2],
      ['P-521', p521, -36, 3],
    ])('refuses a %s point off the curve (one bit of y flipped)', (_name, j, alg, crv) => {
      expect(verdict(ecCose(j, alg, crv, { y: flipped(raw(j.y), 7) }), alg)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it('refuses the all-zero point, a coordinate equal to the field prime, and coordinates of the wrong length', () => {
      const zero = Buffer.alloc(32);
      expect(verdict(ecCose(p256, -7, 1, { x: zero, y: zero }), -7)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
      const p = Buffer.from('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff', 'hex');
      expect(verdict(ecCose(p256, -7, 1, { x: p }), -7)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
      expect(verdict(ecCose(p256, -7, 1, { x: raw(p256.x).subarray(1) }), -7)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
      expect(verdict(ecCose(p256, -7, 1, { y: Buffer.concat([Buffer.of(0), raw(p256.y)]) }), -7)).toBe(
        'WEBAUTHN_PUBLIC_KEY_WEAK',
      );
      const m = ecCose(p256, -7, 1);
      m.delete(-3);
      expect(verdict(m, -7)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });

    it.each([
      ['ES256 with a P-384 key', p384, -7, 2],
      ['ES256 with a P-521 key', p521, -7, 3],
      ['ES384 with a P-256 key', p256, -35, 1],
      ['ES256 naming P-384 over P-256 coordinates', p256, -7, 2],
      ['ES256 naming Ed25519', p256, -7, 6],
    ])('refuses a curve that is not the algorithm’s: %s (WA-13)', (_name, j, alg, crv) => {
      expect(verdict(ecCose(j, alg, crv), alg)).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
    });
  });

  describe('OKP', () => {
    const x = raw(ed.x);
    it('accepts an Ed25519 key', () => {
      expect(verdict(okpCose(x), -8)).toBe('ok');
    });
    it.each([
      ['31 bytes', x.subarray(1)],
      ['33 bytes', Buffer.concat([x, Buffer.of(0)])],
      ['empty', Buffer.alloc(0)],
      ['57 bytes (an Ed448 length)', Buffer.alloc(57, 1)],
    ])('refuses an Ed25519 x of %s', (_name, bad) => {
      expect(verdict(okpCose(bad), -8)).toBe('WEBAUTHN_PUBLIC_KEY_WEAK');
    });
    it('refuses Ed448 (not offered) and an EC2 key for EdDSA', () => {
      expect(verdict(okpCose(Buffer.alloc(57, 1), 7), -8)).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
      expect(verdict(ecCose(p256, -8, 1), -8)).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
    });
  });

  it('refuses an algorithm it does not know (fail closed), bytes that are not COSE, and an oversized key', () => {
    expect(verdict(ecCose(p256, -47, 8), -47)).toBe('WEBAUTHN_ALGORITHM_NOT_ALLOWED');
    expect(evaluateCredentialKey(new Uint8Array([0xff, 0x00]), -7)).toMatchObject({
      ok: false,
      code: 'WEBAUTHN_RESPONSE_MALFORMED',
    });
    const padded = ecCose(p256, -7, 1);
    padded.set(-70, new Uint8Array(2000));
    expect(verdict(padded, -7)).toBe('WEBAUTHN_RESPONSE_MALFORMED');
  });

  it('returns a key that verifies what the matching private key signed', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const v = evaluateCredentialKey(encode(ecCose(jwkOf(publicKey), -7, 1)), -7);
    expect(v.ok).toBe(true);
    const { sign, verify } = await import('node:crypto');
    const sig = sign('sha256', Buffer.from('x'), privateKey);
    expect(v.ok && verify('sha256', Buffer.from('x'), v.key, sig)).toBe(true);
  });
});
