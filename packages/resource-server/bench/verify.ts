// How many requests per second the helper lets through on one core: authenticate() alone (verify an RS256 token
// with a local key set, check a requirement) and through Fastify's inject with the requireAuth preHandler.
// Run: node packages/resource-server/bench/verify.ts [seconds per figure, default 3]
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { authenticate } from '../src/authenticate.ts';
import { requireAuth, signetAuth } from '../src/fastify.ts';
import { requirement } from '../src/requirement.ts';
import { createVerifier } from '../src/verifier.ts';

const seconds = Number(process.argv[2] ?? 3);
const issuer = 'https://signet.example/t/v2.0';
const audience = 'api://orders';
const { publicKey, privateKey } = await generateKeyPair('RS256');
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({
  sub: 'user-1',
  scope: 'orders.read',
  acr: 'phr',
  amr: ['pop', 'hwk'],
  auth_time: now,
})
  .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
  .setIssuer(issuer)
  .setAudience(audience)
  .setIssuedAt(now)
  .setExpirationTime(now + 3600)
  .sign(privateKey);
const authorization = `Bearer ${token}`;
const weak = `Bearer ${await new SignJWT({
  sub: 'user-1',
  scope: 'orders.read',
  acr: 'pwd',
  amr: ['pwd'],
  auth_time: now,
})
  .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
  .setIssuer(issuer)
  .setAudience(audience)
  .setExpirationTime(now + 3600)
  .sign(privateKey)}`;

async function rate(name: string, once: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 200; i++) await once();
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    await once();
    n++;
  }
  const perSecond = Math.round(n / ((performance.now() - start) / 1000));
  console.log(`${name.padEnd(52)} ${perSecond.toLocaleString('en')} /s`);
}

const verifier = createVerifier({ issuer, audience, jwks });
const rule = requirement({ acr: ['phr'], maxAge: 300, scopes: ['orders.read'] });
await rate('authenticate() (RS256 verify + requirement)', async () => {
  const r = await authenticate(verifier, authorization, rule);
  if (!r.ok) throw new Error(r.reason);
});

const app = Fastify();
await app.register(signetAuth, { verifier });
app.get('/orders', { preHandler: requireAuth({ acr: ['phr'], maxAge: 300, scopes: ['orders.read'] }) }, async () => ({
  ok: 1,
}));
app.get('/plain', async () => ({ ok: 1 }));
await app.ready();
await rate('Fastify inject, no requireAuth (baseline)', () => app.inject({ url: '/plain' }));
await rate('Fastify inject, requireAuth({ acr, maxAge, scopes })', async () => {
  const res = await app.inject({ url: '/orders', headers: { authorization } });
  if (res.statusCode !== 200) throw new Error(String(res.statusCode));
});
await rate('Fastify inject, refused: step-up challenge (acr pwd)', async () => {
  const res = await app.inject({ url: '/orders', headers: { authorization: weak } });
  if (res.statusCode !== 401) throw new Error(String(res.statusCode));
});
await rate('Fastify inject, refused: signature does not verify', async () => {
  const res = await app.inject({ url: '/orders', headers: { authorization: `${authorization}x` } });
  if (res.statusCode !== 401) throw new Error(String(res.statusCode));
});
await app.close();
