import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIssuer, type TestIssuer } from './test-support.ts';
import { createVerifier } from './verifier.ts';

let rs: TestIssuer;
beforeAll(async () => {
  rs = await startTestIssuer();
});
afterAll(() => rs.close());

const verifier = (o: Partial<Parameters<typeof createVerifier>[0]> = {}) =>
  createVerifier({ issuer: rs.issuer, audience: rs.audience, jwksUri: rs.jwksUri, ...o });
const now = () => Math.floor(Date.now() / 1000);

describe('createVerifier', () => {
  it('accepts a token signed by the published key, with its claims', async () => {
    const result = await verifier().verify(await rs.token({ acr: 'phr' }));
    expect(result).toMatchObject({ ok: true, claims: { sub: 'user-1', acr: 'phr', iss: rs.issuer } });
  });

  it('refuses an expired token (and takes it within the clock tolerance)', async () => {
    const token = await rs.token({ exp: now() - 3 });
    expect(await verifier().verify(token)).toEqual({
      ok: false,
      status: 401,
      reason: 'token_expired',
      description: 'The access token expired',
    });
    expect((await verifier({ clockTolerance: 30 }).verify(token)).ok).toBe(true);
  });

  it('refuses a token not valid yet (nbf in the future)', async () => {
    expect(await verifier().verify(await rs.token({ nbf: now() + 120 }))).toMatchObject({
      reason: 'token_not_yet_valid',
    });
  });

  it('refuses a token from another issuer or for another audience', async () => {
    expect(await verifier().verify(await rs.token({ iss: 'https://evil.example/t/v2.0' }))).toMatchObject({
      status: 401,
      reason: 'issuer_mismatch',
    });
    expect(await verifier().verify(await rs.token({ aud: 'api://someone-else' }))).toMatchObject({
      status: 401,
      reason: 'audience_mismatch',
    });
    expect((await verifier({ audience: ['api://x', rs.audience] }).verify(await rs.token())).ok).toBe(true);
  });

  it('refuses alg none, whatever the claims say', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'user-1', scope: 'orders.read' })
      .setIssuer(rs.issuer)
      .setAudience(rs.audience)
      .setExpirationTime('5m')
      .encode();
    expect(await verifier().verify(unsigned)).toMatchObject({
      ok: false,
      status: 401,
      reason: 'algorithm_not_allowed',
    });
  });

  it('refuses HS256, also with the public key as the secret (key confusion)', async () => {
    const publicJwk = JSON.stringify(rs.jwks.keys[0]);
    for (const secret of [
      new TextEncoder().encode('a-shared-secret-of-thirty-two-b!'),
      new TextEncoder().encode(publicJwk),
    ]) {
      const token = await new SignJWT({ sub: 'user-1' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(rs.issuer)
        .setAudience(rs.audience)
        .setExpirationTime('5m')
        .sign(secret);
      expect(await verifier().verify(token)).toMatchObject({ ok: false, status: 401, reason: 'algorithm_not_allowed' });
    }
  });

  it('refuses an algorithm the resource server did not pin, even signed by the right key', async () => {
    const { generateKeyPair, exportJWK } = await import('jose');
    const ec = await generateKeyPair('ES256', { extractable: true });
    rs.jwks.keys.push({ ...(await exportJWK(ec.publicKey)), kid: 'ec1', alg: 'ES256', use: 'sig' });
    try {
      const token = await rs.token({}, { alg: 'ES256', kid: 'ec1' }, ec.privateKey);
      const fresh = verifier();
      expect(await fresh.verify(token)).toMatchObject({ ok: false, reason: 'algorithm_not_allowed' });
      expect((await verifier({ algorithms: ['ES256'] }).verify(token)).ok).toBe(true);
    } finally {
      rs.jwks.keys.pop();
    }
  });

  it('refuses an unknown kid after asking the JWKS again, and a known kid whose signature does not verify', async () => {
    const v = verifier();
    expect((await v.verify(await rs.token())).ok).toBe(true);
    const before = rs.jwks.requests;
    expect(await v.verify(await rs.token({}, { kid: 'k-unknown' }, rs.strangerKey))).toMatchObject({
      ok: false,
      status: 401,
      reason: 'unknown_key',
    });
    expect(await v.verify(await rs.token({}, {}, rs.strangerKey))).toMatchObject({ reason: 'signature_invalid' });
    const tampered = (await rs.token()).split('.');
    tampered[1] = Buffer.from(
      JSON.stringify({ sub: 'admin', iss: rs.issuer, aud: rs.audience, exp: now() + 60 }),
    ).toString('base64url');
    expect(await v.verify(tampered.join('.'))).toMatchObject({ reason: 'signature_invalid' });
    // jose refetches a set that lacks the kid at most once per cooldown (30 s): a stream of forged kids cannot
    // make the resource server hammer the issuer.
    expect(rs.jwks.requests - before).toBeLessThanOrEqual(1);
  });

  it('refuses a token that is not an access token (typ), unless typ checking is turned off', async () => {
    const idTokenLike = await rs.token({}, { typ: 'JWT' });
    expect(await verifier().verify(idTokenLike)).toMatchObject({ reason: 'wrong_type' });
    expect((await verifier({ typ: null }).verify(idTokenLike)).ok).toBe(true);
    expect((await verifier().verify(await rs.token({}, { typ: 'application/at+jwt' }))).ok).toBe(true);
  });

  it('refuses a key-bound token (cnf) presented as a bearer token, and one with no sub', async () => {
    expect(await verifier().verify(await rs.token({ cnf: { jkt: 'abc' } }))).toMatchObject({ reason: 'bound_token' });
    expect(await verifier().verify(await rs.token({ sub: undefined }))).toMatchObject({ reason: 'claim_invalid' });
  });

  it('refuses garbage as malformed', async () => {
    for (const token of ['abc', 'a.b.c', `${'x'.repeat(20)}.${'y'.repeat(20)}.${'z'.repeat(20)}`])
      expect(await verifier().verify(token)).toMatchObject({ ok: false, status: 401, reason: 'malformed' });
  });

  it("without jwksUri, reads the keys' address from the issuer's discovery document, once", async () => {
    const v = createVerifier({ issuer: rs.issuer, audience: rs.audience });
    const before = rs.discovery.requests;
    expect((await v.verify(await rs.token())).ok).toBe(true);
    expect((await v.verify(await rs.token())).ok).toBe(true);
    expect(rs.discovery.requests - before).toBe(1);
  });

  it('answers 503 (not the client’s fault) when the discovery document names another issuer, and tries again later', async () => {
    rs.discovery.issuer = 'https://evil.example/t/v2.0';
    const v = createVerifier({ issuer: rs.issuer, audience: rs.audience });
    try {
      expect(await v.verify(await rs.token())).toMatchObject({ ok: false, status: 503, reason: 'keys_unavailable' });
    } finally {
      rs.discovery.issuer = undefined;
    }
    expect((await v.verify(await rs.token())).ok).toBe(true);
  });

  it('answers 503 when the JWKS cannot be read', async () => {
    rs.jwks.fail = true;
    try {
      expect(await verifier().verify(await rs.token())).toMatchObject({
        ok: false,
        status: 503,
        reason: 'keys_unavailable',
      });
    } finally {
      rs.jwks.fail = false;
    }
    const closed = createVerifier({ issuer: rs.issuer, audience: rs.audience, jwksUri: 'http://127.0.0.1:1/keys' });
    expect(await closed.verify(await rs.token())).toMatchObject({ status: 503, reason: 'keys_unavailable' });
  });

  it('takes keys given directly (no fetch)', async () => {
    const v = createVerifier({ issuer: rs.issuer, audience: rs.audience, jwks: { keys: rs.jwks.keys } });
    const before = rs.jwks.requests;
    expect((await v.verify(await rs.token())).ok).toBe(true);
    expect(rs.jwks.requests).toBe(before);
  });

  it('uses the clock it is given', async () => {
    const token = await rs.token();
    const later = verifier({ now: () => Date.now() + 3600_000 });
    expect(await later.verify(token)).toMatchObject({ reason: 'token_expired' });
    expect(later.nowSeconds()).toBeGreaterThan(now() + 3500);
  });

  it('refuses, when made, symmetric or no algorithms, a plain-http issuer off loopback, and no audience', () => {
    const base = { issuer: rs.issuer, audience: rs.audience };
    expect(() => createVerifier({ ...base, algorithms: ['HS256'] })).toThrow(/HS256 is not accepted/);
    expect(() => createVerifier({ ...base, algorithms: ['none'] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, algorithms: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, audience: [] })).toThrow(TypeError);
    expect(() => createVerifier({ ...base, issuer: 'http://signet.internal/t/v2.0' })).toThrow(/must be https/);
    expect(() => createVerifier({ ...base, jwksUri: 'http://signet.internal/keys' })).toThrow(/must be https/);
    expect(() => createVerifier({ ...base, issuer: 'http://signet.internal/t/v2.0', allowHttp: true })).not.toThrow();
    expect(() => createVerifier({ ...base, clockTolerance: -1 })).toThrow(TypeError);
  });
});
