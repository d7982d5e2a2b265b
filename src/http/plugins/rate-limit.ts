// Per-address rate limits (issue 8) on the routes anyone may call without a session: the sign-in posts that check a
// guessable secret (password, TAP, one-time codes: class `signin`) and the ceremony and protocol posts (passkey
// options and verification, the token endpoint, the FIDO binding: class `ceremony`). A token bucket per client
// address (req.ip, as resolved behind trusted proxies, server.ts; an IPv6 address by its /64) and class; over budget, 429 with Retry-After and
// RATE_LIMITED, before the body is read.
//
// A refused request is not a sign-in attempt for the sign-in log: its body (and so the name) is never read, and
// under a flood the log would become the cost the limit is there to avoid; the request's log line and the
// http metrics carry the 429 and the code.
//
// Kept per process, in memory, on purpose: the budget is a flood and spraying brake, checked on every request of
// the hot sign-in path, where a database write per request would cost more than the sign-in itself. What must
// hold across processes, the per-account guess limit, is smart lockout's and lives in the database
// (flows/smart-lockout.ts). With N processes behind a balancer an address gets up to N budgets: size them so.
//
// Defaults (SIGNET_RATE_LIMIT_SIGNIN, SIGNET_RATE_LIMIT_CEREMONY: "perMinute" or "perMinute:burst", 0 for off):
// signin 300 a minute with bursts of 300, enough for an office behind one address at nine in the morning;
// ceremony 600,000 a minute (10,000 a second) with bursts of 20,000, which bench/passkey-signin.ts (about 2,000
// requests a second from one address) never reaches, so that the passkey path is not slowed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SignetError } from '../../core/errors.ts';
import { type Bucket, budgetKeyOf, isFull, type RateLimitRule, takeToken } from '../../core/rate-limit.ts';
import { sendError } from './errors.ts';

export type RateLimitClass = 'signin' | 'ceremony';
export type RateLimits = Record<RateLimitClass, RateLimitRule>;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  signin: { perMinute: 300, burst: 300 },
  ceremony: { perMinute: 600_000, burst: 20_000 },
};

const VARIABLES: Record<RateLimitClass, string> = {
  signin: 'SIGNET_RATE_LIMIT_SIGNIN',
  ceremony: 'SIGNET_RATE_LIMIT_CEREMONY',
};

/** SIGNET_RATE_LIMIT_*: "perMinute" (the burst the same) or "perMinute:burst"; 0 turns the class off. */
export function parseRateLimits(env: Record<string, string | undefined>): RateLimits {
  const out = { ...DEFAULT_RATE_LIMITS };
  for (const c of Object.keys(VARIABLES) as RateLimitClass[]) {
    const raw = env[VARIABLES[c]];
    if (raw === undefined || raw === '') continue;
    const m = /^(\d{1,9})(?::(\d{1,9}))?$/.exec(raw.trim());
    const perMinute = m ? Number(m[1]) : Number.NaN;
    const burst = m?.[2] !== undefined ? Number(m[2]) : perMinute;
    if (!m || (perMinute > 0 && burst < 1))
      throw new SignetError('CONFIG_INVALID', {
        variable: VARIABLES[c],
        reason: `${VARIABLES[c]} must be requests a minute, optionally with a burst ("300" or "300:50"; 0 for no limit), got "${raw}"`,
      });
    out[c] = { perMinute, burst };
  }
  return out;
}

/** Which budget a request draws on, or none (pages, the admin API behind its tokens, operations). */
export function rateLimitClassOf(method: string, routeUrl: string | undefined, url: string): RateLimitClass | null {
  if (method !== 'POST') return null;
  if (routeUrl?.startsWith('/:tenant/signin/passkey')) return 'ceremony';
  if (routeUrl?.startsWith('/:tenant/signin/')) return 'signin';
  if (routeUrl?.startsWith('/:tenant/fido2/')) return 'ceremony';
  if (routeUrl === '/:tenant/oauth2/*' && /\/oauth2\/v2\.0\/(token|par)$/.test(url.split('?', 1)[0] ?? ''))
    return 'ceremony';
  return null;
}

/** Buckets beyond this many are swept of the full ones (an address that stopped asking costs nothing to forget). */
const SWEEP_AT = 50_000;
/** At most one sweep a second, so that a crowd of addresses cannot make every request walk the map. */
const SWEEP_EVERY_MS = 1000;
/** Past this many even after a sweep, the first seen are forgotten down to half: memory stays bounded, at worst a fresh budget. */
const MAX_BUCKETS = 200_000;

export function rateLimit(app: FastifyInstance, opts: { limits?: RateLimits; now?: () => number } = {}): void {
  const limits = opts.limits ?? DEFAULT_RATE_LIMITS;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  let sweptAt = 0;
  const sweep = (t: number) => {
    if (t - sweptAt < SWEEP_EVERY_MS) return;
    sweptAt = t;
    for (const [key, b] of buckets) {
      const rule = limits[key.slice(0, key.indexOf(' ')) as RateLimitClass];
      if (isFull(b, rule, t)) buckets.delete(key);
    }
    if (buckets.size <= MAX_BUCKETS) return;
    for (const key of buckets.keys()) {
      if (buckets.size <= MAX_BUCKETS / 2) break;
      buckets.delete(key);
    }
  };
  // A callback hook, not an async one: it runs on every request, the passkey sign-in's among them, and most
  // requests need no promise at all.
  app.addHook('onRequest', (req: FastifyRequest, reply, done) => {
    const cls = rateLimitClassOf(req.method, req.routeOptions.url, req.url);
    if (!cls || limits[cls].perMinute <= 0) return done();
    const key = `${cls} ${budgetKeyOf(req.ip ?? 'unknown')}`;
    const t = now();
    const take = takeToken(buckets.get(key), limits[cls], t);
    buckets.set(key, take.bucket);
    if (buckets.size > SWEEP_AT) sweep(t);
    if (take.ok) return done();
    const seconds = Math.max(1, Math.ceil(take.retryAfterMs / 1000));
    reply.header('retry-after', String(seconds));
    // The answer is sent here, and the request goes no further: done is not called.
    sendError(req, reply, new SignetError('RATE_LIMITED', { retryAfterSeconds: String(seconds) }));
  });
}
